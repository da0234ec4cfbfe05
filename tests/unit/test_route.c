/* test_route.c - route.c: what is decided from a request alone.  Every
 * status route_check() can answer, at N and N+1 of each limit (request
 * line, header bytes, header count, body); each framing shape the server
 * refuses (minihttpd(8), "Request framing") and the ones it lets through;
 * the keep-alive rule; target splitting; what a path lookup leads to. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "route.h"
#include "status.h"

/* A GET / HTTP/1.1 with Host, plus the given header pairs (NULL-ended). */
struct req_fixture {
    struct request rq;
    struct req_header h[MH_REQUEST_HEADERS_MAX];
};

static struct request *make(struct req_fixture *f, enum http_method m,
                            const char *target, ...)
{
    va_list ap;
    memset(f, 0, sizeof(*f));
    f->rq.method = m;
    f->rq.target = target;
    f->rq.major = 1;
    f->rq.minor = 1;
    f->rq.headers = f->h;
    f->h[f->rq.n_headers++] = (struct req_header){"Host", "x"};
    va_start(ap, target);
    const char *name;
    while ((name = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        f->h[f->rq.n_headers++] = (struct req_header){name, value};
    }
    va_end(ap);
    return &f->rq;
}

static int check(const struct request *rq, bool *close)
{
    *close = false;
    return route_check(rq, close);
}

static void test_clean_requests_pass(void **state)
{
    struct req_fixture f;
    bool close;
    (void)state;
    assert_int_equal(check(make(&f, METHOD_GET, "/", NULL), &close), 0);
    assert_false(close);
    assert_int_equal(
        check(make(&f, METHOD_HEAD, "/a", "Content-Length", "0", NULL), &close), 0);
    assert_int_equal(
        check(make(&f, METHOD_GET, "/a", "Content-Length", "000", NULL), &close), 0);
    f.rq.body_len = 0;
    /* a small body on GET is read and dropped */
    struct request *rq = make(&f, METHOD_GET, "/", "Content-Length", "5", NULL);
    rq->body_len = 5;
    assert_int_equal(check(rq, &close), 0);
    /* HTTP/1.0 needs no Host */
    rq = make(&f, METHOD_GET, "/", NULL);
    rq->n_headers = 0;
    rq->minor = 0;
    assert_int_equal(check(rq, &close), 0);
}

static void test_framing_refused_and_closed(void **state)
{
    struct req_fixture f;
    bool close;
    (void)state;
    const char *te[] = {"chunked", "gzip, chunked", "identity", ""};
    for (size_t i = 0; i < sizeof(te) / sizeof(te[0]); i++) {
        assert_int_equal(
            check(make(&f, METHOD_GET, "/", "Transfer-Encoding", te[i], NULL), &close),
            HTTP_STATUS_BAD_REQUEST);
        assert_true(close);
        assert_int_equal(
            check(make(&f, METHOD_HEAD, "/", "transfer-encoding", te[i], NULL), &close),
            HTTP_STATUS_BAD_REQUEST);
    }
    enum http_method no_body[] = {METHOD_HEAD, METHOD_TRACE, METHOD_OPTIONS};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(
            check(make(&f, no_body[i], "/", "Content-Length", "44", NULL), &close),
            HTTP_STATUS_BAD_REQUEST);
        assert_true(close);
        assert_int_equal(
            check(make(&f, no_body[i], "/", "Content-Length", "01", NULL), &close),
            HTTP_STATUS_BAD_REQUEST);
    }
    const char *bad_cl[] = {"+5", "-1", "5 ", " 5", "0x5", "", "5,5", "1e3"};
    for (size_t i = 0; i < sizeof(bad_cl) / sizeof(bad_cl[0]); i++)
        assert_int_equal(
            check(make(&f, METHOD_GET, "/", "Content-Length", bad_cl[i], NULL), &close),
            HTTP_STATUS_BAD_REQUEST);
    assert_int_equal(check(make(&f, METHOD_GET, "/", "Content-Length", "5",
                                "content-length", "5", NULL),
                           &close),
                     HTTP_STATUS_BAD_REQUEST);
    assert_int_equal(check(make(&f, METHOD_GET, "/", "Host", "y", NULL), &close),
                     HTTP_STATUS_BAD_REQUEST);
    assert_int_equal(check(make(&f, METHOD_GET, "/", "X-A", "a\rb", NULL), &close),
                     HTTP_STATUS_BAD_REQUEST);
    assert_int_equal(check(make(&f, METHOD_GET, "/", "X A", "b", NULL), &close),
                     HTTP_STATUS_BAD_REQUEST);
    assert_int_equal(
        check(make(&f, METHOD_GET, "/", "Content-Length ", "5", NULL), &close),
        HTTP_STATUS_BAD_REQUEST);
    struct request *rq = make(&f, METHOD_GET, "/", NULL);
    rq->had_nul = true;
    assert_int_equal(check(rq, &close), HTTP_STATUS_BAD_REQUEST);
    assert_true(close);
    rq = make(&f, METHOD_GET, "/", NULL);
    rq->n_headers = 0; /* HTTP/1.1 without Host */
    assert_int_equal(check(rq, &close), HTTP_STATUS_BAD_REQUEST);
    rq = make(&f, METHOD_GET, "/", NULL);
    f.h[0].value = "a, b"; /* a Host list */
    assert_int_equal(check(rq, &close), HTTP_STATUS_BAD_REQUEST);
}

static void test_methods(void **state)
{
    struct req_fixture f;
    bool close;
    (void)state;
    enum http_method others[] = {METHOD_POST,    METHOD_PUT,   METHOD_DELETE,
                                 METHOD_OPTIONS, METHOD_TRACE, METHOD_CONNECT,
                                 METHOD_PATCH,   METHOD_OTHER};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        assert_int_equal(check(make(&f, others[i], "/", NULL), &close),
                         HTTP_STATUS_METHOD_NOT_ALLOWED);
        assert_false(close);
    }
    assert_string_equal(route_method_name(METHOD_OPTIONS), "OPTIONS");
    assert_string_equal(route_method_name(METHOD_OTHER), "-");
    assert_string_equal(route_method_name((enum http_method)99), "-");
}

/* A target that makes the request line exactly n bytes ("GET " + target +
 * " HTTP/1.1"). */
static const char *target_for_line(char *mem, size_t n)
{
    size_t t = n - strlen("GET ") - strlen(" HTTP/1.1");
    memset(mem, 'a', t);
    mem[0] = '/';
    mem[t] = '\0';
    return mem;
}

static void test_limits_at_n_and_n_plus_1(void **state)
{
    static char target[MH_REQUEST_LINE_MAX + 2];
    static char value[MH_HEADERS_MAX + 2];
    struct req_fixture f;
    bool close;
    (void)state;
    /* request line */
    assert_int_equal(
        check(make(&f, METHOD_GET, target_for_line(target, MH_REQUEST_LINE_MAX), NULL),
              &close),
        0);
    assert_int_equal(check(make(&f, METHOD_GET,
                                target_for_line(target, MH_REQUEST_LINE_MAX + 1), NULL),
                           &close),
                     HTTP_STATUS_URI_TOO_LONG);
    assert_false(close);
    /* header bytes: "Host: x\r\n" (9) + "X: " value "\r\n" (5 + len) */
    size_t room = MH_HEADERS_MAX - 9 - 5;
    memset(value, 'v', room);
    value[room] = '\0';
    assert_int_equal(check(make(&f, METHOD_GET, "/", "X", value, NULL), &close), 0);
    value[room] = 'v';
    value[room + 1] = '\0';
    assert_int_equal(check(make(&f, METHOD_GET, "/", "X", value, NULL), &close),
                     HTTP_STATUS_HEADERS_TOO_LARGE);
    assert_false(close);
    /* header count: the glue stops copying at MH_REQUEST_HEADERS_MAX */
    struct request *rq = make(&f, METHOD_GET, "/", NULL);
    while (rq->n_headers < MH_REQUEST_HEADERS_MAX)
        f.h[rq->n_headers++] = (struct req_header){"X-N", "1"};
    assert_int_equal(check(rq, &close), 0);
    rq->too_many_headers = true;
    assert_int_equal(check(rq, &close), HTTP_STATUS_HEADERS_TOO_LARGE);
    assert_true(close);
    /* body */
    rq = make(&f, METHOD_GET, "/", "Content-Length", "1024", NULL);
    rq->body_len = MH_REQUEST_BODY_MAX;
    assert_int_equal(check(rq, &close), 0);
    rq->body_len = MH_REQUEST_BODY_MAX + 1;
    assert_int_equal(check(rq, &close), HTTP_STATUS_TOO_LARGE);
    assert_true(close);
}

static void test_closes(void **state)
{
    struct req_fixture f;
    (void)state;
    assert_false(route_closes(make(&f, METHOD_GET, "/", NULL)));
    assert_true(route_closes(make(&f, METHOD_GET, "/", "Connection", "close", NULL)));
    assert_true(route_closes(make(&f, METHOD_GET, "/", "Connection", "Close", NULL)));
    struct request *rq = make(&f, METHOD_GET, "/", NULL);
    rq->minor = 0;
    assert_true(route_closes(rq));
    rq = make(&f, METHOD_GET, "/", "Connection", "keep-alive", NULL);
    rq->minor = 0;
    assert_false(route_closes(rq));
    rq = make(&f, METHOD_GET, "/", NULL);
    rq->proxy_form = true;
    assert_true(route_closes(rq));
}

static void test_targets(void **state)
{
    struct req_fixture f;
    char buf[64];
    struct path_out p = {.buf = buf, .cap = sizeof(buf)};
    const char *q;
    (void)state;
    assert_int_equal(route_target(make(&f, METHOD_GET, "/a/./b?x=1", NULL), &p, &q), 0);
    assert_string_equal(buf, "/a/b");
    assert_string_equal(q, "x=1");
    assert_int_equal(route_target(make(&f, METHOD_GET, "http://h/c?", NULL), &p, &q),
                     0);
    assert_string_equal(buf, "/c");
    assert_string_equal(q, "");
    assert_int_equal(route_target(make(&f, METHOD_GET, "HTTPS://h", NULL), &p, &q),
                     HTTP_STATUS_BAD_REQUEST);
    assert_int_equal(route_target(make(&f, METHOD_GET, "*", NULL), &p, &q),
                     HTTP_STATUS_BAD_REQUEST);
    assert_int_equal(route_target(make(&f, METHOD_GET, "/../x", NULL), &p, &q),
                     HTTP_STATUS_BAD_REQUEST);
    assert_int_equal(
        route_target(make(&f, METHOD_GET, "//evil.com/../d", NULL), &p, &q), 0);
    assert_string_equal(buf, "/d");
    assert_null(q);
}

static void test_found(void **state)
{
    int st = 0;
    (void)state;
    assert_int_equal(route_found(200, false, false, &st), ROUTE_FILE);
    assert_int_equal(route_found(200, true, true, &st), ROUTE_DIRECTORY);
    assert_int_equal(route_found(200, true, false, &st), ROUTE_SLASH);
    assert_int_equal(route_found(200, false, true, &st), ROUTE_STATUS);
    assert_int_equal(st, HTTP_STATUS_NOT_FOUND);
    int failed[] = {HTTP_STATUS_NOT_FOUND, HTTP_STATUS_FORBIDDEN,
                    HTTP_STATUS_UNAVAILABLE, HTTP_STATUS_INTERNAL};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(route_found(failed[i], false, false, &st), ROUTE_STATUS);
        assert_int_equal(st, failed[i]);
    }
}

static bool wants_json(const char *accept)
{
    struct req_header h[1] = {{"Accept", accept}};
    struct request rq = {.method = METHOD_GET,
                         .target = "/",
                         .major = 1,
                         .minor = 1,
                         .headers = h,
                         .n_headers = accept ? 1 : 0};
    return route_wants_json(&rq);
}

static void test_wants_json(void **state)
{
    (void)state;
    static const char *const yes[] = {"application/json",
                                      "Application/JSON",
                                      "application/json;q=0.5",
                                      "text/html;q=0.5, application/json",
                                      "application/json, text/html",
                                      "application/json;charset=utf-8",
                                      " application/json ; q=1.0 ",
                                      "text/plain, application/json;q=0.001",
                                      "application/json;q=0.9;level=1",
                                      "application/json;q=0.5, text/html;q=0.5"};
    static const char *const no[] = {
        NULL,
        "",
        "*/*",
        "text/html",
        "application/*",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "application/json;q=0",
        "application/json;q=0.000",
        "text/html, application/json;q=0.9",
        "application/jsonx",
        "application/json;q=2",
        "application/json;q=abc",
        "xapplication/json",
        "application/json;q=0.5, text/html;q=0.6"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!wants_json(yes[i]))
            fail_msg("JSON not chosen for Accept: %s", yes[i]);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (wants_json(no[i]))
            fail_msg("JSON chosen for Accept: %s", no[i] ? no[i] : "(none)");
}

static void test_host_len(void **state)
{
    (void)state;
    static const struct {
        const char *host;
        size_t len;
    } cases[] = {
        {"docs.example", 12},
        {"docs.example:8080", 12},
        {"10.0.0.1", 8},
        {"10.0.0.1:80", 8},
        {"[::1]", 5},
        {"[::1]:8443", 5},
        {"[2001:db8::1]", 13},
        {"a", 1},
        {"", 0},
        {":80", 0},
        {"evil.com/x", 0},
        {"a b", 0},
        {"user@host", 0},
        {"host:", 0},
        {"host:80x", 0},
        {"host:123456", 0},
        {"[::1", 0},
        {"[]", 0},
        {"[::g]", 0},
        {"[::1]x", 0},
        {"host\r\nX: y", 0},
        {"h%2fx", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (route_host_len(cases[i].host) != cases[i].len)
            fail_msg("route_host_len(\"%s\") = %zu, not %zu", cases[i].host,
                     route_host_len(cases[i].host), cases[i].len);
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[253] = '\0';
    assert_int_equal(route_host_len(longname), 253);
    longname[253] = 'a';
    longname[254] = '\0';
    assert_int_equal(route_host_len(longname), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_requests_pass),
        cmocka_unit_test(test_framing_refused_and_closed),
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_limits_at_n_and_n_plus_1),
        cmocka_unit_test(test_closes),
        cmocka_unit_test(test_targets),
        cmocka_unit_test(test_found),
        cmocka_unit_test(test_wants_json),
        cmocka_unit_test(test_host_len),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
