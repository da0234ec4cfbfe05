/* zentry.c - keys, names and trailers of compressed copies, and the LRU
 * accounting of the cache directory holding them.
 *
 * Owns: what names a copy (the version of the file it was made from and
 * its coding), the trailer that lets a copy be checked before it is
 * served, and which copy goes first when the cache is over its size.
 * Pure: no I/O, no logging; the index allocates its entries (bounded by
 * max_entries).  zcache.c does the file system and the locking. */
#include "zentry.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "encoding.h"

bool zkey_equal(const struct zkey *a, const struct zkey *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec &&
           a->enc == b->enc;
}

static bool zkey_valid(const struct zkey *k)
{
    return k->enc < ENC_CODINGS && k->mtime_nsec <= 999999999u;
}

static void put_hex16(struct buf *b, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (int shift = 60; shift >= 0; shift -= 4)
        buf_putc(b, hex[(v >> shift) & 0xf]);
}

int zkey_name(const struct zkey *k, char *out, size_t cap)
{
    if (!zkey_valid(k))
        return -1;
    struct buf b;
    buf_init(&b, out, cap);
    put_hex16(&b, k->dev);
    buf_putc(&b, '-');
    put_hex16(&b, k->ino);
    buf_putc(&b, '-');
    put_hex16(&b, k->size);
    buf_putc(&b, '-');
    put_hex16(&b, (uint64_t)k->mtime_sec);
    buf_putc(&b, '.');
    buf_putu(&b, k->mtime_nsec, 9);
    buf_puts(&b, encoding_suffix(k->enc));
    return b.overflow ? -1 : 0;
}

static bool get_hex16(const char *s, uint64_t *v)
{
    uint64_t n = 0;
    for (int i = 0; i < 16; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                       : -1;
        if (d < 0)
            return false;
        n = n << 4 | (uint64_t)d;
    }
    *v = n;
    return true;
}

enum zname_result zkey_parse_name(const char *s, size_t len, struct zkey *k)
{
    static const char tmp[] = ".tmp-";
    if (len >= sizeof(tmp) - 1 && !memcmp(s, tmp, sizeof(tmp) - 1))
        return ZNAME_TEMP;
    /* 4 x 16 hex, 3 '-', '.', 9 digits, then the suffix */
    const size_t fixed = 4 * 16 + 3 + 1 + 9;
    if (len <= fixed)
        return ZNAME_OTHER;
    uint64_t v[4];
    for (int i = 0; i < 4; i++) {
        if (!get_hex16(s + i * 17, &v[i]))
            return ZNAME_OTHER;
        if (s[i * 17 + 16] != (i < 3 ? '-' : '.'))
            return ZNAME_OTHER;
    }
    uint32_t ns = 0;
    for (size_t i = 4 * 17; i < fixed; i++) {
        if (s[i] < '0' || s[i] > '9')
            return ZNAME_OTHER;
        ns = ns * 10 + (uint32_t)(s[i] - '0');
    }
    int enc = -1;
    for (int e = 0; e < ENC_CODINGS; e++) {
        const char *suf = encoding_suffix(e);
        if (strlen(suf) == len - fixed && !memcmp(s + fixed, suf, len - fixed))
            enc = e;
    }
    if (enc < 0)
        return ZNAME_OTHER;
    k->dev = v[0];
    k->ino = v[1];
    k->size = v[2];
    k->mtime_sec = (int64_t)v[3];
    k->mtime_nsec = ns;
    k->enc = (uint8_t)enc;
    return ZNAME_OK;
}

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t fnv1a32(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static const char magic[8] = {'M', 'H', 'Z', 'C', 'O', 'P', 'Y', '1'};

void ztrailer_format(const struct zkey *k, uint64_t payload_len, uint32_t crc,
                     unsigned char out[ZTRAILER_LEN])
{
    memset(out, 0, ZTRAILER_LEN);
    memcpy(out, magic, sizeof(magic));
    out[8] = k->enc;
    put_le(out + 12, k->mtime_nsec, 4);
    put_le(out + 16, k->dev, 8);
    put_le(out + 24, k->ino, 8);
    put_le(out + 32, k->size, 8);
    put_le(out + 40, (uint64_t)k->mtime_sec, 8);
    put_le(out + 48, payload_len, 8);
    put_le(out + 56, crc, 4);
    put_le(out + 60, fnv1a32(out, 60), 4);
}

enum ztrailer_result ztrailer_parse(const unsigned char *p, size_t len, struct zkey *k,
                                    uint64_t *payload_len, uint32_t *crc)
{
    if (len < ZTRAILER_LEN)
        return ZTRAILER_SHORT;
    if (memcmp(p, magic, sizeof(magic)))
        return ZTRAILER_MAGIC;
    if (get_le(p + 60, 4) != fnv1a32(p, 60))
        return ZTRAILER_CHECK;
    struct zkey t = {.enc = p[8],
                     .mtime_nsec = (uint32_t)get_le(p + 12, 4),
                     .dev = get_le(p + 16, 8),
                     .ino = get_le(p + 24, 8),
                     .size = get_le(p + 32, 8),
                     .mtime_sec = (int64_t)get_le(p + 40, 8)};
    if (p[9] || p[10] || p[11] || !zkey_valid(&t))
        return ZTRAILER_BAD;
    *k = t;
    *payload_len = get_le(p + 48, 8);
    *crc = (uint32_t)get_le(p + 56, 4);
    return ZTRAILER_OK;
}

/* --- the index --- */

/* count: hash buckets; chains stay short up to tens of thousands */
#define ZINDEX_BUCKETS 4096

struct zindex {
    uint64_t cap, bytes;
    size_t max_entries, count;
    struct zentry *head, *tail; /* READY entries, most recently used first */
    struct zentry *buckets[ZINDEX_BUCKETS];
};

static size_t bucket(const struct zkey *k)
{
    uint64_t h = 1469598103934665603u;
    uint64_t parts[5] = {k->dev, k->ino, k->size, (uint64_t)k->mtime_sec,
                         (uint64_t)k->mtime_nsec << 8 | k->enc};
    for (int i = 0; i < 5; i++)
        h = (h ^ parts[i]) * 1099511628211u;
    return (size_t)(h ^ h >> 32) % ZINDEX_BUCKETS;
}

struct zindex *zindex_new(uint64_t cap, size_t max_entries)
{
    if (max_entries == 0)
        return NULL;
    struct zindex *x = calloc(1, sizeof(*x));
    if (x) {
        x->cap = cap;
        x->max_entries = max_entries;
    }
    return x;
}

void zindex_free(struct zindex *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < ZINDEX_BUCKETS; i++)
        for (struct zentry *e = x->buckets[i], *n; e; e = n) {
            n = e->next_hash;
            free(e);
        }
    free(x);
}

struct zentry *zindex_find(struct zindex *x, const struct zkey *k)
{
    for (struct zentry *e = x->buckets[bucket(k)]; e; e = e->next_hash)
        if (zkey_equal(&e->key, k))
            return e;
    return NULL;
}

static void lru_unlink(struct zindex *x, struct zentry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        x->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        x->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push(struct zindex *x, struct zentry *e)
{
    e->prev = NULL;
    e->next = x->head;
    if (x->head)
        x->head->prev = e;
    else
        x->tail = e;
    x->head = e;
}

struct zentry *zindex_add(struct zindex *x, const struct zkey *k, enum zstate st,
                          uint64_t bytes)
{
    if (x->count >= x->max_entries || zindex_find(x, k))
        return NULL;
    struct zentry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->key = *k;
    e->state = ZSTATE_PENDING;
    size_t b = bucket(k);
    e->next_hash = x->buckets[b];
    x->buckets[b] = e;
    x->count++;
    if (st == ZSTATE_READY)
        zindex_set_ready(x, e, bytes);
    else if (st == ZSTATE_USELESS)
        zindex_set_useless(x, e);
    return e;
}

void zindex_set_ready(struct zindex *x, struct zentry *e, uint64_t bytes)
{
    if (e->state == ZSTATE_READY) {
        x->bytes -= e->bytes;
        lru_unlink(x, e);
    }
    e->state = ZSTATE_READY;
    e->bytes = bytes;
    x->bytes += bytes;
    lru_push(x, e);
}

void zindex_set_useless(struct zindex *x, struct zentry *e)
{
    if (e->state == ZSTATE_READY) {
        x->bytes -= e->bytes;
        lru_unlink(x, e);
    }
    e->state = ZSTATE_USELESS;
    e->bytes = 0;
}

void zindex_touch(struct zindex *x, struct zentry *e)
{
    if (e->state != ZSTATE_READY || x->head == e)
        return;
    lru_unlink(x, e);
    lru_push(x, e);
}

struct zentry *zindex_victim(const struct zindex *x)
{
    return x->bytes > x->cap ? x->tail : NULL;
}

void zindex_remove(struct zindex *x, struct zentry *e)
{
    if (e->state == ZSTATE_READY) {
        x->bytes -= e->bytes;
        lru_unlink(x, e);
    }
    struct zentry **p = &x->buckets[bucket(&e->key)];
    while (*p && *p != e)
        p = &(*p)->next_hash;
    if (*p)
        *p = e->next_hash;
    x->count--;
    free(e);
}

uint64_t zindex_bytes(const struct zindex *x)
{
    return x->bytes;
}

size_t zindex_count(const struct zindex *x)
{
    return x->count;
}
