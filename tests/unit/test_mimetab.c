/* test_mimetab.c - mimetab.c: parsing mime.types text (comments, tabs, types
 * without extensions, several extensions per line), case-insensitive lookup,
 * first definition wins, the charset rule for textual types, errors with line
 * numbers, and the real /etc/mime.types from Debian's media-types. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "mimetab.h"

static const char sample[] = "# mime.types for a test\n"           /* 1 */
                             "\n"                                  /* 2 */
                             "text/html\t\thtml htm\n"             /* 3 */
                             "text/css\t\t\t\tcss\n"               /* 4 */
                             "application/x-nothing\n"             /* 5 */
                             "  # indented comment\n"              /* 6 */
                             "image/png png\t# trailing comment\n" /* 7 */
                             "application/json json\n"             /* 8 */
                             "application/javascript js\n"         /* 9 */
                             "text/javascript js mjs\n"            /* 10 */
                             "image/x-png png PnG2\n"              /* 11 */
                             "text/x-foo foo\r\n"                  /* 12 */
                             "application/xml xml\n"               /* 13 */
                             "application/xhtml+xml xhtml\n"       /* 14 */
                             "font/woff2 woff2\n"                  /* 15 */
                             "image/svg+xml svg svgz\n"            /* 16 */
                             "text/plain\ttxt text # txt2\n"       /* 17 */
                             "application/javascripty jsy\n"       /* 18 */
                             "application/octet-stream bin\n";     /* 19 */

static struct mimetab tab;

static int setup(void **state)
{
    (void)state;
    unsigned line = 99;
    mimetab_init(&tab);
    if (mimetab_parse(&tab, sample, strlen(sample), &line) != MIMETAB_OK || line != 0)
        return -1;
    mimetab_sort(&tab);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mimetab_free(&tab);
    return 0;
}

struct lookup_case {
    const char *ext;
    const char *want; /* NULL: unknown */
};

static void test_lookups(void **state)
{
    (void)state;
    static const struct lookup_case cases[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"HTML", "text/html; charset=utf-8"},
        {"HtM", "text/html; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"png", "image/png"}, /* first definition wins */
        {"PNG", "image/png"},
        {"png2", "image/x-png"},                         /* stored lower-case */
        {"json", "application/json"},                    /* not textual: no charset */
        {"js", "application/javascript; charset=utf-8"}, /* first wins */
        {"mjs", "text/javascript; charset=utf-8"},
        {"foo", "text/x-foo; charset=utf-8"}, /* CRLF line */
        {"xml", "application/xml; charset=utf-8"},
        {"xhtml", "application/xhtml+xml; charset=utf-8"},
        {"woff2", "font/woff2"},
        {"svg", "image/svg+xml"},
        {"svgz", "image/svg+xml"},
        {"txt", "text/plain; charset=utf-8"},
        {"text", "text/plain; charset=utf-8"},
        {"jsy", "application/javascripty"}, /* a prefix is not the type */
        {"bin", "application/octet-stream"},
        {"txt2", NULL}, /* after a comment */
        {"x-nothing", NULL},
        {"application/x-nothing", NULL},
        {"nothing", NULL},
        {"ht", NULL},
        {"htmlx", NULL},
        {"#", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = mimetab_lookup(&tab, cases[i].ext, strlen(cases[i].ext));
        if (!cases[i].want) {
            if (got)
                print_error("\"%s\" -> \"%s\"\n", cases[i].ext, got);
            assert_null(got);
        } else {
            if (!got)
                print_error("\"%s\" -> NULL\n", cases[i].ext);
            assert_non_null(got);
            assert_string_equal(got, cases[i].want);
        }
    }
}

static void test_lookup_edges(void **state)
{
    (void)state;
    assert_null(mimetab_lookup(&tab, "", 0));
    assert_string_equal(mimetab_lookup(&tab, "cssxyz", 3), "text/css; charset=utf-8");
    char longext[MH_MIME_EXT_MAX + 1];
    memset(longext, 'a', sizeof(longext));
    assert_null(mimetab_lookup(&tab, longext, sizeof(longext)));

    /* an unsorted table answers nothing */
    struct mimetab t;
    mimetab_init(&t);
    assert_int_equal(mimetab_add(&t, "a", 1, "x/y", 3), MIMETAB_OK);
    assert_null(mimetab_lookup(&t, "a", 1));
    mimetab_sort(&t);
    assert_string_equal(mimetab_lookup(&t, "a", 1), "x/y");
    mimetab_free(&t);

    /* an empty table */
    mimetab_init(&t);
    mimetab_sort(&t);
    assert_null(mimetab_lookup(&t, "a", 1));
    mimetab_free(&t);
}

static void test_add_charset(void **state)
{
    (void)state;
    static const struct {
        const char *ext, *type, *want;
    } cases[] = {
        {"md", "text/markdown", "text/markdown; charset=utf-8"},
        {"mdx", "text/markdown; charset=utf-8", "text/markdown; charset=utf-8"},
        {"lat", "text/plain; charset=iso-8859-1", "text/plain; charset=iso-8859-1"},
        {"js", "application/javascript", "application/javascript; charset=utf-8"},
        {"png", "image/png", "image/png"},
        {"json", "application/json", "application/json"},
        {"rss", "application/rss+xml", "application/rss+xml; charset=utf-8"},
        {"atom", "application/atom+xml", "application/atom+xml; charset=utf-8"},
    };
    struct mimetab t;
    mimetab_init(&t);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(mimetab_add(&t, cases[i].ext, strlen(cases[i].ext),
                                     cases[i].type, strlen(cases[i].type)),
                         MIMETAB_OK);
    mimetab_sort(&t);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = mimetab_lookup(&t, cases[i].ext, strlen(cases[i].ext));
        assert_non_null(got);
        assert_string_equal(got, cases[i].want);
    }
    mimetab_free(&t);
}

static void test_is_textual(void **state)
{
    (void)state;
    static const struct {
        const char *type;
        int want;
    } cases[] = {
        {"text/plain", 1},
        {"text/css; charset=utf-8", 1},
        {"application/javascript", 1},
        {"application/javascript; charset=utf-8", 1},
        {"application/xml", 1},
        {"application/xhtml+xml", 1},
        {"image/png", 0},
        {"application/json", 0},
        {"application/octet-stream", 0},
        {"application/javascriptx", 0},
        {"text", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(mimetab_is_textual(cases[i].type, strlen(cases[i].type)),
                         cases[i].want);
}

struct err_case {
    const char *text;
    enum mimetab_result want;
    unsigned line;
};

static void test_errors(void **state)
{
    (void)state;
    static const struct err_case cases[] = {
        {"text/plain txt\nbadtype ext\n", MIMETAB_BAD_TYPE, 2},
        {"# c\n\ntext/ ext\n", MIMETAB_BAD_TYPE, 3},
        {"/plain ext\n", MIMETAB_BAD_TYPE, 1},
        {"text/pl\"ain ext\n", MIMETAB_BAD_TYPE, 1},
        {"text/plain txt\n\nimage/png .png\n", MIMETAB_BAD_EXT, 3},
        {"text/plain a/b\n", MIMETAB_BAD_EXT, 1},
        {"text/plain "
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
         MIMETAB_BAD_EXT, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mimetab t;
        unsigned line = 0;
        mimetab_init(&t);
        enum mimetab_result r =
            mimetab_parse(&t, cases[i].text, strlen(cases[i].text), &line);
        if (r != cases[i].want || line != cases[i].line)
            print_error("case %zu: got %d at %u\n", i, (int)r, line);
        assert_int_equal(r, cases[i].want);
        assert_int_equal(line, cases[i].line);
        mimetab_free(&t);
    }
}

static void test_type_too_long(void **state)
{
    (void)state;
    struct mimetab t;
    char type[MH_MIME_TYPE_MAX + 8];
    mimetab_init(&t);
    /* image/ + 'a' * k: fits when shorter than MH_MIME_TYPE_MAX */
    memcpy(type, "image/", 6);
    memset(type + 6, 'a', MH_MIME_TYPE_MAX - 7);
    assert_int_equal(mimetab_add(&t, "a", 1, type, MH_MIME_TYPE_MAX - 1), MIMETAB_OK);
    memset(type + 6, 'a', MH_MIME_TYPE_MAX - 6);
    assert_int_equal(mimetab_add(&t, "b", 1, type, MH_MIME_TYPE_MAX), MIMETAB_BAD_TYPE);
    mimetab_free(&t);
}

static void test_line_too_long(void **state)
{
    (void)state;
    size_t n = MH_CONFIG_LINE_MAX;
    char *text = malloc(n + 64);
    struct mimetab t;
    unsigned line = 0;
    assert_non_null(text);

    /* line 2 is exactly MH_CONFIG_LINE_MAX bytes: "text/x  a a a ... a" */
    memcpy(text, "# c\ntext/x", 10);
    for (size_t i = 0; i < n - 6; i += 2)
        memcpy(text + 10 + i, " a", 2);
    text[4 + n] = '\n';
    mimetab_init(&t);
    assert_int_equal(mimetab_parse(&t, text, 5 + n, &line), MIMETAB_OK);
    assert_int_equal(line, 0);
    mimetab_free(&t);

    /* one byte more is refused, with its line number */
    memcpy(text + 4 + n, " b\n", 3);
    mimetab_init(&t);
    assert_int_equal(mimetab_parse(&t, text, 4 + n + 1, &line), MIMETAB_LINE_TOO_LONG);
    assert_int_equal(line, 2);
    mimetab_free(&t);
    free(text);
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(mimetab_strerror(MIMETAB_BAD_TYPE),
                        "malformed media type, expected type/subtype");
    assert_string_equal(mimetab_strerror(MIMETAB_LINE_TOO_LONG), "line too long");
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = malloc(MH_TYPES_FILE_MAX);
    assert_non_null(data);
    *len = fread(data, 1, MH_TYPES_FILE_MAX, f);
    fclose(f);
    return data;
}

static void test_debian_mime_types(void **state)
{
    (void)state;
    size_t len = 0;
    char *text = slurp("/etc/mime.types", &len);
    if (!text) {
        print_message("/etc/mime.types missing (package media-types): skipped\n");
        skip();
    }
    struct mimetab t;
    unsigned line = 99;
    mimetab_init(&t);
    enum mimetab_result r = mimetab_parse(&t, text, len, &line);
    free(text);
    if (r != MIMETAB_OK)
        print_error("/etc/mime.types:%u: %s\n", line, mimetab_strerror(r));
    assert_int_equal(r, MIMETAB_OK);
    assert_true(t.n > 1000);
    mimetab_sort(&t);
    static const struct lookup_case cases[] = {
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"json", "application/json"},
        {"svg", "image/svg+xml"},
        {"wasm", "application/wasm"},
        {"woff2", "font/woff2"},
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"txt", "text/plain; charset=utf-8"},
        {"png", "image/png"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = mimetab_lookup(&t, cases[i].ext, strlen(cases[i].ext));
        assert_non_null(got);
        assert_string_equal(got, cases[i].want);
    }
    mimetab_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_edges, setup, teardown),
        cmocka_unit_test(test_add_charset),
        cmocka_unit_test(test_is_textual),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_type_too_long),
        cmocka_unit_test(test_line_too_long),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_debian_mime_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
