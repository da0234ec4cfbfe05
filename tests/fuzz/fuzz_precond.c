/* fuzz_precond.c - HTTP dates and conditional requests (precond.c).
 *
 * Input: the date text for httpdate_parse(); it is also cut at the first two
 * '\n' into If-None-Match, If-Modified-Since and If-Range values.  Checks:
 *  - httpdate_parse() never over-reads (exact-size copy); when it accepts a
 *    date of the years 1970..9999, httpdate_format() formats it and parsing
 *    that gives the same time back (any accepted earlier date too, when it
 *    can be formatted);
 *  - formatting the time made of the first 8 bytes, when it succeeds, gives
 *    29 characters that parse back to the same time;
 *  - precond_evaluate() and precond_if_range() never crash on the three
 *    values (or NULL), and keep the rules that cannot depend on the text:
 *    If-None-Match equal to the ETag or "*" is 304, If-Range equal to the
 *    ETag applies, no If-Range applies, an If-Modified-Since that parses to
 *    a time at or after Last-Modified is 304 without If-None-Match. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "precond.h"

#define YEAR_1970 0LL
#define END_9999  253402300799LL /* 9999-12-31 23:59:59 */

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    FUZZ_CHECK(d != NULL);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static void roundtrip(time_t t)
{
    char out[HTTPDATE_LEN];
    time_t back = 0;
    if (httpdate_format(t, out) != 0) {
        FUZZ_CHECK(t < YEAR_1970 || t > END_9999);
        return;
    }
    FUZZ_CHECK(strlen(out) == HTTPDATE_LEN - 1);
    char *exact = malloc(HTTPDATE_LEN - 1);
    FUZZ_CHECK(exact != NULL);
    memcpy(exact, out, HTTPDATE_LEN - 1);
    FUZZ_CHECK(httpdate_parse(exact, HTTPDATE_LEN - 1, &back) == 0);
    FUZZ_CHECK(back == t);
    free(exact);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    time_t t = 0;

    char *exact = calloc(1, size ? size : 1);
    FUZZ_CHECK(exact != NULL);
    if (size)
        memcpy(exact, s, size);
    if (httpdate_parse(exact, size, &t) == 0) {
        if (t >= YEAR_1970 && t <= END_9999) {
            char out[HTTPDATE_LEN];
            FUZZ_CHECK(httpdate_format(t, out) == 0);
        }
        roundtrip(t);
    }
    free(exact);

    if (size >= 8) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v |= (uint64_t)data[i] << (8 * i);
        /* keep gmtime_r in range: about +-2^40 s */
        roundtrip((time_t)((int64_t)v >> 23));
    }

    /* three header values, NULL when missing */
    const char *p[3] = {NULL, NULL, NULL};
    char *own[3] = {NULL, NULL, NULL};
    size_t at = 0;
    for (int i = 0; i < 3 && at <= size; i++) {
        const char *nl = memchr(s + at, '\n', size - at);
        size_t n = nl ? (size_t)(nl - (s + at)) : size - at;
        if (!memchr(s + at, '\0', n)) /* header values hold no NUL */
            p[i] = own[i] = dup_n(s + at, n);
        at += n + 1;
    }
    char etag[ETAG_LEN];
    etag_format(0x1234, 42, 784111777, 5, etag);
    time_t lm = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */
    if (p[1] && httpdate_parse(p[1], strlen(p[1]), &t) == 0 && t >= 0)
        lm = t; /* sometimes equal to the date given */

    enum precond_result r = precond_evaluate(p[0], p[1], etag, lm);
    FUZZ_CHECK(r == PRECOND_SEND || r == PRECOND_NOT_MODIFIED);
    if (!p[0] && p[1] && httpdate_parse(p[1], strlen(p[1]), &t) == 0 && lm <= t)
        FUZZ_CHECK(r == PRECOND_NOT_MODIFIED);
    int ir = precond_if_range(p[2], etag, lm);
    FUZZ_CHECK(ir == 0 || ir == 1);
    FUZZ_CHECK(precond_if_range(NULL, etag, lm) == 1);
    FUZZ_CHECK(precond_if_range(etag, etag, lm) == 1);
    FUZZ_CHECK(precond_evaluate(etag, p[1], etag, lm) == PRECOND_NOT_MODIFIED);
    FUZZ_CHECK(precond_evaluate("*", p[1], etag, lm) == PRECOND_NOT_MODIFIED);
    /* the values as ETags too */
    for (int i = 0; i < 3; i++)
        if (p[i] && p[i][0]) {
            (void)precond_evaluate(p[(i + 1) % 3], p[(i + 2) % 3], p[i], lm);
            (void)precond_if_range(p[(i + 1) % 3], p[i], lm);
        }
    for (int i = 0; i < 3; i++)
        free(own[i]);
    return 0;
}
