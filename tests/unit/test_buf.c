/* test_buf.c - buf.c: bounded appends.  Covers plain appends, the
 * whole-or-nothing overflow rule (flag set, content unchanged, sticky), the
 * exact-fit boundary (capacity includes the NUL), buf_putu padding,
 * buf_puthex, HTML escaping and URL percent-encoding. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "buf.h"

static void test_append_basic(void **state)
{
    (void)state;
    char mem[32];
    struct buf b;
    buf_init(&b, mem, sizeof(mem));
    assert_int_equal(b.len, 0);
    assert_string_equal(mem, "");
    assert_false(b.overflow);
    assert_true(buf_puts(&b, "abc"));
    assert_true(buf_putc(&b, '-'));
    assert_true(buf_append(&b, "xyz123", 3));
    assert_true(buf_append(&b, "", 0));
    assert_string_equal(mem, "abc-xyz");
    assert_int_equal(b.len, 7);
    assert_false(b.overflow);
}

static void test_overflow_whole_or_nothing(void **state)
{
    (void)state;
    char mem[8];
    struct buf b;
    memset(mem, 'Z', sizeof(mem));
    buf_init(&b, mem, sizeof(mem));
    assert_true(buf_puts(&b, "abcd"));
    assert_false(buf_puts(&b, "efgh")); /* needs 9 bytes with the NUL */
    assert_true(b.overflow);
    assert_int_equal(b.len, 4);
    assert_string_equal(mem, "abcd");
    assert_int_equal(mem[5], 'Z'); /* nothing written past the old end + NUL */
    /* sticky: once overflowed even a fitting append is refused */
    assert_false(buf_putc(&b, 'e'));
    assert_int_equal(b.len, 4);
    assert_string_equal(mem, "abcd");
    assert_true(b.overflow);
}

static void test_exact_fit(void **state)
{
    (void)state;
    char mem[8];
    struct buf b;

    /* capacity 8 includes the NUL: 7 bytes fit */
    buf_init(&b, mem, sizeof(mem));
    assert_true(buf_puts(&b, "1234567"));
    assert_false(b.overflow);
    assert_int_equal(b.len, 7);
    assert_string_equal(mem, "1234567");
    assert_false(buf_putc(&b, '8'));
    assert_true(b.overflow);
    assert_string_equal(mem, "1234567");

    /* 8 bytes do not */
    buf_init(&b, mem, sizeof(mem));
    assert_false(buf_puts(&b, "12345678"));
    assert_true(b.overflow);
    assert_int_equal(b.len, 0);
    assert_string_equal(mem, "");
}

static void test_tiny_capacities(void **state)
{
    (void)state;
    char mem[1] = {'Q'};
    struct buf b;
    buf_init(&b, mem, 1);
    assert_string_equal(mem, "");
    assert_true(buf_append(&b, "", 0));
    assert_false(buf_putc(&b, 'a'));
    assert_true(b.overflow);
    assert_int_equal(mem[0], '\0');

    char z = 'Q';
    buf_init(&b, &z, 0);
    assert_false(buf_putc(&b, 'a'));
    assert_true(b.overflow);
    assert_int_equal(z, 'Q'); /* cap 0: the memory is never touched */
}

struct putu_case {
    uint64_t v;
    int width;
    const char *want;
};

static void test_putu(void **state)
{
    (void)state;
    static const struct putu_case cases[] = {
        {0, 0, "0"},
        {0, 1, "0"},
        {0, 2, "00"},
        {7, 2, "07"},
        {42, 2, "42"},
        {123, 2, "123"},
        {5, 4, "0005"},
        {2026, 4, "2026"},
        {99999, 4, "99999"},
        {1, -3, "1"},
        {UINT64_MAX, 1, "18446744073709551615"},
        {UINT64_MAX, 22, "0018446744073709551615"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char mem[64];
        struct buf b;
        buf_init(&b, mem, sizeof(mem));
        assert_true(buf_putu(&b, cases[i].v, cases[i].width));
        assert_string_equal(mem, cases[i].want);
        assert_int_equal(b.len, strlen(cases[i].want));
    }
}

static void test_putu_overflow(void **state)
{
    (void)state;
    char mem[4];
    struct buf b;
    buf_init(&b, mem, sizeof(mem));
    assert_true(buf_putu(&b, 123, 1));
    buf_init(&b, mem, sizeof(mem));
    assert_true(buf_putc(&b, 'x'));
    assert_false(buf_putu(&b, 123, 1)); /* "x123" needs 5 bytes */
    assert_string_equal(mem, "x");
    assert_true(b.overflow);
}

struct hex_case {
    uint64_t v;
    const char *want;
};

static void test_puthex(void **state)
{
    (void)state;
    static const struct hex_case cases[] = {
        {0, "0"},
        {9, "9"},
        {10, "a"},
        {255, "ff"},
        {0xdeadbeef, "deadbeef"},
        {0x10, "10"},
        {UINT64_MAX, "ffffffffffffffff"},
        {0x8000000000000000ull, "8000000000000000"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char mem[32];
        struct buf b;
        buf_init(&b, mem, sizeof(mem));
        assert_true(buf_puthex(&b, cases[i].v));
        assert_string_equal(mem, cases[i].want);
    }
}

struct str_case {
    const char *in;
    const char *want;
};

static void test_html(void **state)
{
    (void)state;
    static const struct str_case cases[] = {
        {"", ""},
        {"plain text", "plain text"},
        {"&", "&amp;"},
        {"<", "&lt;"},
        {">", "&gt;"},
        {"\"", "&quot;"},
        {"'", "&#39;"},
        {"<x>&\"'.txt", "&lt;x&gt;&amp;&quot;&#39;.txt"},
        {"a&amp;b", "a&amp;amp;b"},
        {"\xc3\xbc", "\xc3\xbc"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char mem[128];
        struct buf b;
        buf_init(&b, mem, sizeof(mem));
        assert_true(buf_put_html(&b, cases[i].in, strlen(cases[i].in)));
        assert_string_equal(mem, cases[i].want);
    }
}

static void test_html_length_argument(void **state)
{
    (void)state;
    char mem[32];
    struct buf b;
    buf_init(&b, mem, sizeof(mem));
    assert_true(buf_put_html(&b, "a<b>c", 2)); /* only "a<" */
    assert_string_equal(mem, "a&lt;");
}

static void test_html_overflow_no_half_entity(void **state)
{
    (void)state;
    char mem[6]; /* 5 usable bytes */
    struct buf b;
    buf_init(&b, mem, sizeof(mem));
    assert_false(buf_put_html(&b, "ab&c", 4)); /* "ab&amp;c" needs 8 */
    assert_true(b.overflow);
    assert_string_equal(mem, "ab"); /* never "ab&am" */
}

static void test_urlenc(void **state)
{
    (void)state;
    static const struct str_case cases[] = {
        {"", ""},
        {"abcXYZ019-._~", "abcXYZ019-._~"},
        {"/a/b/", "/a/b/"},
        {" ", "%20"},
        {"%", "%25"},
        {"?", "%3F"},
        {"#", "%23"},
        {"a b?c#d%e", "a%20b%3Fc%23d%25e"},
        {"\xc3\xbc", "%C3%BC"},
        {"&<>\"'", "%26%3C%3E%22%27"},
        {"+:;=@", "%2B%3A%3B%3D%40"},
        {"\x7f\x01", "%7F%01"},
        {"\xff", "%FF"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char mem[128];
        struct buf b;
        buf_init(&b, mem, sizeof(mem));
        assert_true(buf_put_urlenc(&b, cases[i].in, strlen(cases[i].in)));
        assert_string_equal(mem, cases[i].want);
    }
}

static void test_urlenc_nul_byte_and_overflow(void **state)
{
    (void)state;
    char mem[16];
    struct buf b;
    buf_init(&b, mem, sizeof(mem));
    assert_true(buf_put_urlenc(&b, "a\0b", 3));
    assert_string_equal(mem, "a%00b");

    char small[5]; /* 4 usable bytes */
    buf_init(&b, small, sizeof(small));
    assert_false(buf_put_urlenc(&b, "ab c", 4)); /* "ab%20c" */
    assert_true(b.overflow);
    assert_string_equal(small, "ab"); /* never a half escape "ab%2" */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_basic),
        cmocka_unit_test(test_overflow_whole_or_nothing),
        cmocka_unit_test(test_exact_fit),
        cmocka_unit_test(test_tiny_capacities),
        cmocka_unit_test(test_putu),
        cmocka_unit_test(test_putu_overflow),
        cmocka_unit_test(test_puthex),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_html_length_argument),
        cmocka_unit_test(test_html_overflow_no_half_entity),
        cmocka_unit_test(test_urlenc),
        cmocka_unit_test(test_urlenc_nul_byte_and_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
