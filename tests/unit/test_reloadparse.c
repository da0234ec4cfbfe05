/* test_reloadparse.c - reloadparse.c: the reload outcome file as written by
 * reloadstate_write() ("N ok|failed\nMESSAGE\n"), its message cut to the
 * caller's buffer (at cap - 1 and cap), and everything else refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "reloadstate.h"

static bool parse(const char *text, uint64_t *gen, bool *ok, char *msg, size_t cap)
{
    return reloadstate_parse(text, strlen(text), gen, ok, msg, cap);
}

static void test_ok_and_failed(void **state)
{
    (void)state;
    uint64_t gen;
    bool ok;
    char msg[64];
    assert_true(parse("1 ok\nconfiguration reloaded from /etc/x.conf\n", &gen, &ok, msg,
                      sizeof(msg)));
    assert_int_equal(gen, 1);
    assert_true(ok);
    assert_string_equal(msg, "configuration reloaded from /etc/x.conf");
    assert_true(parse("18446744073709551615 failed\nchanging port needs a restart\n",
                      &gen, &ok, msg, sizeof(msg)));
    assert_true(gen == UINT64_MAX);
    assert_false(ok);
    assert_string_equal(msg, "changing port needs a restart");
    assert_true(parse("7 ok\n\n", &gen, &ok, msg, sizeof(msg)));
    assert_string_equal(msg, "");
}

static void test_message_cut_to_the_buffer(void **state)
{
    (void)state;
    uint64_t gen;
    bool ok;
    char msg[6];
    assert_true(parse("2 failed\nabcde\n", &gen, &ok, msg, sizeof(msg)));
    assert_string_equal(msg, "abcde"); /* cap - 1 bytes: whole */
    assert_true(parse("2 failed\nabcdef\n", &gen, &ok, msg, sizeof(msg)));
    assert_string_equal(msg, "abcde"); /* one more: cut, still terminated */
    assert_false(parse("2 ok\nx\n", &gen, &ok, msg, 0));
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "ok\nx\n",
        "1 OK\nx\n",
        "1 ok\n",           /* no message line */
        "1 ok\nno newline", /* cut file */
        "1  ok\nx\n",
        "-1 ok\nx\n",
        "18446744073709551616 ok\nx\n", /* 2^64 */
        "1 fine\nx\n",
    };
    uint64_t gen;
    bool ok;
    char msg[16];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse(bad[i], &gen, &ok, msg, sizeof(msg)))
            fail_msg("accepted %s", bad[i]);
}

/* Only len bytes are read. */
static void test_length_bounded(void **state)
{
    (void)state;
    const char text[] = "3 ok\nabc\n";
    uint64_t gen;
    bool ok;
    char msg[16];
    assert_false(reloadstate_parse(text, 8, &gen, &ok, msg, sizeof(msg)));
    assert_true(reloadstate_parse(text, 9, &gen, &ok, msg, sizeof(msg)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_and_failed),
        cmocka_unit_test(test_message_cut_to_the_buffer),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_length_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
