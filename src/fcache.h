/* fcache.h - a worker's cache of open files (like nginx's open_file_cache). */
#ifndef MH_FCACHE_H
#define MH_FCACHE_H

#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "bounds.h"
#include "precond.h"

/* One open file: the file a path names, or its .br/.gz sibling. */
struct fcache_rep {
    int fd; /* open; owned by body when there is one, else the cache */
    struct stat st;
    void *body;   /* the caller's wrapper of fd (regular files) */
    int snapshot; /* body holds the bytes as they were at st: no check per hit */
    char etag[ETAG_LEN];
    char lastmod[HTTPDATE_LEN];
};

enum { FCACHE_BR, FCACHE_GZ, FCACHE_SIDECARS };

/* What the cache knows of one path beneath the docroot. */
struct fcache_file {
    int status;                       /* 200, or the status of the failed open */
    struct fcache_rep file;           /* status 200: a regular file or a directory */
    int has_sidecar[FCACHE_SIDECARS]; /* FILE.br, FILE.gz: regular, not older */
    struct fcache_rep sidecar[FCACHE_SIDECARS];
    time_t checked;              /* last compared with the file system */
    char type[MH_MIME_TYPE_MAX]; /* Content-Type, filled in by the caller ("") */
};

/* wrap(fd, st) makes the caller's body for a regular file, taking
 * ownership of fd (NULL: it did not, and the cache keeps fd).  It sets
 * *snapshot when the body is a copy of the file's bytes that matches st
 * (checked after the copy was made): such a body and its validators always
 * agree, so the cache trusts it for MH_FILE_CACHE_VALID_SEC without looking
 * at the file.  Other bodies (sent from the file) are checked with fstat()
 * on every hit.  unwrap() drops the cache's reference to a body. */
typedef void *(*fcache_wrap_fn)(int fd, const struct stat *st, int *snapshot);
typedef void (*fcache_unwrap_fn)(void *body);

/* A cache of `slots` entries (1..MH_FILE_CACHE_SLOTS); it keeps at most
 * 3 x slots files open (a file and its two sidecars each). */
struct fcache *fcache_new(unsigned slots, fcache_wrap_fn wrap, fcache_unwrap_fn unwrap);
void fcache_free(struct fcache *c);

/* The file at rel (as path_relative() gives) beneath rootfd, with its
 * sidecars.  A cached answer is used for at most MH_FILE_CACHE_VALID_SEC
 * seconds; then the paths are opened again and, if any names another file
 * (inode, size, times) or none, the entry is replaced.  The result is valid
 * until the next call. */
struct fcache_file *fcache_get(struct fcache *c, int rootfd, const char *rel,
                               time_t now);

/* Lookups answered from the cache (revalidated ones included), and those
 * that opened the files anew, since the cache was made. */
void fcache_counts(const struct fcache *c, uint64_t *hits, uint64_t *misses);

/* Forget everything (the docroot or the config changed). */
void fcache_flush(struct fcache *c);

#endif
