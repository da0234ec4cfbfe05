/* range.h - the Range request header (RFC 9110 14.2), for one file size. */
#ifndef MH_RANGE_H
#define MH_RANGE_H

#include <stddef.h>
#include <stdint.h>

enum range_result {
    RANGE_FULL,          /* no usable range: send the whole file with 200 */
    RANGE_PARTIAL,       /* one satisfiable range: 206 for [first, last] */
    RANGE_UNSATISFIABLE, /* 416 with Content-Range: bytes * /size */
};

/* Evaluate `Range: bytes=...` (len bytes of s) against a file of `size`
 * bytes.  One range "a-b", "a-" or "-n" gives RANGE_PARTIAL with the
 * clamped [first, last].  Several ranges are answered with the whole file
 * (RANGE_FULL) unless none is satisfiable.  A malformed header, another
 * unit, or a > b is ignored (RANGE_FULL), as RFC 9110 allows. */
/* *first and *last are written only for RANGE_PARTIAL. */
enum range_result range_parse(const char *s, size_t len, uint64_t size, uint64_t *first,
                              uint64_t *last);

#endif
