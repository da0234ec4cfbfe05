/* test_response.c - response.c: the head of a response.  Covers the exact
 * bytes of a head (status line in front, empty line after, headers in the
 * order given), numbers, pre-formatted lines, refusal of names that are not
 * tokens and of values with CR or LF (header injection), the capacity at N
 * and N+1 bytes, and that reset makes a bad head usable again. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "response.h"

static void expect_head(struct response *r, int status, const char *reason,
                        const char *want)
{
    size_t n = 0;
    const char *head = response_finish(r, status, reason, &n);
    assert_non_null(head);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(head, want, n);
}

static void test_head_bytes(void **state)
{
    (void)state;
    char mem[256];
    struct response r;
    response_init(&r, mem, sizeof(mem));
    assert_true(response_header(&r, "Content-Type", "text/html; charset=utf-8"));
    assert_true(response_header_u(&r, "Content-Length", 1024));
    assert_true(response_header_u(&r, "X-Zero", 0));
    expect_head(&r, 200, "OK",
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                "Content-Length: 1024\r\nX-Zero: 0\r\n\r\n");
}

static void test_no_headers_and_big_numbers(void **state)
{
    (void)state;
    char mem[128];
    struct response r;
    response_init(&r, mem, sizeof(mem));
    expect_head(&r, 304, "Not Modified", "HTTP/1.1 304 Not Modified\r\n\r\n");
    response_reset(&r);
    assert_true(response_header_u(&r, "Content-Length", UINT64_MAX));
    expect_head(&r, 206, "Partial Content",
                "HTTP/1.1 206 Partial Content\r\nContent-Length: "
                "18446744073709551615\r\n\r\n");
}

static void test_lines_copied_as_they_are(void **state)
{
    (void)state;
    char cmem[128], mem[256];
    struct response common, r;
    response_init(&common, cmem, sizeof(cmem));
    assert_true(response_header(&common, "Server", "minihttpd"));
    assert_true(response_header(&common, "X-Frame-Options", "DENY"));
    response_init(&r, mem, sizeof(mem));
    assert_true(response_header(&r, "ETag", "\"1-2-3\""));
    assert_true(response_lines(&r, common.mem + RESPONSE_LINE_MAX, common.len));
    expect_head(&r, 404, "Not Found",
                "HTTP/1.1 404 Not Found\r\nETag: \"1-2-3\"\r\nServer: minihttpd\r\n"
                "X-Frame-Options: DENY\r\n\r\n");
}

static void test_injection_refused(void **state)
{
    (void)state;
    char mem[256];
    struct response r;
    size_t n;
    const char *bad_values[] = {"a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "\r\n"};
    for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
        response_init(&r, mem, sizeof(mem));
        assert_true(response_header(&r, "X-Ok", "fine"));
        assert_false(response_header(&r, "Location", bad_values[i]));
        assert_true(r.bad);
        assert_null(response_finish(&r, 301, "Moved Permanently", &n));
    }
    const char *bad_names[] = {"", "Bad Name", "Bad:Name", "X\r\nY", "(x)", "é"};
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        response_init(&r, mem, sizeof(mem));
        assert_false(response_header(&r, bad_names[i], "v"));
        assert_true(r.bad);
    }
    response_init(&r, mem, sizeof(mem));
    assert_true(response_header(&r, "X-Token!#$%&'*+-.^_`|~09az", ""));
    assert_null(response_finish(&r, 200, "O\r\nK", &n)); /* reason checked too */
}

/* Headers area = cap - RESPONSE_LINE_MAX - 2 (the empty line). */
static void test_capacity_n_and_n_plus_1(void **state)
{
    (void)state;
    enum { AREA = 40 };
    char mem[RESPONSE_LINE_MAX + 2 + AREA];
    struct response r;
    char value[AREA];
    /* "X: " + value + "\r\n" is 5 + len bytes */
    memset(value, 'v', sizeof(value));
    value[AREA - 5] = '\0'; /* exactly AREA bytes */
    response_init(&r, mem, sizeof(mem));
    assert_true(response_header(&r, "X", value));
    size_t n;
    const char *head = response_finish(&r, 200, "OK", &n);
    assert_non_null(head);
    assert_int_equal(n, strlen("HTTP/1.1 200 OK\r\n") + AREA + 2);
    assert_memory_equal(head + n - 5, "v\r\n\r\n", 5);

    value[AREA - 5] = 'v';
    value[AREA - 4] = '\0'; /* one byte more */
    response_init(&r, mem, sizeof(mem));
    assert_false(response_header(&r, "X", value));
    assert_true(r.bad);
    assert_int_equal(r.len, 0); /* nothing half-written */
    assert_null(response_finish(&r, 200, "OK", &n));
    response_reset(&r); /* usable again */
    assert_false(r.bad);
    assert_true(response_header(&r, "X", "y"));
    expect_head(&r, 200, "OK", "HTTP/1.1 200 OK\r\nX: y\r\n\r\n");
}

static void test_status_line_bounds(void **state)
{
    (void)state;
    char mem[256];
    struct response r;
    size_t n;
    char reason[RESPONSE_LINE_MAX];
    /* "HTTP/1.1 NNN " (13) + reason + CRLF (2) must fit RESPONSE_LINE_MAX */
    memset(reason, 'R', sizeof(reason));
    reason[RESPONSE_LINE_MAX - 15] = '\0';
    response_init(&r, mem, sizeof(mem));
    assert_non_null(response_finish(&r, 431, reason, &n));
    assert_int_equal(n, RESPONSE_LINE_MAX + 2);
    reason[RESPONSE_LINE_MAX - 15] = 'R';
    reason[RESPONSE_LINE_MAX - 14] = '\0';
    response_reset(&r);
    assert_null(response_finish(&r, 431, reason, &n));
    /* a too-small buffer makes every head bad */
    response_init(&r, mem, RESPONSE_LINE_MAX + 2);
    assert_true(r.bad);
    assert_null(response_finish(&r, 200, "OK", &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_head_bytes),
        cmocka_unit_test(test_no_headers_and_big_numbers),
        cmocka_unit_test(test_lines_copied_as_they_are),
        cmocka_unit_test(test_injection_refused),
        cmocka_unit_test(test_capacity_n_and_n_plus_1),
        cmocka_unit_test(test_status_line_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
