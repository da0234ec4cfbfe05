/* test_autoindex.c - autoindex.c: the directory listing.  Order (the ".."
 * row first, then directories, then files, each in byte order), escaping of
 * names (HTML in text, percent-encoding in links, every link starting with
 * "./"), sizes and dates, the title, and autoindex_bound: a buffer of
 * exactly the bound always suffices, a small one gives -1.  The JSON form:
 * the empty array, the exact text of each row, the same order, escaping of
 * '"', '\\', control bytes and C1 controls, names that are not UTF-8 left out
 * (and kept in HTML), mtimes at the edges of the years 0000-9999, and
 * autoindex_json_bound with worst-case names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoindex.h"
#include "bounds.h"

static char page[1 << 20];

static void render_ok(const char *path, struct autoindex_entry *e, size_t n)
{
    struct buf b;
    buf_init(&b, page, sizeof(page));
    assert_int_equal(autoindex_render(path, e, n, &b), 0);
    assert_false(b.overflow);
    assert_int_equal(strlen(page), b.len);
}

/* Position of needle in page, failing when absent. */
static size_t pos(const char *needle)
{
    const char *p = strstr(page, needle);
    if (!p)
        print_error("missing: %s\n", needle);
    assert_non_null(p);
    return (size_t)(p - page);
}

static size_t count(const char *needle)
{
    size_t n = 0;
    for (const char *p = page; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void test_order(void **state)
{
    (void)state;
    struct autoindex_entry e[] = {
        {"b.txt", 0, 1, 0}, {"Zdir", 1, 0, 0},  {"a.txt", 0, 2, 0},
        {"adir", 1, 0, 0},  {"B.txt", 0, 3, 0}, {"\xc3\xa9t\xc3\xa9", 0, 4, 0},
        {"_x", 0, 5, 0},    {"10", 0, 6, 0},    {"9", 0, 7, 0},
    };
    render_ok("/d/", e, sizeof(e) / sizeof(e[0]));
    /* the array is sorted in place too */
    static const char *const order[] = {"Zdir",  "adir",  "10",
                                        "9",     "B.txt", "_x",
                                        "a.txt", "b.txt", "\xc3\xa9t\xc3\xa9"};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        assert_string_equal(e[i].name, order[i]);

    size_t prev = pos("<a href=\"../\">../</a>");
    static const char *const hrefs[] = {
        "href=\"./Zdir/\">Zdir/</a>",
        "href=\"./adir/\">adir/</a>",
        "href=\"./10\">10</a>",
        "href=\"./9\">9</a>",
        "href=\"./B.txt\">B.txt</a>",
        "href=\"./_x\">_x</a>",
        "href=\"./a.txt\">a.txt</a>",
        "href=\"./b.txt\">b.txt</a>",
        "href=\"./%C3%A9t%C3%A9\">\xc3\xa9t\xc3\xa9</a>",
    };
    for (size_t i = 0; i < sizeof(hrefs) / sizeof(hrefs[0]); i++) {
        size_t p = pos(hrefs[i]);
        assert_true(p > prev);
        prev = p;
    }
    assert_int_equal(count("<a href="), 10);
}

static void test_escaping(void **state)
{
    (void)state;
    struct autoindex_entry e[] = {
        {"<x>&\"'.txt", 0, 10, 0}, {"\xc3\xbcn\xc3\xaf code.txt", 0, 11, 0},
        {"a:b", 0, 12, 0},         {"q?#%.txt", 0, 13, 0},
        {"<d>", 1, 0, 0},
    };
    render_ok("/", e, sizeof(e) / sizeof(e[0]));
    pos("<a href=\"./%3Cx%3E%26%22%27.txt\">&lt;x&gt;&amp;&quot;&#39;.txt</a>");
    pos("<a href=\"./%C3%BCn%C3%AF%20code.txt\">\xc3\xbcn\xc3\xaf code.txt</a>");
    pos("<a href=\"./a%3Ab\">a:b</a>");
    pos("<a href=\"./q%3F%23%25.txt\">q?#%.txt</a>");
    pos("<a href=\"./%3Cd%3E/\">&lt;d&gt;/</a>");
    /* no raw name ever appears */
    assert_null(strstr(page, "<x>"));
    assert_null(strstr(page, "<d>"));
}

static void test_every_href_is_relative(void **state)
{
    (void)state;
    struct autoindex_entry e[] = {
        {"http:x", 0, 1, 0},
        {"javascript:alert(1)", 0, 1, 0},
        {"//evil", 1, 0, 0},
        {"a", 0, 1, 0},
    };
    render_ok("/x/", e, sizeof(e) / sizeof(e[0]));
    size_t hrefs = 0;
    for (const char *p = page; (p = strstr(p, "href=\"")); p += 6) {
        hrefs++;
        if (strncmp(p + 6, "../\"", 4) == 0)
            continue;
        assert_memory_equal(p + 6, "./", 2);
    }
    assert_int_equal(hrefs, 5);
}

static void test_rows_and_title(void **state)
{
    (void)state;
    struct autoindex_entry e[] = {
        {"file.bin", 0, 1234567890123ull, 1795819626}, /* 2026-11-27 22:47 */
        {"sub", 1, 4096, 0},
    };
    render_ok("/a&b/<c>/", e, 2);
    pos("<title>Index of /a&amp;b/&lt;c&gt;/</title>");
    pos("<h1>Index of /a&amp;b/&lt;c&gt;/</h1>");
    pos("<tr><td><a href=\"./file.bin\">file.bin</a></td><td class=\"n\">1234567890123"
        "</td><td>2026-11-27 22:47</td></tr>\n");
    pos("<tr><td><a href=\"./sub/\">sub/</a></td><td class=\"n\">-</td>"
        "<td>1970-01-01 00:00</td></tr>\n");
    assert_memory_equal(page, "<!DOCTYPE html>", 15);
    pos("<meta charset=\"utf-8\">");
    size_t n = strlen(page);
    assert_string_equal(page + n - strlen("</table>\n</body></html>\n"),
                        "</table>\n</body></html>\n");
}

static void test_empty_directory(void **state)
{
    (void)state;
    render_ok("/empty/", NULL, 0);
    assert_int_equal(count("<a href="), 1);
    pos("<a href=\"../\">../</a>");
}

/* A buffer of exactly autoindex_bound bytes is always enough. */
static void test_bound_suffices(void **state)
{
    (void)state;
    enum { N = 300 };
    static char names[N][256];
    static struct autoindex_entry e[N];
    static const char worst[] = "<>&\"'\x01 \xff";
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < 255; j++) /* '"' takes 6 + 3 bytes: the most */
            names[i][j] = i % 2 ? worst[(i + j) % (sizeof(worst) - 1)] : '"';
        names[i][255] = '\0';
        e[i].name = names[i];
        e[i].is_dir = (int)(i % 3 == 0);
        e[i].size = UINT64_MAX - i;
        e[i].mtime = i % 2 ? (time_t)253402300799       /* year 9999 */
                           : (time_t)67767976233316800; /* a 10-digit year */
    }
    char path[MH_URL_PATH_MAX];
    memset(path, '"', sizeof(path) - 2);
    path[0] = '/';
    path[sizeof(path) - 2] = '/';
    path[sizeof(path) - 1] = '\0';

    size_t bound = autoindex_bound(e, N, strlen(path));
    char *mem = malloc(bound);
    assert_non_null(mem);
    struct buf b;
    buf_init(&b, mem, bound);
    int r = autoindex_render(path, e, N, &b);
    size_t len = b.len;
    free(mem);
    assert_int_equal(r, 0);
    assert_false(b.overflow);
    assert_true(len < bound);

    /* a few names, short path */
    struct autoindex_entry few[] = {{"\"", 0, UINT64_MAX, 0}, {"'", 1, 0, 0}};
    bound = autoindex_bound(few, 2, 1);
    mem = malloc(bound);
    assert_non_null(mem);
    buf_init(&b, mem, bound);
    r = autoindex_render("/", few, 2, &b);
    free(mem);
    assert_int_equal(r, 0);
}

static void test_overflow(void **state)
{
    (void)state;
    struct autoindex_entry e[] = {{"a.txt", 0, 1, 0}, {"b.txt", 0, 1, 0}};
    char small[256];
    struct buf b;
    buf_init(&b, small, sizeof(small));
    assert_int_equal(autoindex_render("/", e, 2, &b), -1);
    assert_true(b.overflow);
    assert_true(b.len < sizeof(small));
    assert_int_equal(small[b.len], '\0');

    /* one byte short of the rendered size overflows too */
    render_ok("/", e, 2);
    size_t need = strlen(page) + 1;
    char *mem = malloc(need);
    assert_non_null(mem);
    buf_init(&b, mem, need);
    int ok = autoindex_render("/", e, 2, &b);
    buf_init(&b, mem, need - 1);
    int short_by_one = autoindex_render("/", e, 2, &b);
    free(mem);
    assert_int_equal(ok, 0);
    assert_int_equal(short_by_one, -1);
}

/* --- JSON --- */

static size_t json_len; /* of the last render_json_ok() */

static void render_json_ok(struct autoindex_entry *e, size_t n)
{
    struct buf b;
    buf_init(&b, page, sizeof(page));
    assert_int_equal(autoindex_render_json(e, n, &b), 0);
    assert_false(b.overflow);
    assert_int_equal(strlen(page), b.len);
    json_len = b.len;
}

static void test_json_empty(void **state)
{
    (void)state;
    render_json_ok(NULL, 0);
    assert_string_equal(page, "[]\n");
    assert_true(autoindex_json_bound(NULL, 0) >= sizeof("[]\n"));
    /* entries that are all left out give the empty array too */
    struct autoindex_entry e[] = {{"\xff", 0, 1, 0}, {"a\xc3", 1, 0, 0}};
    render_json_ok(e, 2);
    assert_string_equal(page, "[]\n");
}

static void test_json_rows_and_order(void **state)
{
    (void)state;
    struct autoindex_entry e[] = {
        {"b.txt", 0, 1, 0},
        {"Zdir", 1, 4096, 1795819626},
        {"a.html", 0, 1234567890123ull, 1795819626},
        {"adir", 1, 0, 0},
        {"10", 0, 0, -1},
        {"\xc3\xa9t\xc3\xa9", 0, UINT64_MAX, 253402300799},
    };
    size_t n = sizeof(e) / sizeof(e[0]);
    render_json_ok(e, n);
    assert_string_equal(
        page, "[\n"
              "{\"name\": \"Zdir\", \"type\": \"directory\", \"size\": 0, "
              "\"mtime\": \"2026-11-27T22:47:06Z\"},\n"
              "{\"name\": \"adir\", \"type\": \"directory\", \"size\": 0, "
              "\"mtime\": \"1970-01-01T00:00:00Z\"},\n"
              "{\"name\": \"10\", \"type\": \"file\", \"size\": 0, "
              "\"mtime\": \"1969-12-31T23:59:59Z\"},\n"
              "{\"name\": \"a.html\", \"type\": \"file\", \"size\": 1234567890123, "
              "\"mtime\": \"2026-11-27T22:47:06Z\"},\n"
              "{\"name\": \"b.txt\", \"type\": \"file\", \"size\": 1, "
              "\"mtime\": \"1970-01-01T00:00:00Z\"},\n"
              "{\"name\": \"\xc3\xa9t\xc3\xa9\", \"type\": \"file\", "
              "\"size\": 18446744073709551615, \"mtime\": \"9999-12-31T23:59:59Z\"}\n"
              "]\n");

    /* the HTML listing of the same entries has the same order */
    render_ok("/d/", e, n);
    size_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        char href[64];
        snprintf(href, sizeof(href), "\">%s%s</a>", e[i].name, e[i].is_dir ? "/" : "");
        size_t p = pos(href);
        assert_true(p > prev);
        prev = p;
    }
}

static void test_json_mtime_range(void **state)
{
    (void)state;
    struct autoindex_entry e[] = {
        {"a", 0, 0, (time_t)-62167219200}, /* 0000-01-01T00:00:00Z */
        {"b", 0, 0, (time_t)-62167219201}, /* year -1 */
        {"c", 0, 0, (time_t)253402300800}, /* year 10000 */
        {"d", 0, 0, (time_t)67767976233316800},
    };
    render_json_ok(e, 4);
    pos("{\"name\": \"a\", \"type\": \"file\", \"size\": 0, "
        "\"mtime\": \"0000-01-01T00:00:00Z\"},\n");
    pos("{\"name\": \"b\", \"type\": \"file\", \"size\": 0, \"mtime\": null},\n");
    pos("{\"name\": \"c\", \"type\": \"file\", \"size\": 0, \"mtime\": null},\n");
    pos("{\"name\": \"d\", \"type\": \"file\", \"size\": 0, \"mtime\": null}\n]\n");
}

static void test_json_escaping(void **state)
{
    (void)state;
    struct autoindex_entry e[] = {
        {"q\"b\\s", 0, 1, 0},
        {"c\x01\x1f\t\n\x7f.txt", 0, 2, 0},
        {"C1\xc2\x80\xc2\x9f\xc2\xa0", 0, 3, 0}, /* U+0080, U+009F, U+00A0 */
        {"k\xe2\x80\xa8\xf0\x9f\x98\x80/</", 1, 0, 0},
    };
    render_json_ok(e, 4);
    pos("{\"name\": \"q\\\"b\\\\s\", ");
    pos("{\"name\": \"c\\u0001\\u001f\\u0009\\u000a\\u007f.txt\", ");
    pos("{\"name\": \"C1\\u0080\\u009f\xc2\xa0\", ");
    pos("{\"name\": \"k\xe2\x80\xa8\xf0\x9f\x98\x80/</\", \"type\": \"directory\", ");
    /* no raw control byte anywhere but the newlines between rows */
    for (size_t i = 0; i < json_len; i++) {
        unsigned char c = (unsigned char)page[i];
        assert_true(c == '\n' || (c >= 0x20 && c != 0x7f));
    }
    assert_int_equal(count("\n"), 6);
}

static void test_json_not_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "caf\xe9",          /* Latin-1 */
        "\xff",             /* never in UTF-8 */
        "\x80x",            /* a stray continuation byte */
        "\xc0\xaf",         /* overlong '/' */
        "\xe0\x80\xaf",     /* overlong */
        "\xed\xa0\x80",     /* a surrogate */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\xf5\x80\x80\x80", /* never in UTF-8 */
        "end\xe2\x82",      /* cut short */
        "\xe2\x82x",        /* a missing continuation byte */
    };
    enum { NBAD = sizeof(bad) / sizeof(bad[0]) };
    struct autoindex_entry e[NBAD + 2];
    for (size_t i = 0; i < NBAD; i++)
        e[i] = (struct autoindex_entry){bad[i], (int)(i % 2), 1, 0};
    e[NBAD] = (struct autoindex_entry){"ok", 0, 7, 0};
    e[NBAD + 1] = (struct autoindex_entry){"\xf4\x8f\xbf\xbf", 0, 8, 0}; /* U+10FFFF */
    render_json_ok(e, NBAD + 2);
    assert_string_equal(page, "[\n"
                              "{\"name\": \"ok\", \"type\": \"file\", \"size\": 7, "
                              "\"mtime\": \"1970-01-01T00:00:00Z\"},\n"
                              "{\"name\": \"\xf4\x8f\xbf\xbf\", \"type\": \"file\", "
                              "\"size\": 8, \"mtime\": \"1970-01-01T00:00:00Z\"}\n"
                              "]\n");
    /* the HTML form still lists them, its links percent-encoded */
    render_ok("/", e, NBAD + 2);
    pos("<a href=\"./caf%E9\">caf\xe9</a>");
    assert_int_equal(count("<a href="), NBAD + 3);
}

/* Names of 255 bytes that escape to the most: control bytes (6 each), C1
 * controls and the quote and backslash. */
static void worst_names(char (*names)[256], struct autoindex_entry *e, size_t n)
{
    static const char worst[] = "\x01\x1f\x7f\"\\";
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < 255; j++)
            names[i][j] = i % 3 == 2 ? (j % 2 ? "\x80\x9f"[i % 2] : '\xc2')
                          : i % 3    ? worst[(i + j) % (sizeof(worst) - 1)]
                                     : '\x01';
        names[i][255] = '\0';
        if (i % 3 == 2) /* an odd length would cut the last C1 */
            names[i][254] = '\x01';
        e[i].name = names[i];
        e[i].is_dir = (int)(i % 4 == 0);
        e[i].size = UINT64_MAX - i;
        e[i].mtime = i % 2 ? (time_t)253402300799 : (time_t)-62167219200;
    }
}

/* Render into exactly `cap` bytes: 0 or -1. */
static int render_json_in(struct autoindex_entry *e, size_t n, size_t cap, size_t *len)
{
    char *mem = malloc(cap);
    assert_non_null(mem);
    struct buf b;
    buf_init(&b, mem, cap);
    int r = autoindex_render_json(e, n, &b);
    *len = b.len;
    if (r == 0)
        assert_int_equal(strlen(mem), b.len);
    else
        assert_true(b.overflow && mem[b.len] == '\0');
    free(mem);
    return r;
}

static void test_json_bound(void **state)
{
    (void)state;
    enum { N = 300 };
    static char names[N][256];
    static struct autoindex_entry e[N];
    worst_names(names, e, N);
    size_t bound = autoindex_json_bound(e, N), len;
    assert_int_equal(render_json_in(e, N, bound, &len), 0);
    assert_true(len < bound);

    /* one worst-case file row: the bound is over by the ',' the first row
     * has not and "directory" being longer than "file" */
    struct autoindex_entry one = {names[0], 0, UINT64_MAX, 253402300799};
    bound = autoindex_json_bound(&one, 1);
    assert_int_equal(render_json_in(&one, 1, bound, &len), 0);
    assert_int_equal(bound - (len + 1), 1 + 5);
    /* ...and every byte of the name took its 6 */
    assert_int_equal(len, 6 * 255 + strlen("[\n{\"name\": \"\", \"type\": \"file\", "
                                           "\"size\": 18446744073709551615, \"mtime\": "
                                           "\"9999-12-31T23:59:59Z\"}\n]\n"));
}

static void test_json_overflow(void **state)
{
    (void)state;
    enum { N = 30 };
    static char names[N][256];
    static struct autoindex_entry e[N];
    worst_names(names, e, N);
    size_t len, len2;
    assert_int_equal(render_json_in(e, N, autoindex_json_bound(e, N), &len), 0);
    /* exactly the text and its NUL fits; one byte less does not */
    assert_int_equal(render_json_in(e, N, len + 1, &len2), 0);
    assert_int_equal(len2, len);
    assert_int_equal(render_json_in(e, N, len, &len2), -1);
    assert_true(len2 < len);

    struct autoindex_entry few[] = {{"a.txt", 0, 1, 0}, {"b", 1, 0, 0}};
    char small[64];
    struct buf b;
    buf_init(&b, small, sizeof(small));
    assert_int_equal(autoindex_render_json(few, 2, &b), -1);
    assert_true(b.overflow);
    assert_int_equal(small[b.len], '\0');
    buf_init(&b, small, 3); /* "[]\n" needs 4 */
    assert_int_equal(autoindex_render_json(NULL, 0, &b), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_every_href_is_relative),
        cmocka_unit_test(test_rows_and_title),
        cmocka_unit_test(test_empty_directory),
        cmocka_unit_test(test_bound_suffices),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_json_empty),
        cmocka_unit_test(test_json_rows_and_order),
        cmocka_unit_test(test_json_mtime_range),
        cmocka_unit_test(test_json_escaping),
        cmocka_unit_test(test_json_not_utf8),
        cmocka_unit_test(test_json_bound),
        cmocka_unit_test(test_json_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
