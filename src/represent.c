/* represent.c - conditionals, ranges and encodings for one file.
 *
 * Owns: the choice between a file and its precompressed siblings, 304,
 * 206 and 416, and the headers that describe the representation sent.
 * Pure: what the file system says comes in as struct file_facts (tests
 * give made-up ones); parsing is precond.c's, range.c's and encoding.c's. */
#include "represent.h"

#include <string.h>

#include "buf.h"
#include "encoding.h"
#include "precond.h"
#include "range.h"
#include "status.h"

/* The ENC_I_* index of a coded representation's ENC_* bit. */
static unsigned char enc_index(unsigned enc)
{
    return enc == ENC_BR ? ENC_I_BR : enc == ENC_ZSTD ? ENC_I_ZSTD : ENC_I_GZIP;
}

/* The representation to send: of the coded ones the client accepts (q
 * above 0), the one it weights highest; on a tie the first in f (the
 * server's order); none accepted, identity weighted higher, or a Range
 * asked for: the file itself. */
static size_t choose(const struct request *rq, const struct file_facts *f)
{
    const char *ae = f->n_rep > 1 ? route_header(rq, "Accept-Encoding") : NULL;
    if (!ae || route_header(rq, "Range"))
        return 0;
    int q[ENC_INDEXES];
    unsigned char order[ENC_CODINGS];
    size_t n = 0;
    accept_encoding_q(ae, strlen(ae), q);
    for (size_t i = 1; i < f->n_rep && n < ENC_CODINGS; i++)
        order[n++] = enc_index(f->rep[i].enc);
    int c = encoding_choose(q, order, n);
    return c < 0 ? 0 : (size_t)c + 1;
}

/* The headers of the representation, on a 200, 206 and 304 alike. */
static void rep_headers(struct reply *rp, const struct file_facts *f,
                        const struct rep_facts *r)
{
    if (f->n_rep > 1 || f->vary)
        reply_header(rp, "Vary", "Accept-Encoding");
    if (r->coding)
        reply_header(rp, "Content-Encoding", r->coding);
    reply_header(rp, "ETag", r->etag);
    if (r->lastmod[0])
        reply_header(rp, "Last-Modified", r->lastmod);
    if (f->cache_control[0])
        reply_header(rp, "Cache-Control", f->cache_control);
    reply_header(rp, "Accept-Ranges", "bytes");
}

size_t represent(const struct request *rq, const struct file_facts *f, struct reply *rp)
{
    size_t i = choose(rq, f);
    const struct rep_facts *r = &f->rep[i];
    if (precond_evaluate(route_header(rq, "If-None-Match"),
                         route_header(rq, "If-Modified-Since"), r->etag,
                         r->mtime) == PRECOND_NOT_MODIFIED) {
        rep_headers(rp, f, r);
        reply_status(rp, HTTP_STATUS_NOT_MODIFIED);
        return i;
    }
    uint64_t first = 0, last = r->size ? r->size - 1 : 0;
    enum range_result rr = RANGE_FULL;
    const char *range = route_header(rq, "Range");
    if (range && rq->method != METHOD_HEAD &&
        precond_if_range(route_header(rq, "If-Range"), r->etag, r->mtime))
        rr = range_parse(range, strlen(range), r->size, &first, &last);
    char cr[64];
    struct buf b;
    buf_init(&b, cr, sizeof(cr));
    if (rr == RANGE_UNSATISFIABLE) { /* an error page, not the file */
        if (f->n_rep > 1 || f->vary)
            reply_header(rp, "Vary", "Accept-Encoding");
        reply_header(rp, "Accept-Ranges", "bytes");
        buf_puts(&b, "bytes */");
        buf_putu(&b, r->size, 1);
        reply_header(rp, "Content-Range", cr);
        reply_status(rp, HTTP_STATUS_RANGE);
        return i;
    }
    rep_headers(rp, f, r);
    rp->status = HTTP_STATUS_OK;
    rp->offset = 0;
    rp->len = r->size;
    if (rr == RANGE_PARTIAL) {
        buf_puts(&b, "bytes ");
        buf_putu(&b, first, 1);
        buf_putc(&b, '-');
        buf_putu(&b, last, 1);
        buf_putc(&b, '/');
        buf_putu(&b, r->size, 1);
        reply_header(rp, "Content-Range", cr);
        rp->status = HTTP_STATUS_PARTIAL;
        rp->offset = first;
        rp->len = last - first + 1;
    }
    return i;
}
