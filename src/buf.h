/* buf.h - a fixed-capacity byte buffer that reports truncation.
 *
 * The caller owns the memory; buf never allocates.  Every append either fits
 * whole or sets `overflow` and leaves the buffer as it was, so truncation is
 * always visible to the caller and never silent. */
#ifndef MH_BUF_H
#define MH_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;    /* bytes usable; data[len] = '\0' is kept when cap > len */
    bool overflow; /* an append did not fit */
};

void buf_init(struct buf *b, char *mem, size_t cap);
bool buf_append(struct buf *b, const char *s, size_t n);
bool buf_puts(struct buf *b, const char *s);
bool buf_putc(struct buf *b, char c);
/* Decimal of an unsigned number, zero-padded to at least `width` digits. */
bool buf_putu(struct buf *b, uint64_t v, int width);
/* Lower-case hexadecimal of v, no prefix. */
bool buf_puthex(struct buf *b, uint64_t v);
/* Pieces of dates, shared by HTTP dates, the logs and listings:
 * "yyyy<sep>mm<sep>dd", "hh:mm[:ss]", and "Jan".."Dec". */
bool buf_put_ymd(struct buf *b, const struct tm *tm, char sep);
bool buf_put_hms(struct buf *b, const struct tm *tm, bool seconds);
const char *buf_month_name(int mon);
/* Text with & < > " ' replaced by entities, for HTML text and attributes. */
bool buf_put_html(struct buf *b, const char *s, size_t n);
/* Percent-encode every byte outside RFC 3986 unreserved and '/'. */
bool buf_put_urlenc(struct buf *b, const char *s, size_t n);

/* Keep valid UTF-8 (other than C1 controls) as it is: see buf_put_escaped. */
#define BUF_ESC_UTF8 1u
/* Escape as JSON does, "\u00HH" (the byte as U+00HH), not "\xHH". */
#define BUF_ESC_JSON 2u
/* Escape the space too ("\x20"): a field that must stay one word. */
#define BUF_ESC_SPACE 4u

/* Text made safe for a log line or a message on a terminal, as nginx logs
 * it: '"', the backslash, bytes below 0x20 and bytes from 0x7f up as "\xHH"
 * (upper-case hex).  With BUF_ESC_UTF8 a valid UTF-8 sequence is kept, unless
 * it encodes a C1 control (U+0080..U+009F); the bytes of an invalid one are
 * escaped one by one.  An escaped form longer than max bytes is cut to at
 * most max, the last three being "...", never inside an escape or a
 * character (with max below 3, just "...").  Returns false, b->overflow
 * set, when b cannot hold that: the output then ends at a whole unit,
 * without "...". */
bool buf_put_escaped(struct buf *b, const char *s, size_t n, size_t max,
                     unsigned flags);
/* The string s, escaped with BUF_ESC_UTF8 into out (cap bytes, at least 4)
 * and cut with "..." to fit: a text quoted in a message.  Returns out. */
const char *buf_escape_str(char *out, size_t cap, const char *s);

/* The length of the valid UTF-8 sequence at s[0, n) (1 for ASCII, 2 to 4),
 * or 0: a stray or missing continuation byte, an overlong form, a
 * surrogate, a code point above U+10FFFF (RFC 3629), or with !c1_ok a C1
 * control (U+0080..U+009F, which terminals obey). */
size_t buf_utf8_len(const unsigned char *s, size_t n, bool c1_ok);

/* The value of a hex digit (either case), or -1. */
int buf_hex_digit(char c);

#endif
