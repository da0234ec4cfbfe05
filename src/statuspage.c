/* statuspage.c - render the status page as JSON or as Prometheus text.
 *
 * Owns: the names and shapes of the figures the status page shows (what
 * monitoring relies on).  Pure: a snapshot in, bytes into a caller's buf;
 * no I/O, no allocation, no clock. */
#include "statuspage.h"

#include <string.h>

/* The version string as a JSON or Prometheus label value: it is
 * MH_VERSION (digits and dots) but escaped all the same. */
static bool put_quoted(struct buf *b, const char *s)
{
    bool ok = buf_putc(b, '"');
    for (; *s && ok; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            ok = buf_putc(b, '\\') && buf_putc(b, (char)c);
        else if (c < 0x20 || c >= 0x7f)
            ok = buf_putc(b, '?');
        else
            ok = buf_putc(b, (char)c);
    }
    return ok && buf_putc(b, '"');
}

static bool kv(struct buf *b, const char *key, uint64_t v, bool comma)
{
    return buf_putc(b, '"') && buf_puts(b, key) && buf_puts(b, "\": ") &&
           buf_putu(b, v, 0) && (!comma || buf_puts(b, ", "));
}

/* "compression": the copy cache's counters and size. */
static bool json_compress(const struct metrics_snapshot *s, struct buf *b)
{
    return buf_puts(b, "\"compression\": {") && kv(b, "copies_made", s->z_made, true) &&
           kv(b, "queued", s->z_queued, true) && kv(b, "dropped", s->z_dropped, true) &&
           kv(b, "not_smaller", s->z_useless, true) &&
           kv(b, "failed", s->z_failed, true) &&
           kv(b, "found_at_start", s->z_found, true) &&
           kv(b, "corrupt_removed", s->z_corrupt, true) &&
           kv(b, "evicted", s->z_evicted, true) &&
           kv(b, "cache_bytes", s->z_bytes, false) && buf_puts(b, "}, ");
}

bool statuspage_json(const struct metrics_snapshot *s, struct buf *b)
{
    bool ok = buf_puts(b, "{\"version\": ") && put_quoted(b, s->version) &&
              buf_puts(b, ", ") && kv(b, "uptime_seconds", s->uptime_seconds, true) &&
              kv(b, "workers", s->workers, true) && buf_puts(b, "\"connections\": {") &&
              kv(b, "active", s->conns_active, true) &&
              kv(b, "total", s->conns_total, false) &&
              buf_puts(b, "}, \"requests\": {") && kv(b, "total", s->requests, true) &&
              buf_puts(b, "\"by_status\": {");
    bool first = true;
    for (unsigned i = 0; ok && i < METRICS_STATUS_COUNT; i++) {
        if (!s->by_status[i])
            continue;
        ok = (first || buf_puts(b, ", ")) && buf_putc(b, '"') &&
             buf_putu(b, METRICS_STATUS_FIRST + i, 0) && buf_puts(b, "\": ") &&
             buf_putu(b, s->by_status[i], 0);
        first = false;
    }
    if (ok && s->status_other)
        ok = (first || buf_puts(b, ", ")) && kv(b, "other", s->status_other, false);
    return ok && buf_puts(b, "}}, ") && kv(b, "bytes_sent", s->bytes_sent, true) &&
           buf_puts(b, "\"cache\": {") &&
           kv(b, "open_file_hits", s->cache_hits, true) &&
           kv(b, "open_file_misses", s->cache_misses, false) && buf_puts(b, "}, ") &&
           (!s->compress || json_compress(s, b)) && buf_puts(b, "\"access_log\": {") &&
           kv(b, "dropped_lines", s->log_dropped, false) && buf_puts(b, "}}\n");
}

/* # HELP, # TYPE and the sample of one metric without labels. */
static bool metric(struct buf *b, const char *name, const char *type, const char *help,
                   uint64_t v)
{
    return buf_puts(b, "# HELP minihttpd_") && buf_puts(b, name) && buf_putc(b, ' ') &&
           buf_puts(b, help) && buf_puts(b, "\n# TYPE minihttpd_") &&
           buf_puts(b, name) && buf_putc(b, ' ') && buf_puts(b, type) &&
           buf_puts(b, "\nminihttpd_") && buf_puts(b, name) && buf_putc(b, ' ') &&
           buf_putu(b, v, 0) && buf_putc(b, '\n');
}

static bool prometheus_compress(const struct metrics_snapshot *s, struct buf *b)
{
    return metric(b, "compression_copies_made_total", "counter",
                  "Compressed copies made and kept.", s->z_made) &&
           metric(b, "compression_queued_total", "counter",
                  "File versions sent to the compression threads.", s->z_queued) &&
           metric(b, "compression_dropped_total", "counter",
                  "Copies not asked for: the compression queue was full.",
                  s->z_dropped) &&
           metric(b, "compression_not_smaller_total", "counter",
                  "Copies no smaller than their file: not kept.", s->z_useless) &&
           metric(b, "compression_failed_total", "counter",
                  "Copies that could not be made.", s->z_failed) &&
           metric(b, "compression_corrupt_removed_total", "counter",
                  "Damaged copies found and removed.", s->z_corrupt) &&
           metric(b, "compression_evicted_total", "counter",
                  "Copies removed to keep cache_dir within cache_size.",
                  s->z_evicted) &&
           metric(b, "compression_cache_bytes", "gauge",
                  "Bytes of the compressed copies held.", s->z_bytes);
}

bool statuspage_prometheus(const struct metrics_snapshot *s, struct buf *b)
{
    bool ok = buf_puts(b, "# HELP minihttpd_info The version of minihttpd.\n"
                          "# TYPE minihttpd_info gauge\nminihttpd_info{version=") &&
              put_quoted(b, s->version) && buf_puts(b, "} 1\n") &&
              metric(b, "uptime_seconds", "gauge", "Seconds since the server started.",
                     s->uptime_seconds) &&
              metric(b, "workers", "gauge", "Worker event loops.", s->workers) &&
              metric(b, "connections_active", "gauge", "Connections open now.",
                     s->conns_active) &&
              metric(b, "connections_total", "counter", "Connections accepted.",
                     s->conns_total) &&
              buf_puts(b, "# HELP minihttpd_requests_total Responses finished, by "
                          "status code.\n# TYPE minihttpd_requests_total counter\n");
    for (unsigned i = 0; ok && i < METRICS_STATUS_COUNT; i++)
        if (s->by_status[i])
            ok = buf_puts(b, "minihttpd_requests_total{code=\"") &&
                 buf_putu(b, METRICS_STATUS_FIRST + i, 0) && buf_puts(b, "\"} ") &&
                 buf_putu(b, s->by_status[i], 0) && buf_putc(b, '\n');
    if (ok && s->status_other)
        ok = buf_puts(b, "minihttpd_requests_total{code=\"other\"} ") &&
             buf_putu(b, s->status_other, 0) && buf_putc(b, '\n');
    return ok &&
           metric(b, "bytes_sent_total", "counter", "Response body bytes sent.",
                  s->bytes_sent) &&
           metric(b, "open_file_cache_hits_total", "counter",
                  "Requests served from the open-file cache.", s->cache_hits) &&
           metric(b, "open_file_cache_misses_total", "counter",
                  "Requests that opened the file.", s->cache_misses) &&
           metric(b, "access_log_dropped_lines_total", "counter",
                  "Access-log lines lost (the log could not be written).",
                  s->log_dropped) &&
           (!s->compress || prometheus_compress(s, b));
}
