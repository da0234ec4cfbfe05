/* test_statuspage.c - statuspage.c and metrics.c: the JSON and Prometheus
 * forms of a snapshot (every figure, only the statuses seen, valid JSON
 * shape, # HELP/# TYPE before each metric), the worst case within
 * MH_STATUS_PAGE_MAX, overflow reported, and the sum of workers' counters. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "metrics.h"
#include "statuspage.h"

static void sample(struct metrics_snapshot *s)
{
    memset(s, 0, sizeof(*s));
    s->version = "1.2.3";
    s->uptime_seconds = 3600;
    s->workers = 4;
    s->conns_active = 7;
    s->conns_total = 1234;
    s->requests = 5000;
    s->by_status[200 - METRICS_STATUS_FIRST] = 4900;
    s->by_status[404 - METRICS_STATUS_FIRST] = 99;
    s->by_status[503 - METRICS_STATUS_FIRST] = 1;
    s->bytes_sent = 987654321;
    s->cache_hits = 4000;
    s->cache_misses = 900;
    s->log_dropped = 3;
}

static char page[MH_STATUS_PAGE_MAX];

static const char *render(bool prom, const struct metrics_snapshot *s)
{
    struct buf b;
    buf_init(&b, page, sizeof(page));
    assert_true(prom ? statuspage_prometheus(s, &b) : statuspage_json(s, &b));
    assert_int_equal(strlen(page), b.len);
    return page;
}

static void test_json(void **state)
{
    (void)state;
    struct metrics_snapshot s;
    sample(&s);
    assert_string_equal(
        render(false, &s),
        "{\"version\": \"1.2.3\", \"uptime_seconds\": 3600, \"workers\": 4, "
        "\"connections\": {\"active\": 7, \"total\": 1234}, \"requests\": {\"total\": "
        "5000, \"by_status\": {\"200\": 4900, \"404\": 99, \"503\": 1}}, "
        "\"bytes_sent\": 987654321, \"cache\": {\"open_file_hits\": 4000, "
        "\"open_file_misses\": 900}, \"access_log\": {\"dropped_lines\": 3}}\n");
}

/* With on-the-fly compression: the copy cache's figures, in both forms. */
static void test_compression_figures(void **state)
{
    (void)state;
    struct metrics_snapshot s;
    sample(&s);
    s.compress = true;
    s.z_made = 12;
    s.z_queued = 14;
    s.z_dropped = 1;
    s.z_useless = 2;
    s.z_failed = 0;
    s.z_found = 5;
    s.z_corrupt = 1;
    s.z_evicted = 3;
    s.z_bytes = 456789;
    assert_non_null(strstr(render(false, &s),
                           "\"compression\": {\"copies_made\": 12, \"queued\": 14, "
                           "\"dropped\": 1, \"not_smaller\": 2, \"failed\": 0, "
                           "\"found_at_start\": 5, \"corrupt_removed\": 1, "
                           "\"evicted\": 3, \"cache_bytes\": 456789}, \"access_log\""));
    const char *p = render(true, &s);
    assert_non_null(strstr(p, "# TYPE minihttpd_compression_copies_made_total counter\n"
                              "minihttpd_compression_copies_made_total 12\n"));
    assert_non_null(strstr(p, "# TYPE minihttpd_compression_cache_bytes gauge\n"
                              "minihttpd_compression_cache_bytes 456789\n"));
    s.compress = false; /* encodings = off: no figures */
    assert_null(strstr(render(false, &s), "compression"));
    assert_null(strstr(render(true, &s), "compression"));
}

static void test_json_nothing_yet_and_other(void **state)
{
    (void)state;
    struct metrics_snapshot s;
    memset(&s, 0, sizeof(s));
    s.version = "0\"x\\";
    assert_non_null(strstr(render(false, &s), "\"by_status\": {}}"));
    assert_non_null(strstr(page, "\"version\": \"0\\\"x\\\\\""));
    s.status_other = 2;
    s.by_status[0] = 1; /* 100 */
    assert_non_null(
        strstr(render(false, &s), "\"by_status\": {\"100\": 1, \"other\": 2}"));
}

static void test_prometheus(void **state)
{
    (void)state;
    struct metrics_snapshot s;
    sample(&s);
    const char *p = render(true, &s);
    static const char *const lines[] = {
        "minihttpd_info{version=\"1.2.3\"} 1\n",
        "minihttpd_uptime_seconds 3600\n",
        "minihttpd_workers 4\n",
        "# TYPE minihttpd_connections_active gauge\nminihttpd_connections_active 7\n",
        "# TYPE minihttpd_connections_total counter\nminihttpd_connections_total "
        "1234\n",
        "# TYPE minihttpd_requests_total counter\n"
        "minihttpd_requests_total{code=\"200\"} 4900\n"
        "minihttpd_requests_total{code=\"404\"} 99\n"
        "minihttpd_requests_total{code=\"503\"} 1\n# HELP",
        "# TYPE minihttpd_bytes_sent_total counter\nminihttpd_bytes_sent_total "
        "987654321\n",
        "minihttpd_open_file_cache_hits_total 4000\n",
        "minihttpd_open_file_cache_misses_total 900\n",
        "minihttpd_access_log_dropped_lines_total 3\n",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        if (!strstr(p, lines[i]))
            fail_msg("missing %s in:\n%s", lines[i], p);
    /* every sample line's metric has its HELP and TYPE before it */
    const char *line = p;
    while (*line) {
        const char *end = strchr(line, '\n');
        assert_non_null(end);
        if (line[0] != '#') {
            char name[128], help[160], type[160];
            size_t n = strcspn(line, "{ ");
            snprintf(name, sizeof(name), "%.*s", (int)n, line);
            snprintf(help, sizeof(help), "# HELP %s ", name);
            snprintf(type, sizeof(type), "# TYPE %s ", name);
            const char *h = strstr(p, help), *t = strstr(p, type);
            if (!h || !t || h > line || t > line)
                fail_msg("no HELP/TYPE before %s", name);
        }
        line = end + 1;
    }
    assert_int_equal(p[strlen(p) - 1], '\n');
}

/* Every status counted, every figure at its largest: still fits. */
static void test_worst_case_fits(void **state)
{
    (void)state;
    struct metrics_snapshot s;
    memset(&s, 0xff, sizeof(s));
    s.version = MH_VERSION;
    s.compress = true;
    s.workers = MH_WORKERS_MAX;
    render(false, &s);
    size_t json = strlen(page);
    render(true, &s);
    size_t prom = strlen(page);
    assert_true(json < MH_STATUS_PAGE_MAX && prom < MH_STATUS_PAGE_MAX);
}

/* A buffer one byte short fails, never a cut page passed as whole. */
static void test_overflow_reported(void **state)
{
    (void)state;
    struct metrics_snapshot s;
    sample(&s);
    for (int prom = 0; prom < 2; prom++) {
        size_t need = strlen(render(prom, &s));
        char *small = malloc(need + 1);
        struct buf b;
        buf_init(&b, small, need + 1);
        assert_true(prom ? statuspage_prometheus(&s, &b) : statuspage_json(&s, &b));
        buf_init(&b, small, need);
        assert_false(prom ? statuspage_prometheus(&s, &b) : statuspage_json(&s, &b));
        free(small);
    }
}

static void test_metrics_sum(void **state)
{
    (void)state;
    struct metrics *w = aligned_alloc(_Alignof(struct metrics), 3 * sizeof(*w));
    assert_non_null(w);
    for (int i = 0; i < 3; i++)
        metrics_init(&w[i]);
    metrics_response(&w[0], 200, 100);
    metrics_response(&w[1], 200, 50);
    metrics_response(&w[1], 404, 0);
    metrics_response(&w[2], 304, -1); /* no body: "-" in the log */
    metrics_response(&w[2], 99, 0);   /* outside 100..599 */
    metrics_response(&w[2], 600, 0);
    metrics_response(&w[2], 599, 0);
    metrics_add(&w[0].conns_opened, 5);
    metrics_add(&w[0].conns_closed, 2);
    metrics_add(&w[2].conns_opened, 1);
    metrics_add(&w[1].log_dropped, 4);
    struct metrics_snapshot s;
    metrics_sum(w, 3, &s);
    assert_int_equal(s.requests, 7);
    assert_int_equal(s.bytes_sent, 150);
    assert_int_equal(s.by_status[200 - METRICS_STATUS_FIRST], 2);
    assert_int_equal(s.by_status[404 - METRICS_STATUS_FIRST], 1);
    assert_int_equal(s.by_status[304 - METRICS_STATUS_FIRST], 1);
    assert_int_equal(s.by_status[599 - METRICS_STATUS_FIRST], 1);
    assert_int_equal(s.status_other, 2);
    assert_int_equal(s.conns_total, 6);
    assert_int_equal(s.conns_active, 4);
    assert_int_equal(s.log_dropped, 4);
    /* closed read ahead of opened never makes active negative */
    metrics_add(&w[2].conns_closed, 3);
    metrics_sum(w, 3, &s);
    assert_int_equal(s.conns_active, 3);
    assert_int_equal((uintptr_t)&w[1] % 64, 0); /* one cache line each */
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_compression_figures),
        cmocka_unit_test(test_json_nothing_yet_and_other),
        cmocka_unit_test(test_prometheus),
        cmocka_unit_test(test_worst_case_fits),
        cmocka_unit_test(test_overflow_reported),
        cmocka_unit_test(test_metrics_sum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
