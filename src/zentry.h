/* zentry.h - compressed copies on disk: their keys, names, trailers, and
 * the least-recently-used accounting of a cache of them. */
#ifndef MH_ZENTRY_H
#define MH_ZENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One version of one file in one coding: what a copy was made from.  A
 * file rewritten, replaced or touched has another key, so it can never be
 * given a copy of what it was. */
struct zkey {
    uint64_t dev, ino, size;
    int64_t mtime_sec;
    uint32_t mtime_nsec; /* 0..999999999 */
    uint8_t enc;         /* ENC_I_* (encoding.h): gzip, br, zstd */
};

bool zkey_equal(const struct zkey *a, const struct zkey *b);

/* bytes: a copy's file name, NUL included: four 16-digit hex numbers, nine
 * decimal digits, the separators and the coding's suffix. */
#define ZKEY_NAME_MAX 96

/* The file name of k's copy, "DEV-INO-SIZE-MTIME.NSEC.br" (hex but for the
 * nanoseconds), into out (cap bytes): 0, or -1 when it does not fit or the
 * key is not valid (enc or nanoseconds out of range). */
int zkey_name(const struct zkey *k, char *out, size_t cap);

enum zname_result {
    ZNAME_OK,
    ZNAME_TEMP,  /* a temporary file of a copy being made (".tmp-...") */
    ZNAME_OTHER, /* not a name zkey_name() makes */
};

/* The key a name zkey_name() made stands for. */
enum zname_result zkey_parse_name(const char *s, size_t len, struct zkey *k);

/* bytes: the trailer after a copy's compressed bytes. */
#define ZTRAILER_LEN 64

/* A copy's file is its compressed bytes, then this trailer:
 *   0  "MHZCOPY1"   8  enc (1 byte), 3 zero bytes   12 mtime_nsec (u32)
 *   16 dev  24 ino  32 size  40 mtime_sec  48 payload length (u64 each)
 *   56 checksum of the payload (u32, CRC-32 as zlib computes it)
 *   60 FNV-1a of bytes 0..59 (u32)
 * all little-endian.  A file whose length is not payload + ZTRAILER_LEN, or
 * whose trailer does not parse or names another key, is never served. */
void ztrailer_format(const struct zkey *k, uint64_t payload_len, uint32_t crc,
                     unsigned char out[ZTRAILER_LEN]);

enum ztrailer_result {
    ZTRAILER_OK,
    ZTRAILER_SHORT, /* fewer than ZTRAILER_LEN bytes */
    ZTRAILER_MAGIC, /* not a trailer */
    ZTRAILER_CHECK, /* its own checksum does not match: damaged */
    ZTRAILER_BAD,   /* fields out of range (enc, nanoseconds) */
};

/* Parse the ZTRAILER_LEN bytes at p (len of them available). */
enum ztrailer_result ztrailer_parse(const unsigned char *p, size_t len, struct zkey *k,
                                    uint64_t *payload_len, uint32_t *crc);

/* --- which copies a cache holds, and which goes first --- */

enum zstate {
    ZSTATE_PENDING, /* queued or being made */
    ZSTATE_READY,   /* on disk, checked; bytes counted */
    ZSTATE_USELESS, /* made, but no smaller than the file: not kept */
};

struct zentry {
    struct zkey key;
    enum zstate state;
    uint64_t bytes;             /* READY: the file's length on disk */
    bool checked;               /* READY: its payload's checksum was verified */
    bool queued;                /* a thread has it to make or to check */
    struct zentry *next_hash;   /* the hash chain */
    struct zentry *prev, *next; /* READY only: most recently used first */
};

/* An index of at most max_entries entries whose READY ones are bounded by
 * cap bytes in all (zindex_victim() says which to remove).  NULL when out
 * of memory or max_entries is 0. */
struct zindex *zindex_new(uint64_t cap, size_t max_entries);
void zindex_free(struct zindex *x);

struct zentry *zindex_find(struct zindex *x, const struct zkey *k);

/* A new entry in state st (READY ones are counted and most recent); NULL
 * when k is there already or the index holds max_entries. */
struct zentry *zindex_add(struct zindex *x, const struct zkey *k, enum zstate st,
                          uint64_t bytes);

/* A PENDING entry made READY (counted, most recent) or USELESS. */
void zindex_set_ready(struct zindex *x, struct zentry *e, uint64_t bytes);
void zindex_set_useless(struct zindex *x, struct zentry *e);

/* A READY entry was used: it goes last. */
void zindex_touch(struct zindex *x, struct zentry *e);

/* While the READY entries hold more than cap bytes, the least recently
 * used of them (to remove from disk, then zindex_remove()); else NULL. */
struct zentry *zindex_victim(const struct zindex *x);

/* Forget e (freed): its bytes are no longer counted. */
void zindex_remove(struct zindex *x, struct zentry *e);

uint64_t zindex_bytes(const struct zindex *x);
size_t zindex_count(const struct zindex *x);

#endif
