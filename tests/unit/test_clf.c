/* test_clf.c - clf.c: the byte-exact Combined Log Format line.  A fixed
 * record, "-" for missing referer/user-agent and unknown byte counts, nginx
 * style \xHH escaping, the MH_LOG_FIELD_MAX cut with "..." (at N and N+1),
 * the MH_LOG_LINE_MAX bound on a whole line even with every field huge, and
 * the refusal of a buffer smaller than MH_LOG_LINE_MAX. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "bounds.h"
#include "clf.h"

/* date -u -d @1795819626 -> Fri Nov 27 22:47:06 UTC 2026 */
#define WHEN 1795819626

static struct access_record base(void)
{
    struct access_record r = {
        .client = "127.0.0.1",
        .method = "GET",
        .target = "/docs/index.html",
        .http_major = 1,
        .http_minor = 1,
        .status = 200,
        .bytes = 5120,
        .referer = NULL,
        .user_agent = "curl/7.88.1",
        .when = WHEN,
    };
    return r;
}

static char out[2 * MH_LOG_LINE_MAX];

static void expect_line(const struct access_record *r, const char *want)
{
    memset(out, 'Z', sizeof(out));
    size_t n = clf_format(r, out, MH_LOG_LINE_MAX);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, n);
}

static void test_fixed_record(void **state)
{
    (void)state;
    struct access_record r = base();
    expect_line(&r,
                "127.0.0.1 - - [27/Nov/2026:22:47:06 +0000] "
                "\"GET /docs/index.html HTTP/1.1\" 200 5120 \"-\" \"curl/7.88.1\"\n");
}

/* The user field: the authenticated user, escaped like the others and a
 * space too (the field stays one word), cut at MH_LOG_SHORT_FIELD_MAX. */
static void test_user_field(void **state)
{
    (void)state;
    struct access_record r = base();
    r.user = "alice";
    expect_line(&r,
                "127.0.0.1 - alice [27/Nov/2026:22:47:06 +0000] "
                "\"GET /docs/index.html HTTP/1.1\" 200 5120 \"-\" \"curl/7.88.1\"\n");
    r.user = "a b\"c\x01";
    expect_line(&r,
                "127.0.0.1 - a\\x20b\\x22c\\x01 [27/Nov/2026:22:47:06 +0000] "
                "\"GET /docs/index.html HTTP/1.1\" 200 5120 \"-\" \"curl/7.88.1\"\n");
    r.user = "";
    expect_line(&r,
                "127.0.0.1 - - [27/Nov/2026:22:47:06 +0000] "
                "\"GET /docs/index.html HTTP/1.1\" 200 5120 \"-\" \"curl/7.88.1\"\n");
    char u[MH_LOG_SHORT_FIELD_MAX + 2];
    memset(u, 'u', sizeof(u) - 1);
    u[sizeof(u) - 1] = '\0';
    r.user = u;
    memset(out, 'Z', sizeof(out));
    size_t n = clf_format(&r, out, MH_LOG_LINE_MAX);
    assert_true(n > 0);
    assert_memory_equal(out + 12 + MH_LOG_SHORT_FIELD_MAX - 3, "... [", 5);
}

/* A request that was never parsed (timed out, refused by the HTTP library)
 * is logged with "-" as its request, as nginx does. */
static void test_unparsed_request(void **state)
{
    (void)state;
    struct access_record r = base();
    r.method = NULL;
    r.target = NULL;
    r.status = 408;
    r.bytes = 172;
    r.user_agent = NULL;
    expect_line(
        &r, "127.0.0.1 - - [27/Nov/2026:22:47:06 +0000] \"-\" 408 172 \"-\" \"-\"\n");
}

static void test_dash_fields(void **state)
{
    (void)state;
    struct access_record r = base();
    r.referer = NULL;
    r.user_agent = NULL;
    r.bytes = -1;
    r.status = 304;
    r.http_minor = 0;
    r.when = 0;
    expect_line(&r, "127.0.0.1 - - [01/Jan/1970:00:00:00 +0000] "
                    "\"GET /docs/index.html HTTP/1.0\" 304 - \"-\" \"-\"\n");

    r = base();
    r.bytes = 0;
    r.referer = "http://example.com/a";
    r.status = 404;
    expect_line(&r, "127.0.0.1 - - [27/Nov/2026:22:47:06 +0000] "
                    "\"GET /docs/index.html HTTP/1.1\" 404 0 "
                    "\"http://example.com/a\" \"curl/7.88.1\"\n");

    r = base();
    r.bytes = INT64_MAX;
    r.client = "::1";
    r.method = "HEAD";
    r.target = "/";
    expect_line(&r, "::1 - - [27/Nov/2026:22:47:06 +0000] \"HEAD / HTTP/1.1\" 200 "
                    "9223372036854775807 \"-\" \"curl/7.88.1\"\n");
}

struct esc_case {
    const char *in;
    const char *want;
};

static void test_escaping(void **state)
{
    (void)state;
    static const struct esc_case cases[] = {
        {"a\"b", "a\\x22b"},
        {"a\\b", "a\\x5Cb"},
        {"a\nb\r\t", "a\\x0Ab\\x0D\\x09"},
        {"\x01\x1f\x7f", "\\x01\\x1F\\x7F"},
        {"caf\xc3\xa9", "caf\\xC3\\xA9"},
        {"\xff", "\\xFF"},
        {"plain ~!$%&'()*+,;=:@[]{}|^`", "plain ~!$%&'()*+,;=:@[]{}|^`"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct access_record r = base();
        r.user_agent = cases[i].in;
        char want[256];
        strcpy(want, "127.0.0.1 - - [27/Nov/2026:22:47:06 +0000] "
                     "\"GET /docs/index.html HTTP/1.1\" 200 5120 \"-\" \"");
        strcat(want, cases[i].want);
        strcat(want, "\"\n");
        expect_line(&r, want);
    }

    /* the target and referer are escaped the same way */
    struct access_record r = base();
    r.target = "/a\"b\\c\x1b[31m";
    r.referer = "x\"y";
    expect_line(&r, "127.0.0.1 - - [27/Nov/2026:22:47:06 +0000] "
                    "\"GET /a\\x22b\\x5Cc\\x1B[31m HTTP/1.1\" 200 5120 "
                    "\"x\\x22y\" \"curl/7.88.1\"\n");
}

/* The user-agent field as formatted: the text between the last pair of
 * quotes of the line. */
static size_t ua_field(const char *line, size_t n, const char **field)
{
    assert_true(n >= 3);
    assert_int_equal(line[n - 1], '\n');
    assert_int_equal(line[n - 2], '"');
    size_t e = n - 2, b = e;
    while (b > 0 && line[b - 1] != '"')
        b--;
    *field = line + b;
    return e - b;
}

/* n copies of c in static memory (so a failing assertion leaks nothing) */
static char *repeat(char c, size_t n)
{
    static char rep[3 * MH_LOG_LINE_MAX + 1];
    assert_true(n < sizeof(rep));
    memset(rep, c, n);
    rep[n] = '\0';
    return rep;
}

/* bounds.h: a field longer than MH_LOG_FIELD_MAX after escaping is cut to
 * that length with "..." at its end; one of exactly MH_LOG_FIELD_MAX is
 * whole. */
static void test_field_cut(void **state)
{
    (void)state;
    const char *f;
    struct access_record r = base();

    char *s = repeat('u', MH_LOG_FIELD_MAX - 3);
    r.user_agent = s;
    size_t n = clf_format(&r, out, sizeof(out));
    assert_true(n > 0);
    size_t fl = ua_field(out, n, &f);
    assert_int_equal(fl, MH_LOG_FIELD_MAX - 3);
    assert_memory_equal(f, s, fl);

    s = repeat('u', MH_LOG_FIELD_MAX + 1);
    r.user_agent = s;
    n = clf_format(&r, out, sizeof(out));
    assert_true(n > 0);
    fl = ua_field(out, n, &f);
    assert_int_equal(fl, MH_LOG_FIELD_MAX);
    assert_memory_equal(f, s, MH_LOG_FIELD_MAX - 3);
    assert_memory_equal(f + MH_LOG_FIELD_MAX - 3, "...", 3);

    /* escapes are never split by the cut */
    s = repeat('"', MH_LOG_FIELD_MAX);
    r.user_agent = s;
    n = clf_format(&r, out, sizeof(out));
    fl = ua_field(out, n, &f);
    assert_true(fl <= MH_LOG_FIELD_MAX);
    assert_memory_equal(f + fl - 3, "...", 3);
    assert_int_equal((fl - 3) % 4, 0);
    for (size_t i = 0; i + 3 < fl; i += 4)
        assert_memory_equal(f + i, "\\x22", 4);
}

static void test_field_exactly_max_is_whole(void **state)
{
    (void)state;
    const char *f;
    struct access_record r = base();
    char *s = repeat('u', MH_LOG_FIELD_MAX);
    r.user_agent = s;
    size_t n = clf_format(&r, out, sizeof(out));
    assert_true(n > 0);
    size_t fl = ua_field(out, n, &f);
    assert_int_equal(fl, MH_LOG_FIELD_MAX);
    assert_memory_equal(f, s, MH_LOG_FIELD_MAX); /* not cut: it fits */
}

/* Every request gets its line: even with every field huge the line is whole
 * (ends in "\n"), at most MH_LOG_LINE_MAX bytes, whatever the buffer size. */
static void test_line_bound_all_fields_huge(void **state)
{
    (void)state;
    char *s = repeat('h', 3 * MH_LOG_LINE_MAX);
    struct access_record r = {
        .client = s,
        .method = s,
        .target = s,
        .http_major = 1,
        .http_minor = 1,
        .status = 200,
        .bytes = INT64_MAX,
        .referer = s,
        .user_agent = s,
        .user = s,
        .when = WHEN,
    };
    static const size_t caps[] = {MH_LOG_LINE_MAX, MH_LOG_LINE_MAX + 1,
                                  2 * MH_LOG_LINE_MAX};
    size_t got[3];
    for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
        got[i] = clf_format(&r, out, caps[i]);
    for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
        if (got[i] == 0 || got[i] > MH_LOG_LINE_MAX)
            print_error("cap %zu: line of %zu bytes\n", caps[i], got[i]);
    }
    for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
        memset(out, 'Z', sizeof(out));
        size_t n = clf_format(&r, out, caps[i]);
        assert_true(n > 0);
        assert_true(n <= MH_LOG_LINE_MAX);
        assert_int_equal(out[n - 1], '\n');
        assert_memory_equal(out + n - 5, "...\"\n", 5);
    }
}

static void test_small_cap_refused(void **state)
{
    (void)state;
    struct access_record r = base();
    memset(out, 'Z', sizeof(out));
    assert_int_equal(clf_format(&r, out, MH_LOG_LINE_MAX - 1), 0);
    assert_int_equal(clf_format(&r, out, 0), 0);
    assert_int_equal(out[0], 'Z'); /* nothing written */
    assert_true(clf_format(&r, out, MH_LOG_LINE_MAX) > 0);
}

static void test_odd_numbers(void **state)
{
    (void)state;
    struct access_record r = base();
    r.status = 99999;  /* out of range: logged as 000 */
    r.http_major = 12; /* not one digit: 0 */
    r.http_minor = -1;
    expect_line(&r,
                "127.0.0.1 - - [27/Nov/2026:22:47:06 +0000] "
                "\"GET /docs/index.html HTTP/0.0\" 000 5120 \"-\" \"curl/7.88.1\"\n");
    r = base();
    r.client = "";
    r.method = "";
    r.target = "";
    r.user_agent = "";
    expect_line(&r, "- - - [27/Nov/2026:22:47:06 +0000] "
                    "\"- - HTTP/1.1\" 200 5120 \"-\" \"-\"\n");
}

/* --- the JSON form --- */

static void expect_json(const struct access_record *r, const char *want)
{
    memset(out, 'Z', sizeof(out));
    size_t n = clf_format_json(r, out, MH_LOG_LINE_MAX);
    if (n != strlen(want) || memcmp(out, want, n))
        fail_msg("got  %.*s\nwant %s", (int)n, out, want);
}

static void test_json_record(void **state)
{
    (void)state;
    struct access_record r = base();
    r.host = "docs.example";
    r.duration_us = 1234;
    r.tls = true;
    expect_json(&r, "{\"time\":\"2026-11-27T22:47:06+00:00\",\"remote\":\"127.0.0.1\","
                    "\"user\":null,\"method\":\"GET\",\"target\":\"/docs/index.html\","
                    "\"protocol\":\"HTTP/1.1\",\"status\":200,\"bytes\":5120,"
                    "\"referer\":null,\"user_agent\":\"curl/7.88.1\","
                    "\"host\":\"docs.example\",\"duration_ms\":1.234,\"tls\":true}\n");
    /* never parsed: no method, target or protocol; no byte count */
    r = base();
    r.method = r.target = r.user_agent = NULL;
    r.bytes = -1;
    r.status = 408;
    r.user = "ann";
    expect_json(&r,
                "{\"time\":\"2026-11-27T22:47:06+00:00\",\"remote\":\"127.0.0.1\","
                "\"user\":\"ann\",\"method\":null,\"target\":null,\"protocol\":null,"
                "\"status\":408,\"bytes\":0,\"referer\":null,\"user_agent\":null,"
                "\"host\":null,\"duration_ms\":0.000,\"tls\":false}\n");
}

/* Any byte a client sends stays inside its field: quote, backslash,
 * controls, DEL and bytes that are not UTF-8 as \u00HH; UTF-8 kept, a C1
 * control in UTF-8 escaped byte by byte. */
static void test_json_escaping(void **state)
{
    (void)state;
    struct access_record r = base();
    r.target = "/a\"b\\c\x01\x7f\xff\xc3\xa9\xc2\x85";
    r.referer = "\"},\"status\":500,\"x\":\"";
    memset(out, 0, sizeof(out));
    size_t n = clf_format_json(&r, out, MH_LOG_LINE_MAX);
    assert_true(n > 0);
    assert_non_null(strstr(out, "\"target\":\"/a\\u0022b\\u005Cc\\u0001\\u007F"
                                "\\u00FF\xc3\xa9\\u00C2\\u0085\","));
    assert_non_null(strstr(out, "\"referer\":\"\\u0022},\\u0022status\\u0022:500,"));
    assert_null(strstr(out, "\"status\":500"));
}

/* Every field at its bound, escaped: the line still fits, each long field
 * cut with "..." inside its quotes. */
static void test_json_line_bound(void **state)
{
    (void)state;
    static char huge[8 * MH_LOG_LINE_MAX];
    memset(huge, '\x01', sizeof(huge) - 1); /* each byte 6 when escaped */
    struct access_record r = {.client = huge,
                              .method = huge,
                              .target = huge,
                              .http_major = 1,
                              .http_minor = 1,
                              .status = 999,
                              .bytes = INT64_MAX,
                              .referer = huge,
                              .user_agent = huge,
                              .when = WHEN,
                              .host = huge,
                              .user = huge,
                              .duration_us = INT64_MAX,
                              .tls = true};
    size_t n = clf_format_json(&r, out, MH_LOG_LINE_MAX);
    assert_true(n > 0 && n <= MH_LOG_LINE_MAX);
    assert_int_equal(out[n - 1], '\n');
    assert_non_null(strstr(out, "...\",\"protocol\""));
    assert_int_equal(clf_format_json(&r, out, MH_LOG_LINE_MAX - 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_record),
        cmocka_unit_test(test_user_field),
        cmocka_unit_test(test_dash_fields),
        cmocka_unit_test(test_unparsed_request),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_field_cut),
        cmocka_unit_test(test_field_exactly_max_is_whole),
        cmocka_unit_test(test_line_bound_all_fields_huge),
        cmocka_unit_test(test_small_cap_refused),
        cmocka_unit_test(test_odd_numbers),
        cmocka_unit_test(test_json_record),
        cmocka_unit_test(test_json_escaping),
        cmocka_unit_test(test_json_line_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
