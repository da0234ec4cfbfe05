/* test_redirects.c - redirects.c: _redirects lines, rule sets and matching.
 * The interface's six example lines; the default status, '!', comments,
 * blank lines and CRLF; a table of bad lines, one per error code; trailing
 * slashes on both sides; first match wins across exact and patterned rules;
 * forced_only; :splat (empty, several segments) and :name (one non-empty
 * segment); percent-encoding of values and of unsafe literal bytes; a
 * target that does not fit (MATCH_TOO_LONG) at N and N+1 bytes; query and
 * fragment; absolute URLs; describe; each bound of bounds.h at N and N+1.
 * Lines and files are passed as exact-size copies without a NUL so ASan
 * catches over-reads.  A micro-benchmark prints ns per match (never fails
 * on timing). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounds.h"
#include "redirects.h"

/* --- helpers --- */

static char *exact_copy(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    if (n)
        memcpy(p, s, n);
    return p;
}

/* Parse one line (an exact-size copy); from/to copied out when given. */
static enum redir_error parse_n(const char *line, size_t n, struct redir_rule *r,
                                char *from, char *to)
{
    char *p = exact_copy(line, n);
    struct redir_rule tmp;
    struct redir_rule *rr = r ? r : &tmp;
    enum redir_error e = redir_parse_line(p, n, rr);
    if (e == REDIR_OK) {
        assert_true(rr->from >= p && rr->from + rr->from_len <= p + n);
        assert_true(rr->to >= p && rr->to + rr->to_len <= p + n);
        if (from)
            snprintf(from, 4096, "%.*s", (int)rr->from_len, rr->from);
        if (to)
            snprintf(to, 4096, "%.*s", (int)rr->to_len, rr->to);
    }
    free(p);
    return e;
}

static enum redir_error parse(const char *line)
{
    return parse_n(line, strlen(line), NULL, NULL, NULL);
}

/* The bad lines a set reported. */
struct bad_log {
    unsigned n;
    unsigned line[64];
    enum redir_error e[64];
};

static void on_bad(void *arg, unsigned line, enum redir_error e)
{
    struct bad_log *log = arg;
    if (log->n < 64) {
        log->line[log->n] = line;
        log->e[log->n] = e;
    }
    log->n++;
}

static struct redir_set *set_n(const char *text, size_t n, struct bad_log *log)
{
    char *p = exact_copy(text, n);
    struct bad_log ignored;
    if (!log)
        log = &ignored;
    memset(log, 0, sizeof(*log));
    struct redir_set *s = redir_set_new(p, n, on_bad, log);
    free(p); /* the set keeps its own copy */
    assert_non_null(s);
    return s;
}

static struct redir_set *set_of(const char *text, struct bad_log *log)
{
    return set_n(text, strlen(text), log);
}

static char target[4096];
static struct redir_hit hit;

/* Match path (an exact-size copy) into target[]. */
static enum redir_match match_f(const struct redir_set *s, const char *path,
                                bool forced_only)
{
    size_t n = strlen(path);
    char *p = exact_copy(path, n);
    struct buf b;
    buf_init(&b, target, sizeof(target));
    memset(&hit, 0xa5, sizeof(hit));
    enum redir_match m = redir_set_match(s, p, n, forced_only, &b, &hit);
    free(p);
    if (m == REDIR_MATCH)
        assert_int_equal(b.len, strlen(target));
    return m;
}

static enum redir_match match(const struct redir_set *s, const char *path)
{
    return match_f(s, path, false);
}

/* path matches with this target, status and line. */
static void expect(const struct redir_set *s, const char *path, const char *to,
                   int status, unsigned line)
{
    assert_int_equal(match(s, path), REDIR_MATCH);
    assert_string_equal(target, to);
    assert_int_equal(hit.status, status);
    assert_int_equal(hit.line, line);
}

static void expect_none(const struct redir_set *s, const char *path)
{
    assert_int_equal(match(s, path), REDIR_NO_MATCH);
}

/* --- the interface's example --- */

static const char example[] =
    "# from               to                        [status]\n"
    "/old-page            /new-page                 # 301 when no status is given\n"
    "/blog/*              /news/:splat              302\n"
    "/api/:version/intro  /api/:version/start       301\n"
    "/latest/*            /v2.3/:splat              200   # served from there, no "
    "redirect\n"
    "/moved               https://wiki.example/x    308\n"
    "/secret              /                         301!  # forced: even if /secret "
    "exists\n";

static void test_example_lines(void **state)
{
    (void)state;
    struct redir_rule r;
    char from[4096], to[4096];
    const char *p = example;
    struct {
        enum redir_error e;
        const char *from, *to;
        int status;
        bool forced, absolute, splat;
        unsigned placeholders;
    } want[] = {
        {REDIR_BLANK, NULL, NULL, 0, false, false, false, 0},
        {REDIR_OK, "/old-page", "/new-page", 301, false, false, false, 0},
        {REDIR_OK, "/blog/*", "/news/:splat", 302, false, false, true, 1},
        {REDIR_OK, "/api/:version/intro", "/api/:version/start", 301, false, false,
         false, 1},
        {REDIR_OK, "/latest/*", "/v2.3/:splat", 200, false, false, true, 1},
        {REDIR_OK, "/moved", "https://wiki.example/x", 308, false, true, false, 0},
        {REDIR_OK, "/secret", "/", 301, true, false, false, 0},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        enum redir_error e = parse_n(p, (size_t)(nl - p), &r, from, to);
        assert_int_equal(e, want[i].e);
        if (e == REDIR_OK) {
            assert_string_equal(from, want[i].from);
            assert_string_equal(to, want[i].to);
            assert_int_equal(r.status, want[i].status);
            assert_int_equal(r.forced, want[i].forced);
            assert_int_equal(r.absolute, want[i].absolute);
            assert_int_equal(r.splat, want[i].splat);
            assert_int_equal(r.placeholders, want[i].placeholders);
        }
        p = nl + 1;
    }
}

static void test_example_set(void **state)
{
    (void)state;
    struct bad_log log;
    struct redir_set *s = set_of(example, &log);
    assert_int_equal(log.n, 0);
    assert_int_equal(redir_set_count(s), 6);
    assert_true(redir_set_has_forced(s));
    expect(s, "/old-page", "/new-page", 301, 2);
    assert_false(hit.forced);
    assert_false(hit.absolute);
    expect(s, "/blog/2024/hello.html", "/news/2024/hello.html", 302, 3);
    expect(s, "/api/v1/intro", "/api/v1/start", 301, 4);
    expect(s, "/latest/guide/index.html", "/v2.3/guide/index.html", 200, 5);
    expect(s, "/moved", "https://wiki.example/x", 308, 6);
    assert_true(hit.absolute);
    expect(s, "/secret", "/", 301, 7);
    assert_true(hit.forced);
    expect_none(s, "/");
    expect_none(s, "/new-page");
    expect_none(s, "/api/v1/other");
    /* forced_only: only /secret */
    assert_int_equal(match_f(s, "/secret", true), REDIR_MATCH);
    assert_string_equal(target, "/");
    assert_int_equal(match_f(s, "/old-page", true), REDIR_NO_MATCH);
    assert_int_equal(match_f(s, "/blog/x", true), REDIR_NO_MATCH);
    redir_set_free(s);
}

/* --- lines --- */

static void test_status_default_and_forced(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        int status;
        bool forced;
    } cases[] = {
        {"/a /b", 301, false},
        {"/a /b 301", 301, false},
        {"/a /b 302", 302, false},
        {"/a /b 303", 303, false},
        {"/a /b 307", 307, false},
        {"/a /b 308", 308, false},
        {"/a /b 200", 200, false},
        {"/a /b 404", 404, false},
        {"/a /b 301!", 301, true},
        {"/a /b 200!", 200, true},
        {"/a /b 404!", 404, true},
        {"/a\t/b\t302", 302, false},
        {"  /a   /b   302!  ", 302, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct redir_rule r;
        assert_int_equal(parse_n(cases[i].line, strlen(cases[i].line), &r, NULL, NULL),
                         REDIR_OK);
        assert_int_equal(r.status, cases[i].status);
        assert_int_equal(r.forced, cases[i].forced);
    }
}

static void test_comments_and_blanks(void **state)
{
    (void)state;
    static const char *const blank[] = {
        "",
        " ",
        "\t",
        "  \t  ",
        "#",
        "# a comment",
        "   # indented",
        "\r",
        " \r",
        "#/a /b 301",
        "# \\ and \x01 in a comment",
    };
    for (size_t i = 0; i < sizeof(blank) / sizeof(blank[0]); i++)
        assert_int_equal(parse(blank[i]), REDIR_BLANK);

    struct redir_rule r;
    char from[4096], to[4096];
    assert_int_equal(parse_n("/a /b # c", 9, &r, from, to), REDIR_OK);
    assert_int_equal(r.status, 301);
    assert_int_equal(parse_n("/a /b 302 # c d e", 17, &r, from, to), REDIR_OK);
    assert_int_equal(r.status, 302);
    assert_int_equal(parse_n("/a /b 302#", 10, &r, from, to), REDIR_BAD_STATUS);
    /* '#' inside to is a fragment, not a comment */
    assert_int_equal(parse_n("/a /b#sec", 9, &r, from, to), REDIR_OK);
    assert_string_equal(to, "/b#sec");
    /* CRLF */
    assert_int_equal(parse_n("/a /b 302\r", 10, &r, from, to), REDIR_OK);
    assert_int_equal(r.status, 302);
    assert_int_equal(parse_n("/a /b\r", 6, &r, from, to), REDIR_OK);
    assert_string_equal(to, "/b");

    struct bad_log log;
    struct redir_set *s =
        set_of("\n\n# c\n   \n/a /b\r\n\t\n/c /d 302 # x\n#/e /f\n", &log);
    assert_int_equal(log.n, 0);
    assert_int_equal(redir_set_count(s), 2);
    assert_false(redir_set_has_forced(s));
    expect(s, "/a", "/b", 301, 5);
    expect(s, "/c", "/d", 302, 7);
    expect_none(s, "/e");
    redir_set_free(s);
}

static const struct {
    const char *line;
    enum redir_error e;
} bad_lines[] = {
    {"/only-from", REDIR_NO_TARGET},
    {"/only-from   # comment", REDIR_NO_TARGET},
    {"/a /b 301 extra", REDIR_EXTRA_FIELD},
    {"/store id=:id /blog/:id 301", REDIR_EXTRA_FIELD},
    {"/a /b 301 Country=us", REDIR_EXTRA_FIELD},
    {"old /new", REDIR_BAD_FROM},
    {"*/x /new", REDIR_BAD_FROM},
    {"https://a.example/x /new", REDIR_BAD_FROM},
    {"/a?b=1 /new", REDIR_FROM_QUERY},
    {"/a#b /new", REDIR_FROM_QUERY},
    {"/a//b /new", REDIR_FROM_NOT_NORMAL},
    {"// /new", REDIR_FROM_NOT_NORMAL},
    {"/a// /new", REDIR_FROM_NOT_NORMAL},
    {"/a/./b /new", REDIR_FROM_NOT_NORMAL},
    {"/a/../b /new", REDIR_FROM_NOT_NORMAL},
    {"/.. /new", REDIR_FROM_NOT_NORMAL},
    {"/a/%2e%2E /new", REDIR_FROM_NOT_NORMAL},
    {"/a%2Fb /new", REDIR_ENCODED_SLASH},
    {"/a%2fb /new", REDIR_ENCODED_SLASH},
    {"/a%zz /new", REDIR_BAD_ESCAPE},
    {"/a% /new", REDIR_BAD_ESCAPE},
    {"/a%4 /new", REDIR_BAD_ESCAPE},
    {"/a /b%2", REDIR_BAD_ESCAPE},
    {"/a /b%g0", REDIR_BAD_ESCAPE},
    {"/a%00 /new", REDIR_BAD_BYTE},
    {"/a%0a /new", REDIR_BAD_BYTE},
    {"/a%7F /new", REDIR_BAD_BYTE},
    {"/a%5c /new", REDIR_BAD_BYTE},
    {"/a\\b /new", REDIR_BAD_BYTE},
    {"/a /b\\c", REDIR_BAD_BYTE},
    {"/a\x01 /new", REDIR_BAD_BYTE},
    {"/a /new\x7f", REDIR_BAD_BYTE},
    {"/a /new 30\x1b", REDIR_BAD_BYTE},
    {"/a\r /new", REDIR_BAD_BYTE}, /* a '\r' that does not end the line */
    {"/blog* /news", REDIR_BAD_SPLAT},
    {"/*/x /news", REDIR_BAD_SPLAT},
    {"/a/*b /news", REDIR_BAD_SPLAT},
    {"/a/b* /news", REDIR_BAD_SPLAT},
    {"/a/*/* /news", REDIR_BAD_SPLAT},
    {"/: /x", REDIR_BAD_PLACEHOLDER},
    {"/:1 /x", REDIR_BAD_PLACEHOLDER},
    {"/:a-b /x", REDIR_BAD_PLACEHOLDER},
    {"/:a:b /x", REDIR_BAD_PLACEHOLDER},
    {"/:splat /x", REDIR_BAD_PLACEHOLDER},
    {"/:a/:a /x", REDIR_DUP_PLACEHOLDER},
    {"/:a/b/:a /x", REDIR_DUP_PLACEHOLDER},
    {"/a new", REDIR_BAD_TARGET},
    {"/a //evil.example/x", REDIR_BAD_TARGET},
    {"/a ftp://host/x", REDIR_BAD_TARGET},
    {"/a https://", REDIR_BAD_TARGET},
    {"/a http:///x", REDIR_BAD_TARGET},
    {"/a :splat", REDIR_BAD_TARGET},
    {"/a /b/:id", REDIR_UNDEFINED_PLACEHOLDER},
    {"/a /b/:splat", REDIR_UNDEFINED_PLACEHOLDER},
    {"/:x /b/:y", REDIR_UNDEFINED_PLACEHOLDER},
    {"/:x /b/:xy", REDIR_UNDEFINED_PLACEHOLDER},
    {"/a:b /c:d", REDIR_UNDEFINED_PLACEHOLDER}, /* in to, ':d' is a placeholder */
    {"/a/* https://h.example/:splat/:page", REDIR_UNDEFINED_PLACEHOLDER},
    {"/:a/* /:b", REDIR_UNDEFINED_PLACEHOLDER}, /* the '*' is no name */
    {"/:a/:b/:c/* /:a/:b/:c/:d", REDIR_UNDEFINED_PLACEHOLDER},
    {"/a /b 399", REDIR_BAD_STATUS},
    {"/a /b 300", REDIR_BAD_STATUS},
    {"/a /b 304", REDIR_BAD_STATUS},
    {"/a /b 410", REDIR_BAD_STATUS},
    {"/a /b 500", REDIR_BAD_STATUS},
    {"/a /b 3011", REDIR_BAD_STATUS},
    {"/a /b 31", REDIR_BAD_STATUS},
    {"/a /b !", REDIR_BAD_STATUS},
    {"/a /b !301", REDIR_BAD_STATUS},
    {"/a /b 301!!", REDIR_BAD_STATUS},
    {"/a /b permanent", REDIR_BAD_STATUS},
    {"/a /b +301", REDIR_BAD_STATUS},
    {"/a https://h.example/x 200", REDIR_ABSOLUTE_NEEDS_REDIRECT},
    {"/a http://h.example/x 404!", REDIR_ABSOLUTE_NEEDS_REDIRECT},
    {"/a/* https://h.example/:splat 200", REDIR_ABSOLUTE_NEEDS_REDIRECT},
};

static void test_bad_lines(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
        enum redir_error e = parse(bad_lines[i].line);
        if (e != bad_lines[i].e)
            fail_msg("%s: got %d (%s), want %d", bad_lines[i].line, e,
                     redir_error_text(e), bad_lines[i].e);
    }
    /* a NUL byte in a field */
    assert_int_equal(parse_n("/a\0b /new", 9, NULL, NULL, NULL), REDIR_BAD_BYTE);
    assert_int_equal(parse_n("/a /n\0w", 7, NULL, NULL, NULL), REDIR_BAD_BYTE);
}

static void test_good_lines(void **state)
{
    (void)state;
    static const char *const good[] = {
        "/ /b",
        "/a/ /b/",
        "/a/* /b",
        "/* /index.html 200",
        "/a:b /c",                     /* ':' inside a segment of from is literal */
        "/%3Aid /x",                   /* an encoded ':' is literal */
        "/a/%2A /x",                   /* an encoded '*' is literal */
        "/caf%C3%A9 /cafe",            /* decoded before matching */
        "/caf\xc3\xa9 /caf\xc3\xa9",   /* raw UTF-8 */
        "/a /b?x=1&y=2#frag",          /* query and fragment in to */
        "/a HTTPS://Host.example/x",   /* any case scheme */
        "/a http://host.example:8080", /* a port is no placeholder */
        "/:_x/:y9/* /:y9/:_x/:splat",
        "/a /:",        /* ':' without a name is literal */
        "/a /b/:9",     /* ':' and a digit too */
        "/a/%25 /b%25", /* '%' itself */
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        const char *line = good[i];
        enum redir_error e = parse(line);
        if (e != REDIR_OK)
            fail_msg("%s: got %d (%s)", line, e, redir_error_text(e));
    }
}

static void test_error_texts(void **state)
{
    (void)state;
    for (int e = REDIR_OK; e <= REDIR_FILE_TOO_LARGE; e++) {
        const char *t = redir_error_text((enum redir_error)e);
        assert_non_null(t);
        assert_true(strlen(t) > 1);
        assert_string_not_equal(t, "unknown error");
    }
    assert_string_equal(redir_error_text((enum redir_error)(REDIR_FILE_TOO_LARGE + 1)),
                        "unknown error");
    assert_non_null(strstr(redir_error_text(REDIR_BAD_STATUS), "unknown status"));
    assert_string_equal(redir_error_text(REDIR_ABSOLUTE_NEEDS_REDIRECT),
                        "a rewrite (200) or 404 needs a local target");
}

/* --- sets and matching --- */

static void test_set_reports_bad_lines(void **state)
{
    (void)state;
    struct bad_log log;
    struct redir_set *s = set_of("/a /b\n"
                                 "/c\n"
                                 "# ok\n"
                                 "/d /e 399\n"
                                 "/f /g 302\n"
                                 "/h https://x.example 200",
                                 &log);
    assert_int_equal(redir_set_count(s), 2);
    assert_int_equal(log.n, 3);
    assert_int_equal(log.line[0], 2);
    assert_int_equal(log.e[0], REDIR_NO_TARGET);
    assert_int_equal(log.line[1], 4);
    assert_int_equal(log.e[1], REDIR_BAD_STATUS);
    assert_int_equal(log.line[2], 6);
    assert_int_equal(log.e[2], REDIR_ABSOLUTE_NEEDS_REDIRECT);
    expect(s, "/a", "/b", 301, 1);
    expect(s, "/f", "/g", 302, 5);
    expect_none(s, "/c");
    expect_none(s, "/d");
    expect_none(s, "/h");
    redir_set_free(s);

    /* an empty file, a NULL callback */
    char none = 'x';
    s = redir_set_new(&none, 0, NULL, NULL);
    assert_non_null(s);
    assert_int_equal(redir_set_count(s), 0);
    assert_false(redir_set_has_forced(s));
    expect_none(s, "/");
    redir_set_free(s);
    s = redir_set_new("/a\n/b /c", 8, NULL, NULL);
    assert_int_equal(redir_set_count(s), 1);
    redir_set_free(s);
    redir_set_free(NULL);
    assert_int_equal(redir_set_count(NULL), 0);
}

static void test_trailing_slash(void **state)
{
    (void)state;
    struct redir_set *s = set_of("/old/ /new/\n"
                                 "/plain /p\n"
                                 "/ /home\n"
                                 "/dir/* /d/:splat\n",
                                 NULL);
    expect(s, "/old", "/new/", 301, 1);
    expect(s, "/old/", "/new/", 301, 1);
    expect(s, "/plain", "/p", 301, 2);
    expect(s, "/plain/", "/p", 301, 2);
    expect(s, "/", "/home", 301, 3);
    expect(s, "/dir", "/d/", 301, 4);
    expect(s, "/dir/", "/d/", 301, 4);
    expect(s, "/dir/a/", "/d/a", 301, 4);
    expect_none(s, "/old//");
    expect_none(s, "/ol");
    expect_none(s, "/olde");
    expect_none(s, "/plain/x");
    expect_none(s, "");
    expect_none(s, "plain");
    redir_set_free(s);
}

static void test_first_match_wins(void **state)
{
    (void)state;
    /* patterned before exact, exact before patterned, duplicate keys */
    struct redir_set *s = set_of("/a/* /first/:splat 302\n"
                                 "/a/b /second\n"
                                 "/x /x1\n"
                                 "/:any /x2\n"
                                 "/x /x3\n"
                                 "/dup/x/ /d1\n"
                                 "/dup/x /d2\n"
                                 "/k/:n /k1/:n\n"
                                 "/k/* /k2/:splat\n",
                                 NULL);
    expect(s, "/a/b", "/first/b", 302, 1);
    expect(s, "/x", "/x1", 301, 3);
    expect(s, "/y", "/x2", 301, 4);
    expect(s, "/a", "/first/", 302, 1);
    expect(s, "/dup/x", "/d1", 301, 6);
    expect(s, "/dup/x/", "/d1", 301, 6);
    expect(s, "/k/z", "/k1/z", 301, 8);
    expect(s, "/k/z/w", "/k2/z/w", 301, 9);
    expect(s, "/k", "/x2", 301, 4);
    redir_set_free(s);
}

static void test_forced_only(void **state)
{
    (void)state;
    struct redir_set *s = set_of("/a /plain\n"
                                 "/a /forced 302!\n"
                                 "/p/* /pp/:splat\n"
                                 "/p/:x /forced-p/:x 307!\n"
                                 "/q /q1 200!\n",
                                 NULL);
    assert_true(redir_set_has_forced(s));
    expect(s, "/a", "/plain", 301, 1);
    assert_false(hit.forced);
    assert_int_equal(match_f(s, "/a", true), REDIR_MATCH);
    assert_string_equal(target, "/forced");
    assert_int_equal(hit.line, 2);
    assert_true(hit.forced);
    expect(s, "/p/y", "/pp/y", 301, 3);
    assert_int_equal(match_f(s, "/p/y", true), REDIR_MATCH);
    assert_string_equal(target, "/forced-p/y");
    assert_int_equal(hit.status, 307);
    assert_int_equal(match_f(s, "/p/y/z", true), REDIR_NO_MATCH);
    assert_int_equal(match_f(s, "/q", true), REDIR_MATCH);
    assert_int_equal(hit.status, 200);
    redir_set_free(s);

    s = set_of("/a /b\n/c/* /d\n", NULL);
    assert_false(redir_set_has_forced(s));
    assert_int_equal(match_f(s, "/a", true), REDIR_NO_MATCH);
    assert_int_equal(match_f(s, "/c/x", true), REDIR_NO_MATCH);
    assert_int_equal(match_f(s, "/a", false), REDIR_MATCH);
    redir_set_free(s);
}

static void test_splat(void **state)
{
    (void)state;
    struct redir_set *s = set_of("/blog/* /news/:splat\n"
                                 "/docs/v1/* /docs/v2/:splat/index.html 302\n"
                                 "/go/* /:splat/x\n"
                                 "/twice/* /:splat/:splat\n"
                                 "/* /catch/:splat 200\n",
                                 NULL);
    expect(s, "/blog", "/news/", 301, 1);
    expect(s, "/blog/", "/news/", 301, 1);
    expect(s, "/blog/a", "/news/a", 301, 1);
    expect(s, "/blog/a/b/c.html", "/news/a/b/c.html", 301, 1);
    expect(s, "/docs/v1", "/docs/v2//index.html", 302, 2);
    expect(s, "/docs/v1/x/y", "/docs/v2/x/y/index.html", 302, 2);
    /* an empty :splat at the start of a local target: never "//host" */
    expect(s, "/go", "/x", 301, 3);
    expect(s, "/go/evil.example", "/evil.example/x", 301, 3);
    expect(s, "/twice/a/b", "/a/b/a/b", 301, 4);
    expect(s, "/blogx", "/catch/blogx", 200, 5);
    expect(s, "/", "/catch/", 200, 5);
    expect(s, "/a/b", "/catch/a/b", 200, 5);
    redir_set_free(s);

    /* a path that is not normalised ("//") never gives a splat with '/' first */
    s = set_of("/go/* /:splat\n", NULL);
    expect_none(s, "/go//evil.example");
    expect(s, "/go/a//b", "/a//b", 301, 1);
    redir_set_free(s);
}

static void test_named(void **state)
{
    (void)state;
    struct redir_set *s = set_of("/api/:version/intro /api/:version/start\n"
                                 "/u/:user/p/:post /posts/:post?by=:user 302\n"
                                 "/:a/:b /two/:b-:a\n",
                                 NULL);
    expect(s, "/api/v1/intro", "/api/v1/start", 301, 1);
    expect(s, "/api/v1/intro/", "/api/v1/start", 301, 1);
    expect_none(s, "/api//intro");      /* not empty */
    expect_none(s, "/api/v1/v2/intro"); /* not across '/' */
    expect_none(s, "/api/v1/intro/x");
    expect(s, "/u/ann/p/42", "/posts/42?by=ann", 302, 2);
    assert_true(hit.has_query);
    expect(s, "/x/y", "/two/y-x", 301, 3);
    expect_none(s, "/x");
    expect_none(s, "/x/y/z");
    redir_set_free(s);
}

static void test_encoding(void **state)
{
    (void)state;
    struct redir_set *s = set_of("/s/* /t/:splat\n"
                                 "/n/:v /m/:v?q=:v\n"
                                 "/lit /caf\xc3\xa9/%20x/a\"b{c}|d^e`f<g>\n"
                                 "/caf%C3%A9 /cafe\n"
                                 "/%3Aid/%2A /literal\n"
                                 "/a%20b /space\n",
                                 NULL);
    expect(s, "/s/a b/c?d#e%f", "/t/a%20b/c%3Fd%23e%25f", 301, 1);
    expect(s, "/s/\xc3\xa9t\xc3\xa9/x", "/t/%C3%A9t%C3%A9/x", 301, 1);
    expect(s, "/s/a-b_c.d~e/f", "/t/a-b_c.d~e/f", 301, 1);
    expect(s, "/s/&=+:@!$'()*,;", "/t/%26%3D%2B%3A%40%21%24%27%28%29%2A%2C%3B", 301, 1);
    expect(s, "/n/x y", "/m/x%20y?q=x%20y", 301, 2);
    expect(s, "/lit", "/caf%C3%A9/%20x/a%22b%7Bc%7D%7Cd%5Ee%60f%3Cg%3E", 301, 3);
    expect(s, "/caf\xc3\xa9", "/cafe", 301, 4);
    expect_none(s, "/caf%C3%A9");
    expect(s, "/:id/*", "/literal", 301, 5);
    expect(s, "/a b", "/space", 301, 6);
    redir_set_free(s);
}

static void test_query_and_fragment(void **state)
{
    (void)state;
    struct redir_set *s = set_of("/a /b\n"
                                 "/c /d?x=1\n"
                                 "/e /f#sec\n"
                                 "/g /h?x=1#sec\n"
                                 "/i /j#sec?not-a-query\n"
                                 "/k/* /l/:splat#top\n",
                                 NULL);
    expect(s, "/a", "/b", 301, 1);
    assert_false(hit.has_query);
    assert_int_equal(hit.query_at, 2);
    expect(s, "/c", "/d?x=1", 301, 2);
    assert_true(hit.has_query);
    expect(s, "/e", "/f#sec", 301, 3);
    assert_false(hit.has_query);
    assert_int_equal(hit.query_at, 2);
    expect(s, "/g", "/h?x=1#sec", 301, 4);
    assert_true(hit.has_query);
    expect(s, "/i", "/j#sec?not-a-query", 301, 5);
    assert_false(hit.has_query);
    assert_int_equal(hit.query_at, 2);
    expect(s, "/k/x#y?z", "/l/x%23y%3Fz#top", 301, 6); /* values never add one */
    assert_false(hit.has_query);
    assert_int_equal(hit.query_at, strlen("/l/x%23y%3Fz"));
    redir_set_free(s);
}

static void test_absolute(void **state)
{
    (void)state;
    struct redir_set *s = set_of("/moved https://wiki.example/x 308\n"
                                 "/old/* http://old.example:8080/:splat 302!\n"
                                 "/Up HTTPS://Example.ORG\n",
                                 NULL);
    expect(s, "/moved", "https://wiki.example/x", 308, 1);
    assert_true(hit.absolute);
    expect(s, "/old/a b/c", "http://old.example:8080/a%20b/c", 302, 2);
    assert_true(hit.absolute);
    assert_true(hit.forced);
    expect(s, "/old", "http://old.example:8080/", 302, 2);
    expect(s, "/Up", "HTTPS://Example.ORG", 301, 3);
    expect_none(s, "/up"); /* paths are case-sensitive */
    redir_set_free(s);
}

/* A target of exactly cap-1 bytes fits a buffer of cap; cap-1 does not. */
static void test_target_too_long(void **state)
{
    (void)state;
    struct redir_set *s = set_of("/a/* /0123456789/:splat\n", NULL);
    const char *want = "/0123456789/x%20y"; /* 17 bytes */
    size_t n = strlen(want);
    char mem[64];
    struct buf b;
    struct redir_hit h;
    buf_init(&b, mem, n + 1); /* N: fits */
    assert_int_equal(redir_set_match(s, "/a/x y", 6, false, &b, &h), REDIR_MATCH);
    assert_string_equal(mem, want);
    assert_false(b.overflow);

    buf_init(&b, mem, n); /* N+1: one byte short */
    assert_int_equal(redir_set_match(s, "/a/x y", 6, false, &b, &h),
                     REDIR_MATCH_TOO_LONG);
    assert_true(b.overflow);
    assert_int_equal(b.len, 0);
    assert_int_equal(h.line, 1);

    /* what was in the buffer stays; the target is not cut */
    buf_init(&b, mem, 10);
    buf_puts(&b, "/dir");
    assert_int_equal(redir_set_match(s, "/a/b", 4, false, &b, &h),
                     REDIR_MATCH_TOO_LONG);
    assert_int_equal(b.len, 4);
    assert_string_equal(mem, "/dir");

    /* a buffer already overflowed */
    buf_init(&b, mem, 4);
    buf_puts(&b, "/toolong");
    assert_int_equal(redir_set_match(s, "/a/b", 4, false, &b, &h),
                     REDIR_MATCH_TOO_LONG);

    /* a literal part that does not fit */
    buf_init(&b, mem, 5);
    assert_int_equal(redir_set_match(s, "/a", 2, false, &b, &h), REDIR_MATCH_TOO_LONG);
    /* an empty buffer */
    buf_init(&b, mem, 0);
    assert_int_equal(redir_set_match(s, "/a", 2, false, &b, &h), REDIR_MATCH_TOO_LONG);
    redir_set_free(s);
}

static void test_describe(void **state)
{
    (void)state;
    struct redir_set *s = set_of(example, NULL);
    static const char *const want[] = {
        "line 2: /old-page -> /new-page 301",
        "line 3: /blog/* -> /news/:splat 302",
        "line 4: /api/:version/intro -> /api/:version/start 301",
        "line 5: /latest/* -> /v2.3/:splat 200 (rewrite)",
        "line 6: /moved -> https://wiki.example/x 308",
        "line 7: /secret -> / 301!",
    };
    char mem[256];
    struct buf b;
    for (size_t i = 0; i < 6; i++) {
        buf_init(&b, mem, sizeof(mem));
        assert_true(redir_set_describe(s, i, &b));
        assert_string_equal(mem, want[i]);
    }
    buf_init(&b, mem, sizeof(mem));
    assert_false(redir_set_describe(s, 6, &b));
    buf_init(&b, mem, 10);
    assert_false(redir_set_describe(s, 0, &b));
    assert_true(b.overflow);
    redir_set_free(s);

    s = set_of("/old/ /x 404\n"
               "/caf\xc3\xa9/%3Aid/%2A/a:b/%25 /caf\xc3\xa9 302!\n"
               "/ /home\n",
               NULL);
    const char *want2[] = {
        "line 1: /old -> /x 404 (not found)",
        "line 2: /caf%C3%A9/%3Aid/%2A/a:b/%25 -> /caf%C3%A9 302!",
        "line 3: / -> /home 301",
    };
    for (size_t i = 0; i < 3; i++) {
        buf_init(&b, mem, sizeof(mem));
        assert_true(redir_set_describe(s, i, &b));
        assert_string_equal(mem, want2[i]);
    }
    redir_set_free(s);
}

/* --- bounds --- */

/* A valid line of exactly n bytes: "/a /" and 'x' up to n. */
static char *line_of(size_t n)
{
    char *p = malloc(n);
    assert_non_null(p);
    memcpy(p, "/a /", 4);
    memset(p + 4, 'x', n - 4);
    return p;
}

static void test_bound_line(void **state)
{
    (void)state;
    size_t n = MH_REDIRECTS_LINE_MAX;
    char *p = line_of(n + 2);
    struct redir_rule r;
    assert_int_equal(redir_parse_line(p, n, &r), REDIR_OK);
    assert_int_equal(r.to_len, n - 3);
    assert_int_equal(redir_parse_line(p, n + 1, &r), REDIR_LINE_TOO_LONG);
    /* the '\r' of CRLF is not counted */
    p[n] = '\r';
    assert_int_equal(redir_parse_line(p, n + 1, &r), REDIR_OK);
    /* a long comment line is too long too */
    memset(p, '#', n + 1);
    assert_int_equal(redir_parse_line(p, n, &r), REDIR_BLANK);
    assert_int_equal(redir_parse_line(p, n + 1, &r), REDIR_LINE_TOO_LONG);
    free(p);

    /* in a set: reported, the others apply; the target of the longest line
     * matches (a buffer of N bytes and the NUL) */
    size_t len = (n + 1) + (n + 2) + 6;
    char *text = malloc(len);
    char *q = line_of(n + 1);
    memcpy(text, q, n);
    text[n] = '\n';
    memcpy(text + n + 1, q, n + 1);
    text[2 * n + 2] = '\n';
    memcpy(text + 2 * n + 3, "/b /c", 5);
    text[len - 1] = '\n';
    free(q);
    struct bad_log log;
    struct redir_set *s = set_n(text, len, &log);
    free(text);
    assert_int_equal(redir_set_count(s), 2);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.line[0], 2);
    assert_int_equal(log.e[0], REDIR_LINE_TOO_LONG);
    static char big[MH_REDIRECTS_LINE_MAX + 1];
    struct buf b;
    struct redir_hit h;
    buf_init(&b, big, sizeof(big));
    assert_int_equal(redir_set_match(s, "/a", 2, false, &b, &h), REDIR_MATCH);
    assert_int_equal(b.len, n - 3);
    assert_int_equal(h.line, 1);
    expect(s, "/b", "/c", 301, 3);
    redir_set_free(s);
}

static void test_bound_placeholders(void **state)
{
    (void)state;
    /* N = MH_REDIRECTS_PLACEHOLDERS_MAX names; N with the '*'; N+1 */
    char from[256], to[256], line[600];
    size_t f = 0, t = 0;
    for (int i = 0; i < MH_REDIRECTS_PLACEHOLDERS_MAX; i++) {
        f += (size_t)snprintf(from + f, sizeof(from) - f, "/:p%d", i);
        t += (size_t)snprintf(to + t, sizeof(to) - t, "/:p%d", i);
    }
    snprintf(line, sizeof(line), "%s %s", from, to);
    struct redir_rule r;
    assert_int_equal(parse_n(line, strlen(line), &r, NULL, NULL), REDIR_OK);
    assert_int_equal(r.placeholders, MH_REDIRECTS_PLACEHOLDERS_MAX);
    snprintf(line, sizeof(line), "%s/:extra %s", from, to);
    assert_int_equal(parse(line), REDIR_TOO_MANY_PLACEHOLDERS);
    snprintf(line, sizeof(line), "%s/* %s", from, to);
    assert_int_equal(parse(line), REDIR_TOO_MANY_PLACEHOLDERS);

    /* N-1 names and the '*': N, and all values come back */
    f = t = 0;
    char path[256];
    size_t pl = 0;
    for (int i = 0; i < MH_REDIRECTS_PLACEHOLDERS_MAX - 1; i++) {
        f += (size_t)snprintf(from + f, sizeof(from) - f, "/:p%d", i);
        t += (size_t)snprintf(to + t, sizeof(to) - t, "/:p%d", i);
        pl += (size_t)snprintf(path + pl, sizeof(path) - pl, "/v%d", i);
    }
    snprintf(line, sizeof(line), "%s/* %s/:splat", from, to);
    assert_int_equal(parse_n(line, strlen(line), &r, NULL, NULL), REDIR_OK);
    assert_int_equal(r.placeholders, MH_REDIRECTS_PLACEHOLDERS_MAX);
    struct redir_set *s = set_of(line, NULL);
    snprintf(path + pl, sizeof(path) - pl, "/rest/of/it");
    expect(s, path, path, 301, 1);
    redir_set_free(s);
}

/* A file of n rules "/rN /tN". */
static char *rules_text(size_t n, size_t *len)
{
    char *text = malloc(n * 24 + 32);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += (size_t)snprintf(text + w, n * 24 + 32 - w, "/r%zu /t%zu\n", i, i);
    *len = w;
    return text;
}

static void test_bound_rules(void **state)
{
    (void)state;
    size_t len;
    char *text = rules_text(MH_REDIRECTS_RULES_MAX + 1, &len);
    /* N rules, then a comment and a bad line: all fine, one report */
    size_t n_len = (size_t)(strstr(text, "/r10000 ") - text);
    assert_int_equal(MH_REDIRECTS_RULES_MAX, 10000);
    struct bad_log log;
    struct redir_set *s = set_n(text, n_len, &log);
    assert_int_equal(redir_set_count(s), MH_REDIRECTS_RULES_MAX);
    assert_int_equal(log.n, 0);
    expect(s, "/r9999", "/t9999", 301, MH_REDIRECTS_RULES_MAX);
    redir_set_free(s);

    /* N+1: the last is reported once and ignored */
    s = set_n(text, len, &log);
    assert_int_equal(redir_set_count(s), MH_REDIRECTS_RULES_MAX);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.line[0], MH_REDIRECTS_RULES_MAX + 1);
    assert_int_equal(log.e[0], REDIR_TOO_MANY_RULES);
    expect_none(s, "/r10000");
    redir_set_free(s);

    /* past the bound: blank and bad lines before the next rule, and the
     * lines after it are ignored */
    char *more = malloc(len + 64);
    memcpy(more, text, n_len);
    const char *tail = "# c\n/bad\n/r10000 /t\n/bad2\n/r10001 /u\n";
    memcpy(more + n_len, tail, strlen(tail));
    s = set_n(more, n_len + strlen(tail), &log);
    assert_int_equal(redir_set_count(s), MH_REDIRECTS_RULES_MAX);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.line[0], MH_REDIRECTS_RULES_MAX + 2);
    assert_int_equal(log.e[0], REDIR_NO_TARGET);
    assert_int_equal(log.line[1], MH_REDIRECTS_RULES_MAX + 3);
    assert_int_equal(log.e[1], REDIR_TOO_MANY_RULES);
    redir_set_free(s);
    free(more);
    free(text);
}

static void test_bound_file(void **state)
{
    (void)state;
    /* MH_REDIRECTS_FILE_MAX bytes of lines "/a /b" and comments, ending with
     * a rule without a newline */
    size_t n = MH_REDIRECTS_FILE_MAX;
    char *text = malloc(n + 16);
    size_t w = 0;
    unsigned lines = 0;
    while (w + 64 < n) {
        memcpy(text + w, "# padding\n", 10);
        w += 10;
        lines++;
    }
    memset(text + w, '#', n - w - 8); /* a comment line up to 8 bytes before N */
    w = n - 8;
    text[w++] = '\n';
    lines++;
    memcpy(text + w, "/z /end", 7); /* the last line: bytes [N-7, N) */
    lines++;
    struct bad_log log;
    struct redir_set *s = set_n(text, n, &log);
    assert_int_equal(log.n, 0);
    assert_int_equal(redir_set_count(s), 1);
    expect(s, "/z", "/end", 301, lines);
    redir_set_free(s);

    /* N+1: the last line is not wholly within the bound */
    text[n] = 'x';
    s = set_n(text, n + 1, &log);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.line[0], lines);
    assert_int_equal(log.e[0], REDIR_FILE_TOO_LARGE);
    assert_int_equal(redir_set_count(s), 0);
    redir_set_free(s);

    /* N+1 where the line within the bound ends with a newline: "/z /en" is
     * read, the next line is the first ignored */
    text[n - 1] = '\n';
    text[n] = '\n';
    s = set_n(text, n + 1, &log);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.line[0], lines + 1);
    assert_int_equal(log.e[0], REDIR_FILE_TOO_LARGE);
    assert_int_equal(redir_set_count(s), 1);
    expect(s, "/z", "/en", 301, lines);
    redir_set_free(s);

    /* a first line longer than the bound */
    memset(text, 'x', n + 1);
    s = set_n(text, n + 1, &log);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.line[0], 1);
    assert_int_equal(log.e[0], REDIR_FILE_TOO_LARGE);
    redir_set_free(s);
    free(text);
}

/* --- micro-benchmark: prints, never fails --- */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per redir_set_match of path against s. */
static double bench_one(const struct redir_set *s, const char *path, bool forced_only,
                        enum redir_match want)
{
    char mem[1024];
    struct buf b;
    struct redir_hit h;
    size_t n = strlen(path);
    const int iters = 200000;
    int wrong = 0;
    double t0 = now_ns();
    for (int i = 0; i < iters; i++) {
        buf_init(&b, mem, sizeof(mem));
        wrong += redir_set_match(s, path, n, forced_only, &b, &h) != want;
    }
    double ns = (now_ns() - t0) / iters;
    assert_int_equal(wrong, 0);
    return ns;
}

static void test_bench(void **state)
{
    (void)state;
    /* 1,000 literal rules */
    size_t cap = 1000 * 64, w = 0;
    char *text = malloc(cap);
    for (int i = 0; i < 1000; i++)
        w += (size_t)snprintf(text + w, cap - w,
                              "/docs/page-%d.html /new/page-%d.html\n", i, i);
    struct redir_set *s = set_n(text, w, NULL);
    double lit_last = bench_one(s, "/docs/page-999.html", false, REDIR_MATCH);
    double lit_miss = bench_one(s, "/docs/nothing.html", false, REDIR_NO_MATCH);
    double lit_forced = bench_one(s, "/docs/page-999.html", true, REDIR_NO_MATCH);
    redir_set_free(s);

    /* 1,000 rules, one in ten patterned (:name or *) */
    w = 0;
    for (int i = 0; i < 1000; i++) {
        if (i % 20 == 5)
            w += (size_t)snprintf(text + w, cap - w,
                                  "/sec-%d/:page /new/sec-%d/:page\n", i, i);
        else if (i % 20 == 15)
            w += (size_t)snprintf(text + w, cap - w, "/area-%d/* /new/area-%d/:splat\n",
                                  i, i);
        else
            w += (size_t)snprintf(text + w, cap - w,
                                  "/docs/page-%d.html /new/page-%d.html\n", i, i);
    }
    s = set_n(text, w, NULL);
    free(text);
    double mix_last = bench_one(s, "/docs/page-999.html", false, REDIR_MATCH);
    double mix_pat = bench_one(s, "/area-995/a/b/c.html", false, REDIR_MATCH);
    double mix_miss = bench_one(s, "/docs/nothing.html", false, REDIR_NO_MATCH);
    redir_set_free(s);
    printf("redirects bench (ns per match): 1000 literal: last %.0f, miss %.0f, "
           "forced-only %.0f; 1000 with 100 patterned: last literal %.0f, last "
           "patterned %.0f, miss %.0f\n",
           lit_last, lit_miss, lit_forced, mix_last, mix_pat, mix_miss);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_lines),
        cmocka_unit_test(test_example_set),
        cmocka_unit_test(test_status_default_and_forced),
        cmocka_unit_test(test_comments_and_blanks),
        cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_good_lines),
        cmocka_unit_test(test_error_texts),
        cmocka_unit_test(test_set_reports_bad_lines),
        cmocka_unit_test(test_trailing_slash),
        cmocka_unit_test(test_first_match_wins),
        cmocka_unit_test(test_forced_only),
        cmocka_unit_test(test_splat),
        cmocka_unit_test(test_named),
        cmocka_unit_test(test_encoding),
        cmocka_unit_test(test_query_and_fragment),
        cmocka_unit_test(test_absolute),
        cmocka_unit_test(test_target_too_long),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_bound_line),
        cmocka_unit_test(test_bound_placeholders),
        cmocka_unit_test(test_bound_rules),
        cmocka_unit_test(test_bound_file),
        cmocka_unit_test(test_bench),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
