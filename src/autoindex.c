/* autoindex.c - render a directory listing, as HTML or as JSON.
 *
 * Owns: the listing's HTML and JSON, their order and their escaping: in
 * HTML, names are escaped as HTML in text and percent-encoded in links (each
 * link starts with "./" so a name like "a:b" is never read as a URL scheme);
 * in JSON they are JSON strings, and a name that is not UTF-8 is left out.
 * Pure: the caller reads the directory (docroot.c decides which entries a
 * client could fetch) and owns the memory.  Never does I/O, never cuts an
 * output: a buffer too small is -1. */
#include "autoindex.h"

#include <stdlib.h>
#include <string.h>

static const char head1[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>Index of ";
static const char head2[] =
    "</title>\n<style>body{font:15px/1.5 system-ui,sans-serif;margin:2em auto;"
    "max-width:60em;padding:0 1em}table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:.2em .8em}td.n{text-align:right}"
    "tr:nth-child(even){background:#f4f4f4}a{text-decoration:none}"
    "@media(prefers-color-scheme:dark){body{background:#111;color:#ddd}"
    "tr:nth-child(even){background:#1c1c1c}a{color:#8cf}}</style>\n"
    "</head><body>\n<h1>Index of ";
static const char head3[] =
    "</h1>\n<table>\n<tr><th>Name</th><th>Size</th><th>Modified</th></tr>\n"
    "<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n";
static const char tail[] = "</table>\n</body></html>\n";

/* per entry, beyond the name: row markup, size and date */
#define ROW_OVERHEAD 160

size_t autoindex_bound(const struct autoindex_entry *e, size_t n, size_t path_len)
{
    size_t total = sizeof(head1) + sizeof(head2) + sizeof(head3) + sizeof(tail) +
                   2 * 6 * path_len + 1;
    for (size_t i = 0; i < n; i++)
        total += strlen(e[i].name) * (3 + 6) + ROW_OVERHEAD;
    return total;
}

static int cmp_entries(const void *a, const void *b)
{
    const struct autoindex_entry *x = a, *y = b;
    if (x->is_dir != y->is_dir)
        return x->is_dir ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void put_date(struct buf *b, time_t t)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        buf_puts(b, "-");
        return;
    }
    buf_put_ymd(b, &tm, '-');
    buf_putc(b, ' ');
    buf_put_hms(b, &tm, false);
}

static void put_row(struct buf *b, const struct autoindex_entry *e)
{
    size_t len = strlen(e->name);
    buf_puts(b, "<tr><td><a href=\"./");
    buf_put_urlenc(b, e->name, len);
    if (e->is_dir)
        buf_putc(b, '/');
    buf_puts(b, "\">");
    buf_put_html(b, e->name, len);
    if (e->is_dir)
        buf_putc(b, '/');
    buf_puts(b, "</a></td><td class=\"n\">");
    if (e->is_dir)
        buf_putc(b, '-');
    else
        buf_putu(b, e->size, 1);
    buf_puts(b, "</td><td>");
    put_date(b, e->mtime);
    buf_puts(b, "</td></tr>\n");
}

static void sort_entries(struct autoindex_entry *e, size_t n)
{
    if (n)
        qsort(e, n, sizeof(*e), cmp_entries);
}

int autoindex_render(const char *path, struct autoindex_entry *e, size_t n,
                     struct buf *out)
{
    size_t path_len = strlen(path);
    sort_entries(e, n);
    buf_puts(out, head1);
    buf_put_html(out, path, path_len);
    buf_puts(out, head2);
    buf_put_html(out, path, path_len);
    buf_puts(out, head3);
    for (size_t i = 0; i < n; i++)
        put_row(out, &e[i]);
    buf_puts(out, tail);
    return out->overflow ? -1 : 0;
}

/* --- JSON --- */

static const char j_name[] = "{\"name\": \"";
static const char j_type[] = "\", \"type\": \"";
static const char j_size[] = "\", \"size\": ";
static const char j_mtime[] = ", \"mtime\": ";
static const char j_end[] = "}";
static const char j_sep[] = ",\n";     /* before each row; the first has no ',' */
static const char j_close[] = "\n]\n"; /* "]\n" when there is no row */

/* the most an escaped name byte takes: a control byte as \u00xx */
#define J_ESC_MAX 6
/* the longest "type", size (UINT64_MAX) and mtime ("\"...Z\"" or null) */
#define J_TYPE_MAX  (sizeof("directory") - 1)
#define J_SIZE_MAX  20
#define J_MTIME_MAX (sizeof("\"9999-12-31T23:59:59Z\"") - 1)
#define J_ROW_FIXED                                                                    \
    (sizeof(j_sep) - 1 + sizeof(j_name) - 1 + sizeof(j_type) - 1 + J_TYPE_MAX +        \
     sizeof(j_size) - 1 + J_SIZE_MAX + sizeof(j_mtime) - 1 + J_MTIME_MAX +             \
     sizeof(j_end) - 1)

size_t autoindex_json_bound(const struct autoindex_entry *e, size_t n)
{
    size_t total = 1 + sizeof(j_close) - 1 + 1; /* '[', "\n]\n" and the NUL */
    for (size_t i = 0; i < n; i++)
        total += strlen(e[i].name) * J_ESC_MAX + J_ROW_FIXED;
    return total;
}

static int utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0, u; i < n; i += u)
        if ((u = buf_utf8_len(p + i, n - i, true)) == 0)
            return 0;
    return 1;
}

static void put_u00(struct buf *b, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
    buf_append(b, esc, sizeof(esc));
}

/* A valid UTF-8 name as the inside of a JSON string. */
static void put_json_str(struct buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)p[i]);
        } else if (p[i] < 0x20 || p[i] == 0x7f) {
            put_u00(b, p[i]);
        } else if (p[i] == 0xc2 && i + 1 < n && p[i + 1] < 0xa0) {
            put_u00(b, p[++i]); /* U+0080..U+009F, a C1 control */
        } else {
            buf_putc(b, (char)p[i]);
        }
    }
}

/* "yyyy-mm-ddThh:mm:ssZ" in quotes, or null outside the years 0000-9999. */
static void put_json_time(struct buf *b, time_t t)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
        buf_puts(b, "null");
        return;
    }
    buf_putc(b, '"');
    buf_put_ymd(b, &tm, '-');
    buf_putc(b, 'T');
    buf_put_hms(b, &tm, true);
    buf_puts(b, "Z\"");
}

static void put_json_row(struct buf *b, const struct autoindex_entry *e)
{
    buf_puts(b, j_name);
    put_json_str(b, e->name, strlen(e->name));
    buf_puts(b, j_type);
    buf_puts(b, e->is_dir ? "directory" : "file");
    buf_puts(b, j_size);
    buf_putu(b, e->is_dir ? 0 : e->size, 1);
    buf_puts(b, j_mtime);
    put_json_time(b, e->mtime);
    buf_puts(b, j_end);
}

int autoindex_render_json(struct autoindex_entry *e, size_t n, struct buf *out)
{
    size_t rows = 0;
    sort_entries(e, n);
    buf_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
        if (!utf8_valid(e[i].name, strlen(e[i].name)))
            continue; /* no JSON string names it: see autoindex.h */
        buf_puts(out, rows++ ? j_sep : j_sep + 1);
        put_json_row(out, &e[i]);
    }
    buf_puts(out, rows ? j_close : j_close + 1);
    return out->overflow ? -1 : 0;
}
