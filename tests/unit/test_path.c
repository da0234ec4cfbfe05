/* test_path.c - path.c: decoding and confinement of request paths.  A table
 * of hostile and benign paths with the expected result, normalised output and
 * trailing_slash flag; the PATH_TOO_LONG boundary at the output buffer size;
 * path_relative and path_extension; path_is_hidden on normalised paths (a
 * segment starting with '.', except /.well-known itself); path_put_query,
 * which copies a query into a redirect's Location (valid bytes kept, the
 * rest percent-encoded, truncation reported). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "path.h"

struct path_case {
    const char *raw;
    size_t len; /* 0: strlen(raw) */
    enum path_result want;
    const char *out; /* when PATH_OK */
    bool trailing;
};

static const struct path_case cases[] = {
    /* benign */
    {"/", 0, PATH_OK, "/", true},
    {"/index.html", 0, PATH_OK, "/index.html", false},
    {"/a/b", 0, PATH_OK, "/a/b", false},
    {"/a/", 0, PATH_OK, "/a", true},
    {"/a/b/", 0, PATH_OK, "/a/b", true},
    {"/a/./b/../c", 0, PATH_OK, "/a/c", false},
    {"//a//b", 0, PATH_OK, "/a/b", false},
    {"//", 0, PATH_OK, "/", true},
    {"/./", 0, PATH_OK, "/", true},
    {"/.", 0, PATH_OK, "/", true},
    {"/a/b/..", 0, PATH_OK, "/a", true},
    {"/a/b/../", 0, PATH_OK, "/a", true},
    {"/a/..", 0, PATH_OK, "/", true},
    {"/a/.", 0, PATH_OK, "/a", true},
    {"/a/./", 0, PATH_OK, "/a", true},
    {"/ab/../c", 0, PATH_OK, "/c", false},
    {"/.hidden", 0, PATH_OK, "/.hidden", false},
    {"/...", 0, PATH_OK, "/...", false},
    {"/a/.../b", 0, PATH_OK, "/a/.../b", false},
    {"/..a", 0, PATH_OK, "/..a", false},
    {"/a..", 0, PATH_OK, "/a..", false},
    {"/%252e%252e", 0, PATH_OK, "/%2e%2e", false},
    {"/%252f", 0, PATH_OK, "/%2f", false},
    {"/caf%C3%A9", 0, PATH_OK, "/caf\xc3\xa9", false},
    {"/caf%c3%a9", 0, PATH_OK, "/caf\xc3\xa9", false},
    {"/caf\xc3\xa9", 0, PATH_OK, "/caf\xc3\xa9", false},
    {"/a%20b", 0, PATH_OK, "/a b", false},
    {"/%41%42c", 0, PATH_OK, "/ABc", false},
    {"/a/%2e/b", 0, PATH_OK, "/a/b", false},
    {"/a/b/%2e%2e", 0, PATH_OK, "/a", true},
    {"/a%3Fb", 0, PATH_OK, "/a?b", false},
    {"/a:b", 0, PATH_OK, "/a:b", false},
    /* climbing above the root */
    {"/..", 0, PATH_ESCAPES_ROOT, NULL, false},
    {"/../", 0, PATH_ESCAPES_ROOT, NULL, false},
    {"/../etc/passwd", 0, PATH_ESCAPES_ROOT, NULL, false},
    {"/a/../..", 0, PATH_ESCAPES_ROOT, NULL, false},
    {"/a/../../b", 0, PATH_ESCAPES_ROOT, NULL, false},
    {"/./..", 0, PATH_ESCAPES_ROOT, NULL, false},
    {"/%2e%2e/x", 0, PATH_ESCAPES_ROOT, NULL, false},
    {"/%2E%2e", 0, PATH_ESCAPES_ROOT, NULL, false},
    {"/.%2e/", 0, PATH_ESCAPES_ROOT, NULL, false},
    /* encoded separators */
    {"/..%2fetc", 0, PATH_ENCODED_SLASH, NULL, false},
    {"/%2F", 0, PATH_ENCODED_SLASH, NULL, false},
    {"/a%2fb", 0, PATH_ENCODED_SLASH, NULL, false},
    /* backslashes */
    {"/a%5cb", 0, PATH_BACKSLASH, NULL, false},
    {"/a%5Cb", 0, PATH_BACKSLASH, NULL, false},
    {"/a\\b", 0, PATH_BACKSLASH, NULL, false},
    {"/..\\..\\etc", 0, PATH_BACKSLASH, NULL, false},
    /* NUL bytes */
    {"/%00", 0, PATH_NUL, NULL, false},
    {"/a%00.txt", 0, PATH_NUL, NULL, false},
    {"/a\0b", 4, PATH_NUL, NULL, false},
    /* control bytes */
    {"/%0a", 0, PATH_CONTROL, NULL, false},
    {"/%0D%0A", 0, PATH_CONTROL, NULL, false},
    {"/%7f", 0, PATH_CONTROL, NULL, false},
    {"/%1f", 0, PATH_CONTROL, NULL, false},
    {"/a\tb", 0, PATH_CONTROL, NULL, false},
    {"/a\x7f", 0, PATH_CONTROL, NULL, false},
    /* bad escapes */
    {"/%", 0, PATH_BAD_ESCAPE, NULL, false},
    {"/%4", 0, PATH_BAD_ESCAPE, NULL, false},
    {"/%zz", 0, PATH_BAD_ESCAPE, NULL, false},
    {"/%g0", 0, PATH_BAD_ESCAPE, NULL, false},
    {"/%0g", 0, PATH_BAD_ESCAPE, NULL, false},
    {"/a%", 0, PATH_BAD_ESCAPE, NULL, false},
    {"/%%41", 0, PATH_BAD_ESCAPE, NULL, false},
    /* not absolute */
    {"a/b", 0, PATH_NOT_ABSOLUTE, NULL, false},
    {"", 0, PATH_NOT_ABSOLUTE, NULL, false},
    {"%2fa", 0, PATH_NOT_ABSOLUTE, NULL, false},
    {"*", 0, PATH_NOT_ABSOLUTE, NULL, false},
    {"http://x/", 0, PATH_NOT_ABSOLUTE, NULL, false},
};

static void test_path_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct path_case *c = &cases[i];
        char mem[MH_URL_PATH_MAX];
        struct path_out out = {.buf = mem, .cap = sizeof(mem)};
        size_t len = c->len ? c->len : strlen(c->raw);
        /* an exact-size copy without a NUL, so ASan catches any read past len */
        char *raw = malloc(len ? len : 1);
        assert_non_null(raw);
        memcpy(raw, c->raw, len);
        enum path_result r = path_resolve(raw, len, &out);
        free(raw);
        if (r != c->want)
            print_error("case %zu \"%s\": result %d, want %d\n", i, c->raw, (int)r,
                        (int)c->want);
        assert_int_equal(r, c->want);
        if (c->want != PATH_OK)
            continue;
        if (strcmp(mem, c->out) != 0 || out.trailing_slash != c->trailing)
            print_error("case %zu \"%s\": got \"%s\" trailing %d\n", i, c->raw, mem,
                        out.trailing_slash);
        assert_string_equal(mem, c->out);
        assert_int_equal(out.len, strlen(c->out));
        assert_int_equal(out.trailing_slash, c->trailing);
    }
}

/* Output buffer of N bytes holds a result of N-1 bytes plus the NUL. */
static void test_too_long_boundary(void **state)
{
    (void)state;
    enum { N = 16 };
    char raw[N + 2];
    char mem[N];
    struct path_out out = {.buf = mem, .cap = N};

    /* "/" + 14 'a' = 15 bytes = N-1: fits */
    raw[0] = '/';
    memset(raw + 1, 'a', N - 2);
    raw[N - 1] = '\0';
    assert_int_equal(path_resolve(raw, N - 1, &out), PATH_OK);
    assert_int_equal(out.len, N - 1);
    assert_string_equal(mem, raw);
    assert_false(out.trailing_slash);

    /* 16 bytes = N: refused */
    memset(raw + 1, 'a', N - 1);
    raw[N] = '\0';
    assert_int_equal(path_resolve(raw, N, &out), PATH_TOO_LONG);

    /* 17 bytes = N+1: refused */
    memset(raw + 1, 'a', N);
    raw[N + 1] = '\0';
    assert_int_equal(path_resolve(raw, N + 1, &out), PATH_TOO_LONG);

    /* encoded bytes count once decoded: "/%41" x 15 decodes to 16 bytes */
    char enc[1 + 3 * N];
    enc[0] = '/';
    for (int i = 0; i < N - 2; i++)
        memcpy(enc + 1 + 3 * i, "%41", 3);
    assert_int_equal(path_resolve(enc, 1 + 3 * (N - 2), &out), PATH_OK);
    assert_int_equal(out.len, N - 1);
    memcpy(enc + 1 + 3 * (N - 2), "%41", 3);
    assert_int_equal(path_resolve(enc, 1 + 3 * (N - 1), &out), PATH_TOO_LONG);
}

static void test_too_long_at_url_path_max(void **state)
{
    (void)state;
    static char raw[MH_URL_PATH_MAX + 1];
    static char mem[MH_URL_PATH_MAX];
    struct path_out out = {.buf = mem, .cap = sizeof(mem)};
    raw[0] = '/';
    memset(raw + 1, 'x', MH_URL_PATH_MAX);
    assert_int_equal(path_resolve(raw, MH_URL_PATH_MAX - 1, &out), PATH_OK);
    assert_int_equal(out.len, MH_URL_PATH_MAX - 1);
    assert_int_equal(path_resolve(raw, MH_URL_PATH_MAX, &out), PATH_TOO_LONG);
    assert_int_equal(path_resolve(raw, MH_URL_PATH_MAX + 1, &out), PATH_TOO_LONG);
}

static void test_tiny_buffers(void **state)
{
    (void)state;
    char mem[2];
    struct path_out out = {.buf = mem, .cap = 2};
    assert_int_equal(path_resolve("/", 1, &out), PATH_OK);
    assert_string_equal(mem, "/");
    assert_true(out.trailing_slash);
    assert_int_equal(path_resolve("/a", 2, &out), PATH_TOO_LONG);
    out.cap = 1;
    assert_int_equal(path_resolve("/", 1, &out), PATH_TOO_LONG);
}

static void test_relative(void **state)
{
    (void)state;
    static const struct {
        const char *raw, *rel;
    } rc[] = {
        {"/", "."}, {"/a/b", "a/b"}, {"/a/b/", "a/b"}, {"/a/..", "."}, {"//x", "x"},
    };
    for (size_t i = 0; i < sizeof(rc) / sizeof(rc[0]); i++) {
        char mem[64];
        struct path_out out = {.buf = mem, .cap = sizeof(mem)};
        assert_int_equal(path_resolve(rc[i].raw, strlen(rc[i].raw), &out), PATH_OK);
        assert_string_equal(path_relative(&out), rc[i].rel);
    }
}

static void test_extension(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        const char *ext; /* NULL: none */
    } ec[] = {
        {"/a/b.tar.gz", "gz"},
        {"/.bashrc", NULL},
        {"/a.", NULL},
        {"/a/b", NULL},
        {"/dir.d/file", NULL},
        {"/x.HTML", "HTML"},
        {"/index.html", "html"},
        {"/a/.b", NULL},
        {"/a/.b.c", "c"},
        {"/", NULL},
        {"/.", NULL},
        {"/..", NULL},
        {"x.css", "css"},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof(ec) / sizeof(ec[0]); i++) {
        size_t n = 999;
        const char *e = path_extension(ec[i].path, strlen(ec[i].path), &n);
        if (!ec[i].ext) {
            if (e)
                print_error("\"%s\": got extension \"%s\"\n", ec[i].path, e);
            assert_null(e);
            continue;
        }
        assert_non_null(e);
        assert_int_equal(n, strlen(ec[i].ext));
        assert_memory_equal(e, ec[i].ext, n);
        /* it points into the path, at its end */
        assert_ptr_equal(e + n, ec[i].path + strlen(ec[i].path));
    }
}

static void test_extension_uses_len(void **state)
{
    (void)state;
    size_t n = 0;
    const char *p = "/a.txt.gz";
    const char *e = path_extension(p, 6, &n); /* "/a.txt" */
    assert_non_null(e);
    assert_int_equal(n, 3);
    assert_memory_equal(e, "txt", 3);
}

static void test_hidden(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        size_t len; /* 0: strlen(path) */
        int want;
    } hc[] = {
        {"/", 0, 0},
        {"/a/b", 0, 0},
        {"/a/b.c", 0, 0},
        {"/a.", 0, 0},
        {"/a/b./c", 0, 0},
        {"/index.html", 0, 0},
        {"/.git", 0, 1},
        {"/.git/config", 0, 1},
        {"/.env", 0, 1},
        {"/a/.env", 0, 1},
        {"/a/b/.htaccess", 0, 1},
        {"/a/.b/c", 0, 1},
        {"/...", 0, 1},
        {"/..a", 0, 1},
        {"/.well-known", 0, 0},
        {"/.well-known/acme-challenge/x", 0, 0},
        {"/.well-known/security.txt", 0, 0},
        {"/.well-known/a/b.c", 0, 0},
        {"/.well-known/.secret", 0, 1},
        {"/.well-known/a/.git", 0, 1},
        {"/.well-knownx", 0, 1},
        {"/.well-know", 0, 1},
        {"/.well-known.bak", 0, 1},
        {"/.Well-Known", 0, 1},
        {"/a/.well-known", 0, 1},
        {"/a/.well-known/x", 0, 1},
        /* only len bytes count */
        {"/ab/.git", 3, 0},
        {"/ab/.git", 4, 0},
        {"/ab/.git", 5, 1},
        {"/.well-known/.x", 12, 0},
        {"/.well-knownx", 5, 1},
        {"/.git", 1, 0},
    };
    for (size_t i = 0; i < sizeof(hc) / sizeof(hc[0]); i++) {
        size_t len = hc[i].len ? hc[i].len : strlen(hc[i].path);
        char *p = malloc(len);
        assert_non_null(p);
        memcpy(p, hc[i].path, len); /* no NUL: ASan catches a read past len */
        int r = path_is_hidden(p, len);
        free(p);
        if (r != hc[i].want)
            print_error("\"%.*s\": %d, want %d\n", (int)len, hc[i].path, r, hc[i].want);
        assert_int_equal(r, hc[i].want);
    }
}

static void query_is(const char *q, size_t len, const char *want)
{
    char mem[256];
    struct buf b;
    buf_init(&b, mem, sizeof(mem));
    assert_true(path_put_query(&b, q, len));
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(mem, want, b.len);
}

static void test_put_query(void **state)
{
    (void)state;
    query_is("a=1&b=2", 7, "a=1&b=2");
    query_is("x=/y?z:@!$'()*+,;=-._~", 22, "x=/y?z:@!$'()*+,;=-._~");
    query_is("%2F%2f%00", 9, "%2F%2f%00"); /* valid escapes kept */
    query_is("%zz%4", 5, "%25zz%254");     /* a bad one is encoded */
    query_is("%", 1, "%25");
    query_is("\r\nSet-Cookie: a", 15, "%0D%0ASet-Cookie:%20a");
    query_is("\x01\x7f\"<>\\^`{|}#", 12, "%01%7F%22%3C%3E%5C%5E%60%7B%7C%7D%23");
    query_is("a\0b", 3, "a%00b"); /* len, not the NUL, ends it */
    query_is("\xc3\xa9", 2, "%C3%A9");
    query_is("", 0, "");
}

static void test_put_query_bounds(void **state)
{
    char mem[8];
    struct buf b;
    (void)state;
    /* "a%41" is 4 bytes: fits in cap 5 (NUL kept), not in cap 4 */
    buf_init(&b, mem, 5);
    assert_true(path_put_query(&b, "a%41", 4));
    assert_string_equal(mem, "a%41");
    buf_init(&b, mem, 4);
    assert_false(path_put_query(&b, "a%41", 4));
    assert_true(b.overflow);
    /* an encoded byte takes 3: " " fits in cap 4, not in cap 3 */
    buf_init(&b, mem, 4);
    assert_true(path_put_query(&b, " ", 1));
    assert_string_equal(mem, "%20");
    buf_init(&b, mem, 3);
    assert_false(path_put_query(&b, " ", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_table),
        cmocka_unit_test(test_too_long_boundary),
        cmocka_unit_test(test_too_long_at_url_path_max),
        cmocka_unit_test(test_tiny_buffers),
        cmocka_unit_test(test_relative),
        cmocka_unit_test(test_extension),
        cmocka_unit_test(test_extension_uses_len),
        cmocka_unit_test(test_hidden),
        cmocka_unit_test(test_put_query),
        cmocka_unit_test(test_put_query_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
