/* test_precond.c - precond.c: IMF-fixdate formatting of known times (the
 * epoch, RFC 9110's example, leap days, the year 9999 limit) and strong
 * ETags: quoted, hexadecimal, and different whenever inode, size, mtime
 * seconds or mtime nanoseconds differ.  httpdate_parse of the three formats
 * of RFC 9110 5.6.7, round trips through httpdate_format, and a table of
 * invalid dates (bad names, out-of-range fields, non-leap 29 Feb, junk, no
 * or lowercase GMT).  precond_evaluate (RFC 9110 13.1.2-13.1.3, 13.2.2):
 * If-None-Match with weak comparison, lists, "*" and malformed lists, its
 * precedence over If-Modified-Since, and If-Modified-Since alone.
 * precond_if_range (13.1.5): strong etag or exact date only. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
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

/* --- httpdate_parse --- */

/* Parse an exact-size copy without a NUL, so ASan catches any over-read. */
static int parse(const char *s, time_t *t)
{
    size_t len = strlen(s);
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, s, len);
    int r = httpdate_parse(copy, len, t);
    free(copy);
    return r;
}

static void test_httpdate_parse_formats(void **state)
{
    (void)state;
    static const struct date_case cases[] = {
        /* RFC 9110 5.6.7's example in its three formats */
        {784111777, "Sun, 06 Nov 1994 08:49:37 GMT"},
        {784111777, "Sunday, 06-Nov-94 08:49:37 GMT"},
        {784111777, "Sun Nov  6 08:49:37 1994"},
        /* more of each */
        {0, "Thu, 01 Jan 1970 00:00:00 GMT"},
        {-1, "Wed, 31 Dec 1969 23:59:59 GMT"},
        {951782400, "Tue, 29 Feb 2000 00:00:00 GMT"},
        {1709208000, "Thu, 29 Feb 2024 12:00:00 GMT"},
        {2147483648, "Tue, 19 Jan 2038 03:14:08 GMT"},
        {4102444799, "Thu, 31 Dec 2099 23:59:59 GMT"},
        {253402300799, "Fri, 31 Dec 9999 23:59:59 GMT"},
        {-2203891200, "Thu, 01 Mar 1900 00:00:00 GMT"},
        {946684799, "Friday, 31-Dec-99 23:59:59 GMT"},
        {2147483648, "Tuesday, 19-Jan-38 03:14:08 GMT"},
        {951782400, "Tuesday, 29-Feb-00 00:00:00 GMT"},
        {1795819626, "Fri Nov 27 22:47:06 2026"},
        {951782400, "Tue Feb 29 00:00:00 2000"},
        /* a leap second counts as the second before it */
        {1483228799, "Sat, 31 Dec 2016 23:59:60 GMT"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        time_t t = 42;
        int r = parse(cases[i].want, &t);
        if (r != 0 || t != cases[i].t)
            print_error("\"%s\": %d, %lld, want %lld\n", cases[i].want, r, (long long)t,
                        (long long)cases[i].t);
        assert_int_equal(r, 0);
        assert_true(t == cases[i].t);
    }
}

static void test_httpdate_round_trip(void **state)
{
    (void)state;
    static const time_t times[] = {
        0,          1,          -1,           784111777,  951782400,
        4102444799, 1795819626, 2147483647,   2147483648, -2203891200,
        946684799,  946684800,  253402300799, 1709251199, 1709251200,
    };
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        char out[HTTPDATE_LEN];
        time_t t = 42;
        assert_int_equal(httpdate_format(times[i], out), 0);
        int r = parse(out, &t);
        if (r != 0 || t != times[i])
            print_error("%lld -> \"%s\" -> %d, %lld\n", (long long)times[i], out, r,
                        (long long)t);
        assert_int_equal(r, 0);
        assert_true(t == times[i]);
    }
}

static void test_httpdate_parse_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        " ",
        "GMT",
        "Sun",
        "Sun, ",
        /* names */
        "Snu, 06 Nov 1994 08:49:37 GMT",
        "sun, 06 Nov 1994 08:49:37 GMT",
        "SUN, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06 Nov 1994 08:49:37 GMT", /* long name, IMF-fixdate body */
        "Sun, 06-Nov-94 08:49:37 GMT",      /* short name, RFC 850 body */
        "Sundae, 06-Nov-94 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 06 NOV 1994 08:49:37 GMT",
        "Sun, 06 November 1994 08:49:37 GMT",
        "Sun, 06 Nox 1994 08:49:37 GMT",
        /* out-of-range fields */
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Thu, 31 Nov 1994 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Thu, 29 Feb 1900 00:00:00 GMT", /* 1900 is not a leap year */
        "Mon, 29 Feb 2100 00:00:00 GMT",
        "Sun, 29 Feb 2023 00:00:00 GMT",
        "Fri, 30 Feb 2024 00:00:00 GMT",
        "Sat, 31 Feb 2024 00:00:00 GMT",
        "Mon, 24 Nov 1994 24:00:00 GMT", /* hour 24 */
        "Sun, 06 Nov 1994 08:60:37 GMT",
        "Sun, 06 Nov 1994 08:49:61 GMT",
        "Sunday, 31-Nov-94 08:49:37 GMT",
        "Sunday, 06-Nov-94 24:49:37 GMT",
        "Sun Nov 31 08:49:37 1994",
        "Sun Nov  0 08:49:37 1994",
        "Sun Nov  6 24:00:00 1994",
        "Thu Feb 29 00:00:00 1900",
        /* trailing garbage, missing or wrong zone */
        "Sun, 06 Nov 1994 08:49:37 GMTx",
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sun, 06 Nov 1994 08:49:37 GMT, x",
        "Sun, 06 Nov 1994 08:49:37",
        "Sun, 06 Nov 1994 08:49:37 ",
        "Sun, 06 Nov 1994 08:49:37 gmt",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 +0000",
        "Sunday, 06-Nov-94 08:49:37",
        "Sunday, 06-Nov-94 08:49:37 gmt",
        "Sunday, 06-Nov-94 08:49:37 GMT1",
        "Sun Nov  6 08:49:37 1994 GMT",
        "Sun Nov  6 08:49:37 19945",
        "Sun Nov  6 08:49:37",
        /* wrong widths and separators */
        " Sun, 06 Nov 1994 08:49:37 GMT",
        "Sun,06 Nov 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06  Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 Nov 01994 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 06 Nov 1994 08.49.37 GMT",
        "Sun, 06-Nov-1994 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sunday, 06 Nov 94 08:49:37 GMT",
        "Sun Nov 06 1994 08:49:37",
        "1994-11-06T08:49:37Z",
        "784111777",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        time_t t = 42;
        int r = parse(bad[i], &t);
        if (r != -1)
            print_error("\"%s\": accepted as %lld\n", bad[i], (long long)t);
        assert_int_equal(r, -1);
    }
    /* an embedded NUL within len is junk too */
    time_t t;
    assert_int_equal(httpdate_parse("Sun, 06 Nov 1994 08:49:37 GMT\0", 30, &t), -1);
    assert_int_equal(httpdate_parse("Sun, 06 Nov\0 1994 08:49:37 GMT", 30, &t), -1);
}

/* A day name that is not the day of the date makes the date invalid. */
static void test_httpdate_parse_wrong_weekday(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Mon, 06 Nov 1994 08:49:37 GMT",  "Sat, 06 Nov 1994 08:49:37 GMT",
        "Monday, 06-Nov-94 08:49:37 GMT", "Mon Nov  6 08:49:37 1994",
        "Wed, 01 Jan 1970 00:00:00 GMT",
    };
    size_t accepted = 0; /* report them all, then fail */
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        time_t t = 42;
        if (parse(bad[i], &t) != -1) {
            print_error("\"%s\": accepted as %lld\n", bad[i], (long long)t);
            accepted++;
        }
    }
    assert_int_equal(accepted, 0);
}

/* Only len bytes count. */
static void test_httpdate_parse_uses_len(void **state)
{
    (void)state;
    const char *s = "Sun, 06 Nov 1994 08:49:37 GMTxyz";
    time_t t = 0;
    assert_int_equal(httpdate_parse(s, 29, &t), 0);
    assert_true(t == 784111777);
    assert_int_equal(httpdate_parse(s, 28, &t), -1);
    assert_int_equal(httpdate_parse(s, 30, &t), -1);
    assert_int_equal(httpdate_parse(s, 0, &t), -1);
}

/* --- precond_evaluate and precond_if_range --- */

#define ETAG "\"1234-100-3b9aca05\""
#define LM   ((time_t)784111777)
#define D_LM "Sun, 06 Nov 1994 08:49:37 GMT" /* LM */

struct eval_case {
    const char *inm, *ims; /* NULL: absent */
    enum precond_result want;
};

#define NM   PRECOND_NOT_MODIFIED
#define SEND PRECOND_SEND

static void test_precond_evaluate(void **state)
{
    (void)state;
    static const struct eval_case cases[] = {
        {NULL, NULL, SEND},
        /* If-None-Match: weak comparison */
        {ETAG, NULL, NM},
        {"W/" ETAG, NULL, NM},
        {"\"x\", " ETAG, NULL, NM},
        {"\"x\", W/" ETAG, NULL, NM},
        {"\"x\"," ETAG ",\"y\"", NULL, NM},
        {"  \"x\" ,\t" ETAG " ", NULL, NM},
        {ETAG ", garbage", NULL, NM}, /* matched before the junk */
        {"\"x\", \"y\"", NULL, SEND},
        {"\"x\"", NULL, SEND},
        {"W/\"x\"", NULL, SEND},
        {"*", NULL, NM},
        {" *", NULL, NM},
        {"", NULL, SEND},
        {" ", NULL, SEND},
        {"\"1234-100-3b9aca0\"", NULL, SEND},   /* a prefix */
        {"\"1234-100-3b9aca05x\"", NULL, SEND}, /* longer */
        {"\"1234-100-3B9ACA05\"", NULL, SEND},  /* case-sensitive */
        {"1234-100-3b9aca05", NULL, SEND},      /* not quoted */
        {"\"1234-100-3b9aca05", NULL, SEND},    /* not closed */
        {"w/" ETAG, NULL, SEND},                /* W/ is case-sensitive */
        {"garbage, " ETAG, NULL, SEND},         /* malformed list */
        {"\"x\" garbage " ETAG, NULL, SEND},
        /* If-Modified-Since alone */
        {NULL, D_LM, NM},
        {NULL, "Sun, 06 Nov 1994 08:49:38 GMT", NM}, /* later */
        {NULL, "Fri, 27 Nov 2026 22:47:06 GMT", NM},
        {NULL, "Sun, 06 Nov 1994 08:49:36 GMT", SEND}, /* earlier */
        {NULL, "Thu, 01 Jan 1970 00:00:00 GMT", SEND},
        {NULL, "Sunday, 06-Nov-94 08:49:37 GMT", NM},
        {NULL, "Sun Nov  6 08:49:37 1994", NM},
        {NULL, "Sun, 06 Nov 1994 08:49:37 gmt", SEND}, /* invalid: ignored */
        {NULL, "Sun, 32 Nov 1994 08:49:37 GMT", SEND},
        {NULL, "yesterday", SEND},
        {NULL, "", SEND},
        /* If-None-Match takes precedence (RFC 9110 13.2.2) */
        {"\"x\"", "Sun, 06 Nov 1994 08:49:38 GMT", SEND},
        {"\"x\"", D_LM, SEND},
        {"garbage", D_LM, SEND},
        {"", D_LM, SEND},
        {ETAG, "Sun, 06 Nov 1994 08:49:36 GMT", NM},
        {"*", "Thu, 01 Jan 1970 00:00:00 GMT", NM},
        {ETAG, "junk", NM},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct eval_case *c = &cases[i];
        enum precond_result r = precond_evaluate(c->inm, c->ims, ETAG, LM);
        if (r != c->want)
            print_error("case %zu If-None-Match %s%s%s If-Modified-Since %s%s%s: %d, "
                        "want %d\n",
                        i, c->inm ? "'" : "", c->inm ? c->inm : "(none)",
                        c->inm ? "'" : "", c->ims ? "'" : "",
                        c->ims ? c->ims : "(none)", c->ims ? "'" : "", (int)r,
                        (int)c->want);
        assert_int_equal(r, c->want);
    }
}

static void test_precond_if_range(void **state)
{
    (void)state;
    static const struct {
        const char *if_range; /* NULL: absent */
        int want;
    } cases[] = {
        {NULL, 1},
        {ETAG, 1},
        {D_LM, 1},
        {"Sunday, 06-Nov-94 08:49:37 GMT", 1},
        {"Sun Nov  6 08:49:37 1994", 1},
        {"W/" ETAG, 0}, /* strong comparison: weak tags never match */
        {"\"other\"", 0},
        {"\"1234-100-3b9aca0\"", 0},
        {ETAG "x", 0},
        {ETAG ", \"x\"", 0}, /* one entity tag, not a list */
        {"1234-100-3b9aca05", 0},
        {"*", 0},
        {"Sun, 06 Nov 1994 08:49:38 GMT", 0}, /* exact date only */
        {"Sun, 06 Nov 1994 08:49:36 GMT", 0},
        {"Sun, 06 Nov 1994 08:49:37 gmt", 0},
        {"garbage", 0},
        {"", 0},
        {"W/", 0},
        {"\"", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int r = precond_if_range(cases[i].if_range, ETAG, LM);
        if (r != cases[i].want)
            print_error("case %zu If-Range %s: %d, want %d\n", i,
                        cases[i].if_range ? cases[i].if_range : "(none)", r,
                        cases[i].want);
        assert_int_equal(r, cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_httpdate_known),
        cmocka_unit_test(test_httpdate_year_10000_refused),
        cmocka_unit_test(test_etag_format),
        cmocka_unit_test(test_etag_changes),
        cmocka_unit_test(test_httpdate_parse_formats),
        cmocka_unit_test(test_httpdate_round_trip),
        cmocka_unit_test(test_httpdate_parse_invalid),
        cmocka_unit_test(test_httpdate_parse_wrong_weekday),
        cmocka_unit_test(test_httpdate_parse_uses_len),
        cmocka_unit_test(test_precond_evaluate),
        cmocka_unit_test(test_precond_if_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
