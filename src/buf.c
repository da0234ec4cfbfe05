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

size_t buf_utf8_len(const unsigned char *s, size_t n, bool c1_ok)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf; /* the second byte's range */
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4;
    else
        return 0;
    if (c == 0xc2 && !c1_ok)
        lo = 0xa0; /* U+0080..U+009F: C1 controls, which terminals obey */
    else if (c == 0xe0)
        lo = 0xa0; /* overlong */
    else if (c == 0xed)
        hi = 0x9f; /* surrogates */
    else if (c == 0xf0)
        lo = 0x90; /* overlong */
    else if (c == 0xf4)
        hi = 0x8f; /* above U+10FFFF */
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

int buf_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The next unit of s[0, n): *in bytes of input, the return value bytes of
 * output (the same bytes, or one "\xHH"). */
static size_t esc_unit(const unsigned char *s, size_t n, unsigned flags, size_t *in)
{
    unsigned char c = s[0];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' &&
        !(c == ' ' && (flags & BUF_ESC_SPACE))) {
        *in = 1;
        return 1;
    }
    size_t u = c >= 0x80 && (flags & BUF_ESC_UTF8) ? buf_utf8_len(s, n, false) : 0;
    *in = u ? u : 1;
    return u ? u : (flags & BUF_ESC_JSON) ? 6 : 4;
}

bool buf_put_escaped(struct buf *b, const char *s, size_t n, size_t max, unsigned flags)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s;
    size_t total = 0, in;
    for (size_t i = 0; i < n && total <= max; i += in)
        total += esc_unit(p + i, n - i, flags, &in);
    size_t room = total <= max ? max : max < 3 ? 0 : max - 3;
    size_t used = 0, i = 0;
    for (; i < n; i += in) {
        size_t out = esc_unit(p + i, n - i, flags, &in);
        if (used + out > room)
            break;
        char esc[6] = {'\\', 'x', hex[p[i] >> 4], hex[p[i] & 15]};
        if (flags & BUF_ESC_JSON)
            memcpy(esc, (char[6]){'\\', 'u', '0', '0', hex[p[i] >> 4], hex[p[i] & 15]},
                   6);
        if (!buf_append(b, out == in ? s + i : esc, out))
            return false;
        used += out;
    }
    return i == n || buf_append(b, "...", 3);
}

const char *buf_escape_str(char *out, size_t cap, const char *s)
{
    struct buf b;
    buf_init(&b, out, cap);
    buf_put_escaped(&b, s, strlen(s), cap ? cap - 1 : 0, BUF_ESC_UTF8);
    return out;
}
