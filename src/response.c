/* response.c - formats the head of a response into a bounded buffer.
 *
 * Owns: the bytes of the status line and header block, and the rule that
 * nothing a header carries can end the head early (no CR, LF or NUL in a
 * value, only token characters in a name).  Pure: no I/O, no allocation;
 * the caller owns the memory and decides which headers a response has. */
#include "response.h"

#include <string.h>

#include "buf.h"

void response_init(struct response *r, char *mem, size_t cap)
{
    r->mem = mem;
    r->cap = cap;
    response_reset(r);
}

void response_reset(struct response *r)
{
    r->len = 0;
    r->bad = r->cap <= RESPONSE_LINE_MAX + 2;
}

/* RFC 9110 5.6.2 tchar. */
static bool is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!is_tchar((unsigned char)*s))
            return false;
    return true;
}

/* Append to the header area; the last 2 bytes stay free for the empty line. */
static bool put(struct response *r, const char *s, size_t n)
{
    size_t room = r->cap - RESPONSE_LINE_MAX - 2 - r->len;
    if (r->bad || n > room) {
        r->bad = true;
        return false;
    }
    memcpy(r->mem + RESPONSE_LINE_MAX + r->len, s, n);
    r->len += n;
    return true;
}

static bool put_line(struct response *r, const char *name, const char *value,
                     size_t vlen)
{
    if (!is_token(name) || memchr(value, '\r', vlen) || memchr(value, '\n', vlen)) {
        r->bad = true;
        return false;
    }
    size_t before = r->len;
    if (put(r, name, strlen(name)) && put(r, ": ", 2) && put(r, value, vlen) &&
        put(r, "\r\n", 2))
        return true;
    r->len = before;
    return false;
}

bool response_header(struct response *r, const char *name, const char *value)
{
    return put_line(r, name, value, strlen(value));
}

bool response_header_u(struct response *r, const char *name, uint64_t value)
{
    char num[24];
    struct buf b;
    buf_init(&b, num, sizeof(num));
    buf_putu(&b, value, 1);
    return put_line(r, name, num, b.len);
}

bool response_lines(struct response *r, const char *lines, size_t n)
{
    return put(r, lines, n);
}

const char *response_finish(struct response *r, int status, const char *reason,
                            size_t *len)
{
    char line[RESPONSE_LINE_MAX + 1];
    struct buf b;
    buf_init(&b, line, sizeof(line));
    buf_puts(&b, "HTTP/1.1 ");
    buf_putu(&b, status < 0 || status > 999 ? 0 : (uint64_t)status, 3);
    buf_putc(&b, ' ');
    buf_puts(&b, reason);
    buf_puts(&b, "\r\n");
    if (r->bad || b.overflow || b.len > RESPONSE_LINE_MAX || strpbrk(reason, "\r\n"))
        return NULL;
    char *start = r->mem + RESPONSE_LINE_MAX - b.len;
    memcpy(start, line, b.len);
    memcpy(r->mem + RESPONSE_LINE_MAX + r->len, "\r\n", 2);
    *len = b.len + r->len + 2;
    return start;
}
