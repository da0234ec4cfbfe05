/* status.h - HTTP status codes minihttpd answers with, their reason phrases
 * and the small HTML body sent with each error.  Pure tables, no I/O. */
#ifndef MH_STATUS_H
#define MH_STATUS_H

#include <stddef.h>

enum http_status {
    HTTP_STATUS_OK = 200,
    HTTP_STATUS_PARTIAL = 206,
    HTTP_STATUS_MOVED = 301,
    HTTP_STATUS_FOUND = 302,
    HTTP_STATUS_SEE_OTHER = 303,
    HTTP_STATUS_NOT_MODIFIED = 304,
    HTTP_STATUS_TEMPORARY_REDIRECT = 307,
    HTTP_STATUS_PERMANENT_REDIRECT = 308,
    HTTP_STATUS_BAD_REQUEST = 400,
    HTTP_STATUS_UNAUTHORIZED = 401,
    HTTP_STATUS_FORBIDDEN = 403,
    HTTP_STATUS_NOT_FOUND = 404,
    HTTP_STATUS_METHOD_NOT_ALLOWED = 405,
    HTTP_STATUS_TIMEOUT = 408,
    HTTP_STATUS_TOO_LARGE = 413,
    HTTP_STATUS_URI_TOO_LONG = 414,
    HTTP_STATUS_RANGE = 416,
    HTTP_STATUS_HEADERS_TOO_LARGE = 431,
    HTTP_STATUS_INTERNAL = 500,
    HTTP_STATUS_NOT_IMPLEMENTED = 501,
    HTTP_STATUS_UNAVAILABLE = 503,
};

/* "Not Found" for 404; "Unknown" for a code not in the table. */
const char *status_reason(int code);

/* The built-in HTML page for an error status, and its length.  Returns NULL
 * for codes that have no page (2xx, 304). */
const char *status_page(int code, size_t *len);

#endif
