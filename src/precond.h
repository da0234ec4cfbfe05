/* precond.h - validators: entity tags and HTTP dates.
 *
 * The strings a response carries so that caches can revalidate it. */
#ifndef MH_PRECOND_H
#define MH_PRECOND_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* bytes: "Sun, 06 Nov 1994 08:49:37 GMT" plus NUL. */
#define HTTPDATE_LEN 30
/* bytes: a quoted ETag of three 64-bit hex numbers plus NUL. */
#define ETAG_LEN 56

/* IMF-fixdate (RFC 9110 5.6.7) of t, UTC.  Returns 0, or -1 for a time that
 * cannot be represented (year past 9999). */
int httpdate_format(time_t t, char out[HTTPDATE_LEN]);

/* Strong ETag from inode, size and modification time (nanoseconds), so any
 * change of the file, even within a second, gives a new tag. */
void etag_format(uint64_t ino, uint64_t size, int64_t mtime_sec, long mtime_nsec,
                 char out[ETAG_LEN]);

#endif
