/* headers.h - the headers every response carries. */
#ifndef MH_HEADERS_H
#define MH_HEADERS_H

#include <stdbool.h>

#include "config.h"
#include "response.h"

/* Append to r the headers every response carries: Date (the given one),
 * Server, X-Content-Type-Options and the config's [headers].  False when
 * they did not fit (r->bad is then set). */
bool headers_common(struct response *r, const struct mh_config *cfg, const char *date);

#endif
