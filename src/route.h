/* route.h - a request as plain data, and the decisions made on it alone:
 * framing, limits, method, target, and what a path lookup found. */
#ifndef MH_ROUTE_H
#define MH_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "path.h"

enum http_method {
    METHOD_GET,
    METHOD_HEAD,
    METHOD_POST,
    METHOD_PUT,
    METHOD_DELETE,
    METHOD_OPTIONS,
    METHOD_TRACE,
    METHOD_CONNECT,
    METHOD_PATCH,
    METHOD_OTHER,
};

struct req_header {
    const char *name, *value; /* as the HTTP library parsed them */
};

/* What the server needs of a request, copied out of the HTTP library's
 * structures (handler.c) so that everything here is pure. */
struct request {
    enum http_method method;
    const char *target; /* the request target as sent */
    int major, minor;   /* HTTP version */
    bool proxy_form;    /* absolute form for a host not ours: always closed */
    bool had_nul;       /* a NUL byte in the request (the library cuts at it) */
    size_t body_len;    /* body bytes read with it */
    const struct req_header *headers;
    size_t n_headers; /* at most MH_REQUEST_HEADERS_MAX; more: too_many_headers */
    bool too_many_headers;
};

/* "GET", "HEAD"...; "-" for METHOD_OTHER. */
const char *route_method_name(enum http_method m);

/* The value of the first header called name (any case), or NULL. */
const char *route_header(const struct request *rq, const char *name);

/* Does the framing (minihttpd(8), "Request framing") leave where the
 * request ends in doubt?  Then it is 400 and the connection is closed. */
bool route_bad_framing(const struct request *rq);

/* The limits of bounds.h on the request line, headers and body: 0 within,
 * else 414, 431 or 413.  *close is set when the connection must end after
 * the answer: a 413 (the body was not all read) or more than
 * MH_REQUEST_HEADERS_MAX header lines (the framing of the rest was not
 * looked at). */
int route_over_limit(const struct request *rq, bool *close);

/* Everything decided before the target is looked at, in order: the
 * framing (400 and close), the limits (414, 431, 413), the method (405 for
 * all but GET and HEAD; the caller adds Allow).  0 when the request may go
 * on; *close is set when the connection must end after the answer. */
int route_check(const struct request *rq, bool *close);

/* Whether the connection ends after the response (as the HTTP library
 * decides it: HTTP/1.0 without keep-alive, Connection: close, proxy form). */
bool route_closes(const struct request *rq);

/* Split the target into its path and query (origin form "/p?q" or
 * absolute form "http://host/p?q") and resolve the path: 0 with *p and
 * *query set (NULL: none), or 400. */
int route_target(const struct request *rq, struct path_out *p, const char **query);

/* The host part of a Host header value (a DNS name or IPv4 address of
 * letters, digits, '-' and '.', or a bracketed IPv6 address), its ":port"
 * left out: its length, or 0 when the value is no such host (then it is
 * never put in a Location). */
size_t route_host_len(const char *host);

/* Whether a listing should be JSON: the Accept header names
 * application/json with a q above 0 and not below text/html's (a browser's
 * Accept names text/html, or JSON not at all).  Wildcards count for
 * neither. */
bool route_wants_json(const struct request *rq);

/* What a lookup of a path found, and what comes of it. */
enum route_step {
    ROUTE_FILE,      /* serve the regular file */
    ROUTE_DIRECTORY, /* the directory's index, listing or 403 */
    ROUTE_SLASH,     /* 301 to the path with '/' added */
    ROUTE_STATUS,    /* answer the status */
};

/* open_status: 200 or the status of the failed open; is_dir: what was
 * found; trailing_slash: the request named a directory.  For ROUTE_STATUS
 * *status is set. */
enum route_step route_found(int open_status, bool is_dir, bool trailing_slash,
                            int *status);

#endif
