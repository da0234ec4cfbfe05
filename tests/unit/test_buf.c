/* test_buf.c - buf.c: bounded appends.  Covers plain appends, the
 * whole-or-nothing overflow rule (flag set, content unchanged, sticky), the
 * exact-fit boundary (capacity includes the NUL), buf_putu padding,
 * buf_puthex, HTML escaping, URL percent-encoding, and the \xHH escaping of
 * text for logs and messages (buf_put_escaped, buf_escape_str): what is
 * escaped with and without BUF_ESC_UTF8, the "..." cut at max and max + 1,
 * and a buffer exactly full or one byte short. */
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

struct esc_case {
    const char *in;
    size_t n;
    const char *plain; /* flags 0, as the access log */
    const char *utf8;  /* BUF_ESC_UTF8, as config messages */
};

#define S(lit) lit, sizeof(lit) - 1

static void test_escaped(void **state)
{
    (void)state;
    static const struct esc_case cases[] = {
        {S(""), "", ""},
        {S("plain ~!$%&'()*+,;=:@[]{}|^`"), "plain ~!$%&'()*+,;=:@[]{}|^`",
         "plain ~!$%&'()*+,;=:@[]{}|^`"},
        {S("a\"b\\c"), "a\\x22b\\x5Cc", "a\\x22b\\x5Cc"},
        {S("\x1b[31m\x07"), "\\x1B[31m\\x07", "\\x1B[31m\\x07"},
        {S("\t\r\n"), "\\x09\\x0D\\x0A", "\\x09\\x0D\\x0A"},
        {S("a\0b"), "a\\x00b", "a\\x00b"},
        {S("\x7f"), "\\x7F", "\\x7F"},
        /* valid UTF-8: 2, 3 and 4 bytes, kept only with BUF_ESC_UTF8 */
        {S("caf\xc3\xa9"), "caf\\xC3\\xA9", "caf\xc3\xa9"},
        {S("\xe2\x82\xac"), "\\xE2\\x82\\xAC", "\xe2\x82\xac"},
        {S("\xf0\x9f\x98\x80"), "\\xF0\\x9F\\x98\\x80", "\xf0\x9f\x98\x80"},
        {S("\xc2\xa0"), "\\xC2\\xA0", "\xc2\xa0"}, /* U+00A0, the first after C1 */
        {S("\xf4\x8f\xbf\xbf"), "\\xF4\\x8F\\xBF\\xBF", "\xf4\x8f\xbf\xbf"},
        /* C1 controls (U+009B is CSI) are escaped even as valid UTF-8 */
        {S("\302\23331m"), "\\xC2\\x9B31m", "\\xC2\\x9B31m"},
        {S("\xc2\x80"), "\\xC2\\x80", "\\xC2\\x80"},
        /* not UTF-8: escaped byte by byte */
        {S("\xff"), "\\xFF", "\\xFF"},
        {S("\x80"), "\\x80", "\\x80"},
        {S("\xc0\xaf"), "\\xC0\\xAF", "\\xC0\\xAF"},               /* overlong */
        {S("\xe0\x80\xaf"), "\\xE0\\x80\\xAF", "\\xE0\\x80\\xAF"}, /* overlong */
        {S("\xed\xa0\x80"), "\\xED\\xA0\\x80", "\\xED\\xA0\\x80"}, /* surrogate */
        {S("\xf4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80", "\\xF4\\x90\\x80\\x80"},
        {S("\xf5\x80\x80\x80"), "\\xF5\\x80\\x80\\x80", "\\xF5\\x80\\x80\\x80"},
        {S("\303A"), "\\xC3A", "\\xC3A"},               /* missing continuation */
        {S("x\xe2\x82"), "x\\xE2\\x82", "x\\xE2\\x82"}, /* cut at the end */
        {S("\xe2\x82\xac\xac"), "\\xE2\\x82\\xAC\\xAC", "\xe2\x82\xac\\xAC"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char mem[128];
        struct buf b;
        buf_init(&b, mem, sizeof(mem));
        assert_true(buf_put_escaped(&b, cases[i].in, cases[i].n, 100, 0));
        if (strcmp(mem, cases[i].plain))
            print_error("case %zu, flags 0: got \"%s\"\n", i, mem);
        assert_string_equal(mem, cases[i].plain);
        buf_init(&b, mem, sizeof(mem));
        assert_true(buf_put_escaped(&b, cases[i].in, cases[i].n, 100, BUF_ESC_UTF8));
        if (strcmp(mem, cases[i].utf8))
            print_error("case %zu, BUF_ESC_UTF8: got \"%s\"\n", i, mem);
        assert_string_equal(mem, cases[i].utf8);
        assert_false(b.overflow);
        for (const char *p = mem; *p; p++) /* nothing a terminal would obey */
            assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
    }
}

struct cut_case {
    const char *in;
    size_t max;
    unsigned flags;
    const char *want;
};

/* An escaped form of exactly max bytes is whole; one byte more is cut to at
 * most max, "..." last, never inside an escape or a UTF-8 character. */
static void test_escaped_cut_at_max(void **state)
{
    (void)state;
    static const struct cut_case cases[] = {
        {"abcdef", 6, 0, "abcdef"},
        {"abcdef", 5, 0, "ab..."},
        {"abcdefg", 6, 0, "abc..."},
        {"ab\x1b", 6, 0, "ab\\x1B"},
        {"ab\x1b", 5, 0, "ab..."},
        {"a\033b", 6, 0, "a\\x1Bb"},
        {"a\033b", 5, 0, "a..."}, /* not "a\\x..." */
        {"\x1b\x1b", 8, 0, "\\x1B\\x1B"},
        {"\x1b\x1b", 7, 0, "\\x1B..."},
        {"a\xe2\x82\xac\xe2\x82\xac", 7, BUF_ESC_UTF8, "a\xe2\x82\xac\xe2\x82\xac"},
        {"a\xe2\x82\xac\xe2\x82\xac", 6, BUF_ESC_UTF8, "a..."}, /* not "a\xe2\x82..." */
        {"\xe2\x82\xac\xe2\x82\xac", 6, BUF_ESC_UTF8, "\xe2\x82\xac\xe2\x82\xac"},
        {"\xe2\x82\xac\xe2\x82\xac", 5, BUF_ESC_UTF8, "..."},
        {"abcd", 3, 0, "..."},
        {"abc", 3, 0, "abc"},
        {"abcd", 2, 0, "..."}, /* below 3: the mark alone */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char mem[64];
        struct buf b;
        buf_init(&b, mem, sizeof(mem));
        assert_true(buf_put_escaped(&b, cases[i].in, strlen(cases[i].in), cases[i].max,
                                    cases[i].flags));
        if (strcmp(mem, cases[i].want))
            print_error("case %zu: got \"%s\"\n", i, mem);
        assert_string_equal(mem, cases[i].want);
        assert_false(b.overflow);
    }
}

/* The buffer itself: exactly full is fine; one byte short is refused with
 * overflow set and only whole units written, so the caller sees the cut. */
static void test_escaped_buffer_full(void **state)
{
    (void)state;
    struct buf b;
    char mem[16];

    /* "a\x1Bb": 6 bytes, 7 with the NUL */
    buf_init(&b, mem, 7);
    assert_true(buf_put_escaped(&b, "a\033b", 3, 100, 0));
    assert_string_equal(mem, "a\\x1Bb");
    assert_false(b.overflow);
    buf_init(&b, mem, 6);
    assert_false(buf_put_escaped(&b, "a\033b", 3, 100, 0));
    assert_true(b.overflow);
    assert_string_equal(mem, "a\\x1B"); /* whole units, no "...": see overflow */
    buf_init(&b, mem, 5);
    assert_false(buf_put_escaped(&b, "a\033b", 3, 100, 0));
    assert_true(b.overflow);
    assert_string_equal(mem, "a"); /* never half an escape "a\\x1" */

    /* a cut form of max bytes in a buffer of max + 1, and of max */
    buf_init(&b, mem, 6);
    assert_true(buf_put_escaped(&b, "abcdefgh", 8, 5, 0));
    assert_string_equal(mem, "ab...");
    buf_init(&b, mem, 5);
    assert_false(buf_put_escaped(&b, "abcdefgh", 8, 5, 0));
    assert_true(b.overflow);
    assert_string_equal(mem, "ab"); /* no partial "..." either */

    /* a UTF-8 character is never split by a full buffer */
    buf_init(&b, mem, 4);
    assert_false(buf_put_escaped(&b, "a\xe2\x82\xac", 4, 100, BUF_ESC_UTF8));
    assert_true(b.overflow);
    assert_string_equal(mem, "a");
}

/* buf_escape_str: the result always fits cap, and a cut always shows. */
static void test_escape_str(void **state)
{
    (void)state;
    char mem[16];
    /* "\007bell" escapes to 8 bytes: whole in 9, cut with "..." in 8 */
    assert_ptr_equal(buf_escape_str(mem, 9, "\007bell"), mem);
    assert_string_equal(mem, "\\x07bell");
    assert_string_equal(buf_escape_str(mem, 8, "\007bell"), "\\x07...");
    assert_string_equal(buf_escape_str(mem, 7, "\007bell"), "...");
    assert_string_equal(buf_escape_str(mem, 4, "abcd"), "...");
    assert_string_equal(buf_escape_str(mem, 4, "abc"), "abc");
    char big[32];
    assert_string_equal(buf_escape_str(big, sizeof(big), "/srv/caf\xc3\xa9\xff\""),
                        "/srv/caf\xc3\xa9\\xFF\\x22");
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
        cmocka_unit_test(test_escaped),
        cmocka_unit_test(test_escaped_cut_at_max),
        cmocka_unit_test(test_escaped_buffer_full),
        cmocka_unit_test(test_escape_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
