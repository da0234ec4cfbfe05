/* headers.h - the headers every response carries, and the names of all the
 * headers the server sets itself. */
#ifndef MH_HEADERS_H
#define MH_HEADERS_H

#include <stdbool.h>

#include "bounds.h"
#include "response.h"

/* One [headers] line of the config. */
struct mh_header {
    char name[MH_CONFIG_NAME_MAX];
    char value[MH_HEADER_VALUE_MAX];
};

/* Append to r the headers every response carries: Date (the given one),
 * Server, X-Content-Type-Options and the config's [headers] (extra, n).
 * False when they did not fit (r->bad is then set). */
bool headers_common(struct response *r, const char *date, const struct mh_header *extra,
                    unsigned n);

/* The name of every header minihttpd sets itself, on one response or
 * another, NULL last: [headers] may not add one (config.c), since the
 * response would then carry it twice.  Code that starts sending a header
 * adds its name here. */
extern const char *const headers_server_set[];

/* Whether name, in any case, is one of headers_server_set. */
bool headers_server_sets(const char *name);

#endif
