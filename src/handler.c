/* handler.c - the request path, top to bottom.
 *
 *   limits -> method -> target -> path.c -> fcache.c (docroot.c) ->
 *   directory (301, index, listing, 403) or file -> mime.c -> validators,
 *   304, range -> headers -> body -> log
 *
 * Owns: the order of those steps and the headers of every response.  It
 * parses no bytes itself (path.c, precond.c, range.c, encoding.c and clf.c
 * do) and reaches the file system only through fcache.c and docroot.c.
 * Every response, error or not, goes through send_head() (the status line
 * and headers, formatted by response.c) and complete(), which writes the
 * access-log line and hands the request back to evhttp.  Bodies are added to the
 * connection's own output buffer: small files from the cache's memory, large ones as
 * file segments that libevent sends with sendfile(), never read into memory. */
#define _GNU_SOURCE
#include "handler.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>

#include "autoindex.h"
#include "conn.h"
#include "bounds.h"
#include "buf.h"
#include "docroot.h"
#include "encoding.h"
#include "fcache.h"
#include "headers.h"
#include "log.h"
#include "path.h"
#include "range.h"
#include "response.h"
#include "status.h"

/* The worst head (see MH_RESPONSE_HEAD_MAX): a 301 with its Location, the
 * common headers with every [headers] line, and the server's own few. */
_Static_assert(RESPONSE_LINE_MAX + sizeof("Location: \r\n") + MH_REQUEST_LINE_MAX + 2 +
                       MH_EXTRA_HEADERS_MAX *
                           (MH_CONFIG_NAME_MAX + MH_HEADER_VALUE_MAX + 4) +
                       2 * (MH_HEADER_VALUE_MAX + MH_MIME_TYPE_MAX) + 1024 <=
                   MH_RESPONSE_HEAD_MAX,
               "MH_RESPONSE_HEAD_MAX is too small for the largest head");

static bool is_head(struct evhttp_request *req)
{
    return evhttp_request_get_command(req) == EVHTTP_REQ_HEAD;
}

/* The response's own headers (Content-Type, ETag, Location...) go to
 * h->head as the request path decides them; the rest is added on sending. */
static void add_header(struct handler_ctx *h, const char *name, const char *value)
{
    if (!response_header(&h->head, name, value))
        log_msg(MH_LOG_ERROR, "response header %s refused (%zu bytes)", name,
                strlen(value));
}

/* Whether evhttp closes the connection after this response: its own rule
 * (evhttp_send_done), so that the Connection header tells the truth.  A
 * request in absolute form for a host evhttp does not serve is a "proxy
 * request", which evhttp always closes. */
static bool request_closes(struct evhttp_request *req)
{
    if (req->flags & EVHTTP_PROXY_REQUEST)
        return true;
    const char *c =
        evhttp_find_header(evhttp_request_get_input_headers(req), "Connection");
    if (c && !strcasecmp(c, "close"))
        return true;
    bool http10 = req->major < 1 || (req->major == 1 && req->minor < 1);
    return http10 && !(c && !strncasecmp(c, "keep-alive", 10));
}

/* The common headers, formatted once a second (and after a reload).  They
 * cannot overflow (config.c bounds every [headers] line): a bug if so. */
static void build_common(struct handler_ctx *h)
{
    response_reset(&h->common);
    if (!headers_common(&h->common, h->cfg, h->date))
        log_msg(MH_LOG_ERROR, "common response headers over %d bytes",
                MH_RESPONSE_HEAD_MAX);
}

/* Queue the status line and headers on the connection: h->head, then
 * Content-Length (unless len is NULL: a 304), the common headers and
 * Connection.  False when the head could not be formed (a bug: bounds.h
 * sizes it for the worst case); a bare 500 went instead, *status says so,
 * and no body may follow. */
static bool send_head(struct handler_ctx *h, struct evhttp_request *req,
                      struct evbuffer *out, int *status, const uint64_t *len)
{
    struct response *r = &h->head;
    if (len)
        response_header_u(r, "Content-Length", *len);
    response_lines(r, h->common.mem + RESPONSE_LINE_MAX, h->common.len);
    if (h->close || h->stopping || request_closes(req))
        response_header(r, "Connection", "close");
    else if (req->major == 1 && req->minor == 0)
        response_header(r, "Connection", "keep-alive");
    size_t n;
    const char *head = response_finish(r, *status, status_reason(*status), &n);
    if (head) {
        evbuffer_add(out, head, n);
        return true;
    }
    static const char bare500[] = "HTTP/1.1 500 Internal Server Error\r\n"
                                  "Content-Length: 0\r\nConnection: close\r\n\r\n";
    log_msg(MH_LOG_ERROR, "the head of a %d response does not fit in %d bytes", *status,
            MH_RESPONSE_HEAD_MAX);
    evbuffer_add(out, bare500, sizeof(bare500) - 1);
    *status = HTTP_STATUS_INTERNAL;
    h->close = true;
    return false;
}

/* The output buffer of the request's connection. */
static struct evbuffer *output_of(struct evhttp_request *req)
{
    return bufferevent_get_output(
        evhttp_connection_get_bufferevent(evhttp_request_get_connection(req)));
}

/* The response is queued: write it, have it logged, then hand the request
 * back to evhttp.  The head and body are written to the socket here, at
 * once, as libevent would write them on its next turn of the loop; when the
 * socket takes it all (a small response nearly always), evhttp finishes the
 * request now, without waiting for a write event.  Otherwise libevent
 * writes the rest when the socket is writable, with evhttp's usual
 * callbacks, and conn.c logs the request once it is sent (or cut short).
 * req and its connection may be freed on return. */
static void complete(struct handler_ctx *h, struct evhttp_request *req, int status,
                     int64_t bytes)
{
    struct bufferevent *bev =
        evhttp_connection_get_bufferevent(evhttp_request_get_connection(req));
    struct evbuffer *out = bufferevent_get_output(bev);
    if (h->close || h->stopping) { /* evhttp closes after a reply saying so... */
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection",
                          "close");
        if (evhttp_request_get_command(req) == EVHTTP_REQ_CONNECT)
            req->type = EVHTTP_REQ_GET; /* ...except to CONNECT (libevent.md) */
    }
    /* The output's start is frozen except while libevent writes it
     * (bufferevent_sock.c); thaw it the same way for this write. */
    evbuffer_unfreeze(out, 1);
    for (int i = 0; i < MH_WRITE_THROUGH_CALLS && evbuffer_get_length(out) > 0; i++)
        if (evbuffer_write_atmost(out, bufferevent_getfd(bev), MH_WRITE_THROUGH_MAX) <=
            0)
            break; /* EAGAIN, or an error libevent will see and report */
    evbuffer_freeze(out, 1);
    if (evbuffer_get_length(out) > 0) {
        /* as evhttp does while it writes a reply: no reading meanwhile */
        bufferevent_data_cb readcb, writecb;
        bufferevent_event_cb eventcb;
        void *arg;
        bufferevent_getcb(bev, &readcb, &writecb, &eventcb, &arg);
        bufferevent_setcb(bev, NULL, writecb, eventcb, arg);
        bufferevent_enable(bev, EV_WRITE);
    }
    conn_response_queued(h->conn, req, status, bytes);
    /* evhttp marks a request with a chunked body "chunked" and would end
     * our Content-Length response with a chunk terminator (libevent.md) */
    req->chunked = 0;
    evhttp_send_reply_end(req);
}

/* Send a body held in memory (error pages, listings).  `release` frees it
 * once sent; NULL for static text. */
static void send_memory(struct handler_ctx *h, struct evhttp_request *req, int status,
                        const char *type, const char *body, size_t len,
                        void (*release)(const void *, size_t, void *))
{
    add_header(h, "Content-Type", type);
    struct evbuffer *out = output_of(req);
    uint64_t clen = len;
    bool with_body = send_head(h, req, out, &status, &clen) && !is_head(req) && len > 0;
    if (with_body)
        evbuffer_add_reference(out, body, len, release, NULL);
    else if (release)
        release(body, len, NULL);
    complete(h, req, status, with_body ? (int64_t)len : 0);
}

/* A cached file's body, shared by the cache and every response sending it:
 * a small file's bytes in memory (the whole response then goes out in one
 * writev()), or a libevent file segment that is sent with sendfile().  It
 * owns the file's fd; the last reference closes it. */
struct body {
    unsigned refs;
    int fd;
    struct evbuffer_file_segment *seg; /* NULL: the bytes are in data */
    size_t len;
    char data[];
};

static void body_unref(struct body *b)
{
    if (--b->refs)
        return;
    if (b->seg)
        evbuffer_file_segment_free(b->seg); /* closes fd */
    else
        close(b->fd);
    free(b);
}

/* evbuffer_add_reference's cleanup: a response is done with a memory body. */
static void body_sent(const void *data, size_t len, void *arg)
{
    (void)data;
    (void)len;
    body_unref(arg);
}

/* Read all of a small file; 0 when it is as long as fstat said. */
static int read_whole(int fd, char *p, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, p + got, len - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

/* Did the file change since st was taken (while it was being read)? */
static bool changed_since(int fd, const struct stat *st)
{
    struct stat now;
    return fstat(fd, &now) != 0 || now.st_size != st->st_size ||
           now.st_mtim.tv_sec != st->st_mtim.tv_sec ||
           now.st_mtim.tv_nsec != st->st_mtim.tv_nsec ||
           now.st_ctim.tv_sec != st->st_ctim.tv_sec ||
           now.st_ctim.tv_nsec != st->st_ctim.tv_nsec;
}

/* fcache's wrap and unwrap.  A small file is copied into memory, and is a
 * snapshot when nothing changed it while it was read: its bytes then always
 * go out with the validators of the same version. */
static void *wrap_file(int fd, const struct stat *st, int *snapshot)
{
    uint64_t size = (uint64_t)st->st_size;
    *snapshot = 0;
    if (size == 0)
        return NULL;
    size_t mem = size <= MH_SMALL_FILE_MAX ? (size_t)size : 0;
    struct body *b = malloc(sizeof(*b) + mem);
    if (!b)
        return NULL;
    b->refs = 1;
    b->fd = fd;
    b->len = (size_t)size;
    b->seg = NULL;
    if (mem && read_whole(fd, b->data, mem) == 0 && !changed_since(fd, st)) {
        *snapshot = 1;
        return b;
    }
    /* large, or it changed while read: sendfile() from the file */
    b->seg = evbuffer_file_segment_new(fd, 0, (ev_off_t)size, EVBUF_FS_CLOSE_ON_FREE);
    if (!b->seg) {
        free(b);
        return NULL;
    }
    return b;
}

static void unwrap_file(void *body)
{
    body_unref(body);
}

/* Queue [offset, offset + len) of a body on a connection's output. */
static int add_body(struct evbuffer *out, struct body *b, uint64_t offset, uint64_t len)
{
    if (b->seg)
        return evbuffer_add_file_segment(out, b->seg, (ev_off_t)offset, (ev_off_t)len);
    b->refs++;
    if (evbuffer_add_reference(out, b->data + offset, (size_t)len, body_sent, b) != 0) {
        b->refs--;
        return -1;
    }
    return 0;
}

/* Send [offset, offset + len) of a cached file as the body, after the
 * headers the caller added.  The body goes to the connection's own output
 * buffer: a small file's bytes by reference, a large one as a file segment
 * that libevent sends with sendfile().  The buffer takes its own reference,
 * so the cache may drop the file meanwhile. */
static void send_rep(struct handler_ctx *h, struct evhttp_request *req, int status,
                     const struct fcache_rep *rep, uint64_t offset, uint64_t len,
                     const char *name)
{
    struct evbuffer *out = output_of(req);
    if (!send_head(h, req, out, &status, &len) || is_head(req) || len == 0) {
        complete(h, req, status, 0);
        return;
    }
    int added = rep->body ? add_body(out, rep->body, offset, len) : -1;
    if (added != 0) { /* the head is out: the client sees a short body */
        log_msg(MH_LOG_ERROR, "cannot send %s: %s", name,
                rep->body ? strerror(errno) : "no file segment");
        h->close = true;
    }
    complete(h, req, status, added == 0 ? (int64_t)len : 0);
}

/* The cached Content-Type of a file, worked out on first use. */
static const char *file_type(struct handler_ctx *h, struct fcache_file *f,
                             const char *name, size_t len)
{
    if (!f->type[0]) {
        const char *t = mime_type(h->mime, h->cfg, name, len, f->file.fd, &f->file.st);
        struct buf b;
        buf_init(&b, f->type, sizeof(f->type));
        if (!buf_puts(&b, t))
            buf_puts(&b, "application/octet-stream");
    }
    return f->type;
}

static void send_builtin(struct handler_ctx *h, struct evhttp_request *req, int status)
{
    size_t len = 0;
    const char *page = status_page(status, &len);
    if (!page) { /* a status with no page of its own is a bug: say so */
        log_msg(MH_LOG_ERROR, "no page for status %d", status);
        status = HTTP_STATUS_INTERNAL;
        page = status_page(status, &len);
    }
    send_memory(h, req, status, "text/html; charset=utf-8", page, len, NULL);
}

/* An error: the [errors] page for it when there is one, else the built-in
 * page.  Headers the caller added (Allow, Content-Range) are kept. */
static void send_status(struct handler_ctx *h, struct evhttp_request *req, int status)
{
    const char *page = config_error_page(h->cfg, status);
    if (page) {
        struct fcache_file *f = fcache_get(h->files, h->rootfd, page + 1, h->now);
        if (f->status == HTTP_STATUS_OK && S_ISREG(f->file.st.st_mode)) {
            add_header(h, "Content-Type", file_type(h, f, page, strlen(page)));
            send_rep(h, req, status, &f->file, 0, (uint64_t)f->file.st.st_size, page);
            return;
        }
        log_msg(MH_LOG_ERROR,
                "error page %s for %d cannot be served (%d); sending the "
                "built-in page",
                page, status,
                f->status == HTTP_STATUS_OK ? HTTP_STATUS_FORBIDDEN : f->status);
    }
    send_builtin(h, req, status);
}

/* 301 to the same path with a '/' added, query kept.  Location is built
 * from the normalised path, percent-encoded again (so it never starts with
 * "//", which a browser would take for another host), and the query keeps
 * only the bytes a query may hold (the rest percent-encoded). */
static void redirect_slash(struct handler_ctx *h, struct evhttp_request *req,
                           const struct path_out *p, const char *query)
{
    char loc[3 * MH_REQUEST_LINE_MAX + 2];
    struct buf b;
    buf_init(&b, loc, sizeof(loc));
    buf_put_urlenc(&b, p->buf, p->len);
    buf_putc(&b, '/');
    if (query) {
        buf_putc(&b, '?');
        path_put_query(&b, query, strlen(query));
    }
    if (b.overflow) {
        send_status(h, req, HTTP_STATUS_URI_TOO_LONG);
        return;
    }
    add_header(h, "Location", loc);
    send_status(h, req, HTTP_STATUS_MOVED);
}

/* Which representation to send: FILE.br, FILE.gz (when the client accepts
 * it and the cache found a fresh one) or FILE; *coding is set for a
 * sidecar. */
static const struct fcache_rep *
choose_rep(struct evhttp_request *req, const struct fcache_file *f, const char **coding)
{
    static const struct {
        int index;
        unsigned bit;
        const char *coding;
    } order[] = {{FCACHE_BR, ENC_BR, "br"}, {FCACHE_GZ, ENC_GZIP, "gzip"}};
    *coding = NULL;
    if (!f->has_sidecar[FCACHE_BR] && !f->has_sidecar[FCACHE_GZ])
        return &f->file;
    const char *ae =
        evhttp_find_header(evhttp_request_get_input_headers(req), "Accept-Encoding");
    unsigned accepted = ae ? accept_encoding_parse(ae, strlen(ae)) : 0;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (f->has_sidecar[order[i].index] && (accepted & order[i].bit)) {
            *coding = order[i].coding;
            return &f->sidecar[order[i].index];
        }
    return &f->file;
}

/* The headers that describe the representation chosen, on a 200, 206 and
 * 304 alike: Vary when the file has sidecars, its coding, its validators. */
static void add_rep_headers(struct handler_ctx *h, const struct fcache_rep *rep,
                            bool vary, const char *coding)
{
    if (vary)
        add_header(h, "Vary", "Accept-Encoding");
    if (coding)
        add_header(h, "Content-Encoding", coding);
    add_header(h, "ETag", rep->etag);
    if (rep->lastmod[0])
        add_header(h, "Last-Modified", rep->lastmod);
    if (h->cfg->cache_control[0])
        add_header(h, "Cache-Control", h->cfg->cache_control);
    add_header(h, "Accept-Ranges", "bytes");
}

/* Serve a regular file from the cache.  The representation actually sent
 * (the file or its .br/.gz) is what validators and ranges apply to. */
static void serve_file(struct handler_ctx *h, struct evhttp_request *req,
                       struct fcache_file *f, const char *name, size_t name_len)
{
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    const char *coding;
    const struct fcache_rep *rep = choose_rep(req, f, &coding);
    bool vary = f->has_sidecar[FCACHE_BR] || f->has_sidecar[FCACHE_GZ];

    if (precond_evaluate(evhttp_find_header(in, "If-None-Match"),
                         evhttp_find_header(in, "If-Modified-Since"), rep->etag,
                         rep->st.st_mtime) == PRECOND_NOT_MODIFIED) {
        add_rep_headers(h, rep, vary, coding);
        int status = HTTP_STATUS_NOT_MODIFIED;
        send_head(h, req, output_of(req), &status, NULL);
        complete(h, req, status, 0);
        return;
    }

    uint64_t size = (uint64_t)rep->st.st_size, first = 0, last = size ? size - 1 : 0;
    int status = HTTP_STATUS_OK;
    char cr[64];
    struct buf b;
    buf_init(&b, cr, sizeof(cr));
    const char *range = evhttp_find_header(in, "Range");
    if (range && !is_head(req) &&
        precond_if_range(evhttp_find_header(in, "If-Range"), rep->etag,
                         rep->st.st_mtime)) {
        switch (range_parse(range, strlen(range), size, &first, &last)) {
        case RANGE_UNSATISFIABLE: /* an error page, not the file */
            if (vary)
                add_header(h, "Vary", "Accept-Encoding");
            add_header(h, "Accept-Ranges", "bytes");
            buf_puts(&b, "bytes */");
            buf_putu(&b, size, 1);
            add_header(h, "Content-Range", cr);
            send_status(h, req, HTTP_STATUS_RANGE);
            return;
        case RANGE_PARTIAL:
            status = HTTP_STATUS_PARTIAL;
            buf_puts(&b, "bytes ");
            buf_putu(&b, first, 1);
            buf_putc(&b, '-');
            buf_putu(&b, last, 1);
            buf_putc(&b, '/');
            buf_putu(&b, size, 1);
            break;
        case RANGE_FULL:
            break;
        }
    }
    add_header(h, "Content-Type", file_type(h, f, name, name_len));
    add_rep_headers(h, rep, vary, coding);
    if (status == HTTP_STATUS_PARTIAL)
        add_header(h, "Content-Range", cr);
    send_rep(h, req, status, rep, first, size ? last - first + 1 : 0, name);
}

static void release_listing(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)data);
}

static void serve_listing(struct handler_ctx *h, struct evhttp_request *req,
                          const char *rel, const char *path)
{
    struct dirlist l;
    int dirfd;
    struct stat dst;
    enum http_status st = docroot_open(h->rootfd, rel, &dirfd, &dst);
    if (st == HTTP_STATUS_OK) {
        st = S_ISDIR(dst.st_mode) ? docroot_list(dirfd, h->cfg->hide_dotfiles, &l)
                                  : HTTP_STATUS_NOT_FOUND;
        close(dirfd);
    }
    if (st != HTTP_STATUS_OK) {
        if (st == HTTP_STATUS_INTERNAL)
            log_msg(MH_LOG_ERROR, "cannot list %s: more than %d entries", path,
                    MH_AUTOINDEX_ENTRIES_MAX);
        send_status(h, req, st);
        return;
    }
    size_t cap = autoindex_bound(l.entries, l.n, strlen(path));
    char *html = malloc(cap);
    struct buf b;
    if (!html) {
        docroot_list_free(&l);
        send_status(h, req, HTTP_STATUS_UNAVAILABLE);
        return;
    }
    buf_init(&b, html, cap);
    int r = autoindex_render(path, l.entries, l.n, &b);
    docroot_list_free(&l);
    if (r != 0) { /* autoindex_bound is wrong: a bug, never a cut page */
        log_msg(MH_LOG_ERROR, "listing of %s overflowed its bound", path);
        free(html);
        send_status(h, req, HTTP_STATUS_INTERNAL);
        return;
    }
    send_memory(h, req, HTTP_STATUS_OK, "text/html; charset=utf-8", html, b.len,
                release_listing);
}

/* A directory named with a trailing '/': index file, listing, or 403. */
static void serve_directory(struct handler_ctx *h, struct evhttp_request *req,
                            const struct path_out *p)
{
    char rel[MH_URL_PATH_MAX + MH_INDEX_NAME_MAX + 2];
    for (unsigned i = 0; i < h->cfg->n_index; i++) {
        struct buf b;
        buf_init(&b, rel, sizeof(rel));
        buf_append(&b, p->buf, p->len);
        if (p->len > 1)
            buf_putc(&b, '/');
        buf_puts(&b, h->cfg->index[i]);
        struct fcache_file *f = fcache_get(h->files, h->rootfd, rel + 1, h->now);
        if (f->status == HTTP_STATUS_NOT_FOUND ||
            (f->status == HTTP_STATUS_OK && S_ISDIR(f->file.st.st_mode)))
            continue;
        if (f->status != HTTP_STATUS_OK)
            send_status(h, req, f->status);
        else
            serve_file(h, req, f, rel, b.len);
        return;
    }
    if (h->cfg->autoindex) {
        char dir[MH_URL_PATH_MAX + 1];
        struct buf b;
        buf_init(&b, dir, sizeof(dir));
        buf_append(&b, p->buf, p->len);
        if (p->len > 1)
            buf_putc(&b, '/');
        serve_listing(h, req, path_relative(p), dir);
    } else {
        send_status(h, req, HTTP_STATUS_FORBIDDEN);
    }
}

/* Split the request target into its path and query.  Origin form "/p?q" and
 * absolute form "http://host/p?q" are accepted; anything else is NULL. */
static const char *split_target(const char *target, size_t *path_len,
                                const char **query)
{
    const char *p = target;
    if (!strncasecmp(p, "http://", 7) || !strncasecmp(p, "https://", 8)) {
        p = strstr(p, "://") + 3;
        p += strcspn(p, "/?");
        if (*p != '/')
            return NULL;
    }
    if (*p != '/')
        return NULL;
    const char *q = strchr(p, '?');
    *path_len = q ? (size_t)(q - p) : strlen(p);
    *query = q ? q + 1 : NULL;
    return p;
}

/* The limits of bounds.h, checked on what evhttp has read: 0 when within,
 * else the status to answer. */
static int over_limit(struct evhttp_request *req)
{
    size_t line = strlen(conn_method_name(evhttp_request_get_command(req))) + 1 +
                  strlen(evhttp_request_get_uri(req)) + sizeof(" HTTP/1.1") - 1;
    if (line > MH_REQUEST_LINE_MAX)
        return HTTP_STATUS_URI_TOO_LONG;
    size_t headers = 0;
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, evhttp_request_get_input_headers(req), next)
    headers += strlen(kv->key) + 2 + strlen(kv->value) + 2;
    if (headers > MH_HEADERS_MAX)
        return HTTP_STATUS_HEADERS_TOO_LARGE;
    if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) > MH_REQUEST_BODY_MAX)
        return HTTP_STATUS_TOO_LARGE;
    return 0;
}

/* The framing rule (minihttpd(8), "Request framing"): where a request ends
 * must be beyond doubt, for this server and for any proxy in front of it,
 * or the bytes after it could be taken for a request (request smuggling).
 * A static server takes no request body it does not need, so refused, with
 * 400 and the connection closed: any Transfer-Encoding; a Content-Length
 * other than 0 on HEAD, TRACE or OPTIONS (libevent reads no body for HEAD
 * and TRACE); several or malformed Content-Length headers; a NUL anywhere
 * in the request (libevent cuts a header value at it), a CR in a header
 * value; white space in a header name ("Name : value"); several Host
 * headers or a list in one; no Host in HTTP/1.1. */
static bool bad_framing(struct evhttp_request *req, bool had_nul)
{
    unsigned hosts = 0, lengths = 0;
    bool body = false;
    struct evkeyval *kv;
    if (had_nul)
        return true;
    TAILQ_FOREACH(kv, evhttp_request_get_input_headers(req), next)
    {
        if (!kv->key[0] || strpbrk(kv->key, " \t") || strpbrk(kv->value, "\r\n") ||
            !strcasecmp(kv->key, "Transfer-Encoding"))
            return true;
        if (!strcasecmp(kv->key, "Host") && (hosts++ || strchr(kv->value, ',')))
            return true;
        if (!strcasecmp(kv->key, "Content-Length")) {
            size_t digits = strspn(kv->value, "0123456789");
            if (lengths++ || !kv->value[0] || digits != strlen(kv->value))
                return true;
            body = strspn(kv->value, "0") != digits;
        }
    }
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    if (body && (cmd == EVHTTP_REQ_HEAD || cmd == EVHTTP_REQ_TRACE ||
                 cmd == EVHTTP_REQ_OPTIONS))
        return true;
    return req->major == 1 && req->minor >= 1 && hosts == 0;
}

static void handle(struct handler_ctx *h, struct evhttp_request *req);

void handler_request(struct evhttp_request *req, struct conn *c, void *arg)
{
    struct handler_ctx *h = arg;
    h->conn = c;
    handle(h, req);
    h->conn = NULL;
}

static void handle(struct handler_ctx *h, struct evhttp_request *req)
{
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    h->now = time(NULL);
    if (h->now != h->date_sec && httpdate_format(h->now, h->date) == 0)
        h->date_sec = h->now; /* the Date header, formatted once a second */
    if (h->now != h->common_sec) {
        build_common(h);
        h->common_sec = h->now;
    }
    response_reset(&h->head);
    h->close = false;
    if (bad_framing(req, conn_request_had_nul(h->conn))) { /* what follows on the
                                                            connection cannot be
                                                            trusted */
        h->close = true;
        send_status(h, req, HTTP_STATUS_BAD_REQUEST);
        return;
    }
    int limit = over_limit(req);
    if (limit) {
        if (limit == HTTP_STATUS_TOO_LARGE) /* the body is not read: close */
            h->close = true;
        send_status(h, req, limit);
        return;
    }
    if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
        add_header(h, "Allow", "GET, HEAD");
        send_status(h, req, HTTP_STATUS_METHOD_NOT_ALLOWED);
        return;
    }

    size_t raw_len;
    const char *query;
    const char *raw = split_target(evhttp_request_get_uri(req), &raw_len, &query);
    char pathbuf[MH_URL_PATH_MAX];
    struct path_out p = {.buf = pathbuf, .cap = sizeof(pathbuf)};
    if (!raw || path_resolve(raw, raw_len, &p) != PATH_OK) {
        send_status(h, req, HTTP_STATUS_BAD_REQUEST);
        return;
    }
    if (h->cfg->hide_dotfiles && path_is_hidden(p.buf, p.len)) { /* .git, .env */
        send_status(h, req, HTTP_STATUS_NOT_FOUND);
        return;
    }

    struct fcache_file *f = fcache_get(h->files, h->rootfd, path_relative(&p), h->now);
    if (f->status != HTTP_STATUS_OK) {
        send_status(h, req, f->status);
        return;
    }
    if (S_ISDIR(f->file.st.st_mode) && !p.trailing_slash)
        redirect_slash(h, req, &p, query);
    else if (S_ISDIR(f->file.st.st_mode))
        serve_directory(h, req, &p);
    else if (p.trailing_slash) /* "/file.txt/" names no directory */
        send_status(h, req, HTTP_STATUS_NOT_FOUND);
    else
        serve_file(h, req, f, p.buf, p.len);
}

/* Open the docroot again; when it is another directory now (a symlink
 * switched to a new release), forget the files of the old one. */
static int reopen_root(struct handler_ctx *h, const char *docroot)
{
    struct stat st;
    int fd = docroot_open_root(docroot);
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        errno = e;
        return -1;
    }
    if (st.st_dev != h->root_dev || st.st_ino != h->root_ino)
        fcache_flush(h->files);
    h->root_dev = st.st_dev;
    h->root_ino = st.st_ino;
    if (h->rootfd >= 0)
        close(h->rootfd);
    h->rootfd = fd;
    return 0;
}

void handler_tick(struct handler_ctx *h)
{
    if (reopen_root(h, h->cfg->docroot) == 0 ||
        h->now - h->root_err_logged < MH_LOG_CONDITION_SEC)
        return;
    h->root_err_logged = h->now;
    log_msg(MH_LOG_ERROR,
            "cannot open docroot %s: %s; serving the previous one "
            "(logged once per %d s)",
            h->cfg->docroot, strerror(errno), MH_LOG_CONDITION_SEC);
}

int handler_init(struct handler_ctx *h, unsigned cache_slots)
{
    h->rootfd = -1;
    response_init(&h->head, h->head_mem, sizeof(h->head_mem));
    response_init(&h->common, h->common_mem, sizeof(h->common_mem));
    h->common_sec = 0;
    h->files = fcache_new(cache_slots, wrap_file, unwrap_file);
    return h->files ? 0 : -1;
}

void handler_free(struct handler_ctx *h)
{
    fcache_free(h->files);
    h->files = NULL;
    if (h->rootfd >= 0)
        close(h->rootfd);
    h->rootfd = -1;
}

int handler_set_config(struct handler_ctx *h, const struct mh_config *cfg)
{
    if (reopen_root(h, cfg->docroot) != 0)
        return -1;
    h->cfg = cfg;
    h->common_sec = 0;      /* [headers] may differ */
    fcache_flush(h->files); /* types, index names and sidecar rules may differ */
    mime_ctx_reset(h->mime);
    return 0;
}
