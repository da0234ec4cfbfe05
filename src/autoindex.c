/* autoindex.c - render a directory listing.
 *
 * Owns: the listing's HTML, its order and its escaping: names are escaped as
 * HTML in text and percent-encoded in links (each link starts with "./" so a
 * name like "a:b" is never read as a URL scheme).  Pure: the caller reads
 * the directory and owns the memory. */
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

int autoindex_render(const char *path, struct autoindex_entry *e, size_t n,
                     struct buf *out)
{
    size_t path_len = strlen(path);
    if (n)
        qsort(e, n, sizeof(*e), cmp_entries);
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
