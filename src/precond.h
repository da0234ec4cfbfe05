/* precond.h - validators and conditional requests.
 *
 * The strings a response carries so that caches can revalidate it (ETag,
 * HTTP dates), and the evaluation of If-None-Match, If-Modified-Since and
 * If-Range against them (RFC 9110 section 13). */
#ifndef MH_PRECOND_H
#define MH_PRECOND_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* bytes: "Sun, 06 Nov 1994 08:49:37 GMT" plus NUL. */
#define HTTPDATE_LEN 30
/* bytes: a quoted ETag of three 64-bit hex numbers (53 with the NUL), and
 * room for a compressed copy's "-gzip", "-br" or "-zstd" after them. */
#define ETAG_LEN 64

/* IMF-fixdate (RFC 9110 5.6.7) of t, UTC.  Returns 0, or -1 for a time that
 * cannot be represented (year past 9999). */
int httpdate_format(time_t t, char out[HTTPDATE_LEN]);

/* Strong ETag from inode, size and modification time (nanoseconds), so any
 * change of the file, even within a second, gives a new tag. */
void etag_format(uint64_t ino, uint64_t size, int64_t mtime_sec, long mtime_nsec,
                 char out[ETAG_LEN]);

/* Parse an HTTP date in any of the three formats of RFC 9110 5.6.7:
 * "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT" and
 * "Sun Nov  6 08:49:37 1994".  Returns 0, or -1 when s is not a valid date. */
int httpdate_parse(const char *s, size_t len, time_t *out);

enum precond_result {
    PRECOND_SEND,         /* send the representation (200, or 206 with a range) */
    PRECOND_NOT_MODIFIED, /* answer 304 */
};

/* Evaluate the validators of a GET or HEAD (RFC 9110 13.2.2): If-None-Match
 * first (weak comparison, a list or "*"), and only without it
 * If-Modified-Since (a date at or after Last-Modified means not modified; an
 * invalid date is ignored).  NULL means the header is absent. */
enum precond_result precond_evaluate(const char *if_none_match,
                                     const char *if_mod_since, const char *etag,
                                     time_t last_modified);

/* If-Range (RFC 9110 13.1.5): 1 when the range applies to this
 * representation (a strong ETag equal to etag, or a date equal to
 * last_modified), 0 when the whole representation must be sent instead. */
int precond_if_range(const char *if_range, const char *etag, time_t last_modified);

#endif
