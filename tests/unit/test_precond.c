/* test_precond.c - precond.c: IMF-fixdate formatting of known times (the
 * epoch, RFC 9110's example, leap days, the year 9999 limit) and strong
 * ETags: quoted, hexadecimal, and different whenever inode, size, mtime
 * seconds or mtime nanoseconds differ. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "precond.h"

struct date_case {
    time_t t;
    const char *want;
};

static void test_httpdate_known(void **state)
{
    (void)state;
    static const struct date_case cases[] = {
        {0, "Thu, 01 Jan 1970 00:00:00 GMT"},
        {784111777, "Sun, 06 Nov 1994 08:49:37 GMT"},
        {951782400, "Tue, 29 Feb 2000 00:00:00 GMT"},
        {1795819626, "Fri, 27 Nov 2026 22:47:06 GMT"},
        {-1, "Wed, 31 Dec 1969 23:59:59 GMT"},
        {253402300799, "Fri, 31 Dec 9999 23:59:59 GMT"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[HTTPDATE_LEN];
        memset(out, 'X', sizeof(out));
        assert_int_equal(httpdate_format(cases[i].t, out), 0);
        assert_string_equal(out, cases[i].want);
        assert_int_equal(strlen(out), HTTPDATE_LEN - 1);
    }
}

static void test_httpdate_year_10000_refused(void **state)
{
    (void)state;
    char out[HTTPDATE_LEN];
    assert_int_equal(httpdate_format((time_t)253402300800, out), -1);
}

static void test_etag_format(void **state)
{
    (void)state;
    char out[ETAG_LEN];
    etag_format(0x1234, 0x100, 1, 5, out);
    /* 1 s + 5 ns = 1000000005 ns = 0x3b9aca05 */
    assert_string_equal(out, "\"1234-100-3b9aca05\"");

    etag_format(UINT64_MAX, UINT64_MAX, 0, 0, out);
    assert_string_equal(out, "\"ffffffffffffffff-ffffffffffffffff-0\"");
    assert_true(strlen(out) < ETAG_LEN);
}

static void test_etag_changes(void **state)
{
    (void)state;
    struct {
        uint64_t ino, size;
        int64_t sec;
        long nsec;
    } v[] = {
        {1000, 2000, 1795819626, 123456789}, /* base */
        {1001, 2000, 1795819626, 123456789}, /* inode */
        {1000, 2001, 1795819626, 123456789}, /* size */
        {1000, 2000, 1795819627, 123456789}, /* seconds */
        {1000, 2000, 1795819626, 123456790}, /* nanoseconds */
    };
    char tags[5][ETAG_LEN];
    for (size_t i = 0; i < 5; i++) {
        etag_format(v[i].ino, v[i].size, v[i].sec, v[i].nsec, tags[i]);
        size_t n = strlen(tags[i]);
        assert_true(n >= 2);
        assert_int_equal(tags[i][0], '"');
        assert_int_equal(tags[i][n - 1], '"');
        assert_null(memchr(tags[i] + 1, '"', n - 2));
    }
    for (size_t i = 0; i < 5; i++)
        for (size_t j = i + 1; j < 5; j++)
            assert_string_not_equal(tags[i], tags[j]);

    /* the same inputs give the same tag */
    char again[ETAG_LEN];
    etag_format(v[0].ino, v[0].size, v[0].sec, v[0].nsec, again);
    assert_string_equal(again, tags[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_httpdate_known),
        cmocka_unit_test(test_httpdate_year_10000_refused),
        cmocka_unit_test(test_etag_format),
        cmocka_unit_test(test_etag_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
