/* test_statusacl.c - statusacl.c: `[status] allow` lists (addresses and
 * CIDR prefixes, IPv4, IPv6, IPv4-mapped IPv6), their errors with the
 * offending word, MH_STATUS_ALLOW_MAX at N and N+1, and matching peers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "statusacl.h"

static enum statusacl_result parse(const char *text, struct statusacl *acl, size_t *at,
                                   size_t *n)
{
    return statusacl_parse(text, strlen(text), acl, at, n);
}

static bool allows(const struct statusacl *acl, const char *peer)
{
    return statusacl_allows(acl, peer, strlen(peer));
}

static void test_default_loopback(void **state)
{
    (void)state;
    struct statusacl acl;
    size_t at, n;
    assert_int_equal(parse("127.0.0.1 ::1", &acl, &at, &n), STATUSACL_OK);
    assert_int_equal(acl.n, 2);
    assert_true(allows(&acl, "127.0.0.1"));
    assert_true(allows(&acl, "::1"));
    assert_true(allows(&acl, "::ffff:127.0.0.1")); /* v4 on a dual-stack socket */
    assert_false(allows(&acl, "127.0.0.2"));
    assert_false(allows(&acl, "::2"));
    assert_false(allows(&acl, "10.0.0.1"));
    assert_false(allows(&acl, ""));
    assert_false(allows(&acl, "localhost"));
}

static void test_prefixes(void **state)
{
    (void)state;
    struct statusacl acl;
    size_t at, n;
    assert_int_equal(parse("  10.0.0.0/8\t192.168.4.0/22 fd00::/8  ", &acl, &at, &n),
                     STATUSACL_OK);
    assert_int_equal(acl.n, 3);
    assert_true(allows(&acl, "10.255.1.2"));
    assert_false(allows(&acl, "11.0.0.1"));
    assert_true(allows(&acl, "192.168.4.0"));
    assert_true(allows(&acl, "192.168.7.255"));
    assert_false(allows(&acl, "192.168.8.0"));
    assert_false(allows(&acl, "192.168.3.255"));
    assert_true(allows(&acl, "fd12:3456::1"));
    assert_false(allows(&acl, "fe80::1"));
    assert_true(allows(&acl, "::ffff:10.1.2.3"));
    assert_false(allows(&acl, "::10.1.2.3")); /* v4-compatible is not mapped */
}

static void test_zero_prefix_and_mapped(void **state)
{
    (void)state;
    struct statusacl acl;
    size_t at, n;
    assert_int_equal(parse("0.0.0.0/0", &acl, &at, &n), STATUSACL_OK);
    assert_true(allows(&acl, "203.0.113.9"));
    assert_true(allows(&acl, "::ffff:203.0.113.9"));
    assert_false(allows(&acl, "2001:db8::1")); /* IPv4's /0 is not IPv6 */
    assert_int_equal(parse("::ffff:10.0.0.0/104", &acl, &at, &n), STATUSACL_OK);
    assert_int_equal(acl.e[0].bits, 104); /* 10.0.0.0/8, IPv4-mapped */
    assert_true(allows(&acl, "10.9.9.9"));
    assert_true(allows(&acl, "::ffff:10.9.9.9"));
    assert_false(allows(&acl, "11.0.0.0"));
    assert_int_equal(parse("::/0", &acl, &at, &n), STATUSACL_OK);
    assert_true(allows(&acl, "2001:db8::1"));
    assert_false(allows(&acl, "10.0.0.1")); /* folded to IPv4: not in ::/0 */
}

static void test_odd_prefix_bits(void **state)
{
    (void)state;
    struct statusacl acl;
    size_t at, n;
    assert_int_equal(parse("10.0.0.128/25 2001:db8:8000::/33", &acl, &at, &n),
                     STATUSACL_OK);
    assert_true(allows(&acl, "10.0.0.200"));
    assert_false(allows(&acl, "10.0.0.127"));
    assert_true(allows(&acl, "2001:db8:8000::1"));
    assert_false(allows(&acl, "2001:db8:7fff::1"));
}

static void expect_error(const char *text, enum statusacl_result want, const char *word)
{
    struct statusacl acl;
    size_t at, n;
    enum statusacl_result r = parse(text, &acl, &at, &n);
    if (r != want)
        fail_msg("%s: %d, want %d", text, r, want);
    char got[256];
    snprintf(got, sizeof(got), "%.*s", (int)n, text + at);
    assert_string_equal(got, word);
    assert_true(strlen(statusacl_error_text(r)) > 0);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("", STATUSACL_EMPTY, "");
    expect_error("   \t ", STATUSACL_EMPTY, "");
    expect_error("127.0.0.1 localhost", STATUSACL_BAD_ADDRESS, "localhost");
    expect_error("10.0.0.0/", STATUSACL_BAD_PREFIX, "10.0.0.0/");
    expect_error("10.0.0.0/33", STATUSACL_BAD_PREFIX, "10.0.0.0/33");
    expect_error("::/129", STATUSACL_BAD_PREFIX, "::/129");
    expect_error("10.0.0.0/8x", STATUSACL_BAD_PREFIX, "10.0.0.0/8x");
    expect_error("10.0.0.0/-1", STATUSACL_BAD_PREFIX, "10.0.0.0/-1");
    expect_error("10.0.0.0/0008", STATUSACL_BAD_PREFIX, "10.0.0.0/0008");
    expect_error("10.1.2.3/8", STATUSACL_HOST_BITS, "10.1.2.3/8");
    expect_error("fd00::1/8", STATUSACL_HOST_BITS, "fd00::1/8");
    expect_error("10.0.0.256", STATUSACL_BAD_ADDRESS, "10.0.0.256");
    expect_error("1.2.3.4,5.6.7.8", STATUSACL_BAD_ADDRESS, "1.2.3.4,5.6.7.8");
    expect_error("/8", STATUSACL_BAD_ADDRESS, "/8");
}

/* MH_STATUS_ALLOW_MAX entries parse; one more is refused, naming it. */
static void test_count_bound(void **state)
{
    (void)state;
    char text[MH_STATUS_ALLOW_MAX * 20 + 32];
    size_t len = 0;
    for (int i = 0; i < MH_STATUS_ALLOW_MAX; i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len, "10.0.%d.1 ", i);
    struct statusacl acl;
    size_t at, n;
    assert_int_equal(parse(text, &acl, &at, &n), STATUSACL_OK);
    assert_int_equal(acl.n, MH_STATUS_ALLOW_MAX);
    assert_true(allows(&acl, "10.0.31.1"));
    snprintf(text + len, sizeof(text) - len, "192.0.2.1");
    expect_error(text, STATUSACL_TOO_MANY, "192.0.2.1");
}

/* Only len bytes are read: the text need not end in a NUL. */
static void test_length_bounded(void **state)
{
    (void)state;
    const char text[] = "127.0.0.1 10.0.0.0/8";
    struct statusacl acl;
    size_t at, n;
    assert_int_equal(statusacl_parse(text, 9, &acl, &at, &n), STATUSACL_OK);
    assert_int_equal(acl.n, 1);
    assert_false(allows(&acl, "10.0.0.1"));
    assert_true(statusacl_allows(&acl, "127.0.0.1xyz", 9));
    /* a word longer than any address is refused, not overrun */
    char longw[200];
    memset(longw, '1', sizeof(longw) - 1);
    longw[sizeof(longw) - 1] = '\0';
    expect_error(longw, STATUSACL_BAD_ADDRESS, longw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_loopback),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_zero_prefix_and_mapped),
        cmocka_unit_test(test_odd_prefix_bits),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_count_bound),
        cmocka_unit_test(test_length_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
