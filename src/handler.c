/* handler.c - the request path, top to bottom: a reply decided, then sent.
 *
 *   copy the request out of evhttp -> route.c: framing, limits, method,
 *   target -> fcache.c (docroot.c): what the path names -> a file
 *   (represent.c: 304, 206, 416 or 200, and which representation), a
 *   directory (index file, listing or 403), a slash redirect, or an error
 *   -> finish(): error page, Content-Length, common headers, Connection ->
 *   send -> conn.c logs it once it has left
 *
 * Owns: the order of those steps and finish(), the one place a response is
 * sent from.  Each step fills a struct reply (reply.h) and returns; none
 * sends.  What can be decided without the file system is decided by
 * route.c and represent.c (pure, unit-tested); this file adds what the
 * file system says (fcache.c, docroot.c, mime.c) and what evhttp needs.
 * Bodies go to the connection's own output buffer (body.c): small files
 * from the cache's memory, large ones as file segments that libevent sends
 * with sendfile(), never read into memory.  A compressed copy comes from
 * zcache.c as an fd the open-file cache keeps; one not made yet is asked
 * for, and the file goes out as it is meanwhile (compress_step()). */
#define _GNU_SOURCE
#include "handler.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
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

#include "access.h"
#include "authcheck.h"
#include "autoindex.h"
#include "body.h"
#include "bounds.h"
#include "buf.h"
#include "conn.h"
#include "dircache.h"
#include "docroot.h"
#include "encoding.h"
#include "fcache.h"
#include "headers.h"
#include "log.h"
#include "mime.h"
#include "path.h"
#include "precond.h"
#include "redirects.h"
#include "reply.h"
#include "represent.h"
#include "response.h"
#include "route.h"
#include "status.h"
#include "zcache.h"
#include "statushttp.h"

/* The worst head (see MH_RESPONSE_HEAD_MAX): a 301 with its Location (a
 * request line, every byte percent-encoded), the common headers with every
 * [headers] line, and the server's own few. */
_Static_assert(RESPONSE_LINE_MAX + sizeof("Location: \r\n") + 3 * MH_REQUEST_LINE_MAX +
                       2 +
                       MH_EXTRA_HEADERS_MAX *
                           (MH_CONFIG_NAME_MAX + MH_HEADER_VALUE_MAX + 4) +
                       2 * (MH_HEADER_VALUE_MAX + MH_MIME_TYPE_MAX) + 1024 <=
                   MH_RESPONSE_HEAD_MAX,
               "MH_RESPONSE_HEAD_MAX is too small for the largest head");

/* Who sent the request being handled: worked out on the first access rule
 * that asks. */
struct who {
    bool known;                  /* the fields below are set */
    bool bad;                    /* a trusted proxy's X-Forwarded-For was no address */
    bool forwarded;              /* client is from X-Forwarded-For: log it */
    uint8_t client[16];          /* the client address (cidr.h form) */
    char text[MH_CIDR_TEXT_MAX]; /* it as text, when forwarded */
    enum { CRED_NONE, CRED_OK, CRED_BAD } cred; /* its Authorization */
    struct basic_cred basic;
    const char *user; /* verified for a rule of this request: basic.user */
};

/* A worker's request-handling state; one per event loop, never shared. */
struct handler_ctx {
    const struct mh_config *cfg; /* the worker's current config */
    struct mime_ctx *mime;
    int rootfd;     /* O_PATH fd of cfg->docroot, refreshed each second */
    dev_t root_dev; /* which directory rootfd is */
    ino_t root_ino;
    struct fcache *files;       /* open files, trusted for at most a second */
    struct zcache *zc;          /* compressed copies (shared); NULL: none made */
    int copy_enc;               /* the coding of a copy this request would get, or -1 */
    struct dircache *dirs;      /* directories and their _redirects rules */
    struct fcache_file missing; /* status 404: what no file gives */
    const struct path_out *path; /* the request's path, once routed */
    size_t ndirs;                /* its existing directories, deepest first: */
    size_t dirs_len[MH_RESOLVE_DEPTH_MAX + 1]; /* their lengths in path->buf */
    struct conn *conn;          /* the connection of the request being handled */
    struct evhttp_request *req; /* that request */
    const struct request *rq;   /* and what it asks */
    struct auth_worker *auth;   /* made with the first request that needs it */
    struct who who;             /* its client and credentials, once asked */
    bool held;                  /* it waits for a password check: no reply yet */
    time_t now;                 /* the current request's time */
    time_t root_err_logged;     /* when a failing docroot was last logged */
    bool stopping;              /* shutting down: answer with Connection: close */
    time_t date_sec;            /* the second `date` was formatted for */
    char date[HTTPDATE_LEN];
    struct response common; /* Date, Server, [headers]: every response's */
    time_t common_sec;      /* the second `common` was built for; 0: rebuild */
    char head_mem[MH_RESPONSE_HEAD_MAX];
    char common_mem[MH_RESPONSE_HEAD_MAX];
    /* the status page's figures ([status] path), or NULL */
    const struct status_source *status;
};

/* --- the request, copied out of evhttp --- */

static enum http_method method_of(enum evhttp_cmd_type cmd)
{
    switch (cmd) {
    case EVHTTP_REQ_GET:
        return METHOD_GET;
    case EVHTTP_REQ_HEAD:
        return METHOD_HEAD;
    case EVHTTP_REQ_POST:
        return METHOD_POST;
    case EVHTTP_REQ_PUT:
        return METHOD_PUT;
    case EVHTTP_REQ_DELETE:
        return METHOD_DELETE;
    case EVHTTP_REQ_OPTIONS:
        return METHOD_OPTIONS;
    case EVHTTP_REQ_TRACE:
        return METHOD_TRACE;
    case EVHTTP_REQ_CONNECT:
        return METHOD_CONNECT;
    case EVHTTP_REQ_PATCH:
        return METHOD_PATCH;
    }
    return METHOD_OTHER;
}

/* Fill rq (its headers in hdr, MH_REQUEST_HEADERS_MAX entries) from req. */
static void copy_request(struct evhttp_request *req, struct conn *c, struct request *rq,
                         struct req_header *hdr)
{
    struct evkeyval *kv;
    memset(rq, 0, sizeof(*rq));
    rq->method = method_of(evhttp_request_get_command(req));
    rq->target = evhttp_request_get_uri(req);
    rq->major = req->major;
    rq->minor = req->minor;
    rq->proxy_form = (req->flags & EVHTTP_PROXY_REQUEST) != 0;
    rq->had_nul = conn_request_had_nul(c);
    rq->body_len = evbuffer_get_length(evhttp_request_get_input_buffer(req));
    rq->headers = hdr;
    TAILQ_FOREACH(kv, evhttp_request_get_input_headers(req), next)
    {
        if (rq->n_headers == MH_REQUEST_HEADERS_MAX) {
            rq->too_many_headers = true;
            break;
        }
        hdr[rq->n_headers].name = kv->key;
        hdr[rq->n_headers].value = kv->value;
        rq->n_headers++;
    }
}

/* --- access control: [access] rules on every path served --- */

static void resume(void *req, void *arg)
{
    (void)arg;
    conn_request_resume(req);
}

/* Who sent the request (h->who), worked out once per request. */
static void who_is(struct handler_ctx *h)
{
    struct who *w = &h->who;
    if (w->known)
        return;
    w->known = true;
    char *addr = NULL;
    ev_uint16_t port = 0;
    uint8_t peer[16];
    evhttp_connection_get_peer(evhttp_request_get_connection(h->req), &addr, &port);
    if (!addr || !cidr_addr_parse(addr, strlen(addr), peer)) {
        w->bad = true; /* not an IP peer: no rule can be checked */
        return;
    }
    switch (access_client(&h->cfg->access, peer, h->rq->headers, h->rq->n_headers,
                          w->client)) {
    case ACCESS_CLIENT_BAD:
        w->bad = true;
        break;
    case ACCESS_CLIENT_FORWARDED: {
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        bool v4 = !memcmp(w->client, mapped, sizeof(mapped));
        w->forwarded =
            inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? w->client + 12 : w->client, w->text,
                      sizeof(w->text)) != NULL;
        break;
    }
    case ACCESS_CLIENT_PEER:
        break;
    }
    const char *auth = route_header(h->rq, "Authorization");
    if (auth)
        w->cred = access_basic_parse(auth, strlen(auth), &w->basic) == BASIC_OK
                      ? CRED_OK
                      : CRED_BAD;
}

enum gate {
    GATE_OPEN, /* the request may be served path */
    GATE_SHUT, /* it may not: rp says why (400, 401, 403 or 503) */
    GATE_HELD, /* its password is being checked: it is run again after */
};

static void unauthorized(const struct access_rule *r, struct reply *rp)
{
    char v[sizeof("Basic realm=\"\", charset=\"UTF-8\"") + MH_REALM_MAX];
    struct buf b;
    buf_init(&b, v, sizeof(v));
    buf_puts(&b, "Basic realm=\"");
    buf_puts(&b, r->realm); /* config.c allows no '"' or '\\' in it */
    buf_puts(&b, "\", charset=\"UTF-8\"");
    reply_header(rp, "WWW-Authenticate", v);
    reply_status(rp, HTTP_STATUS_UNAUTHORIZED);
}

/* Whether the request may be served what is at path[0, len): the [access]
 * rule for it, against the client's address and credentials.  rp NULL:
 * never wait (an error page, a listing's entries): a credential not yet
 * verified does not open it. */
static enum gate gate(struct handler_ctx *h, const char *path, size_t len,
                      struct reply *rp)
{
    const struct access_rule *r = access_rule_for(&h->cfg->access, path, len);
    if (!r)
        return GATE_OPEN;
    who_is(h);
    if (h->who.bad) {
        if (rp)
            reply_status(rp, HTTP_STATUS_BAD_REQUEST);
        return GATE_SHUT;
    }
    if (!access_addr_allowed(&h->cfg->access, r, h->who.client)) {
        if (rp)
            reply_status(rp, HTTP_STATUS_FORBIDDEN);
        return GATE_SHUT;
    }
    if (r->auth < 0)
        return GATE_OPEN;
    if (h->who.cred == CRED_OK && !h->auth)
        h->auth = auth_worker_new(
            evhttp_connection_get_base(evhttp_request_get_connection(h->req)), h->cfg,
            resume, h);
    if (h->who.cred == CRED_OK && h->auth) {
        enum auth_verdict v =
            rp ? auth_check(h->auth, (unsigned)r->auth, &h->who.basic, h->now, h->req)
            : auth_known_good(h->auth, (unsigned)r->auth, &h->who.basic, h->now)
                ? AUTH_YES
                : AUTH_NO;
        if (v == AUTH_YES) {
            h->who.user = h->who.basic.user;
            return GATE_OPEN;
        }
        if (v == AUTH_PENDING) {
            h->held = true;
            conn_request_hold(h->conn, true);
            return GATE_HELD;
        }
        if (v == AUTH_BUSY && rp) {
            reply_header(rp, "Retry-After", "1");
            reply_status(rp, HTTP_STATUS_UNAVAILABLE);
            return GATE_SHUT;
        }
    } else if (h->who.cred == CRED_OK && rp) { /* no verifier: logged */
        reply_header(rp, "Retry-After", "1");
        reply_status(rp, HTTP_STATUS_UNAVAILABLE);
        return GATE_SHUT;
    }
    if (rp)
        unauthorized(r, rp);
    return GATE_SHUT;
}

/* gate() for the path p, with the '/' of a directory it names (a
 * normalised path has none: "/team-a/" is "/team-a" with trailing_slash;
 * dir: p names a directory that a slash redirect adds it to). */
static enum gate gate_path(struct handler_ctx *h, const struct path_out *p, bool dir,
                           struct reply *rp)
{
    char path[MH_URL_PATH_MAX + 1];
    if (!h->cfg->access.on)
        return GATE_OPEN;
    bool slash =
        (dir || p->trailing_slash) && (p->len == 0 || p->buf[p->len - 1] != '/');
    if (p->len + slash > sizeof(path)) { /* a path never is: a bug */
        if (rp)
            reply_status(rp, HTTP_STATUS_URI_TOO_LONG);
        return GATE_SHUT;
    }
    memcpy(path, p->buf, p->len);
    if (slash)
        path[p->len] = '/';
    return gate(h, path, p->len + slash, rp);
}

/* --- the steps: each fills the reply and returns --- */

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

/* The body of rep, [rp->offset, + rp->len), as the reply's; a file the
 * cache could not wrap (out of memory) is 503, never a short body. */
static void attach_file(struct reply *rp, const struct fcache_rep *rep,
                        const char *name)
{
    if (rp->len == 0)
        return;
    if (!rep->body) {
        log_msg(MH_LOG_ERROR, "cannot send %s: no body (out of memory)", name);
        reply_status(rp, HTTP_STATUS_UNAVAILABLE);
        return;
    }
    rp->kind = BODY_FILE;
    rp->file = body_ref(rep->body);
}

/* Whether the server compresses f (of Content-Type type) on the fly: not
 * when it has a fresh sidecar (whoever made it chose the codings sent). */
static bool compressible(const struct handler_ctx *h, const struct fcache_file *f,
                         const char *type)
{
    const struct mh_config *cfg = h->cfg;
    uint64_t size = (uint64_t)f->file.st.st_size;
    for (int i = 0; i < FCACHE_SIDECARS; i++)
        if (f->has_sidecar[i])
            return false;
    return h->zc && cfg->compress_encodings.n > 0 && size >= cfg->compress_min_size &&
           size <= MH_COMPRESS_FILE_MAX && config_compress_type(cfg, type);
}

/* The coding of the copy rq would be sent, if its file has one: the
 * client's choice of the server's encodings; -1 for none (no cache, no
 * Accept-Encoding, a Range, identity preferred).  compress_step() and
 * represent() choose the same way. */
static int copy_coding(const struct handler_ctx *h, const struct request *rq)
{
    const struct mh_encodings *e = &h->cfg->compress_encodings;
    if (!h->zc || e->n == 0 || (rq->method != METHOD_GET && rq->method != METHOD_HEAD))
        return -1;
    const char *ae = route_header(rq, "Accept-Encoding");
    if (!ae || route_header(rq, "Range"))
        return -1;
    int q[ENC_INDEXES];
    accept_encoding_q(ae, strlen(ae), q);
    int c = encoding_choose(q, e->order, e->n);
    return c < 0 ? -1 : e->order[c];
}

/* Keep in f (the file name, "/a/b.html") the copy in coding enc when the
 * cache has it ready (else it is queued); true when f has it. */
static bool want_copy(struct handler_ctx *h, struct fcache_file *f, const char *name,
                      int enc)
{
    if (f->has_copy[enc])
        return true;
    int fd;
    struct stat st;
    uint64_t len;
    if (zcache_get(h->zc, h->cfg->docroot, name[0] == '/' ? name + 1 : name,
                   &f->file.st, enc, &fd, &st, &len) != ZCACHE_READY)
        return false;
    fcache_set_copy(h->files, f, enc, fd, &st, len);
    return true;
}

/* The copy in the coding this client would take of the server's
 * encodings: kept in f when the cache has it ready (and the cache told,
 * once a second, that it is in use), else asked for, never waited for.
 * While it is being made, the copies in the other codings the client
 * accepts are asked for too: a gzip copy is ready long before a brotli
 * one of a large file, and goes out meanwhile. */
static void compress_step(struct handler_ctx *h, const struct request *rq,
                          struct fcache_file *f, const char *name)
{
    int enc = h->copy_enc; /* copy_coding(): the client's choice */
    if (enc < 0)
        return;
    if (f->has_copy[enc]) {
        if (f->copy_seen[enc] != h->now) {
            zcache_touch(h->zc, &f->file.st, enc);
            f->copy_seen[enc] = h->now;
        }
        return;
    }
    if (want_copy(h, f, name, enc))
        return;
    const struct mh_encodings *e = &h->cfg->compress_encodings;
    const char *ae = route_header(rq, "Accept-Encoding");
    int q[ENC_INDEXES];
    accept_encoding_q(ae, strlen(ae), q);
    for (unsigned i = 0; i < e->n; i++)
        if (e->order[i] != enc && q[e->order[i]] > 0)
            want_copy(h, f, name, e->order[i]);
}

/* A regular file: what represent.c decides, with its type and its bytes.
 * Its coded forms, in the server's order: per coding of [compress]
 * encodings its sidecar or its copy, then the other sidecars. */
static void serve_file(struct handler_ctx *h, const struct request *rq,
                       struct fcache_file *f, const char *name, size_t name_len,
                       struct reply *rp)
{
    static const unsigned bits[ENC_CODINGS] = {
        [ENC_I_GZIP] = ENC_GZIP, [ENC_I_BR] = ENC_BR, [ENC_I_ZSTD] = ENC_ZSTD};
    static const unsigned char sidecar_order[ENC_CODINGS] = {ENC_I_BR, ENC_I_GZIP,
                                                             ENC_I_ZSTD};
    const char *type = file_type(h, f, name, name_len);
    bool zip = compressible(h, f, type);
    if (zip)
        compress_step(h, rq, f, name);
    const struct mh_encodings *e = &h->cfg->compress_encodings;
    const struct fcache_rep *reps[1 + ENC_CODINGS] = {&f->file};
    /* whose validators each has: a copy's are its file's (Last-Modified,
     * the time If-Modified-Since is compared with) */
    const struct fcache_rep *dates[1 + ENC_CODINGS] = {&f->file};
    struct file_facts ff = {
        .n_rep = 1, .cache_control = h->cfg->cache_control, .vary = zip};
    ff.rep[0].size = (uint64_t)f->file.st.st_size;
    bool listed[ENC_CODINGS] = {false};
    for (unsigned i = 0; i < e->n + ENC_CODINGS; i++) {
        int enc = i < e->n ? e->order[i] : sidecar_order[i - e->n];
        const struct fcache_rep *r = NULL;
        if (listed[enc])
            continue;
        listed[enc] = true;
        if (f->has_sidecar[enc]) {
            r = &f->sidecar[enc];
            ff.rep[ff.n_rep].size = (uint64_t)r->st.st_size;
        } else if (zip && i < e->n && f->has_copy[enc]) {
            r = &f->copy[enc];
            ff.rep[ff.n_rep].size = f->copy_len[enc];
        } else {
            continue;
        }
        ff.rep[ff.n_rep].coding = encoding_name(enc);
        ff.rep[ff.n_rep].enc = bits[enc];
        dates[ff.n_rep] = f->has_sidecar[enc] ? r : &f->file;
        reps[ff.n_rep++] = r;
    }
    for (size_t i = 0; i < ff.n_rep; i++) {
        ff.rep[i].mtime = dates[i]->st.st_mtime;
        ff.rep[i].etag = reps[i]->etag;
        ff.rep[i].lastmod = reps[i]->lastmod;
    }
    size_t chosen = represent(rq, &ff, rp);
    if (rp->status != HTTP_STATUS_OK && rp->status != HTTP_STATUS_PARTIAL)
        return;
    reply_header(rp, "Content-Type", type);
    attach_file(rp, reps[chosen], name);
}

/* 301 to the same path with a '/' added, query kept.  Location is built
 * from the normalised path, percent-encoded again (so it never starts with
 * "//", which a browser would take for another host), and the query keeps
 * only the bytes a query may hold (the rest percent-encoded). */
static void redirect_slash(struct reply *rp, const struct path_out *p,
                           const char *query)
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
        reply_status(rp, HTTP_STATUS_URI_TOO_LONG);
        return;
    }
    reply_header(rp, "Location", loc);
    reply_status(rp, HTTP_STATUS_MOVED);
}

static void release_listing(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)data);
}

/* Leave out of the listing l of path (ending in '/') what the client may
 * not open: entries under an [access] rule that refuses its address, or
 * needs credentials it has not sent or that are not yet verified. */
static void hide_closed(struct handler_ctx *h, const char *path, struct dirlist *l)
{
    size_t plen = strlen(path), kept = 0;
    for (size_t i = 0; i < l->n; i++) {
        char name[MH_URL_PATH_MAX + 1];
        struct buf b;
        buf_init(&b, name, sizeof(name));
        buf_append(&b, path, plen);
        buf_puts(&b, l->entries[i].name);
        if (l->entries[i].is_dir)
            buf_putc(&b, '/');
        if (!b.overflow && gate(h, name, b.len, NULL) == GATE_OPEN)
            l->entries[kept++] = l->entries[i];
    }
    l->n = kept;
}

/* The listing of the directory rel, shown as path: HTML, or JSON for a
 * client that asks for it (route_wants_json()). */
static void serve_listing(struct handler_ctx *h, const struct request *rq,
                          const char *rel, const char *path, struct reply *rp)
{
    struct dirlist l;
    enum http_status st = docroot_list(h->rootfd, rel, h->cfg->hide_dotfiles, &l);
    reply_header(rp, "Vary", "Accept"); /* the same URL has two forms */
    if (st != HTTP_STATUS_OK) {
        if (st == HTTP_STATUS_INTERNAL)
            log_msg(MH_LOG_ERROR, "cannot list %s: more than %d entries", path,
                    MH_AUTOINDEX_ENTRIES_MAX);
        reply_status(rp, st);
        return;
    }
    if (h->cfg->access.on)
        hide_closed(h, path, &l);
    bool json = route_wants_json(rq);
    size_t cap = json ? autoindex_json_bound(l.entries, l.n)
                      : autoindex_bound(l.entries, l.n, strlen(path));
    char *text = malloc(cap);
    struct buf b;
    if (!text) {
        docroot_list_free(&l);
        reply_status(rp, HTTP_STATUS_UNAVAILABLE);
        return;
    }
    buf_init(&b, text, cap);
    int r = json ? autoindex_render_json(l.entries, l.n, &b)
                 : autoindex_render(path, l.entries, l.n, &b);
    docroot_list_free(&l);
    if (r != 0) { /* the bound is wrong: a bug, never a cut page */
        log_msg(MH_LOG_ERROR, "listing of %s overflowed its bound", path);
        free(text);
        reply_status(rp, HTTP_STATUS_INTERNAL);
        return;
    }
    reply_header(rp, "Content-Type",
                 json ? "application/json" : "text/html; charset=utf-8");
    rp->status = HTTP_STATUS_OK;
    rp->kind = BODY_MEMORY;
    rp->mem = text;
    rp->len = b.len;
    rp->release = release_listing;
}

/* A directory named with a trailing '/': index file, listing, or 403. */
static void serve_directory(struct handler_ctx *h, const struct request *rq,
                            const struct path_out *p, struct reply *rp)
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
            reply_status(rp, f->status);
        else
            serve_file(h, rq, f, rel, b.len, rp);
        return;
    }
    if (!h->cfg->autoindex) {
        reply_status(rp, HTTP_STATUS_FORBIDDEN);
        return;
    }
    char dir[MH_URL_PATH_MAX + 1];
    struct buf b;
    buf_init(&b, dir, sizeof(dir));
    buf_append(&b, p->buf, p->len);
    if (p->len > 1)
        buf_putc(&b, '/');
    serve_listing(h, rq, path_relative(p), dir, rp);
}

/* --- docs-site conventions: clean URLs, _redirects, nearest pages --- */

static bool is_rules_file(const char *path, size_t len)
{
    static const char name[] = "/_redirects";
    size_t n = sizeof(name) - 1;
    return len >= n && !memcmp(path + len - n, name, n);
}

/* The directories holding path[0, len) that exist, deepest first, into
 * h->dirs_len ("/a/b/c": "/a/b", "/a", "/"; with self, "/a/b/c" first):
 * at most MH_RESOLVE_DEPTH_MAX from the docroot down.  Existence is
 * monotone (a directory's parents exist), so the deepest is found by
 * bisection: a handful of cached lookups, and no system call when the
 * directories were looked at in the last second. */
static void find_dirs(struct handler_ctx *h, const char *path, size_t len, bool self)
{
    size_t cand[MH_RESOLVE_DEPTH_MAX + 1], n = 0;
    cand[n++] = 1; /* "/" */
    for (size_t i = 1; i < len && n < MH_RESOLVE_DEPTH_MAX; i++)
        if (path[i] == '/')
            cand[n++] = i;
    if (self && len > 1 && n < MH_RESOLVE_DEPTH_MAX)
        cand[n++] = len;
    size_t lo = 0, hi = n - 1; /* cand[lo] exists; is any deeper one? */
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (dircache_get(h->dirs, h->rootfd, h->cfg->docroot, path, cand[mid],
                         h->cfg->redirects, h->now)
                ->exists)
            lo = mid;
        else
            hi = mid - 1;
    }
    h->ndirs = 0;
    for (size_t i = lo + 1; i-- > 0;)
        h->dirs_len[h->ndirs++] = cand[i];
}

/* The first _redirects rule for p, deepest file first (only forced ones
 * for a path that exists): its status, and its target in to (URL form,
 * a local one with its file's directory put before it); 0: none. */
static int find_rule(struct handler_ctx *h, const struct path_out *p, bool forced_only,
                     struct buf *to, struct redir_hit *hit)
{
    for (size_t i = 0; i < h->ndirs; i++) {
        size_t dl = h->dirs_len[i];
        const struct dircache_dir *d =
            dircache_get(h->dirs, h->rootfd, h->cfg->docroot, p->buf, dl, true, h->now);
        if (!d->rules || (forced_only && !redir_set_has_forced(d->rules)))
            continue;
        /* the path below the file's directory; "/" for the directory */
        const char *sub = dl > 1 ? p->buf + dl : p->buf;
        size_t sub_len = dl > 1 ? p->len - dl : p->len;
        if (sub_len == 0) {
            sub = "/";
            sub_len = 1;
        }
        char t[3 * MH_URL_PATH_MAX];
        struct buf tb;
        buf_init(&tb, t, sizeof(t));
        enum redir_match m =
            redir_set_match(d->rules, sub, sub_len, forced_only, &tb, hit);
        if (m == REDIR_NO_MATCH)
            continue;
        if (m == REDIR_MATCH_TOO_LONG)
            return HTTP_STATUS_URI_TOO_LONG;
        if (!hit->absolute && dl > 1)
            buf_put_urlenc(to, p->buf, dl);
        buf_append(to, tb.data, tb.len);
        return to->overflow ? HTTP_STATUS_URI_TOO_LONG : hit->status;
    }
    return 0;
}

/* Where a target's path ends: at its '?' or '#', or its end. */
static size_t path_end(const char *to, size_t len)
{
    size_t i = 0;
    while (i < len && to[i] != '?' && to[i] != '#')
        i++;
    return i;
}

/* A local rule target's path (URL form), normalised: the same decoding and
 * confinement as a request's.  False when it is refused. */
static bool local_target(const char *to, size_t len, struct path_out *out)
{
    return path_resolve(to, path_end(to, len), out) == PATH_OK;
}

/* A 3xx rule: Location is the target (a local one normalised and encoded
 * again), with the request's query put in when the target has none. */
static void redirect_rule(struct reply *rp, int status, const char *to, size_t len,
                          bool absolute, const char *query)
{
    char loc[3 * MH_REQUEST_LINE_MAX + 2], pbuf[MH_URL_PATH_MAX];
    struct buf b;
    buf_init(&b, loc, sizeof(loc));
    size_t rest = path_end(to, len); /* the target's "?query#frag" */
    if (absolute) {
        buf_append(&b, to, rest);
    } else {
        struct path_out t = {.buf = pbuf, .cap = sizeof(pbuf)};
        if (!local_target(to, len, &t)) {
            reply_status(rp, HTTP_STATUS_NOT_FOUND);
            return;
        }
        buf_put_urlenc(&b, t.buf, t.len);
        if (t.trailing_slash && t.len > 1)
            buf_putc(&b, '/');
    }
    if (query && (rest == len || to[rest] == '#')) { /* the target has none */
        buf_putc(&b, '?');
        path_put_query(&b, query, strlen(query));
    }
    buf_append(&b, to + rest, len - rest);
    if (b.overflow) {
        reply_status(rp, HTTP_STATUS_URI_TOO_LONG);
        return;
    }
    reply_header(rp, "Location", loc);
    reply_status(rp, status);
}

/* The file at p, or the one its clean URL names (p + ".html"); NULL when
 * neither is a regular file or directory. */
static struct fcache_file *lookup(struct handler_ctx *h, const struct path_out *p,
                                  char *name, size_t cap, size_t *name_len)
{
    struct buf b;
    buf_init(&b, name, cap);
    buf_append(&b, p->buf, p->len);
    *name_len = b.len;
    struct fcache_file *f =
        fcache_get_coded(h->files, h->rootfd, path_relative(p), h->now, h->copy_enc);
    if (f->status != HTTP_STATUS_NOT_FOUND || !h->cfg->clean_urls ||
        p->trailing_slash || p->len < 2)
        return f;
    if (!buf_puts(&b, ".html"))
        return &h->missing;
    f = fcache_get(h->files, h->rootfd, name + 1, h->now);
    if (f->status == HTTP_STATUS_OK && !S_ISREG(f->file.st.st_mode))
        return &h->missing; /* a directory guide.html/ is no page */
    *name_len = b.len;
    return f;
}

static void page_body(struct handler_ctx *h, struct fcache_file *f, const char *name,
                      size_t len, struct reply *rp);

/* What a path names: a file, a directory (slash redirect, index file,
 * listing) or its status.  slash_to: the path a slash redirect goes to. */
static void serve_path(struct handler_ctx *h, const struct request *rq,
                       const struct path_out *p, const struct path_out *slash_to,
                       struct fcache_file *f, const char *name, size_t name_len,
                       const char *query, struct reply *rp)
{
    int status;
    bool is_dir = f->status == HTTP_STATUS_OK && S_ISDIR(f->file.st.st_mode);
    switch (route_found(f->status, is_dir, p->trailing_slash, &status)) {
    case ROUTE_STATUS:
        reply_status(rp, status);
        break;
    case ROUTE_SLASH:
        if (gate_path(h, slash_to, true, rp) == GATE_OPEN)
            redirect_slash(rp, slash_to, query);
        break;
    case ROUTE_DIRECTORY:
        serve_directory(h, rq, p, rp);
        break;
    case ROUTE_FILE:
        serve_file(h, rq, f, name, name_len, rp);
        break;
    }
}

/* A 200 or 404 rule: the target, resolved as a request's path is (exact,
 * then clean URL; no more rules), served in place of p.  A target that
 * is missing or refused leaves p's 404. */
static void rewrite(struct handler_ctx *h, const struct request *rq,
                    const struct path_out *p, int status, const char *to, size_t len,
                    const char *query, struct reply *rp)
{
    char tbuf[MH_URL_PATH_MAX], name[MH_URL_PATH_MAX + sizeof(".html")];
    struct path_out t = {.buf = tbuf, .cap = sizeof(tbuf)};
    size_t name_len;
    if (!local_target(to, len, &t) ||
        (h->cfg->hide_dotfiles && path_is_hidden(t.buf, t.len)) ||
        is_rules_file(t.buf, t.len)) {
        reply_status(rp, HTTP_STATUS_NOT_FOUND);
        return;
    }
    t.trailing_slash = t.trailing_slash || p->trailing_slash;
    if (gate_path(h, &t, false, rp) != GATE_OPEN)
        return;
    struct fcache_file *f = lookup(h, &t, name, sizeof(name), &name_len);
    if (f->status == HTTP_STATUS_NOT_FOUND) {
        reply_status(rp, HTTP_STATUS_NOT_FOUND);
        return;
    }
    if (status == HTTP_STATUS_NOT_FOUND) { /* that page, as a 404 */
        if (f->status == HTTP_STATUS_OK && S_ISREG(f->file.st.st_mode)) {
            rp->status = HTTP_STATUS_NOT_FOUND;
            page_body(h, f, name, name_len, rp);
        } else {
            reply_status(rp, HTTP_STATUS_NOT_FOUND);
        }
        return;
    }
    serve_path(h, rq, &t, p, f, name, name_len, query, rp);
}

/* redirect_http: a plain-HTTP request gets 301 to the same path and query
 * on https://HOST[:tls_port]/, HOST from the request's Host (a name or an
 * address, checked; its port dropped).  False when rq stays on HTTP: an
 * ACME http-01 challenge (certbot --webroot), or no usable Host. */
static bool redirect_https(struct handler_ctx *h, const struct request *rq,
                           const struct path_out *p, const char *query,
                           struct reply *rp)
{
    static const char acme[] = "/.well-known/acme-challenge/";
    const char *host = route_header(rq, "Host");
    size_t hl = host ? route_host_len(host) : 0;
    if (!hl || (p->len >= sizeof(acme) - 2 && !memcmp(p->buf, acme, sizeof(acme) - 2)))
        return false;
    char loc[3 * MH_REQUEST_LINE_MAX + MH_HEADER_VALUE_MAX];
    struct buf b;
    buf_init(&b, loc, sizeof(loc));
    buf_puts(&b, "https://");
    buf_append(&b, host, hl);
    if (h->cfg->tls_port != 443) {
        buf_putc(&b, ':');
        buf_putu(&b, h->cfg->tls_port, 0);
    }
    buf_put_urlenc(&b, p->buf, p->len);
    if (p->trailing_slash && p->len > 1)
        buf_putc(&b, '/');
    if (query) {
        buf_putc(&b, '?');
        path_put_query(&b, query, strlen(query));
    }
    if (b.overflow)
        reply_status(rp, HTTP_STATUS_URI_TOO_LONG);
    else {
        reply_header(rp, "Location", loc);
        reply_status(rp, HTTP_STATUS_MOVED);
    }
    return true;
}

/* FILE.gz with no FILE (Debian's /usr/share/doc ships changelog.html.gz,
 * nginx's gzip_static serves it): to a client that takes gzip, the .gz with
 * Content-Encoding: gzip and FILE's type.  False when there is no such
 * file or the client does not take gzip (then FILE is missing for it). */
static bool serve_lone_gz(struct handler_ctx *h, const struct request *rq,
                          const struct path_out *p, struct reply *rp)
{
    char name[MH_URL_PATH_MAX + sizeof(".gz")];
    struct buf b;
    buf_init(&b, name, sizeof(name));
    buf_append(&b, p->buf, p->len);
    if (p->trailing_slash || p->len < 2 || !buf_puts(&b, ".gz"))
        return false;
    struct fcache_file *f = fcache_get(h->files, h->rootfd, name + 1, h->now);
    if (f->status != HTTP_STATUS_OK || !S_ISREG(f->file.st.st_mode))
        return false;
    const char *ae = route_header(rq, "Accept-Encoding");
    int q[ENC_INDEXES];
    for (int i = 0; i < ENC_INDEXES; i++)
        q[i] = -1;
    if (ae)
        accept_encoding_q(ae, strlen(ae), q);
    if (q[ENC_I_GZIP] <= 0) { /* its 404 depends on Accept-Encoding too */
        reply_header(rp, "Vary", "Accept-Encoding");
        return false;
    }
    struct file_facts ff = {
        .n_rep = 1, .cache_control = h->cfg->cache_control, .vary = true};
    ff.rep[0] = (struct rep_facts){.size = (uint64_t)f->file.st.st_size,
                                   .mtime = f->file.st.st_mtime,
                                   .etag = f->file.etag,
                                   .lastmod = f->file.lastmod,
                                   .coding = "gzip",
                                   .enc = ENC_GZIP};
    represent(rq, &ff, rp);
    if (rp->status != HTTP_STATUS_OK && rp->status != HTTP_STATUS_PARTIAL)
        return true;
    /* FILE's type, not cached on the .gz's entry (its own is application/gzip) */
    reply_header(rp, "Content-Type",
                 mime_type(h->mime, h->cfg, p->buf, p->len, f->file.fd, &f->file.st));
    attach_file(rp, &f->file, name);
    return true;
}

/* Decide the reply to rq: route it, then the exact path, its clean URL,
 * a lone FILE.gz, the _redirects rules, or its error. */
static void decide(struct handler_ctx *h, const struct request *rq, struct path_out *p,
                   struct reply *rp)
{
    int status = route_check(rq, &rp->close);
    if (status == HTTP_STATUS_METHOD_NOT_ALLOWED)
        reply_header(rp, "Allow", "GET, HEAD");
    if (status) {
        reply_status(rp, status);
        return;
    }
    const char *query;
    if ((status = route_target(rq, p, &query)) != 0) {
        reply_status(rp, status);
        return;
    }
    h->path = p;
    if (h->status && status_serve(h->status, h->cfg, h->conn, p, query, rp))
        return; /* [status] path */
    if (h->cfg->tls && h->cfg->tls_redirect_http && !conn_is_tls(h->conn) &&
        redirect_https(h, rq, p, query, rp))
        return;
    if (gate_path(h, p, false, rp) != GATE_OPEN)
        return;
    if ((h->cfg->hide_dotfiles && path_is_hidden(p->buf, p->len)) || /* .git, .env */
        is_rules_file(p->buf, p->len)) {
        reply_status(rp, HTTP_STATUS_NOT_FOUND);
        return;
    }
    char name[MH_URL_PATH_MAX + sizeof(".html")];
    size_t name_len;
    struct fcache_file *f = lookup(h, p, name, sizeof(name), &name_len);
    bool exists = f->status != HTTP_STATUS_NOT_FOUND;
    if (!exists && serve_lone_gz(h, rq, p, rp))
        return;
    if (!exists) /* the cache's answer may have been replaced by the .gz's */
        f = &h->missing;
    if (h->cfg->redirects) { /* on a hit, only forced rules are looked at */
        char to[3 * MH_URL_PATH_MAX];
        struct buf tb;
        struct redir_hit hit;
        buf_init(&tb, to, sizeof(to));
        bool is_dir = f->status == HTTP_STATUS_OK && S_ISDIR(f->file.st.st_mode);
        find_dirs(h, p->buf, p->len, is_dir);
        status = find_rule(h, p, exists, &tb, &hit);
        if (status == HTTP_STATUS_URI_TOO_LONG) {
            reply_status(rp, status);
            return;
        }
        if (status == HTTP_STATUS_OK || status == HTTP_STATUS_NOT_FOUND) {
            rewrite(h, rq, p, status, to, tb.len, query, rp);
            return;
        }
        if (status) {
            redirect_rule(rp, status, to, tb.len, hit.absolute, query);
            return;
        }
    }
    serve_path(h, rq, p, p, f, name, name_len, query, rp);
}

/* --- the finisher --- */

/* The file f (a regular file, named name) as the body of rp, whatever
 * rp's status: an error page. */
static void page_body(struct handler_ctx *h, struct fcache_file *f, const char *name,
                      size_t len, struct reply *rp)
{
    reply_header(rp, "Content-Type", file_type(h, f, name, len));
    rp->len = (uint64_t)f->file.st.st_size;
    if (f->file.body) {
        rp->kind = BODY_FILE;
        rp->file = body_ref(f->file.body);
    }
}

static bool can_send(const struct fcache_file *f)
{
    return f->status == HTTP_STATUS_OK && S_ISREG(f->file.st.st_mode) &&
           (f->file.body || f->file.st.st_size == 0);
}

/* The nearest page: ep's name in the request's directory, then in each
 * parent up to the docroot; false when there is none. */
static bool nearest_page(struct handler_ctx *h, const struct mh_error_page *ep,
                         struct reply *rp)
{
    const char *path = h->path ? h->path->buf : "/";
    if (h->ndirs == 0) /* else decide() found them */
        find_dirs(h, path, h->path ? h->path->len : 1,
                  h->path && h->path->trailing_slash);
    for (size_t i = 0; i < h->ndirs; i++) {
        char name[MH_URL_PATH_MAX + MH_ERROR_PAGE_PATH_MAX];
        struct buf b;
        buf_init(&b, name, sizeof(name));
        if (h->dirs_len[i] > 1)
            buf_append(&b, path, h->dirs_len[i]);
        buf_puts(&b, ep->path);
        if (b.overflow)
            continue;
        if (gate(h, name, b.len, NULL) != GATE_OPEN)
            continue; /* a page the client may not read is not its page */
        struct fcache_file *f = fcache_get(h->files, h->rootfd, name + 1, h->now);
        if (can_send(f)) {
            page_body(h, f, name, b.len, rp);
            return true;
        }
    }
    return false;
}

/* The body of an error (or of a redirect): the [errors] page for its
 * status when there is one that can be served, else the built-in page. */
static void error_body(struct handler_ctx *h, struct reply *rp)
{
    const struct mh_error_page *ep = config_error_page(h->cfg, rp->status);
    if (ep && ep->nearest && nearest_page(h, ep, rp))
        return;
    if (ep && !ep->nearest && gate(h, ep->path, strlen(ep->path), NULL) == GATE_OPEN) {
        struct fcache_file *f = fcache_get(h->files, h->rootfd, ep->path + 1, h->now);
        if (can_send(f)) {
            page_body(h, f, ep->path, strlen(ep->path), rp);
            return;
        }
        log_msg(MH_LOG_ERROR,
                "error page %s for %d cannot be served (%d); sending the "
                "built-in page",
                ep->path, rp->status,
                f->status == HTTP_STATUS_OK ? HTTP_STATUS_FORBIDDEN : f->status);
    }
    size_t len = 0;
    const char *text = status_page(rp->status, &len);
    if (!text) { /* a status with no page of its own is a bug: say so */
        log_msg(MH_LOG_ERROR, "no page for status %d", rp->status);
        rp->status = HTTP_STATUS_INTERNAL;
        text = status_page(rp->status, &len);
    }
    reply_header(rp, "Content-Type", "text/html; charset=utf-8");
    rp->kind = BODY_MEMORY;
    rp->mem = text;
    rp->len = len;
}

/* The common headers, formatted once a second (and after a reload).  They
 * cannot overflow (config.c bounds every [headers] line): a bug if so. */
static void refresh_common(struct handler_ctx *h)
{
    if (h->now != h->date_sec && httpdate_format(h->now, h->date) == 0)
        h->date_sec = h->now; /* the Date header, formatted once a second */
    if (h->now == h->common_sec)
        return;
    response_reset(&h->common);
    if (!headers_common(&h->common, h->date, h->cfg->headers, h->cfg->n_headers))
        log_msg(MH_LOG_ERROR, "common response headers over %d bytes",
                MH_RESPONSE_HEAD_MAX);
    h->common_sec = h->now;
}

/* Let go of the reply's body when it is not sent. */
static void drop_body(struct reply *rp)
{
    if (rp->kind == BODY_MEMORY && rp->release)
        rp->release(rp->mem, (size_t)rp->len, NULL);
    rp->kind = BODY_NONE;
}

/* Queue the body on the connection's output: memory by reference, a file
 * through body.c.  Returns the bytes queued (0 when libevent refused them:
 * the head is out, so the connection must end). */
/* A small body's bytes when they are in memory (NULL otherwise): over TLS
 * they are copied behind the head, so head and body go out as one TLS
 * record and one write, not two of each. */
static const char *small_bytes(const struct reply *rp)
{
    if (rp->len > MH_TLS_JOIN_MAX)
        return NULL;
    if (rp->kind == BODY_MEMORY)
        return rp->mem;
    const char *b = rp->kind == BODY_FILE ? body_bytes(rp->file) : NULL;
    return b ? b + rp->offset : NULL;
}

static uint64_t queue_body(struct handler_ctx *h, struct evbuffer *out,
                           struct reply *rp)
{
    int r = -1;
    struct body_feed *feed = NULL;
    const char *small = conn_is_tls(h->conn) ? small_bytes(rp) : NULL;
    if (small) {
        r = evbuffer_add(out, small, (size_t)rp->len);
        if (r == 0)
            drop_body(rp); /* copied: a memory body is released now */
    } else if (rp->kind == BODY_MEMORY)
        r = evbuffer_add_reference(out, rp->mem, (size_t)rp->len, rp->release, NULL);
    else if (rp->kind == BODY_FILE && conn_is_tls(h->conn)) /* no sendfile() */
        r = body_add_no_sendfile(out, rp->file, rp->offset, rp->len, &feed);
    else if (rp->kind == BODY_FILE)
        r = body_add(out, rp->file, rp->offset, rp->len);
    conn_response_feed(h->conn, feed);
    if (r == 0)
        return rp->len;
    log_msg(MH_LOG_ERROR, "cannot queue a body of %llu bytes: %s",
            (unsigned long long)rp->len, strerror(errno));
    drop_body(rp);
    rp->close = true;
    return 0;
}

/* Write what is queued on the connection and hand the request back to
 * evhttp.  The head and body are written to the socket here, at once, as
 * libevent would write them on its next turn of the loop; when the socket
 * takes it all (a small response nearly always), evhttp finishes the
 * request now, without waiting for a write event.  Otherwise libevent
 * writes the rest when the socket is writable, with evhttp's usual
 * callbacks, and conn.c logs the request once it is sent (or cut short).
 * req and its connection may be freed on return. */
static void send_queued(struct handler_ctx *h, struct evhttp_request *req, int status,
                        uint64_t bytes, bool close, bool fresh)
{
    struct bufferevent *bev =
        evhttp_connection_get_bufferevent(evhttp_request_get_connection(req));
    struct evbuffer *out = bufferevent_get_output(bev);
    if (close) { /* evhttp closes after a reply saying so... */
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection",
                          "close");
        if (evhttp_request_get_command(req) == EVHTTP_REQ_CONNECT)
            req->type = EVHTTP_REQ_GET; /* ...except to CONNECT (libevent.md) */
    }
    /* The output's start is frozen except while libevent writes it
     * (bufferevent_sock.c); thaw it the same way for this write.  Over TLS
     * only OpenSSL may write the socket: through conn.c, and only when no
     * earlier write of libevent's may be waiting for a retry (fresh). */
    if (conn_is_tls(h->conn)) {
        if (fresh)
            conn_tls_write_now(h->conn, MH_WRITE_THROUGH_MAX, MH_WRITE_THROUGH_CALLS);
    } else {
        evbuffer_unfreeze(out, 1);
        for (int i = 0; i < MH_WRITE_THROUGH_CALLS && evbuffer_get_length(out) > 0; i++)
            if (evbuffer_write_atmost(out, bufferevent_getfd(bev),
                                      MH_WRITE_THROUGH_MAX) <= 0)
                break; /* EAGAIN, or an error libevent will see and report */
        evbuffer_freeze(out, 1);
    }
    if (evbuffer_get_length(out) > 0) {
        /* as evhttp does while it writes a reply: no reading meanwhile */
        bufferevent_data_cb readcb, writecb;
        bufferevent_event_cb eventcb;
        void *arg;
        bufferevent_getcb(bev, &readcb, &writecb, &eventcb, &arg);
        bufferevent_setcb(bev, NULL, writecb, eventcb, arg);
        bufferevent_enable(bev, EV_WRITE);
    }
    conn_response_queued(h->conn, req, status, (int64_t)bytes);
    /* evhttp marks a request with a chunked body "chunked" and would end
     * our Content-Length response with a chunk terminator (libevent.md) */
    req->chunked = 0;
    evhttp_send_reply_end(req);
}

/* The one place a response is sent from: the page of a 301 or an error
 * without a body of its own, Content-Length (none on a 304), the common headers and
 * Connection, then head and body (none for HEAD) to the connection. */
static void finish(struct handler_ctx *h, struct evhttp_request *req,
                   const struct request *rq, struct reply *rp)
{
    if (rp->kind == BODY_NONE &&
        (rp->status >= 400 ||
         (rp->status >= 300 && rp->status != HTTP_STATUS_NOT_MODIFIED)))
        error_body(h, rp);
    struct response *r = &rp->head;
    if (rp->status != HTTP_STATUS_NOT_MODIFIED)
        response_header_u(r, "Content-Length", rp->len);
    response_lines(r, h->common.mem + RESPONSE_LINE_MAX, h->common.len);
    if (h->cfg->tls_hsts[0] && conn_is_tls(h->conn)) /* HTTPS responses only */
        response_header(r, "Strict-Transport-Security", h->cfg->tls_hsts);
    bool close = rp->close || h->stopping || route_closes(rq);
    if (close)
        response_header(r, "Connection", "close");
    else if (rq->major == 1 && rq->minor == 0)
        response_header(r, "Connection", "keep-alive");
    size_t n;
    const char *head = response_finish(r, rp->status, status_reason(rp->status), &n);
    struct evbuffer *out = bufferevent_get_output(
        evhttp_connection_get_bufferevent(evhttp_request_get_connection(req)));
    uint64_t bytes = 0;
    bool fresh = false; /* the output held nothing before this response */
    if (!head) {        /* a bug: bounds.h sizes the head for the worst case */
        static const char bare500[] = "HTTP/1.1 500 Internal Server Error\r\n"
                                      "Content-Length: 0\r\nConnection: close\r\n\r\n";
        log_msg(MH_LOG_ERROR, "the head of a %d response does not fit in %d bytes",
                rp->status, MH_RESPONSE_HEAD_MAX);
        evbuffer_add(out, bare500, sizeof(bare500) - 1);
        rp->status = HTTP_STATUS_INTERNAL;
        close = true;
        drop_body(rp);
    } else {
        fresh = evbuffer_get_length(out) == 0;
        bool whole =
            rq->method != METHOD_HEAD && conn_is_tls(h->conn) && small_bytes(rp);
        if (whole) /* head and body in one chain (see small_bytes()) */
            evbuffer_expand(out, n + (size_t)rp->len);
        evbuffer_add(out, head, n);
        if (rq->method == METHOD_HEAD || rp->len == 0)
            drop_body(rp);
        else
            bytes = queue_body(h, out, rp);
        close = close || rp->close;
    }
    if (rp->file)
        body_unref(rp->file);
    if (h->who.forwarded || h->who.user)
        conn_set_identity(h->conn, h->who.forwarded ? h->who.text : NULL, h->who.user);
    send_queued(h, req, rp->status, bytes, close, fresh);
}

/* Leave no password behind. */
static void forget_who(struct handler_ctx *h)
{
    if (h->who.cred != CRED_NONE)
        explicit_bzero(&h->who.basic, sizeof(h->who.basic));
    h->who.known = h->who.bad = h->who.forwarded = false;
    h->who.cred = CRED_NONE;
    h->who.user = NULL;
}

void handler_request(struct evhttp_request *req, struct conn *c, void *arg)
{
    struct handler_ctx *h = arg;
    struct req_header hdr[MH_REQUEST_HEADERS_MAX];
    struct request rq;
    struct reply rp;
    h->conn = c;
    h->req = req;
    h->rq = &rq;
    h->now = time(NULL);
    refresh_common(h);
    copy_request(req, c, &rq, hdr);
    reply_init(&rp, h->head_mem, sizeof(h->head_mem));
    char pathbuf[MH_URL_PATH_MAX];
    struct path_out p = {.buf = pathbuf, .cap = sizeof(pathbuf)};
    h->path = NULL;
    h->ndirs = 0;
    h->copy_enc = copy_coding(h, &rq);
    decide(h, &rq, &p, &rp);
    if (h->held) { /* answered when its password has been checked */
        drop_body(&rp);
        if (rp.file)
            body_unref(rp.file);
    } else
        finish(h, req, &rq, &rp);
    forget_who(h);
    h->held = false;
    h->path = NULL;
    h->conn = NULL;
    h->req = NULL;
    h->rq = NULL;
}

/* --- the worker's state --- */

/* Serve from the docroot open as fd (taken); when it is another directory
 * than before (a symlink switched to a new release), forget the files of
 * the old one. */
static void use_root(struct handler_ctx *h, int fd, const struct stat *st)
{
    if (st->st_dev != h->root_dev || st->st_ino != h->root_ino) {
        fcache_flush(h->files);
        dircache_flush(h->dirs);
    }
    h->root_dev = st->st_dev;
    h->root_ino = st->st_ino;
    if (h->rootfd >= 0)
        close(h->rootfd);
    h->rootfd = fd;
}

/* Open the docroot again and serve from it: 0, or -1 with errno. */
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
    use_root(h, fd, &st);
    return 0;
}

void handler_tick(struct handler_ctx *h)
{
    if (h->auth)
        auth_worker_tick(h->auth, h->now);
    if (reopen_root(h, h->cfg->docroot) == 0 ||
        h->now - h->root_err_logged < MH_LOG_CONDITION_SEC)
        return;
    h->root_err_logged = h->now;
    log_msg(MH_LOG_ERROR,
            "cannot open docroot %s: %s; serving the previous one "
            "(logged once per %d s)",
            h->cfg->docroot, strerror(errno), MH_LOG_CONDITION_SEC);
}

struct handler_ctx *handler_new(const struct mh_config *cfg, unsigned cache_slots,
                                int rootfd, struct mh_error *err)
{
    struct handler_ctx *h = calloc(1, sizeof(*h));
    if (!h) {
        close(rootfd);
        snprintf(err->msg, sizeof(err->msg), "minihttpd: out of memory");
        return NULL;
    }
    h->rootfd = -1;
    h->copy_enc = -1;
    response_init(&h->common, h->common_mem, sizeof(h->common_mem));
    h->mime = mime_ctx_new(err);
    h->files = h->mime ? fcache_new(cache_slots, MH_FILE_CACHE_HELD_MAX, body_wrap,
                                    body_unwrap)
                       : NULL;
    h->dirs = h->files ? dircache_new(MH_DIRCACHE_SLOTS) : NULL;
    h->missing.status = HTTP_STATUS_NOT_FOUND;
    if (!h->dirs) {
        if (h->mime)
            snprintf(err->msg, sizeof(err->msg), "minihttpd: out of memory");
        close(rootfd);
        handler_free(h);
        return NULL;
    }
    handler_use_config(h, cfg, rootfd);
    return h;
}

void handler_free(struct handler_ctx *h)
{
    if (!h)
        return;
    auth_worker_free(h->auth);
    fcache_free(h->files);
    dircache_free(h->dirs);
    if (h->rootfd >= 0)
        close(h->rootfd);
    mime_ctx_free(h->mime);
    free(h);
}

/* What changes with a config: [headers] may differ, and so may the types,
 * index names and sidecar rules the cached answers were made with. */
static void switch_config(struct handler_ctx *h, const struct mh_config *cfg)
{
    h->cfg = cfg;
    h->common_sec = 0;
    if (h->auth)
        auth_worker_use_config(h->auth, cfg);
    fcache_flush(h->files);
    dircache_flush(h->dirs);
    mime_ctx_reset(h->mime);
}

void handler_use_config(struct handler_ctx *h, const struct mh_config *cfg, int rootfd)
{
    struct stat st;
    if (fstat(rootfd, &st) != 0) /* an O_PATH fd: cannot fail but for a bug */
        memset(&st, 0, sizeof(st));
    use_root(h, rootfd, &st);
    switch_config(h, cfg);
}

void handler_set_zcache(struct handler_ctx *h, struct zcache *zc)
{
    h->zc = zc;
}

void handler_set_status(struct handler_ctx *h, const struct status_source *src)
{
    h->status = src;
}

void handler_cache_counts(const struct handler_ctx *h, uint64_t *hits, uint64_t *misses)
{
    fcache_counts(h->files, hits, misses);
}

void handler_stop(struct handler_ctx *h)
{
    h->stopping = true;
}
