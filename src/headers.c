/* headers.c - the headers every response carries, whoever sends it.
 *
 * Owns: Date, Server, X-Content-Type-Options and the config's [headers], in
 * that order, for the handler's responses and for what the connection layer
 * answers itself (408, 400).  Pure: formats into the caller's response. */
#include "headers.h"

#ifndef MH_VERSION
#error "MH_VERSION must be defined by the build"
#endif

bool headers_common(struct response *r, const struct mh_config *cfg, const char *date)
{
    response_header(r, "Date", date);
    response_header(r, "Server", "minihttpd/" MH_VERSION);
    response_header(r, "X-Content-Type-Options", "nosniff");
    for (unsigned i = 0; i < cfg->n_headers; i++)
        response_header(r, cfg->headers[i].name, cfg->headers[i].value);
    return !r->bad;
}
