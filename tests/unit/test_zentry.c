/* test_zentry.c - zentry.c: the names and trailers of compressed copies and
 * the least-recently-used accounting of the cache holding them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "bounds.h"
#include "encoding.h"
#include "zentry.h"

static const struct zkey K = {.dev = 0xfe01,
                              .ino = 0x123456789abcdef0,
                              .size = 3626863,
                              .mtime_sec = 1765000000,
                              .mtime_nsec = 999999999,
                              .enc = ENC_I_BR};

static void test_name_round_trip(void **state)
{
    (void)state;
    char name[ZKEY_NAME_MAX];
    assert_int_equal(zkey_name(&K, name, sizeof(name)), 0);
    assert_string_equal(name, "000000000000fe01-123456789abcdef0-000000000037576f-"
                              "000000006933c340.999999999.br");
    struct zkey k;
    assert_int_equal(zkey_parse_name(name, strlen(name), &k), ZNAME_OK);
    assert_true(zkey_equal(&k, &K));
    /* every coding, a negative time, the largest values */
    struct zkey z = {UINT64_MAX, UINT64_MAX, UINT64_MAX, -1, 0, ENC_I_ZSTD};
    assert_int_equal(zkey_name(&z, name, sizeof(name)), 0);
    assert_int_equal(strlen(name) + 1 <= ZKEY_NAME_MAX, 1);
    assert_int_equal(zkey_parse_name(name, strlen(name), &k), ZNAME_OK);
    assert_true(zkey_equal(&k, &z));
    z.enc = ENC_I_GZIP;
    assert_int_equal(zkey_name(&z, name, sizeof(name)), 0);
    assert_non_null(strstr(name, ".gz"));
    /* exactly the room it needs, and one byte less */
    size_t n = strlen(name) + 1;
    assert_int_equal(zkey_name(&z, name, n), 0);
    assert_int_equal(zkey_name(&z, name, n - 1), -1);
    /* keys that are not valid */
    z.enc = ENC_CODINGS;
    assert_int_equal(zkey_name(&z, name, sizeof(name)), -1);
    z.enc = ENC_I_BR;
    z.mtime_nsec = 1000000000;
    assert_int_equal(zkey_name(&z, name, sizeof(name)), -1);
}

static void test_name_parse_refuses(void **state)
{
    (void)state;
    struct zkey k;
    static const char *const others[] = {
        "",
        "index.html",
        "000000000000fe01-123456789abcdef0-0000000000375717-00000000693369c0.999999999",
        "000000000000fe01-123456789abcdef0-0000000000375717-00000000693369c0.999999999."
        "bz",
        "000000000000fe01-123456789abcdef0-0000000000375717-00000000693369c0.999999999."
        "br.x",
        "000000000000FE01-123456789abcdef0-0000000000375717-00000000693369c0.999999999."
        "br",
        "000000000000fe01_123456789abcdef0-0000000000375717-00000000693369c0.999999999."
        "br",
        "000000000000fe01-123456789abcdef0-0000000000375717-00000000693369c0-999999999."
        "br",
        "000000000000fe01-123456789abcdef0-0000000000375717-00000000693369c0.99999999x."
        "br",
        "00000000000fe01-123456789abcdef0-0000000000375717-00000000693369c0.999999999."
        "br",
    };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        if (zkey_parse_name(others[i], strlen(others[i]), &k) != ZNAME_OTHER)
            fail_msg("accepted \"%s\"", others[i]);
    assert_int_equal(zkey_parse_name(".tmp-12-3", 9, &k), ZNAME_TEMP);
    assert_int_equal(zkey_parse_name(".tmp", 4, &k), ZNAME_OTHER);
}

static void test_trailer(void **state)
{
    (void)state;
    unsigned char t[ZTRAILER_LEN];
    struct zkey k;
    uint64_t len;
    uint32_t crc;
    ztrailer_format(&K, 630216, 0xdeadbeef, t);
    assert_memory_equal(t, "MHZCOPY1", 8);
    assert_int_equal(ztrailer_parse(t, sizeof(t), &k, &len, &crc), ZTRAILER_OK);
    assert_true(zkey_equal(&k, &K));
    assert_int_equal(len, 630216);
    assert_int_equal(crc, 0xdeadbeef);
    assert_int_equal(ztrailer_parse(t, ZTRAILER_LEN - 1, &k, &len, &crc),
                     ZTRAILER_SHORT);
    /* any one byte changed is caught */
    for (size_t i = 0; i < ZTRAILER_LEN; i++) {
        unsigned char d[ZTRAILER_LEN];
        memcpy(d, t, sizeof(d));
        d[i] ^= 0x40;
        enum ztrailer_result r = ztrailer_parse(d, sizeof(d), &k, &len, &crc);
        if (r == ZTRAILER_OK)
            fail_msg("byte %zu changed, still parsed", i);
        assert_int_equal(r, i < 8 ? ZTRAILER_MAGIC : ZTRAILER_CHECK);
    }
    /* zeros: not a trailer */
    unsigned char zero[ZTRAILER_LEN] = {0};
    assert_int_equal(ztrailer_parse(zero, sizeof(zero), &k, &len, &crc),
                     ZTRAILER_MAGIC);
}

static struct zkey key(unsigned n)
{
    struct zkey k = K;
    k.ino = n;
    return k;
}

static void test_lru(void **state)
{
    (void)state;
    struct zindex *x = zindex_new(100, 4);
    assert_non_null(x);
    assert_null(zindex_new(100, 0));
    struct zkey k1 = key(1), k2 = key(2), k3 = key(3), k4 = key(4), k5 = key(5);
    struct zentry *e1 = zindex_add(x, &k1, ZSTATE_READY, 40);
    struct zentry *e2 = zindex_add(x, &k2, ZSTATE_PENDING, 0);
    assert_non_null(e1);
    assert_non_null(e2);
    assert_null(zindex_add(x, &k1, ZSTATE_PENDING, 0)); /* there already */
    assert_ptr_equal(zindex_find(x, &k2), e2);
    assert_int_equal(zindex_bytes(x), 40);
    assert_null(zindex_victim(x));
    zindex_set_ready(x, e2, 60); /* 100: at the bound, not over */
    assert_int_equal(zindex_bytes(x), 100);
    assert_null(zindex_victim(x));
    struct zentry *e3 = zindex_add(x, &k3, ZSTATE_READY, 1); /* 101: over */
    assert_non_null(e3);
    assert_ptr_equal(zindex_victim(x), e1); /* least recently used */
    zindex_touch(x, e1);                    /* used: now e2 is the oldest */
    assert_ptr_equal(zindex_victim(x), e2);
    zindex_remove(x, e2);
    assert_int_equal(zindex_bytes(x), 41);
    assert_null(zindex_victim(x));
    assert_null(zindex_find(x, &k2));
    /* USELESS entries count no bytes and are never victims */
    struct zentry *e4 = zindex_add(x, &k4, ZSTATE_USELESS, 0);
    assert_non_null(e4);
    assert_int_equal(zindex_count(x), 3);
    assert_non_null(zindex_add(x, &k2, ZSTATE_PENDING, 0));
    assert_int_equal(zindex_count(x), 4);
    assert_null(zindex_add(x, &k5, ZSTATE_PENDING, 0)); /* max_entries: 4 */
    zindex_set_useless(x, e1);
    assert_int_equal(zindex_bytes(x), 1);
    zindex_set_ready(x, e4, 200);
    assert_ptr_equal(zindex_victim(x), e3); /* e3 older than e4 */
    zindex_remove(x, e3);
    assert_ptr_equal(zindex_victim(x), e4); /* alone over the bound */
    zindex_remove(x, e4);
    assert_null(zindex_victim(x));
    assert_int_equal(zindex_bytes(x), 0);
    assert_int_equal(zindex_count(x), 2);
    zindex_free(x);
}

/* MH_ZCACHE_ENTRIES_MAX, the bound zcache.c creates its index with: that
 * many versions are tracked, one more is refused (and sent as it is);
 * once one is removed, a new one fits again. */
static void test_entries_bound(void **state)
{
    (void)state;
    struct zindex *x = zindex_new(UINT64_MAX, MH_ZCACHE_ENTRIES_MAX);
    assert_non_null(x);
    for (unsigned i = 0; i < MH_ZCACHE_ENTRIES_MAX; i++)
        if (!zindex_add(x, &(struct zkey){.ino = i + 1, .size = 1}, ZSTATE_PENDING, 0))
            fail_msg("entry %u of %u refused", i + 1, (unsigned)MH_ZCACHE_ENTRIES_MAX);
    assert_int_equal(zindex_count(x), MH_ZCACHE_ENTRIES_MAX);
    struct zkey over = {.ino = MH_ZCACHE_ENTRIES_MAX + 1, .size = 1};
    assert_null(zindex_add(x, &over, ZSTATE_PENDING, 0));
    struct zentry *e = zindex_find(x, &(struct zkey){.ino = 7, .size = 1});
    assert_non_null(e);
    zindex_remove(x, e);
    assert_non_null(zindex_add(x, &over, ZSTATE_PENDING, 0));
    zindex_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_round_trip),
        cmocka_unit_test(test_name_parse_refuses),
        cmocka_unit_test(test_trailer),
        cmocka_unit_test(test_lru),
        cmocka_unit_test(test_entries_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
