/* zcache.h - compressed copies of files, made once off the event loops and
 * kept in a directory. */
#ifndef MH_ZCACHE_H
#define MH_ZCACHE_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/stat.h>

#include "config.h"

/* What the cache did, for a status page: counted by the compression
 * threads and under the cache's lock, read without one. */
struct zcache_stats {
    atomic_ullong queued;  /* versions sent to the compression threads */
    atomic_ullong dropped; /* requests for a copy refused: the queue was full */
    atomic_ullong made;    /* copies made and kept */
    atomic_ullong useless; /* copies no smaller than the file: not kept */
    atomic_ullong failed;  /* copies that could not be made (the file changed,
                              a read or write error) */
    atomic_ullong found;   /* copies found in cache_dir at start and checked */
    atomic_ullong corrupt; /* copies found damaged or truncated: removed */
    atomic_ullong evicted; /* copies removed to keep cache_dir in cache_size */
    atomic_ullong bytes;   /* bytes of the copies held now */
};

struct zcache;

/* Open cfg's cache_dir (creating it, 0750, when missing; a private one
 * under $TMPDIR or /tmp when cache_dir is ""), scan it (copies whose name,
 * length or trailer is wrong are removed; the others are kept, to be
 * checked in full before first use), and start the compression threads.
 * NULL with err ("FILE:LINE: cache_dir = PATH: why") on failure. */
struct zcache *zcache_open(const struct mh_config *cfg, struct mh_error *err);

/* Stop the threads (a copy being made is given up), drop what is
 * queued; a private directory is removed with its copies. */
void zcache_free(struct zcache *z);

enum zcache_answer {
    ZCACHE_READY,   /* the copy: *fd (the caller's), *st, *len */
    ZCACHE_PENDING, /* being made, or queued now: send the file meanwhile */
    ZCACHE_NONE,    /* none will be made for now: not worth it, failed, or
                       the queue was full (asked again next time) */
};

/* The copy in coding enc (ENC_I_*) of the file rel (relative, as
 * path_relative() gives) beneath the docroot root, whose fstat is st.
 * When there is none yet, one is queued (with copies of root and rel: a
 * thread opens the file, confined as a request's open is, and compresses
 * it only if it is still that version) unless one for that version is
 * queued or being made already; never waits for compression.  A copy found is checked
 * before it is handed out (its length and trailer against st): a damaged one is
 * removed. */
enum zcache_answer zcache_get(struct zcache *z, const char *root, const char *rel,
                              const struct stat *st, int enc, int *copy_fd,
                              struct stat *copy_st, uint64_t *len);

/* The copy of st's version in enc was used: it is evicted last. */
void zcache_touch(struct zcache *z, const struct stat *st, int enc);

/* The cache's directory (absolute) and its counters. */
const char *zcache_dir(const struct zcache *z);
const struct zcache_stats *zcache_stats(const struct zcache *z);

#endif
