/* statushttp.c - answer the status page: who may, which form, the body.
 *
 * Owns: the status page's place on the request path (one step of
 * handler.c's decide()): the path and peer check, ?format=, the snapshot
 * of every worker's counters and the reply.  Rendering is statuspage.c's
 * (pure), the address check statusacl.c's.  Never sends: it fills a
 * reply like any other step. */
#define _GNU_SOURCE
#include "statushttp.h"

#include <stdatomic.h>

#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "statuspage.h"
#include "zcache.h"
#include "status.h"

static void release_page(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)data);
}

/* The copy cache's counters, read without a lock (each is one atomic). */
static void copy_compress(const struct zcache_stats *z, struct metrics_snapshot *s)
{
    s->compress = z != NULL;
    if (!z)
        return;
    s->z_queued = atomic_load_explicit(&z->queued, memory_order_relaxed);
    s->z_dropped = atomic_load_explicit(&z->dropped, memory_order_relaxed);
    s->z_made = atomic_load_explicit(&z->made, memory_order_relaxed);
    s->z_useless = atomic_load_explicit(&z->useless, memory_order_relaxed);
    s->z_failed = atomic_load_explicit(&z->failed, memory_order_relaxed);
    s->z_found = atomic_load_explicit(&z->found, memory_order_relaxed);
    s->z_corrupt = atomic_load_explicit(&z->corrupt, memory_order_relaxed);
    s->z_evicted = atomic_load_explicit(&z->evicted, memory_order_relaxed);
    s->z_bytes = atomic_load_explicit(&z->bytes, memory_order_relaxed);
}

bool status_serve(const struct status_source *src, const struct mh_config *cfg,
                  const struct conn *c, const struct path_out *p, const char *query,
                  struct reply *rp)
{
    if (!cfg->status_path[0] || p->len != strlen(cfg->status_path) ||
        memcmp(p->buf, cfg->status_path, p->len) != 0)
        return false;
    /* not there for others, as if it did not exist */
    const char *peer = conn_peer(c);
    if (!statusacl_allows(&cfg->status_allow, peer, strlen(peer))) {
        reply_status(rp, HTTP_STATUS_NOT_FOUND);
        return true;
    }
    bool prom = query && !strcmp(query, "format=prometheus");
    if (query && !prom && strcmp(query, "format=json") != 0) {
        reply_status(rp, HTTP_STATUS_BAD_REQUEST);
        return true;
    }
    struct metrics_snapshot snap;
    struct timespec now;
    metrics_sum(src->workers, src->n, &snap);
    clock_gettime(CLOCK_MONOTONIC, &now);
    snap.version = MH_VERSION;
    copy_compress(src->compress, &snap);
    snap.workers = src->n;
    snap.uptime_seconds = now.tv_sec > src->started.tv_sec
                              ? (uint64_t)(now.tv_sec - src->started.tv_sec)
                              : 0;
    char *text = malloc(MH_STATUS_PAGE_MAX);
    struct buf b;
    if (!text) {
        reply_status(rp, HTTP_STATUS_UNAVAILABLE);
        return true;
    }
    buf_init(&b, text, MH_STATUS_PAGE_MAX);
    if (!(prom ? statuspage_prometheus(&snap, &b) : statuspage_json(&snap, &b))) {
        log_msg(MH_LOG_ERROR, "the status page overflowed MH_STATUS_PAGE_MAX");
        free(text);
        reply_status(rp, HTTP_STATUS_INTERNAL);
        return true;
    }
    reply_header(rp, "Content-Type",
                 prom ? "text/plain; version=0.0.4; charset=utf-8"
                      : "application/json");
    reply_header(rp, "Cache-Control", "no-store");
    rp->status = HTTP_STATUS_OK;
    rp->kind = BODY_MEMORY;
    rp->mem = text;
    rp->len = b.len;
    rp->release = release_page;
    return true;
}
