/* clf.c - format access-log lines.
 *
 * Owns: the byte-exact Combined Log Format line, and its bound: a line is at
 * most MH_LOG_LINE_MAX bytes, so a worker writes each with one write() that
 * cannot interleave with another's.  Pure: formats into the caller's memory. */
#include "clf.h"

#include <string.h>

#include "bounds.h"
#include "buf.h"

/* Escape s into b (see buf_put_escaped; "-" when empty).  A field whose
 * escaped form is over max bytes is cut to max bytes, the last three "...". */
static void put_field(struct buf *b, const char *s, size_t max)
{
    if (!s || !*s) {
        buf_putc(b, '-');
        return;
    }
    buf_put_escaped(b, s, strlen(s), max, 0);
}

static void put_time(struct buf *b, time_t t)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        buf_puts(b, "[01/Jan/1970:00:00:00 +0000]");
        return;
    }
    buf_putc(b, '[');
    buf_putu(b, (uint64_t)tm.tm_mday, 2);
    buf_putc(b, '/');
    buf_puts(b, buf_month_name(tm.tm_mon));
    buf_putc(b, '/');
    buf_putu(b, (uint64_t)tm.tm_year + 1900, 4);
    buf_putc(b, ':');
    buf_put_hms(b, &tm, true);
    buf_puts(b, " +0000]");
}

static uint64_t digit(int v)
{
    return (uint64_t)(v >= 0 && v <= 9 ? v : 0);
}

/* Every field at its longest fits MH_LOG_LINE_MAX: three long fields, three
 * short ones (client, user, method) and 206 bytes of the rest. */
_Static_assert(3 * MH_LOG_FIELD_MAX + 3 * MH_LOG_SHORT_FIELD_MAX + 206 <=
                   MH_LOG_LINE_MAX,
               "a combined access-log line fits MH_LOG_LINE_MAX");

/* The user field: escaped, a space too, so that it stays one word for
 * the tools that split the line at spaces. */
static void put_user(struct buf *b, const char *s)
{
    if (!s || !*s)
        buf_putc(b, '-');
    else
        buf_put_escaped(b, s, strlen(s), MH_LOG_SHORT_FIELD_MAX, BUF_ESC_SPACE);
}

size_t clf_format(const struct access_record *r, char *out, size_t cap)
{
    struct buf b;
    if (cap < MH_LOG_LINE_MAX)
        return 0;
    buf_init(&b, out, cap);
    put_field(&b, r->client, MH_LOG_SHORT_FIELD_MAX);
    buf_puts(&b, " - ");
    put_user(&b, r->user);
    buf_putc(&b, ' ');
    put_time(&b, r->when);
    buf_puts(&b, " \"");
    if (!r->method && !r->target) { /* a request never parsed */
        buf_puts(&b, "-\" ");
    } else {
        put_field(&b, r->method, MH_LOG_SHORT_FIELD_MAX);
        buf_putc(&b, ' ');
        put_field(&b, r->target, MH_LOG_FIELD_MAX);
        buf_puts(&b, " HTTP/");
        buf_putu(&b, digit(r->http_major), 1);
        buf_putc(&b, '.');
        buf_putu(&b, digit(r->http_minor), 1);
        buf_puts(&b, "\" ");
    }
    buf_putu(&b, (uint64_t)(r->status > 0 && r->status < 1000 ? r->status : 0), 3);
    buf_putc(&b, ' ');
    if (r->bytes < 0)
        buf_putc(&b, '-');
    else
        buf_putu(&b, (uint64_t)r->bytes, 1);
    buf_puts(&b, " \"");
    put_field(&b, r->referer, MH_LOG_FIELD_MAX);
    buf_puts(&b, "\" \"");
    put_field(&b, r->user_agent, MH_LOG_FIELD_MAX);
    buf_puts(&b, "\"\n");
    return b.overflow ? 0 : b.len;
}

/* --- the JSON form --- */

/* Every field at its longest fits MH_LOG_LINE_MAX: three long fields, four
 * short ones, and 233 bytes of names, punctuation, time and numbers (a
 * 20-digit byte count, a 17-digit duration). */
_Static_assert(3 * MH_LOG_FIELD_MAX + 4 * MH_LOG_SHORT_FIELD_MAX + 240 <=
                   MH_LOG_LINE_MAX,
               "a JSON access-log line fits MH_LOG_LINE_MAX");

static void put_json(struct buf *b, const char *key, const char *s, size_t max)
{
    buf_putc(b, '"');
    buf_puts(b, key);
    buf_puts(b, "\":");
    if (!s) {
        buf_puts(b, "null");
        return;
    }
    buf_putc(b, '"');
    buf_put_escaped(b, s, strlen(s), max, BUF_ESC_UTF8 | BUF_ESC_JSON);
    buf_putc(b, '"');
}

size_t clf_format_json(const struct access_record *r, char *out, size_t cap)
{
    struct buf b;
    struct tm tm;
    if (cap < MH_LOG_LINE_MAX)
        return 0;
    buf_init(&b, out, cap);
    buf_puts(&b, "{\"time\":\"");
    if (!gmtime_r(&r->when, &tm))
        memset(&tm, 0, sizeof(tm));
    buf_put_ymd(&b, &tm, '-');
    buf_putc(&b, 'T');
    buf_put_hms(&b, &tm, true);
    buf_puts(&b, "+00:00\",");
    put_json(&b, "remote", r->client, MH_LOG_SHORT_FIELD_MAX);
    buf_putc(&b, ',');
    put_json(&b, "user", r->user, MH_LOG_SHORT_FIELD_MAX);
    buf_putc(&b, ',');
    bool parsed = r->method || r->target;
    put_json(&b, "method", r->method, MH_LOG_SHORT_FIELD_MAX);
    buf_putc(&b, ',');
    put_json(&b, "target", r->target, MH_LOG_FIELD_MAX);
    buf_puts(&b, ",\"protocol\":");
    if (parsed) {
        buf_puts(&b, "\"HTTP/");
        buf_putu(&b, digit(r->http_major), 1);
        buf_putc(&b, '.');
        buf_putu(&b, digit(r->http_minor), 1);
        buf_putc(&b, '"');
    } else {
        buf_puts(&b, "null");
    }
    buf_puts(&b, ",\"status\":");
    buf_putu(&b, (uint64_t)(r->status > 0 && r->status < 1000 ? r->status : 0), 1);
    buf_puts(&b, ",\"bytes\":");
    buf_putu(&b, (uint64_t)(r->bytes > 0 ? r->bytes : 0), 1);
    buf_putc(&b, ',');
    put_json(&b, "referer", r->referer, MH_LOG_FIELD_MAX);
    buf_putc(&b, ',');
    put_json(&b, "user_agent", r->user_agent, MH_LOG_FIELD_MAX);
    buf_putc(&b, ',');
    put_json(&b, "host", r->host, MH_LOG_SHORT_FIELD_MAX);
    buf_puts(&b, ",\"duration_ms\":");
    uint64_t us = (uint64_t)(r->duration_us > 0 ? r->duration_us : 0);
    buf_putu(&b, us / 1000, 1);
    buf_putc(&b, '.');
    buf_putu(&b, us % 1000, 3);
    buf_puts(&b, r->tls ? ",\"tls\":true}\n" : ",\"tls\":false}\n");
    return b.overflow ? 0 : b.len;
}
