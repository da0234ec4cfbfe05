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
#define ZS   ENC_ZSTD

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
    {"zstd", ZS},
    {"ZSTD;q=0.5", ZS},
    {"zstd;q=0", 0},
    {"gzip, br, zstd", BOTH | ZS},
    {"zst", 0},
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
    {"gzip, deflate, br, zstd", BOTH | ZS},
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
    {"*", BOTH | ZS},
    {"*;q=0", 0},
    {"*;q=0.5", BOTH | ZS},
    {"*, gzip;q=0", BR | ZS},
    {"gzip;q=0, *", BR | ZS},
    {"*;q=0, gzip", GZ},
    {"br, *;q=0", BR},
    {"identity, *;q=0", 0},
    {"deflate, *", BOTH | ZS},
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

/* zstd and identity weights: by name, through "*", the name winning. */
static void test_q_zstd_identity(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        int zstd, identity;
    } cases[] = {
        {"zstd", 1000, -1},
        {"zstd;q=0.3, identity;q=0.2", 300, 200},
        {"identity;q=0", -1, 0},
        {"IDENTITY", -1, 1000},
        {"*;q=0", 0, 0},
        {"*;q=0, identity", 0, 1000},
        {"identity, *;q=0", 0, 1000},
        {"*;q=0.4, zstd;q=0", 0, 400},
        {"identity;q=0.0001", -1, -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int q[ENC_INDEXES];
        accept_encoding_q(cases[i].value, strlen(cases[i].value), q);
        if (q[ENC_I_ZSTD] != cases[i].zstd || q[ENC_I_IDENTITY] != cases[i].identity)
            fail_msg("\"%s\": zstd %d identity %d, want %d %d", cases[i].value,
                     q[ENC_I_ZSTD], q[ENC_I_IDENTITY], cases[i].zstd,
                     cases[i].identity);
    }
}

/* encoding_choose(): the highest weight, the server's order on a tie,
 * q=0 refusing, identity winning when weighted higher. */
static void test_choose(void **state)
{
    (void)state;
    static const unsigned char br_gz_zs[] = {ENC_I_BR, ENC_I_GZIP, ENC_I_ZSTD};
    static const unsigned char gz_only[] = {ENC_I_GZIP};
    static const struct {
        const char *value;
        const unsigned char *order;
        size_t n;
        int want; /* position in order, -1: identity */
    } cases[] = {
        {"gzip, br, zstd", br_gz_zs, 3, 0},
        {"gzip, zstd", br_gz_zs, 3, 1},
        {"zstd, gzip;q=0.9", br_gz_zs, 3, 2},
        {"br;q=0.1, gzip;q=0.2", br_gz_zs, 3, 1},
        {"br;q=0", br_gz_zs, 3, -1},
        {"", br_gz_zs, 3, -1},
        {"*", br_gz_zs, 3, 0},
        {"*, br;q=0", br_gz_zs, 3, 1},
        {"*;q=0", br_gz_zs, 3, -1},
        {"gzip;q=0.5, identity", br_gz_zs, 3, -1},
        {"gzip;q=0.5, identity;q=0.5", br_gz_zs, 3, 1}, /* a tie: coded */
        {"gzip, identity;q=0", br_gz_zs, 3, 1},
        {"identity;q=0", br_gz_zs, 3, -1}, /* nothing coded accepted */
        {"br, zstd", gz_only, 1, -1},
        {"gzip", gz_only, 0, -1},                /* encodings = off */
        {"gzip;q=0.5, *;q=0.9", gz_only, 1, -1}, /* identity through "*" */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int q[ENC_INDEXES];
        accept_encoding_q(cases[i].value, strlen(cases[i].value), q);
        int got = encoding_choose(q, cases[i].order, cases[i].n);
        if (got != cases[i].want)
            fail_msg("\"%s\": chose %d, want %d", cases[i].value, got, cases[i].want);
    }
}

/* The names and suffixes, and the names back to codings (N and N+1). */
static void test_names(void **state)
{
    (void)state;
    assert_string_equal(encoding_name(ENC_I_GZIP), "gzip");
    assert_string_equal(encoding_name(ENC_I_BR), "br");
    assert_string_equal(encoding_name(ENC_I_ZSTD), "zstd");
    assert_null(encoding_name(ENC_CODINGS));
    assert_null(encoding_name(-1));
    assert_string_equal(encoding_suffix(ENC_I_ZSTD), ".zst");
    assert_null(encoding_suffix(ENC_CODINGS));
    assert_int_equal(encoding_by_name("zstd", 4), ENC_I_ZSTD);
    assert_int_equal(encoding_by_name("zstd", 3), -1);
    assert_int_equal(encoding_by_name("br", 2), ENC_I_BR);
    assert_int_equal(encoding_by_name("gzip", 4), ENC_I_GZIP);
    assert_int_equal(encoding_by_name("x-gzip", 6), -1);
    assert_int_equal(encoding_by_name("identity", 8), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoding_table), cmocka_unit_test(test_encoding_uses_len),
        cmocka_unit_test(test_q_values),       cmocka_unit_test(test_q_zstd_identity),
        cmocka_unit_test(test_choose),         cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
