/* clf.h - one access-log line in the Combined Log Format.
 *
 *   127.0.0.1 - - [27/Nov/2026:22:47:06 +0000] "GET / HTTP/1.1" 200 5120 "-"
 * "curl/7.88.1"
 */
#ifndef MH_CLF_H
#define MH_CLF_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct access_record {
    const char *client; /* peer address text */
    const char *method; /* "GET"; NULL with target NULL: logged "-" */
    const char *target; /* request target as received */
    int http_major, http_minor;
    int status;
    int64_t bytes;          /* body bytes sent; < 0 logs "-" */
    const char *referer;    /* NULL logs "-" */
    const char *user_agent; /* NULL logs "-" */
    time_t when;
};

/* Format r as one line ending in '\n' into out (cap bytes).  Fields are
 * escaped like nginx ("\xHH" for '"', '\\', control and non-ASCII bytes) and
 * each is cut at MH_LOG_FIELD_MAX bytes with "..." at its end.  Returns the
 * line's length, or 0 when cap is smaller than MH_LOG_LINE_MAX. */
size_t clf_format(const struct access_record *r, char *out, size_t cap);

#endif
