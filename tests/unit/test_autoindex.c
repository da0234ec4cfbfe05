/* test_autoindex.c - autoindex.c: the directory listing.  Order (the ".."
 * row first, then directories, then files, each in byte order), escaping of
 * names (HTML in text, percent-encoding in links, every link starting with
 * "./"), sizes and dates, the title, and autoindex_bound: a buffer of
 * exactly the bound always suffices, a small one gives -1. */
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
