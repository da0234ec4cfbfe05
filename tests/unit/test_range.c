/* test_range.c - range.c: the Range header (RFC 9110 14.1-14.2) against a
 * file size.  A table of single ranges ("a-b", "a-", "-n") with their exact
 * clamped [first, last], unsatisfiable ranges (416), numbers too long for 64
 * bits, malformed specs, other units and several ranges (all ignored: 200),
 * blanks and empty list elements, and empty and one-byte files.  Each header
 * is passed as an exact-size copy without a NUL so ASan catches over-reads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "range.h"

struct range_case {
    const char *hdr;
    uint64_t size;
    enum range_result want;
    uint64_t first, last; /* when RANGE_PARTIAL */
};

#define FULL  RANGE_FULL
#define PART  RANGE_PARTIAL
#define UNSAT RANGE_UNSATISFIABLE

static const struct range_case cases[] = {
    /* one satisfiable range: exact bounds */
    {"bytes=0-99", 1000, PART, 0, 99},
    {"bytes=0-0", 1000, PART, 0, 0},
    {"bytes=999-999", 1000, PART, 999, 999},
    {"bytes=999-", 1000, PART, 999, 999},
    {"bytes=500-", 1000, PART, 500, 999},
    {"bytes=0-", 1000, PART, 0, 999},
    {"bytes=0-999", 1000, PART, 0, 999},
    {"bytes=0-1000", 1000, PART, 0, 999}, /* last past the end is clamped */
    {"bytes=998-5000", 1000, PART, 998, 999},
    {"bytes=-100", 1000, PART, 900, 999},
    {"bytes=-1", 1000, PART, 999, 999},
    {"bytes=-1000", 1000, PART, 0, 999},
    {"bytes=-2000", 1000, PART, 0, 999}, /* longer suffix: the whole file */
    {"bytes=0-99999999999999999999", 1000, PART, 0, 999}, /* > 2^64: clamped */
    {"bytes=0-18446744073709551615", 1000, PART, 0, 999},
    {"bytes=-99999999999999999999", 1000, PART, 0, 999},
    {"bytes=007-010", 1000, PART, 7, 10}, /* leading zeros are digits */
    /* the unit is case-insensitive; blanks around the value and elements */
    {"BYTES=0-1", 1000, PART, 0, 1},
    {"Bytes=0-1", 1000, PART, 0, 1},
    {" bytes=0-1", 1000, PART, 0, 1},
    {"\tbytes=0-1", 1000, PART, 0, 1},
    {"bytes= 0-1 ", 1000, PART, 0, 1},
    {"bytes=0-1\t", 1000, PART, 0, 1},
    /* empty list elements are allowed (RFC 9110 5.6.1) */
    {"bytes=,0-1", 1000, PART, 0, 1},
    {"bytes=0-1,", 1000, PART, 0, 1},
    {"bytes=, ,0-1, ,", 1000, PART, 0, 1},
    /* unsatisfiable: 416 */
    {"bytes=1000-", 1000, UNSAT, 0, 0},
    {"bytes=1000-1000", 1000, UNSAT, 0, 0},
    {"bytes=1000-2000", 1000, UNSAT, 0, 0},
    {"bytes=-0", 1000, UNSAT, 0, 0},
    {"bytes=-000", 1000, UNSAT, 0, 0},
    {"bytes=99999999999999999999-", 1000, UNSAT, 0, 0},
    {"bytes=18446744073709551615-", 1000, UNSAT, 0, 0},
    {"bytes=2000-3000, 4000-", 1000, UNSAT, 0, 0},
    {"bytes=1000-,-0", 1000, UNSAT, 0, 0},
    /* malformed: the header is ignored, 200 */
    {"bytes=5-3", 1000, FULL, 0, 0},
    {"bytes=1000-999", 1000, FULL, 0, 0}, /* a > b beats past-the-end */
    {"bytes=abc", 1000, FULL, 0, 0},
    {"bytes=", 1000, FULL, 0, 0},
    {"bytes=-", 1000, FULL, 0, 0},
    {"bytes=,", 1000, FULL, 0, 0},
    {"bytes= ", 1000, FULL, 0, 0},
    {"bytes=1-2-3", 1000, FULL, 0, 0},
    {"bytes=0--1", 1000, FULL, 0, 0},
    {"bytes=--1", 1000, FULL, 0, 0},
    {"bytes=+1-2", 1000, FULL, 0, 0},
    {"bytes=1-+2", 1000, FULL, 0, 0},
    {"bytes=0x10-20", 1000, FULL, 0, 0},
    {"bytes=1 -2", 1000, FULL, 0, 0},
    {"bytes=1- 2", 1000, FULL, 0, 0},
    {"bytes=- 1", 1000, FULL, 0, 0},
    {"bytes=1", 1000, FULL, 0, 0},
    {"bytes=1.5-2", 1000, FULL, 0, 0},
    {"bytes=0-1;x", 1000, FULL, 0, 0},
    {"bytes=0-1, abc", 1000, FULL, 0, 0}, /* one bad element spoils the set */
    {"bytes=abc, 2000-", 1000, FULL, 0, 0},
    {"bytes 0-1", 1000, FULL, 0, 0},
    {"bytes:0-1", 1000, FULL, 0, 0},
    {"bytes =0-1", 1000, FULL, 0, 0},
    {"bytes", 1000, FULL, 0, 0},
    {"", 1000, FULL, 0, 0},
    /* other units */
    {"items=0-1", 1000, FULL, 0, 0},
    {"byte=0-1", 1000, FULL, 0, 0},
    {"bytesx=0-1", 1000, FULL, 0, 0},
    {"none", 1000, FULL, 0, 0},
    /* several ranges: the whole file, unless none is satisfiable */
    {"bytes=0-1,5-6", 1000, FULL, 0, 0},
    {"bytes=0-1, 2000-3000", 1000, FULL, 0, 0},
    {"bytes=2000-3000, 0-1", 1000, FULL, 0, 0},
    {"bytes=0-1,0-1", 1000, FULL, 0, 0},
    {"bytes=-5, 0-", 1000, FULL, 0, 0},
    /* empty file: nothing is satisfiable */
    {"bytes=0-", 0, UNSAT, 0, 0},
    {"bytes=0-0", 0, UNSAT, 0, 0},
    {"bytes=-5", 0, UNSAT, 0, 0},
    {"bytes=5-3", 0, FULL, 0, 0},
    {"items=0-", 0, FULL, 0, 0},
    /* one-byte file */
    {"bytes=0-0", 1, PART, 0, 0},
    {"bytes=0-", 1, PART, 0, 0},
    {"bytes=-1", 1, PART, 0, 0},
    {"bytes=-5", 1, PART, 0, 0},
    {"bytes=0-5", 1, PART, 0, 0},
    {"bytes=1-", 1, UNSAT, 0, 0},
    {"bytes=-0", 1, UNSAT, 0, 0},
    /* the largest size */
    {"bytes=-1", UINT64_MAX, PART, UINT64_MAX - 1, UINT64_MAX - 1},
    {"bytes=18446744073709551614-", UINT64_MAX, PART, UINT64_MAX - 1, UINT64_MAX - 1},
};

static const char *result_name(enum range_result r)
{
    switch (r) {
    case RANGE_FULL:
        return "FULL";
    case RANGE_PARTIAL:
        return "PARTIAL";
    case RANGE_UNSATISFIABLE:
        return "UNSATISFIABLE";
    }
    return "?";
}

static void test_range_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct range_case *c = &cases[i];
        size_t len = strlen(c->hdr);
        char *hdr = malloc(len ? len : 1);
        assert_non_null(hdr);
        memcpy(hdr, c->hdr, len);
        uint64_t first = 12345, last = 67890;
        enum range_result r = range_parse(hdr, len, c->size, &first, &last);
        free(hdr);
        if (r != c->want)
            print_error("case %zu \"%s\" size %llu: %s, want %s\n", i, c->hdr,
                        (unsigned long long)c->size, result_name(r),
                        result_name(c->want));
        assert_int_equal(r, c->want);
        if (c->want != RANGE_PARTIAL)
            continue;
        if (first != c->first || last != c->last)
            print_error("case %zu \"%s\" size %llu: [%llu, %llu], want [%llu, %llu]\n",
                        i, c->hdr, (unsigned long long)c->size,
                        (unsigned long long)first, (unsigned long long)last,
                        (unsigned long long)c->first, (unsigned long long)c->last);
        assert_true(first == c->first);
        assert_true(last == c->last);
        assert_true(first <= last && last < c->size);
    }
}

/* Only len bytes count: what follows in the buffer is not part of the header. */
static void test_range_uses_len(void **state)
{
    (void)state;
    uint64_t first = 0, last = 0;
    const char *s = "bytes=0-99,5-6";
    assert_int_equal(range_parse(s, 10, 1000, &first, &last), RANGE_PARTIAL);
    assert_true(first == 0 && last == 99);
    assert_int_equal(range_parse(s, 8, 1000, &first, &last), RANGE_PARTIAL); /* 0- */
    assert_true(first == 0 && last == 999);
    assert_int_equal(range_parse(s, 5, 1000, &first, &last), RANGE_FULL); /* bytes */
    assert_int_equal(range_parse(s, 0, 1000, &first, &last), RANGE_FULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_table),
        cmocka_unit_test(test_range_uses_len),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
