/* path.h - request path decoding and confinement.
 *
 * Turns the path of a request target (still percent-encoded, without the
 * query) into a normalised absolute path, or says why it is refused.  The
 * result never contains "..", "." or empty segments, NUL, control bytes or
 * backslashes, so it cannot name anything above the docroot by itself; the
 * file system walk (docroot.c) handles symlinks. */
#ifndef MH_PATH_H
#define MH_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum path_result {
    PATH_OK = 0,
    PATH_NOT_ABSOLUTE,  /* does not start with '/' */
    PATH_BAD_ESCAPE,    /* '%' not followed by two hex digits */
    PATH_NUL,           /* a NUL byte, raw or %00 */
    PATH_CONTROL,       /* another control byte (0x01-0x1f, 0x7f) */
    PATH_BACKSLASH,     /* '\', raw or %5c */
    PATH_ENCODED_SLASH, /* %2f: a '/' that is not a separator */
    PATH_ESCAPES_ROOT,  /* a ".." that would climb above "/" */
    PATH_TOO_LONG,      /* longer than the output buffer */
};

struct path_out {
    char *buf;           /* caller's memory: "/a/b" NUL-terminated */
    size_t cap;          /* its size in bytes */
    size_t len;          /* length of the result */
    bool trailing_slash; /* the request named a directory ("/a/b/" or "/") */
};

/* Decode `raw[0, len)` once and normalise it into out->buf. */
enum path_result path_resolve(const char *raw, size_t len, struct path_out *out);

/* The same path relative to the docroot: "a/b", or "." for "/". */
const char *path_relative(const struct path_out *out);

/* 1 when a segment of the normalised path starts with '.' (a dotfile or
 * dot-directory such as .git), except a first segment ".well-known"
 * (RFC 8615), which is public by design. */
int path_is_hidden(const char *path, size_t len);

/* True when a request path can name a file called name[0, len): it is not
 * empty, "." or "..", and holds none of the bytes path_resolve() refuses in
 * a decoded path (NUL, 0x01-0x1f, 0x7f, backslash) nor '/'.  Listings show
 * only such names: a client could not ask for the others. */
bool path_name_servable(const char *name, size_t len);

/* The extension of the last segment (after its last '.', not a leading one)
 * and its length, or NULL when there is none. */
const char *path_extension(const char *path, size_t len, size_t *ext_len);

/* Append a request's query to b as a URL query may hold it (RFC 3986
 * 3.4): unreserved and sub-delims, ':', '@', '/', '?' and valid %XX kept,
 * every other byte percent-encoded.  False when b overflowed. */
bool path_put_query(struct buf *b, const char *q, size_t len);

#endif
