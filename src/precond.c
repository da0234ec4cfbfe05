/* precond.c - validators: format them, parse them, compare them.
 *
 * Owns: the byte-exact form of HTTP dates and entity tags, and the rules of
 * conditional requests.  Formats and parses by hand (no strftime, strptime
 * or timegm) so nothing depends on the locale or the time zone.  Pure. */
#include "precond.h"

#include <stdbool.h>
#include <string.h>

#include "buf.h"

static const char wdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

int httpdate_format(time_t t, char out[HTTPDATE_LEN])
{
    struct tm tm;
    struct buf b;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0)
        return -1;
    buf_init(&b, out, HTTPDATE_LEN);
    buf_append(&b, wdays[tm.tm_wday], 3);
    buf_puts(&b, ", ");
    buf_putu(&b, (uint64_t)tm.tm_mday, 2);
    buf_putc(&b, ' ');
    buf_puts(&b, buf_month_name(tm.tm_mon));
    buf_putc(&b, ' ');
    buf_putu(&b, (uint64_t)tm.tm_year + 1900, 4);
    buf_putc(&b, ' ');
    buf_put_hms(&b, &tm, true);
    buf_puts(&b, " GMT");
    return b.overflow ? -1 : 0;
}

void etag_format(uint64_t ino, uint64_t size, int64_t mtime_sec, long mtime_nsec,
                 char out[ETAG_LEN])
{
    struct buf b;
    buf_init(&b, out, ETAG_LEN);
    buf_putc(&b, '"');
    buf_puthex(&b, ino);
    buf_putc(&b, '-');
    buf_puthex(&b, size);
    buf_putc(&b, '-');
    buf_puthex(&b, (uint64_t)mtime_sec * 1000000000u + (uint64_t)mtime_nsec);
    buf_putc(&b, '"');
}

/* --- parsing HTTP dates --- */

struct cursor {
    const char *p, *end;
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool take(struct cursor *c, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(c->end - c->p) < n || strncmp(c->p, lit, n) != 0)
        return false;
    c->p += n;
    return true;
}

/* Exactly `digits` decimal digits (or 1..digits when `min` is 1). */
static bool take_num(struct cursor *c, int min, int digits, int *out)
{
    int v = 0, n = 0;
    while (n < digits && c->p < c->end && is_digit(*c->p)) {
        v = v * 10 + (*c->p++ - '0');
        n++;
    }
    *out = v;
    return n >= min;
}

static bool take_month(struct cursor *c, int *mon)
{
    for (int m = 0; m < 12; m++)
        if (take(c, buf_month_name(m))) {
            *mon = m;
            return true;
        }
    return false;
}

static bool take_weekday(struct cursor *c, bool long_form, int *wday)
{
    static const char *const longnames[7] = {
        "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
    static const char *const shortnames[7] = {"Sun", "Mon", "Tue", "Wed",
                                              "Thu", "Fri", "Sat"};
    for (int d = 0; d < 7; d++)
        if (take(c, long_form ? longnames[d] : shortnames[d])) {
            *wday = d;
            return true;
        }
    return false;
}

static bool take_clock(struct cursor *c, int *h, int *m, int *s)
{
    return take_num(c, 2, 2, h) && take(c, ":") && take_num(c, 2, 2, m) &&
           take(c, ":") && take_num(c, 2, 2, s);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool valid_fields(int year, int mon, int day, int h, int m, int s)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (mon < 0 || mon > 11 || day < 1 || day > mdays[mon] || h > 23 || m > 59 ||
        s > 60)
        return false;
    return !(mon == 1 && day == 29 && !leap);
}

int httpdate_parse(const char *s, size_t len, time_t *out)
{
    struct cursor c = {s, s + len};
    int day = 0, mon = 0, year = 0, h = 0, m = 0, sec = 0, wday = -1;
    bool ok;
    struct cursor probe = c;

    if (take_weekday(&probe, false, &wday) && take(&probe, ", ")) { /* IMF-fixdate */
        c = probe;
        ok = take_num(&c, 2, 2, &day) && take(&c, " ") && take_month(&c, &mon) &&
             take(&c, " ") && take_num(&c, 4, 4, &year) && take(&c, " ") &&
             take_clock(&c, &h, &m, &sec) && take(&c, " GMT");
    } else if (take_weekday(&c, true, &wday) && take(&c, ", ")) { /* RFC 850 */
        ok = take_num(&c, 2, 2, &day) && take(&c, "-") && take_month(&c, &mon) &&
             take(&c, "-") && take_num(&c, 2, 2, &year) && take(&c, " ") &&
             take_clock(&c, &h, &m, &sec) && take(&c, " GMT");
        year += year < 70 ? 2000 : 1900; /* RFC 9110: two-digit years, 50-year window */
    } else {                             /* asctime: "Sun Nov  6 08:49:37 1994" */
        c = (struct cursor){s, s + len};
        ok = take_weekday(&c, false, &wday) && take(&c, " ") && take_month(&c, &mon) &&
             take(&c, " ") && (take(&c, " ") || true) && take_num(&c, 1, 2, &day) &&
             take(&c, " ") && take_clock(&c, &h, &m, &sec) && take(&c, " ") &&
             take_num(&c, 4, 4, &year);
    }
    if (!ok || c.p != c.end || !valid_fields(year, mon, day, h, m, sec))
        return -1;
    int64_t days = days_from_civil(year, mon + 1, day);
    if ((days % 7 + 11) % 7 != wday) /* 1970-01-01 was a Thursday (4) */
        return -1;
    *out = (time_t)(days * 86400 + h * 3600 + m * 60 + (sec > 59 ? 59 : sec));
    return 0;
}

/* --- comparing entity tags --- */

/* The next entity tag of a list: sets *tag (with quotes) and *weak; returns
 * false at the end or on a malformed element. */
static bool next_etag(struct cursor *c, const char **tag, size_t *len, bool *weak)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == ','))
        c->p++;
    if (c->p == c->end)
        return false;
    *weak = take(c, "W/");
    if (c->p == c->end || *c->p != '"')
        return false;
    const char *close = memchr(c->p + 1, '"', (size_t)(c->end - c->p - 1));
    if (!close)
        return false;
    *tag = c->p;
    *len = (size_t)(close + 1 - c->p);
    c->p = close + 1;
    return true;
}

/* Weak comparison: any tag in the list whose opaque part equals etag's. */
static bool etag_list_matches(const char *list, const char *etag)
{
    struct cursor c = {list, list + strlen(list)};
    while (c.p < c.end && (*c.p == ' ' || *c.p == '\t'))
        c.p++;
    if (c.end - c.p == 1 && *c.p == '*')
        return true;
    const char *tag;
    size_t len, elen = strlen(etag);
    bool weak;
    while (next_etag(&c, &tag, &len, &weak))
        if (len == elen && memcmp(tag, etag, len) == 0)
            return true;
    return false;
}

enum precond_result precond_evaluate(const char *if_none_match,
                                     const char *if_mod_since, const char *etag,
                                     time_t last_modified)
{
    if (if_none_match)
        return etag_list_matches(if_none_match, etag) ? PRECOND_NOT_MODIFIED
                                                      : PRECOND_SEND;
    time_t since;
    if (if_mod_since &&
        httpdate_parse(if_mod_since, strlen(if_mod_since), &since) == 0 &&
        last_modified <= since)
        return PRECOND_NOT_MODIFIED;
    return PRECOND_SEND;
}

int precond_if_range(const char *if_range, const char *etag, time_t last_modified)
{
    if (!if_range)
        return 1;
    if (if_range[0] == '"' || !strncmp(if_range, "W/", 2)) /* strong comparison */
        return !strncmp(if_range, "\"", 1) && !strcmp(if_range, etag);
    time_t t;
    return httpdate_parse(if_range, strlen(if_range), &t) == 0 && t == last_modified;
}
