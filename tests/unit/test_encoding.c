/* test_encoding.c - encoding.c: Accept-Encoding (RFC 9110 12.5.3) to ENC_*
 * bits.  A table of codings alone and in lists, q-values of zero in their
 * spellings (refusals) and small non-zero ones, blanks around parameters,
 * case, the x-gzip alias, "*" and its interplay with explicit entries (an
 * explicit entry wins, in either order), unknown codings and junk.  Each
 * value is passed as an exact-size copy without a NUL so ASan catches
 * over-reads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "encoding.h"

#define GZ   ENC_GZIP
#define BR   ENC_BR
#define BOTH (ENC_GZIP | ENC_BR)

struct enc_case {
    const char *value;
    unsigned want;
};

static const struct enc_case cases[] = {
    /* single codings */
    {"gzip", GZ},
    {"br", BR},
    {"GZIP", GZ},
    {"Br", BR},
    {"x-gzip", GZ},
    {"X-GZIP", GZ},
    {"identity", 0},
    {"deflate", 0},
    {"compress", 0},
    {"zstd", 0},
    {"", 0},
    /* lists */
    {"gzip, br", BOTH},
    {"br,gzip", BOTH},
    {"gzip , br", BOTH},
    {"gzip\t,\tbr", BOTH},
    {" gzip", GZ},
    {"gzip ", GZ},
    {"deflate, gzip", GZ},
    {"identity, br", BR},
    {"gzip, deflate, br, zstd", BOTH},
    /* q-values: only zero refuses */
    {"br;q=0", 0},
    {"gzip;q=0", 0},
    {"gzip;q=0.", 0},
    {"gzip;q=0.0", 0},
    {"gzip;q=0.00", 0},
    {"gzip;q=0.000", 0},
    {"gzip;Q=0", 0},
    {"gzip;q=0.001", GZ},
    {"gzip;q=0.5", GZ},
    {"gzip;q=1", GZ},
    {"gzip;q=1.000", GZ},
    {"br;q=1.0, gzip;q=0.5", BOTH},
    {"gzip;q=0, br", BR},
    {"gzip, br;q=0", GZ},
    {"gzip;q=0, br;q=0", 0},
    /* blanks around parameters */
    {"gzip; q=0", 0},
    {"gzip ;q=0", 0},
    {"gzip ; q=0 ", 0},
    {"gzip;\tq=0", 0},
    {"gzip; q=0.5", GZ},
    /* other parameters */
    {"gzip;level=1;q=0", 0},
    {"gzip;level=1", GZ},
    {"gzip;level=0", GZ},
    {"gzip;x=q=0", GZ}, /* not a q parameter */
    /* "*" and explicit entries */
    {"*", BOTH},
    {"*;q=0", 0},
    {"*;q=0.5", BOTH},
    {"*, gzip;q=0", BR},
    {"gzip;q=0, *", BR},
    {"*;q=0, gzip", GZ},
    {"br, *;q=0", BR},
    {"identity, *;q=0", 0},
    {"deflate, *", BOTH},
    /* names must match exactly */
    {"gzipx", 0},
    {"xgzip", 0},
    {"gzi", 0},
    {"b", 0},
    {"brotli", 0},
    {"**", 0},
    {"x-br", 0},
    /* junk */
    {";;,,", 0},
    {",", 0},
    {" , , ", 0},
    {";q=1", 0},
    {",,gzip,,", GZ},
};

static void test_encoding_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct enc_case *c = &cases[i];
        size_t len = strlen(c->value);
        char *v = malloc(len ? len : 1);
        assert_non_null(v);
        memcpy(v, c->value, len);
        unsigned got = accept_encoding_parse(v, len);
        free(v);
        if (got != c->want)
            print_error("case %zu \"%s\": got %u, want %u\n", i, c->value, got,
                        c->want);
        assert_int_equal(got, c->want);
    }
}

/* Only len bytes count. */
static void test_encoding_uses_len(void **state)
{
    (void)state;
    const char *s = "gzip;q=0, br";
    assert_int_equal(accept_encoding_parse(s, 4), ENC_GZIP);    /* "gzip" */
    assert_int_equal(accept_encoding_parse(s, 8), 0);           /* "gzip;q=0" */
    assert_int_equal(accept_encoding_parse(s + 10, 2), ENC_BR); /* "br" */
    assert_int_equal(accept_encoding_parse(s, 0), 0);
}

/* The weights themselves: thousandths, "*" for what is not named, the
 * higher of two entries, a malformed q ignored (N and N+1 decimals). */
static void test_q_values(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        int gzip, br;
    } cases[] = {
        {"gzip", 1000, -1},
        {"gzip;q=0.5, br;q=0.25", 500, 250},
        {"br;q=1.000, gzip;q=0.001", 1, 1000},
        {"gzip;q=0.0001", -1, -1}, /* four decimals: malformed, ignored */
        {"gzip;q=1.001", -1, -1},  /* above 1 */
        {"gzip;q=2", -1, -1},
        {"gzip;q=", -1, -1},
        {"gzip;q=abc", -1, -1},
        {"gzip;q=0.5;level=1", 500, -1},
        {"gzip;level=1;q=0.7", 700, -1},
        {"*;q=0.3", 300, 300},
        {"*;q=0.3, br", 300, 1000},
        {"*, gzip;q=0", 0, 1000},
        {"gzip;q=0.2, gzip;q=0.9", 900, -1},
        {"x-gzip;q=0.4", 400, -1},
        {"GZIP;Q=0.6, Br", 600, 1000},
        {"identity;q=0", -1, -1},
        {"", -1, -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int q[ENC_INDEXES];
        accept_encoding_q(cases[i].value, strlen(cases[i].value), q);
        if (q[ENC_I_GZIP] != cases[i].gzip || q[ENC_I_BR] != cases[i].br)
            fail_msg("\"%s\": gzip %d br %d, want %d %d", cases[i].value, q[ENC_I_GZIP],
                     q[ENC_I_BR], cases[i].gzip, cases[i].br);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoding_table),
        cmocka_unit_test(test_encoding_uses_len),
        cmocka_unit_test(test_q_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
