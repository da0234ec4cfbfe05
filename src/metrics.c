/* metrics.c - the sum of the workers' counters for the status page.
 *
 * Owns: reading counters other threads write, safely (relaxed atomic
 * loads).  The figures of a busy server move while they are read: each is
 * right to within the requests of that moment, and connections active is
 * clamped at 0 (closed read first).  Pure: no I/O, no allocation, no lock. */
#include "metrics.h"

#include <string.h>

void metrics_init(struct metrics *m)
{
    atomic_init(&m->requests, 0);
    atomic_init(&m->bytes_sent, 0);
    atomic_init(&m->conns_opened, 0);
    atomic_init(&m->conns_closed, 0);
    atomic_init(&m->log_dropped, 0);
    atomic_init(&m->cache_hits, 0);
    atomic_init(&m->cache_misses, 0);
    atomic_init(&m->status_other, 0);
    for (unsigned i = 0; i < METRICS_STATUS_COUNT; i++)
        atomic_init(&m->by_status[i], 0);
}

static uint64_t get(const _Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

void metrics_sum(const struct metrics *w, unsigned n, struct metrics_snapshot *out)
{
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < n; i++) {
        const struct metrics *m = &w[i];
        uint64_t closed = get(&m->conns_closed);
        uint64_t opened = get(&m->conns_opened);
        out->conns_total += opened;
        out->conns_active += opened >= closed ? opened - closed : 0;
        out->requests += get(&m->requests);
        out->bytes_sent += get(&m->bytes_sent);
        out->log_dropped += get(&m->log_dropped);
        out->cache_hits += get(&m->cache_hits);
        out->cache_misses += get(&m->cache_misses);
        out->status_other += get(&m->status_other);
        for (unsigned s = 0; s < METRICS_STATUS_COUNT; s++)
            out->by_status[s] += get(&m->by_status[s]);
    }
}
