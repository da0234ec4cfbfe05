/* test_libevent_check.c - libevent_check.c: the versions accepted (2.1.12 up
 * to 2.2, not included), the message for any other, and the libevent this
 * test runs with (Debian 12's 2.1.12) accepted. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <event2/event.h>

#include "libevent_check.h"

static void test_range(void **state)
{
    (void)state;
    static const struct {
        uint32_t number;
        int ok;
    } cases[] = {
        {0x02000116u, 0},                   /* 2.0.22-stable */
        {0x02010800u, 0},                   /* 2.1.8-stable */
        {0x02010b00u, 0},                   /* 2.1.11 */
        {0x02010c00u, 1},                   /* 2.1.12-stable */
        {0x02010cffu, 1}, {0x02010d00u, 1}, /* a 2.1.13 */
        {0x0201ff00u, 1}, {0x02020000u, 0}, /* 2.2.0 */
        {0x02020100u, 0},                   /* 2.2.1-alpha */
        {0x03000000u, 0}, {0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mh_error err = {{0}};
        int rc = libevent_check_version(cases[i].number, "x", &err);
        if (rc != (cases[i].ok ? 0 : -1))
            print_error("0x%08x: %d\n", (unsigned)cases[i].number, rc);
        assert_int_equal(rc, cases[i].ok ? 0 : -1);
        if (cases[i].ok)
            assert_string_equal(err.msg, "");
    }
}

static void test_message(void **state)
{
    (void)state;
    struct mh_error err;
    assert_int_equal(libevent_check_version(0x02020100u, "2.2.1-alpha-dev", &err), -1);
    assert_string_equal(err.msg,
                        "minihttpd: libevent 2.2.1-alpha-dev is not supported: "
                        "built for 2.1.12 to 2.1.x (see docs/libevent.md)");
    assert_int_equal(libevent_check_version(0x02010800u, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "libevent (unknown version) is not supported"));
}

static void test_running_libevent(void **state)
{
    (void)state;
    struct mh_error err = {{0}};
    if (libevent_check(&err) != 0)
        print_error("%s\n", err.msg);
    assert_int_equal(libevent_check(&err), 0);
    assert_true(event_get_version_number() >= MH_LIBEVENT_FIRST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_message),
        cmocka_unit_test(test_running_libevent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
