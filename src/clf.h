/* clf.h - one access-log line in the Combined Log Format.
 *
 *   127.0.0.1 - - [27/Nov/2026:22:47:06 +0000] "GET / HTTP/1.1" 200 5120 "-"
 * "curl/7.88.1"
 */
#ifndef MH_CLF_H
#define MH_CLF_H

#include <stdbool.h>
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
    /* the JSON form's own (clf_format_json) */
    const char *host;    /* the Host header; NULL logs null */
    const char *user;    /* the authenticated user; NULL logs null */
    int64_t duration_us; /* from the request's first byte to its last logged */
    bool tls;
};

/* Format r as one line ending in '\n' into out (cap bytes).  Fields are
 * escaped like nginx ("\xHH" for '"', '\\', control and non-ASCII bytes) and
 * each is cut at MH_LOG_FIELD_MAX bytes with "..." at its end.  Returns the
 * line's length, or 0 when cap is smaller than MH_LOG_LINE_MAX. */
size_t clf_format(const struct access_record *r, char *out, size_t cap);

/* The same record as one JSON object on one line ([log] access_format =
 * json): time (ISO 8601, UTC, "+00:00"), remote, user, method, target,
 * protocol, status, bytes, referer, user_agent, host, duration_ms, tls;
 * status, bytes and duration_ms numbers, tls a boolean, an absent string
 * null.  Strings are JSON with valid UTF-8 kept and every other byte below
 * 0x20, from 0x7f, '"' and '\\' written "\u00HH" (so any byte a client
 * sends stays inside its field), cut like clf_format()'s.  Returns the
 * length, or 0 when cap is smaller than MH_LOG_LINE_MAX. */
size_t clf_format_json(const struct access_record *r, char *out, size_t cap);

#endif
