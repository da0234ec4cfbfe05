/* buf.c - bounded appends into caller-owned memory.
 *
 * Owns: the rule that a buffer is either complete or flagged as overflowed.
 * Never allocates, never does I/O.  The whole-or-nothing append keeps output
 * well formed (no half escape sequences) when space runs out. */
#include "buf.h"

#include <string.h>

void buf_init(struct buf *b, char *mem, size_t cap)
{
    b->data = mem;
    b->len = 0;
    b->cap = cap ? cap - 1 : 0; /* keep room for the terminating NUL */
    b->overflow = false;
    if (cap)
        mem[0] = '\0';
}

bool buf_append(struct buf *b, const char *s, size_t n)
{
    if (b->overflow || n > b->cap - b->len) {
        b->overflow = true;
        return false;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

bool buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

bool buf_putc(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

bool buf_putu(struct buf *b, uint64_t v, int width)
{
    char tmp[24];
    int i = (int)sizeof(tmp);
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while ((int)sizeof(tmp) - i < width && i > 0)
        tmp[--i] = '0';
    return buf_append(b, tmp + i, sizeof(tmp) - (size_t)i);
}

bool buf_puthex(struct buf *b, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    int i = (int)sizeof(tmp);
    do {
        tmp[--i] = digits[v & 15];
        v >>= 4;
    } while (v);
    return buf_append(b, tmp + i, sizeof(tmp) - (size_t)i);
}

bool buf_put_ymd(struct buf *b, const struct tm *tm, char sep)
{
    buf_putu(b, (uint64_t)tm->tm_year + 1900, 4);
    buf_putc(b, sep);
    buf_putu(b, (uint64_t)tm->tm_mon + 1, 2);
    buf_putc(b, sep);
    return buf_putu(b, (uint64_t)tm->tm_mday, 2);
}

bool buf_put_hms(struct buf *b, const struct tm *tm, bool seconds)
{
    buf_putu(b, (uint64_t)tm->tm_hour, 2);
    buf_putc(b, ':');
    buf_putu(b, (uint64_t)tm->tm_min, 2);
    if (seconds) {
        buf_putc(b, ':');
        buf_putu(b, (uint64_t)tm->tm_sec, 2);
    }
    return !b->overflow;
}

const char *buf_month_name(int mon)
{
    static const char names[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    return mon >= 0 && mon < 12 ? names[mon] : "???";
}

bool buf_put_html(struct buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        }
        if (!(rep ? buf_puts(b, rep) : buf_putc(b, s[i])))
            return false;
    }
    return true;
}

static bool url_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
}

bool buf_put_urlenc(struct buf *b, const char *s, size_t n)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (url_unreserved(c)) {
            if (!buf_putc(b, (char)c))
                return false;
        } else {
            char esc[3] = {'%', digits[c >> 4], digits[c & 15]};
            if (!buf_append(b, esc, 3))
                return false;
        }
    }
    return true;
}
