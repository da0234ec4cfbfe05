/* statuspage.h - the status page's two forms, rendered from a snapshot. */
#ifndef MH_STATUSPAGE_H
#define MH_STATUSPAGE_H

#include "buf.h"
#include "metrics.h"

/* JSON: {"version", "uptime_seconds", "workers", "connections": {"active",
 * "total"}, "requests": {"total", "by_status": {"200": N, ...}},
 * "bytes_sent", "cache": {...}, "access_log": {"dropped_lines"}}; only the
 * statuses seen are listed.  False when b overflowed (MH_STATUS_PAGE_MAX
 * bytes always suffice). */
bool statuspage_json(const struct metrics_snapshot *s, struct buf *b);

/* The Prometheus text exposition format (version 0.0.4): minihttpd_*
 * metrics, each with # HELP and # TYPE. */
bool statuspage_prometheus(const struct metrics_snapshot *s, struct buf *b);

#endif
