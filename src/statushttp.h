/* statushttp.h - the status page ([status] path) on the request path. */
#ifndef MH_STATUSHTTP_H
#define MH_STATUSHTTP_H

#include <stdbool.h>
#include <time.h>

#include "config.h"
#include "metrics.h"
#include "path.h"
#include "reply.h"

/* Every worker's counters, and when the server started: what a worker
 * reads to answer the status page. */
struct status_source {
    const struct metrics *workers;
    unsigned n;
    struct timespec started;             /* CLOCK_MONOTONIC */
    const struct zcache_stats *compress; /* the copy cache's, or NULL */
};

struct conn;
struct zcache_stats;

/* If p is cfg's status path: fill rp (200 with the page for a peer of c in
 * [status] allow; 404 for any other; 400 for an unknown ?format=) and
 * return true.  Otherwise false, rp untouched (and nothing else done:
 * this runs on every request). */
bool status_serve(const struct status_source *src, const struct mh_config *cfg,
                  const struct conn *c, const struct path_out *p, const char *query,
                  struct reply *rp);

#endif
