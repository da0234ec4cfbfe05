/* path.c - decode once, normalise, refuse what could escape.
 *
 * Owns: the meaning of a request path.  One pass decodes %XX (once: "%252e"
 * is the literal "%2e"), a second splits on '/' and applies "." and ".."
 * (RFC 3986 5.2.4).  A ".." above "/" is refused, not clamped, so a request
 * that tried to climb is answered 400 rather than served something else.
 * Pure: no I/O, no allocation. */
#include "path.h"

#include <string.h>

/* Decode raw into out, refusing bytes no file name of ours may hold. */
static enum path_result decode(const char *raw, size_t len, char *out, size_t cap,
                               size_t *outlen)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)raw[i];
        bool encoded = false;
        if (c == '%') {
            if (i + 2 >= len)
                return PATH_BAD_ESCAPE;
            int hi = buf_hex_digit(raw[i + 1]), lo = buf_hex_digit(raw[i + 2]);
            if (hi < 0 || lo < 0)
                return PATH_BAD_ESCAPE;
            c = (unsigned char)(hi * 16 + lo);
            encoded = true;
            i += 2;
        }
        if (c == '\0')
            return PATH_NUL;
        if (c < 0x20 || c == 0x7f)
            return PATH_CONTROL;
        if (c == '\\')
            return PATH_BACKSLASH;
        if (c == '/' && encoded)
            return PATH_ENCODED_SLASH;
        if (n + 1 >= cap)
            return PATH_TOO_LONG;
        out[n++] = (char)c;
    }
    *outlen = n;
    return PATH_OK;
}

enum path_result path_resolve(const char *raw, size_t len, struct path_out *out)
{
    if (len == 0 || raw[0] != '/')
        return PATH_NOT_ABSOLUTE;
    if (out->cap < 2)
        return PATH_TOO_LONG;

    /* Decode in place in the output buffer, then normalise in place: the
     * normalised path is never longer than the decoded one. */
    char *p = out->buf;
    size_t n;
    enum path_result r = decode(raw, len, p, out->cap, &n);
    if (r != PATH_OK)
        return r;

    size_t w = 0; /* write position; p[0, w) is the result so far */
    size_t i = 0;
    bool dir = false;
    while (i < n) {
        while (i < n && p[i] == '/')
            i++;
        size_t b = i;
        while (i < n && p[i] != '/')
            i++;
        size_t seglen = i - b;
        dir = (i == n && seglen == 0) || (i < n);
        if (seglen == 0)
            continue;
        if (seglen == 1 && p[b] == '.') {
            dir = true;
            continue;
        }
        if (seglen == 2 && p[b] == '.' && p[b + 1] == '.') {
            if (w == 0)
                return PATH_ESCAPES_ROOT;
            while (w > 0 && p[w - 1] != '/')
                w--;
            w--; /* the '/' before the popped segment */
            dir = true;
            continue;
        }
        p[w++] = '/';
        memmove(p + w, p + b, seglen);
        w += seglen;
    }
    if (w == 0)
        p[w++] = '/';
    p[w] = '\0';
    out->len = w;
    out->trailing_slash = dir || w == 1;
    return PATH_OK;
}

const char *path_relative(const struct path_out *out)
{
    return out->len <= 1 ? "." : out->buf + 1;
}

int path_is_hidden(const char *path, size_t len)
{
    static const char wk[] = "/.well-known";
    size_t i = 0;
    if (len >= sizeof(wk) - 1 && !memcmp(path, wk, sizeof(wk) - 1) &&
        (len == sizeof(wk) - 1 || path[sizeof(wk) - 1] == '/'))
        i = sizeof(wk) - 1;
    for (; i + 1 < len; i++)
        if (path[i] == '/' && path[i + 1] == '.')
            return 1;
    return 0;
}

bool path_name_servable(const char *name, size_t len)
{
    if (len == 0 || (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.'))))
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        /* the bytes decode() refuses, and '/', a separator or %2f */
        if (c < 0x20 || c == 0x7f || c == '\\' || c == '/')
            return false;
    }
    return true;
}

const char *path_extension(const char *path, size_t len, size_t *ext_len)
{
    size_t i = len;
    while (i > 0 && path[i - 1] != '/' && path[i - 1] != '.')
        i--;
    /* i is just after a '.' or a '/' (or 0); a dot must not start the name */
    if (i < 2 || path[i - 1] != '.' || path[i - 2] == '/' || i == len)
        return NULL;
    *ext_len = len - i;
    return path + i;
}

/* RFC 3986 query characters other than '%'. */
static bool query_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("-._~!$&'()*+,;=:@/?", c));
}

bool path_put_query(struct buf *b, const char *q, size_t len)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)q[i];
        if (c == '%' && i + 2 < len && buf_hex_digit(q[i + 1]) >= 0 &&
            buf_hex_digit(q[i + 2]) >= 0) {
            buf_append(b, q + i, 3);
            i += 2;
        } else if (query_char(c)) {
            buf_putc(b, (char)c);
        } else {
            char esc[3] = {'%', digits[c >> 4], digits[c & 15]};
            buf_append(b, esc, 3);
        }
    }
    return !b->overflow;
}
