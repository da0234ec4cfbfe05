/* test_represent.c - represent.c: the reply to a request for one file,
 * given made-up file facts: 200, 206, 304, 416 and their headers, HEAD,
 * the choice between the file and its precompressed siblings, and
 * Cache-Control.  No file system: the facts are what a test says. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "encoding.h"
#include "represent.h"
#include "status.h"

#define LASTMOD "Sun, 06 Dec 2026 01:00:00 GMT"
#define MTIME   1796518800 /* LASTMOD */

static char mem[4096];

struct fixture {
    struct request rq;
    struct req_header h[8];
    struct file_facts f;
    struct reply rp;
};

/* A GET for a 1000-byte file (ETag "f"), with the given headers, and
 * `sidecars` of: "br" (ETag "b", 300 bytes), "gzip" (ETag "g", 400). */
static void setup_req(struct fixture *x, enum http_method m, const char *sidecars, ...)
{
    va_list ap;
    memset(x, 0, sizeof(*x));
    x->rq.method = m;
    x->rq.target = "/f";
    x->rq.major = x->rq.minor = 1;
    x->rq.headers = x->h;
    va_start(ap, sidecars);
    const char *name;
    while ((name = va_arg(ap, const char *)) != NULL)
        x->h[x->rq.n_headers++] = (struct req_header){name, va_arg(ap, const char *)};
    va_end(ap);
    x->f.rep[0] = (struct rep_facts){1000, MTIME, "\"f\"", LASTMOD, NULL, 0};
    x->f.n_rep = 1;
    x->f.cache_control = "";
    if (strstr(sidecars, "br"))
        x->f.rep[x->f.n_rep++] =
            (struct rep_facts){300, MTIME, "\"b\"", LASTMOD, "br", ENC_BR};
    if (strstr(sidecars, "gzip"))
        x->f.rep[x->f.n_rep++] =
            (struct rep_facts){400, MTIME, "\"g\"", LASTMOD, "gzip", ENC_GZIP};
    if (strstr(sidecars, "zstd"))
        x->f.rep[x->f.n_rep++] =
            (struct rep_facts){350, MTIME, "\"z\"", LASTMOD, "zstd", ENC_ZSTD};
    reply_init(&x->rp, mem, sizeof(mem));
}

/* The value of header name in the reply's head, or NULL. */
static const char *hdr(const struct reply *rp, const char *name)
{
    static char value[256];
    const char *p = rp->head.mem + RESPONSE_LINE_MAX, *end = p + rp->head.len;
    size_t n = strlen(name);
    while (p < end) {
        const char *eol = memchr(p, '\r', (size_t)(end - p));
        if (!eol)
            break;
        if ((size_t)(eol - p) > n + 2 && !strncmp(p, name, n) && p[n] == ':') {
            snprintf(value, sizeof(value), "%.*s", (int)(eol - p - n - 2), p + n + 2);
            return value;
        }
        p = eol + 2;
    }
    return NULL;
}

static void test_200_whole_file(void **state)
{
    struct fixture x;
    (void)state;
    setup_req(&x, METHOD_GET, "", NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 0);
    assert_int_equal(x.rp.status, HTTP_STATUS_OK);
    assert_int_equal(x.rp.offset, 0);
    assert_int_equal(x.rp.len, 1000);
    assert_string_equal(hdr(&x.rp, "ETag"), "\"f\"");
    assert_string_equal(hdr(&x.rp, "Last-Modified"), LASTMOD);
    assert_string_equal(hdr(&x.rp, "Accept-Ranges"), "bytes");
    assert_null(hdr(&x.rp, "Vary"));
    assert_null(hdr(&x.rp, "Cache-Control"));
    assert_null(hdr(&x.rp, "Content-Range"));
    /* HEAD: the same decision (the finisher leaves the body out) */
    setup_req(&x, METHOD_HEAD, "", "Range", "bytes=0-9", NULL);
    represent(&x.rq, &x.f, &x.rp);
    assert_int_equal(x.rp.status, HTTP_STATUS_OK);
    assert_int_equal(x.rp.len, 1000);
}

static void test_304(void **state)
{
    struct fixture x;
    (void)state;
    setup_req(&x, METHOD_GET, "", "If-None-Match", "\"f\"", NULL);
    represent(&x.rq, &x.f, &x.rp);
    assert_int_equal(x.rp.status, HTTP_STATUS_NOT_MODIFIED);
    assert_int_equal(x.rp.kind, BODY_NONE);
    assert_string_equal(hdr(&x.rp, "ETag"), "\"f\"");
    setup_req(&x, METHOD_GET, "", "If-Modified-Since", LASTMOD, NULL);
    represent(&x.rq, &x.f, &x.rp);
    assert_int_equal(x.rp.status, HTTP_STATUS_NOT_MODIFIED);
    /* If-None-Match wins over If-Modified-Since */
    setup_req(&x, METHOD_GET, "", "If-None-Match", "\"old\"", "If-Modified-Since",
              LASTMOD, NULL);
    represent(&x.rq, &x.f, &x.rp);
    assert_int_equal(x.rp.status, HTTP_STATUS_OK);
    /* the ETag of the representation chosen */
    setup_req(&x, METHOD_GET, "br", "Accept-Encoding", "br", "If-None-Match", "\"b\"",
              NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 1);
    assert_int_equal(x.rp.status, HTTP_STATUS_NOT_MODIFIED);
    assert_string_equal(hdr(&x.rp, "Content-Encoding"), "br");
    assert_string_equal(hdr(&x.rp, "Vary"), "Accept-Encoding");
}

static void test_206_and_416(void **state)
{
    struct fixture x;
    (void)state;
    setup_req(&x, METHOD_GET, "", "Range", "bytes=10-19", NULL);
    represent(&x.rq, &x.f, &x.rp);
    assert_int_equal(x.rp.status, HTTP_STATUS_PARTIAL);
    assert_int_equal(x.rp.offset, 10);
    assert_int_equal(x.rp.len, 10);
    assert_string_equal(hdr(&x.rp, "Content-Range"), "bytes 10-19/1000");
    setup_req(&x, METHOD_GET, "", "Range", "bytes=-1", NULL);
    represent(&x.rq, &x.f, &x.rp);
    assert_int_equal(x.rp.status, HTTP_STATUS_PARTIAL);
    assert_string_equal(hdr(&x.rp, "Content-Range"), "bytes 999-999/1000");
    setup_req(&x, METHOD_GET, "gzip", "Range", "bytes=1000-", NULL);
    represent(&x.rq, &x.f, &x.rp);
    assert_int_equal(x.rp.status, HTTP_STATUS_RANGE);
    assert_int_equal(x.rp.kind, BODY_NONE);
    assert_int_equal(x.rp.len, 0);
    assert_string_equal(hdr(&x.rp, "Content-Range"), "bytes */1000");
    assert_string_equal(hdr(&x.rp, "Vary"), "Accept-Encoding");
    assert_null(hdr(&x.rp, "ETag"));
    /* If-Range with another ETag: the whole file */
    setup_req(&x, METHOD_GET, "", "Range", "bytes=0-0", "If-Range", "\"other\"", NULL);
    represent(&x.rq, &x.f, &x.rp);
    assert_int_equal(x.rp.status, HTTP_STATUS_OK);
    setup_req(&x, METHOD_GET, "", "Range", "bytes=0-0", "If-Range", "\"f\"", NULL);
    represent(&x.rq, &x.f, &x.rp);
    assert_int_equal(x.rp.status, HTTP_STATUS_PARTIAL);
    /* a malformed Range is ignored */
    setup_req(&x, METHOD_GET, "", "Range", "lines=1-2", NULL);
    represent(&x.rq, &x.f, &x.rp);
    assert_int_equal(x.rp.status, HTTP_STATUS_OK);
}

static void test_siblings(void **state)
{
    struct fixture x;
    (void)state;
    setup_req(&x, METHOD_GET, "br gzip", "Accept-Encoding", "gzip, br", NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 1); /* br preferred */
    assert_int_equal(x.rp.len, 300);
    assert_string_equal(hdr(&x.rp, "Content-Encoding"), "br");
    assert_string_equal(hdr(&x.rp, "ETag"), "\"b\"");
    setup_req(&x, METHOD_GET, "br gzip", "Accept-Encoding", "gzip", NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 2);
    assert_string_equal(hdr(&x.rp, "Content-Encoding"), "gzip");
    setup_req(&x, METHOD_GET, "br gzip", "Accept-Encoding", "br;q=0, gzip;q=0", NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 0);
    assert_null(hdr(&x.rp, "Content-Encoding"));
    assert_string_equal(hdr(&x.rp, "Vary"), "Accept-Encoding"); /* it could vary */
    setup_req(&x, METHOD_GET, "gzip", NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 0);
    assert_string_equal(hdr(&x.rp, "Vary"), "Accept-Encoding");
    /* the client's weights decide; a tie goes to the server's order (br) */
    setup_req(&x, METHOD_GET, "br gzip", "Accept-Encoding", "gzip;q=1, br;q=0.5", NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 2);
    setup_req(&x, METHOD_GET, "br gzip", "Accept-Encoding", "gzip;q=0.8, br;q=0.8",
              NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 1);
    setup_req(&x, METHOD_GET, "br gzip", "Accept-Encoding", "*;q=0.5, gzip", NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 2);
    setup_req(&x, METHOD_GET, "br gzip", "Accept-Encoding", "*;q=0.5, gzip;q=0.1",
              NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 1); /* br through "*" */
    /* a lone FILE.gz: one representation, encoded, that varies */
    setup_req(&x, METHOD_GET, "", "Accept-Encoding", "gzip", NULL);
    x.f.vary = true;
    x.f.rep[0].coding = "gzip";
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 0);
    assert_string_equal(hdr(&x.rp, "Vary"), "Accept-Encoding");
    assert_string_equal(hdr(&x.rp, "Content-Encoding"), "gzip");
    /* a Range gets ranges of the file's own bytes, never of a coded form */
    setup_req(&x, METHOD_GET, "gzip", "Accept-Encoding", "gzip", "Range", "bytes=0-",
              NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 0);
    assert_string_equal(hdr(&x.rp, "Content-Range"), "bytes 0-999/1000");
    assert_null(hdr(&x.rp, "Content-Encoding"));
    assert_string_equal(hdr(&x.rp, "Vary"), "Accept-Encoding");
    /* the lone FILE.gz has no other bytes: its ranges are of the .gz */
    setup_req(&x, METHOD_GET, "", "Accept-Encoding", "gzip", "Range", "bytes=0-9",
              NULL);
    x.f.vary = true;
    x.f.rep[0].coding = "gzip";
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 0);
    assert_string_equal(hdr(&x.rp, "Content-Range"), "bytes 0-9/1000");
}

/* zstd, identity's own weight, and "*" */
static void test_zstd_and_identity(void **state)
{
    struct fixture x;
    (void)state;
    setup_req(&x, METHOD_GET, "br gzip zstd", "Accept-Encoding", "zstd, gzip;q=0.9",
              NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 3);
    assert_string_equal(hdr(&x.rp, "Content-Encoding"), "zstd");
    assert_int_equal(x.rp.len, 350);
    /* all equal: the server's order (the order of f->rep) */
    setup_req(&x, METHOD_GET, "br gzip zstd", "Accept-Encoding", "zstd, gzip, br",
              NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 1);
    /* identity weighted above every coding: the file itself */
    setup_req(&x, METHOD_GET, "br gzip zstd", "Accept-Encoding", "gzip;q=0.5, identity",
              NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 0);
    assert_null(hdr(&x.rp, "Content-Encoding"));
    /* identity;q=0 refuses only identity: the best coding is sent */
    setup_req(&x, METHOD_GET, "br gzip zstd", "Accept-Encoding",
              "identity;q=0, gzip;q=0.2", NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 2);
    /* "*" gives every coding not named its weight */
    setup_req(&x, METHOD_GET, "gzip zstd", "Accept-Encoding", "*", NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 1);
    /* ...but not one refused by name */
    setup_req(&x, METHOD_GET, "gzip zstd", "Accept-Encoding", "*, gzip;q=0", NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 2);
    /* nothing accepted: identity, even with identity;q=0 (no 406) */
    setup_req(&x, METHOD_GET, "gzip", "Accept-Encoding", "*;q=0", NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 0);
    assert_int_equal(x.rp.status, HTTP_STATUS_OK);
}

/* If-None-Match with the ETag of the representation chosen: 304; with
 * another form's ETag: that form is not what the client would get, 200. */
static void test_not_modified_per_form(void **state)
{
    struct fixture x;
    (void)state;
    setup_req(&x, METHOD_GET, "br gzip", "Accept-Encoding", "br", "If-None-Match",
              "\"b\"", NULL);
    represent(&x.rq, &x.f, &x.rp);
    assert_int_equal(x.rp.status, HTTP_STATUS_NOT_MODIFIED);
    assert_string_equal(hdr(&x.rp, "ETag"), "\"b\"");
    assert_string_equal(hdr(&x.rp, "Content-Encoding"), "br");
    setup_req(&x, METHOD_GET, "br gzip", "If-None-Match", "\"f\"", NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 0);
    assert_int_equal(x.rp.status, HTTP_STATUS_NOT_MODIFIED);
    setup_req(&x, METHOD_GET, "br gzip", "Accept-Encoding", "br", "If-None-Match",
              "\"f\"", NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 1);
    assert_int_equal(x.rp.status, HTTP_STATUS_OK);
    setup_req(&x, METHOD_GET, "br gzip", "If-None-Match", "\"g\"", NULL);
    assert_int_equal(represent(&x.rq, &x.f, &x.rp), 0);
    assert_int_equal(x.rp.status, HTTP_STATUS_OK);
}

static void test_cache_control_and_no_lastmod(void **state)
{
    struct fixture x;
    (void)state;
    setup_req(&x, METHOD_GET, "", NULL);
    x.f.cache_control = "max-age=60";
    x.f.rep[0].lastmod = "";
    represent(&x.rq, &x.f, &x.rp);
    assert_string_equal(hdr(&x.rp, "Cache-Control"), "max-age=60");
    assert_null(hdr(&x.rp, "Last-Modified"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_200_whole_file),
        cmocka_unit_test(test_304),
        cmocka_unit_test(test_206_and_416),
        cmocka_unit_test(test_siblings),
        cmocka_unit_test(test_cache_control_and_no_lastmod),
        cmocka_unit_test(test_zstd_and_identity),
        cmocka_unit_test(test_not_modified_per_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
