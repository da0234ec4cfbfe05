/* metrics.h - what the status page shows: per-worker counters, counted
 * without a lock, and their sum. */
#ifndef MH_METRICS_H
#define MH_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* statuses 100..599 are counted one by one; others together */
#define METRICS_STATUS_FIRST 100
#define METRICS_STATUS_COUNT 500

/* One worker's counters.  Only that worker's thread writes them (a relaxed
 * load and store: no locked instruction, no lock); the status page reads
 * every worker's with relaxed loads.  Cache-line aligned so that two
 * workers never write the same line. */
struct metrics {
    _Alignas(64) _Atomic uint64_t requests;
    _Atomic uint64_t bytes_sent; /* body bytes, as the access log counts them */
    _Atomic uint64_t conns_opened, conns_closed;
    _Atomic uint64_t log_dropped; /* access-log lines lost (disk full...) */
    _Atomic uint64_t cache_hits, cache_misses; /* the open-file cache */
    _Atomic uint64_t status_other;
    _Atomic uint64_t by_status[METRICS_STATUS_COUNT];
};

/* A plain copy of the sum, for the renderers (statuspage.h). */
struct metrics_snapshot {
    const char *version;
    uint64_t uptime_seconds;
    unsigned workers;
    uint64_t conns_active, conns_total;
    uint64_t requests, bytes_sent, log_dropped, cache_hits, cache_misses;
    uint64_t status_other;
    uint64_t by_status[METRICS_STATUS_COUNT];
    /* the compressed copies (zcache.h's counters), when compressing */
    bool compress;
    uint64_t z_queued, z_dropped, z_made, z_useless, z_failed, z_found, z_corrupt,
        z_evicted, z_bytes;
};

/* Add n to a counter only the calling thread writes. */
static inline void metrics_add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* A response finished (its access-log line): status and body bytes sent. */
static inline void metrics_response(struct metrics *m, int status, int64_t bytes)
{
    metrics_add(&m->requests, 1);
    if (bytes > 0)
        metrics_add(&m->bytes_sent, (uint64_t)bytes);
    if (status >= METRICS_STATUS_FIRST &&
        status < METRICS_STATUS_FIRST + METRICS_STATUS_COUNT)
        metrics_add(&m->by_status[status - METRICS_STATUS_FIRST], 1);
    else
        metrics_add(&m->status_other, 1);
}

void metrics_init(struct metrics *m);

/* Sum n workers' counters into out (its version, uptime and workers are
 * the caller's to fill). */
void metrics_sum(const struct metrics *w, unsigned n, struct metrics_snapshot *out);

#endif
