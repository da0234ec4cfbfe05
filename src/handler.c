/* handler.c - the request path, top to bottom.
 *
 *   method -> target -> path.c -> docroot.c -> directory (301, index,
 *   listing, 403) or file -> mime.c -> headers -> body (sendfile) -> log
 *
 * Owns: the order of those steps and the headers of every response.  It
 * parses no bytes itself (path.c, precond.c and clf.c do) and touches the
 * file system only through docroot.c.  Every response, error or not, goes
 * through finish(), which writes the access-log line.  File bodies are added
 * to the connection's own output buffer, so libevent sends them with
 * sendfile(); no file is ever read into memory. */
#define _GNU_SOURCE
#include "handler.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/http_struct.h>

#include "autoindex.h"
#include "bounds.h"
#include "buf.h"
#include "docroot.h"
#include "log.h"
#include "path.h"
#include "status.h"

#ifndef MH_VERSION
#error "MH_VERSION must be defined by the build"
#endif

static const char *method_name(enum evhttp_cmd_type cmd)
{
    switch (cmd) {
    case EVHTTP_REQ_GET:
        return "GET";
    case EVHTTP_REQ_HEAD:
        return "HEAD";
    case EVHTTP_REQ_POST:
        return "POST";
    case EVHTTP_REQ_PUT:
        return "PUT";
    case EVHTTP_REQ_DELETE:
        return "DELETE";
    case EVHTTP_REQ_OPTIONS:
        return "OPTIONS";
    case EVHTTP_REQ_TRACE:
        return "TRACE";
    case EVHTTP_REQ_CONNECT:
        return "CONNECT";
    case EVHTTP_REQ_PATCH:
        return "PATCH";
    }
    return "-";
}

static bool is_head(struct evhttp_request *req)
{
    return evhttp_request_get_command(req) == EVHTTP_REQ_HEAD;
}

/* Write the access-log line for a response that has been queued. */
static void finish(struct handler_ctx *h, struct evhttp_request *req, int status,
                   int64_t bytes)
{
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    char *addr = NULL;
    ev_uint16_t port = 0;
    if (evcon)
        evhttp_connection_get_peer(evcon, &addr, &port);
    struct access_record r = {
        .client = addr,
        .method = method_name(evhttp_request_get_command(req)),
        .target = evhttp_request_get_uri(req),
        .http_major = req->major,
        .http_minor = req->minor,
        .status = status,
        .bytes = bytes,
        .referer = evhttp_find_header(in, "Referer"),
        .user_agent = evhttp_find_header(in, "User-Agent"),
        .when = h->date_sec,
    };
    if (strcmp(h->cfg->access_log, "off") != 0)
        accesslog_add(h->log, &r);
}

/* Headers every response carries. */
static void add_common(struct handler_ctx *h, struct evhttp_request *req)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    time_t now = time(NULL);
    if (now != h->date_sec && httpdate_format(now, h->date) == 0)
        h->date_sec = now;
    evhttp_add_header(out, "Date", h->date);
    evhttp_add_header(out, "Server", "minihttpd/" MH_VERSION);
    evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
    if (h->stopping)
        evhttp_add_header(out, "Connection", "close");
}

static void set_length(struct evhttp_request *req, uint64_t len)
{
    char num[24];
    struct buf b;
    buf_init(&b, num, sizeof(num));
    buf_putu(&b, len, 1);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Length", num);
}

/* Send a body held in memory (error pages, listings).  `release` frees it
 * once sent; NULL for static text. */
static void send_memory(struct handler_ctx *h, struct evhttp_request *req, int status,
                        const char *type, const char *body, size_t len,
                        void (*release)(const void *, size_t, void *))
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    add_common(h, req);
    evhttp_add_header(out, "Content-Type", type);
    set_length(req, len);
    bool body_sent = !is_head(req) && len > 0;
    if (body_sent)
        evbuffer_add_reference(evhttp_request_get_output_buffer(req), body, len,
                               release, NULL);
    else if (release)
        release(body, len, NULL);
    evhttp_send_reply(req, status, status_reason(status), NULL);
    finish(h, req, status, body_sent ? (int64_t)len : 0);
}

static void send_status(struct handler_ctx *h, struct evhttp_request *req, int status)
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

/* 301 to the same path with a '/' added, query kept. */
static void redirect_slash(struct handler_ctx *h, struct evhttp_request *req,
                           const char *raw_path, size_t raw_len, const char *query)
{
    char loc[MH_HEADERS_MAX + 2];
    struct buf b;
    buf_init(&b, loc, sizeof(loc));
    buf_append(&b, raw_path, raw_len);
    buf_putc(&b, '/');
    if (query) {
        buf_putc(&b, '?');
        buf_puts(&b, query);
    }
    if (b.overflow) {
        send_status(h, req, HTTP_STATUS_URI_TOO_LONG);
        return;
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Location", loc);
    send_status(h, req, HTTP_STATUS_MOVED);
}

/* A file response is in flight: count it and, while it is sent, replace the
 * idle (read) timeout with a send timeout, so a long download to a slow but
 * steady reader is not cut (libevent#715). */
static void on_send_complete(struct evhttp_request *req, void *arg);
static void on_close_while_sending(struct evhttp_connection *evcon, void *arg);

static void begin_send(struct handler_ctx *h, struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
    struct timeval send_tv = {.tv_sec = h->cfg->send_timeout};
    h->inflight++;
    evhttp_request_set_on_complete_cb(req, on_send_complete, h);
    evhttp_connection_set_closecb(evcon, on_close_while_sending, h);
    bufferevent_set_timeouts(bev, NULL, &send_tv);
}

static void on_send_complete(struct evhttp_request *req, void *arg)
{
    struct handler_ctx *h = arg;
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct timeval idle_tv = {.tv_sec = h->cfg->keepalive_timeout};
    h->inflight--;
    evhttp_connection_set_closecb(evcon, NULL, NULL);
    bufferevent_set_timeouts(evhttp_connection_get_bufferevent(evcon), &idle_tv,
                             &idle_tv);
}

static void on_close_while_sending(struct evhttp_connection *evcon, void *arg)
{
    struct handler_ctx *h = arg;
    (void)evcon;
    h->inflight--; /* the client went away before the body was sent */
}

/* Serve an open regular file; takes ownership of fd. */
static void serve_file(struct handler_ctx *h, struct evhttp_request *req, int fd,
                       const struct stat *st, const char *name, size_t name_len)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    char etag[ETAG_LEN], lastmod[HTTPDATE_LEN];
    const char *type = mime_type(h->mime, h->cfg, name, name_len, fd, st);
    uint64_t size = (uint64_t)st->st_size;

    etag_format((uint64_t)st->st_ino, size, (int64_t)st->st_mtim.tv_sec,
                st->st_mtim.tv_nsec, etag);
    add_common(h, req);
    evhttp_add_header(out, "Content-Type", type);
    set_length(req, size);
    if (httpdate_format(st->st_mtime, lastmod) == 0)
        evhttp_add_header(out, "Last-Modified", lastmod);
    evhttp_add_header(out, "ETag", etag);
    evhttp_add_header(out, "Accept-Ranges", "bytes");

    if (is_head(req) || size == 0) {
        close(fd);
        evhttp_send_reply(req, HTTP_STATUS_OK, "OK", NULL);
        finish(h, req, HTTP_STATUS_OK, 0);
        return;
    }
    struct evbuffer_file_segment *seg =
        evbuffer_file_segment_new(fd, 0, (ev_off_t)size, EVBUF_FS_CLOSE_ON_FREE);
    if (!seg) {
        close(fd);
        log_msg(MH_LOG_ERROR, "cannot queue %s: %s", name, strerror(errno));
        evhttp_clear_headers(out);
        send_status(h, req, HTTP_STATUS_INTERNAL);
        return;
    }
    begin_send(h, req);
    evhttp_send_reply_start(req, HTTP_STATUS_OK, "OK");
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct evbuffer *sock =
        bufferevent_get_output(evhttp_connection_get_bufferevent(evcon));
    int added = evbuffer_add_file_segment(sock, seg, 0, (ev_off_t)size);
    evbuffer_file_segment_free(seg); /* the buffer holds its own reference */
    if (added != 0)
        log_msg(MH_LOG_ERROR, "cannot send %s: %s", name, strerror(errno));
    evhttp_send_reply_end(req);
    finish(h, req, HTTP_STATUS_OK, added == 0 ? (int64_t)size : 0);
}

static void release_listing(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)data);
}

static void serve_listing(struct handler_ctx *h, struct evhttp_request *req, int dirfd,
                          const char *path)
{
    struct dirlist l;
    enum http_status st = docroot_list(dirfd, &l);
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

/* A directory named with a trailing '/': index file, listing, or 403.
 * Takes ownership of dirfd. */
static void serve_directory(struct handler_ctx *h, struct evhttp_request *req,
                            int dirfd, const struct path_out *p)
{
    char rel[MH_URL_PATH_MAX + MH_INDEX_NAME_MAX + 2];
    for (unsigned i = 0; i < h->cfg->n_index; i++) {
        struct buf b;
        buf_init(&b, rel, sizeof(rel));
        buf_append(&b, p->buf, p->len);
        if (p->len > 1)
            buf_putc(&b, '/');
        buf_puts(&b, h->cfg->index[i]);
        int fd;
        struct stat st;
        enum http_status s = docroot_open(h->rootfd, rel + 1, &fd, &st);
        if (s == HTTP_STATUS_NOT_FOUND)
            continue;
        if (s == HTTP_STATUS_OK && S_ISDIR(st.st_mode)) {
            close(fd);
            continue;
        }
        close(dirfd);
        if (s != HTTP_STATUS_OK)
            send_status(h, req, s);
        else
            serve_file(h, req, fd, &st, rel, b.len);
        return;
    }
    if (h->cfg->autoindex)
        serve_listing(h, req, dirfd, p->buf);
    else
        send_status(h, req, HTTP_STATUS_FORBIDDEN);
    close(dirfd);
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

void handler_request(struct evhttp_request *req, void *arg)
{
    struct handler_ctx *h = arg;
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
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

    int fd;
    struct stat st;
    enum http_status s = docroot_open(h->rootfd, path_relative(&p), &fd, &st);
    if (s != HTTP_STATUS_OK) {
        send_status(h, req, s);
        return;
    }
    if (S_ISDIR(st.st_mode) && !p.trailing_slash) {
        close(fd);
        redirect_slash(h, req, raw, raw_len, query);
    } else if (S_ISDIR(st.st_mode)) {
        serve_directory(h, req, fd, &p);
    } else if (p.trailing_slash) { /* "/file.txt/" names no directory */
        close(fd);
        send_status(h, req, HTTP_STATUS_NOT_FOUND);
    } else {
        serve_file(h, req, fd, &st, p.buf, p.len);
    }
}

void handler_tick(struct handler_ctx *h)
{
    int fd = docroot_open_root(h->cfg->docroot);
    if (fd < 0) {
        log_msg(MH_LOG_ERROR, "cannot open docroot %s: %s; serving the previous one",
                h->cfg->docroot, strerror(errno));
        return;
    }
    if (h->rootfd >= 0)
        close(h->rootfd);
    h->rootfd = fd;
}

int handler_set_config(struct handler_ctx *h, const struct mh_config *cfg)
{
    int fd = docroot_open_root(cfg->docroot);
    if (fd < 0)
        return -1;
    if (h->rootfd >= 0)
        close(h->rootfd);
    h->rootfd = fd;
    h->cfg = cfg;
    mime_ctx_reset(h->mime);
    return 0;
}
