/* fcache.h - a worker's cache of open files (like nginx's open_file_cache). */
#ifndef MH_FCACHE_H
#define MH_FCACHE_H

#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "bounds.h"
#include "encoding.h"
#include "precond.h"

/* One open file: the file a path names, its .br/.gz/.zst sibling, or a
 * compressed copy of it from the cache directory (zcache.c). */
struct fcache_rep {
    int fd; /* open; owned by body when there is one, else the cache */
    struct stat st;
    void *body;    /* the caller's wrapper of fd (regular files) */
    int snapshot;  /* body holds the bytes as they were at st: no check per hit */
    uint64_t held; /* bytes of the file body keeps in memory (0: none) */
    char etag[ETAG_LEN];
    char lastmod[HTTPDATE_LEN];
};

/* The sidecars are indexed by coding: FILE.gz, FILE.br, FILE.zst. */
enum {
    FCACHE_GZ = ENC_I_GZIP,
    FCACHE_BR = ENC_I_BR,
    FCACHE_ZST = ENC_I_ZSTD,
    FCACHE_SIDECARS = ENC_CODINGS
};

/* What the cache knows of one path beneath the docroot. */
struct fcache_file {
    int status;                       /* 200, or the status of the failed open */
    struct fcache_rep file;           /* status 200: a regular file or a directory */
    int has_sidecar[FCACHE_SIDECARS]; /* FILE.gz, .br, .zst: regular, not older */
    struct fcache_rep sidecar[FCACHE_SIDECARS];
    /* compressed copies of the file, by coding (never one where a sidecar
     * is): copy_len bytes, then the cache's trailer; immutable files, so
     * never checked again; dropped with the entry when the file changes */
    int has_copy[ENC_CODINGS];
    struct fcache_rep copy[ENC_CODINGS];
    uint64_t copy_len[ENC_CODINGS];
    time_t copy_seen[ENC_CODINGS]; /* when the cache was last told of its use */
    time_t checked;                /* last compared with the file system */
    char type[MH_MIME_TYPE_MAX];   /* Content-Type, filled in by the caller ("") */
};

/* wrap(fd, st, room, &held) makes the caller's body for a regular file,
 * taking ownership of fd (NULL: it did not, and the cache keeps fd).  A body
 * may keep the file's bytes in memory, at most room of them; it sets *held
 * to their number (0: it keeps none), and keeps them only as a copy that
 * matches st (checked after the copy was made): such a body (a snapshot)
 * and its validators always agree, so the cache trusts it for
 * MH_FILE_CACHE_VALID_SEC without looking at the file.  Other bodies (sent
 * from the file) are checked with fstat() on every hit.  unwrap() drops
 * the cache's reference to a body. */
typedef void *(*fcache_wrap_fn)(int fd, const struct stat *st, uint64_t room,
                                uint64_t *held);
typedef void (*fcache_unwrap_fn)(void *body);

/* A cache of `slots` entries (1..MH_FILE_CACHE_SLOTS); it keeps at most
 * MH_FCACHE_FDS_PER_SLOT x slots files open (a file, and per coding a
 * sidecar or a copy), and its bodies at most held_max bytes in memory
 * (the room it offers wrap(): what is left of held_max). */
struct fcache *fcache_new(unsigned slots, uint64_t held_max, fcache_wrap_fn wrap,
                          fcache_unwrap_fn unwrap);
void fcache_free(struct fcache *c);

/* The file at rel (as path_relative() gives) beneath rootfd, with its
 * sidecars.  A cached answer is used for at most MH_FILE_CACHE_VALID_SEC
 * seconds; then the paths are opened again and, if any names another file
 * (inode, size, times) or none, the entry is replaced.  The result is valid
 * until the next call. */
struct fcache_file *fcache_get(struct fcache *c, int rootfd, const char *rel,
                               time_t now);

/* Keep fd (taken), a compressed copy of f's file in coding enc (ENC_I_*)
 * whose first len bytes are the coded file, as f's copy; its ETag is the
 * file's with the coding's name added.  f has no copy or sidecar in enc. */
void fcache_set_copy(struct fcache *c, struct fcache_file *f, int enc, int fd,
                     const struct stat *st, uint64_t len);

/* fcache_get() for a response that will be f's copy in coding enc when
 * the entry has one (-1: none): then, on a hit, the file itself is not
 * checked with fstat(), since its bytes are not sent: the copy and its
 * ETag (made from the version the copy was made of) belong together, as a
 * snapshot's do, and the paths are looked at again after
 * MH_FILE_CACHE_VALID_SEC as ever. */
struct fcache_file *fcache_get_coded(struct fcache *c, int rootfd, const char *rel,
                                     time_t now, int enc);

/* Lookups answered from the cache (revalidated ones included), and those
 * that opened the files anew, since the cache was made. */
void fcache_counts(const struct fcache *c, uint64_t *hits, uint64_t *misses);
/* Bytes its bodies keep in memory now (at most held_max). */
uint64_t fcache_held(const struct fcache *c);

/* Forget everything (the docroot or the config changed). */
void fcache_flush(struct fcache *c);

#endif
