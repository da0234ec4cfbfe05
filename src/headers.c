/* headers.c - the headers every response carries, whoever sends it.
 *
 * Owns: Date, Server, X-Content-Type-Options and the config's [headers], in
 * that order, for the handler's responses and for what the connection layer
 * answers itself (408, 400); and the one list of every header the server
 * sets, which config.c refuses in [headers].  Pure: formats into the
 * caller's response. */
#include "headers.h"

#include <stddef.h>
#include <strings.h>

#ifndef MH_VERSION
#error "MH_VERSION must be defined by the build"
#endif

bool headers_common(struct response *r, const char *date, const struct mh_header *extra,
                    unsigned n)
{
    response_header(r, "Date", date);
    response_header(r, "Server", "minihttpd/" MH_VERSION);
    response_header(r, "X-Content-Type-Options", "nosniff");
    for (unsigned i = 0; i < n; i++)
        response_header(r, extra[i].name, extra[i].value);
    return !r->bad;
}

const char *const headers_server_set[] = {
    /* headers_common(), above */
    "Date",
    "Server",
    "X-Content-Type-Options",
    /* framing (handler.c, conn.c): never anyone else's to say */
    "Content-Length",
    "Transfer-Encoding",
    "Connection",
    "Keep-Alive",
    /* the representation (handler.c) */
    "Content-Type",
    "Content-Encoding",
    "Content-Range",
    "ETag",
    "Last-Modified",
    "Accept-Ranges",
    "Vary",
    "Cache-Control", /* the cache_control key */
    /* redirects and 405 (handler.c) */
    "Location",
    "Allow",
    NULL,
};

bool headers_server_sets(const char *name)
{
    for (const char *const *h = headers_server_set; *h; h++)
        if (!strcasecmp(name, *h))
            return true;
    return false;
}
