/* represent.h - which representation of a file a request gets, and how. */
#ifndef MH_REPRESENT_H
#define MH_REPRESENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "encoding.h"
#include "reply.h"
#include "route.h"

/* One representation: the file itself, a precompressed sibling, or a
 * compressed copy made by the server. */
struct rep_facts {
    uint64_t size;
    time_t mtime;
    const char *etag;
    const char *lastmod; /* "": none */
    const char *coding;  /* NULL: the file itself; "br", "gzip", "zstd" */
    unsigned enc;        /* a coded one's ENC_* bit (encoding.h) */
};

/* What the file system says of a file, as the cache found it. */
struct file_facts {
    /* [0] the file; then its coded forms (fresh siblings, ready copies), one
     * per coding, the server's preferred first */
    struct rep_facts rep[1 + ENC_CODINGS];
    size_t n_rep;
    const char *cache_control; /* "": none */
    bool vary;                 /* Vary: Accept-Encoding even without coded forms (a lone
                                  FILE.gz, a file the server will compress) */
};

/* Decide the response to rq for a regular file: the representation (its
 * index in f->rep is returned: the coded form encoding_choose() picks for
 * the client's Accept-Encoding, else the file; the file for any request
 * with a Range, whose ranges are of the file's own bytes), then 304
 * (If-None-Match with that representation's ETag, If-Modified-Since), 416
 * (Content-Range:
 * bytes * / size; the error page follows), 206 (one range) or 200, with
 * Vary (when the file has siblings), Content-Encoding, the validators,
 * Cache-Control, Accept-Ranges and Content-Range added to rp.  On 200 and
 * 206 rp->offset and rp->len say which bytes to send; Content-Type and the
 * body itself are the caller's to add. */
size_t represent(const struct request *rq, const struct file_facts *f,
                 struct reply *rp);

#endif
