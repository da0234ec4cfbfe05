/* conn.c - per-connection bookkeeping that evhttp 2.1 does not offer.
 *
 * Owns: the count of open connections and the listener's pausing, where a
 * request begins and ends on the wire (its deadline, request_timeout, and
 * its size, MH_REQUEST_WIRE_MAX), the send timeout of a response, and the
 * access-log line of every request: written when its response has left, or
 * when the connection goes, with the body bytes sent by then (so a download
 * cut short is logged as what was sent).  evhttp 2.1 has no hook for new or
 * closed connections, so:
 *  - evhttp_set_bevcb() lets us create each connection's bufferevent: that
 *    is "new connection"; we hold a reference on it until the first byte,
 *  - a callback on the bufferevent's input evbuffer sees every byte arrive
 *    (evhttp's own callbacks are on the bufferevent, so they do not clash);
 *    at the first byte evhttp's connection object is known,
 *    evhttp_connection_set_closecb() gives us "closed", and the socket's fd
 *    indexes the worker's table of connections (by_fd), which is how a
 *    request is matched to its connection,
 *  - evhttp_set_gencb() hands us each request once evhttp has read it whole:
 *    only then is the request's deadline lifted (never on a guess about
 *    where its head ends: a body can be trickled too),
 *  - a connection closed before its first byte is found by the once-a-second
 *    tick (evhttp has cleared the bufferevent's callbacks) and let go,
 *  - evhttp turns the bufferevent's reading off when it hands a request over
 *    and on again when the response is done; libevent's change list turns
 *    that pair into one epoll_ctl(EPOLL_CTL_MOD) per request, a system call
 *    that changes nothing.  A second read event on the socket (read_pin)
 *    keeps the socket's read interest counted while the bufferevent's comes
 *    and goes, so the pair changes nothing in the kernel either.  The pin
 *    lets go (and is put back at the next request) whenever it sees the
 *    socket readable while the bufferevent is not reading, so a connection
 *    that stops reading on purpose (input full, a held request) never
 *    wakes the loop twice.
 * Never decides a response: it passes requests on and writes only the 408
 * and 400 of requests evhttp never handed over. */
#define _GNU_SOURCE
#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/bufferevent_struct.h> /* ev_read, for read_pin */
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include <openssl/err.h>

#include "accesslog.h"
#include "body.h"
#include "buf.h"
#include "bounds.h"
#include "headers.h"
#include "log.h"
#include "metrics.h"
#include "precond.h"
#include "response.h"
#include "status.h"
#include "tls.h"

/* Who the next access-log line names, when it is not just the peer: a
 * client from X-Forwarded-For (trusted_proxies) or an authenticated user.
 * Kept apart from struct conn so an idle connection does not carry 320
 * bytes it rarely needs. */
struct conn_who {
    char client[MH_CIDR_TEXT_MAX];   /* "": the peer */
    char user[MH_AUTH_USER_MAX + 1]; /* "": none */
};

struct conn {
    struct conn_table *t;
    struct bufferevent *bev;
    struct evhttp_connection *evcon; /* known from the first byte on */
    int fd;                          /* its slot in t->by_fd from then on; -1 before */
    struct event *deadline;          /* request_timeout of the request being read; made
                                        active at once to refuse one (`refuse`) */
    struct event *read_pin;          /* a read event of its own on fd (see the top) */
    bool pinned;                     /* read_pin is added */
    struct conn *prev, *next;
    bool reading;             /* a request begun and not yet handed over whole */
    int refuse;               /* a status to answer at once instead of reading on */
    uint64_t rx;              /* bytes received on the connection */
    uint64_t req_start;       /* rx offset of the request being read */
    struct timeval req_began; /* when its first byte came (the loop's time) */
    uint64_t nul_at;          /* 1 + rx offset of a NUL not yet in a request; 0: none */
    bool had_nul;             /* the request being handled held that NUL */
    struct evhttp_request *pending; /* a response queued and not all sent... */
    int pending_status;             /* ...its status... */
    int64_t pending_body;           /* ...and its body bytes */
    bool tls;                       /* accepted on the HTTPS listener */
    struct body_feed *feed;         /* a TLS response's file, read in as it drains */
    bool held;            /* the handler holds a request (a password being checked) */
    struct conn_who *who; /* the next log line's client and user; NULL: the peer,
                             no user (made only for requests that have one) */
    int lib_status;       /* a response evhttp writes on its own: its status... */
    int lib_part;         /* ...where in it the writes are (0 none, 1 head, 2 body) */
    int64_t lib_bytes;    /* ...and its body bytes so far */
};

/* Set while the handler runs on this thread: output then is the handler's. */
static _Thread_local int handler_running;

/* What a listener's evhttp calls on_new_connection() with. */
struct conn_listener {
    struct conn_table *t;
    bool tls;
};

struct conn_table {
    struct event_base *base;
    struct evconnlistener *listener;     /* plain HTTP */
    struct evconnlistener *tls_listener; /* HTTPS, or NULL */
    struct conn_listener entry[2];       /* plain, HTTPS */
    struct tls_ctx *tls;                 /* new HTTPS connections' context */
    const struct mh_config *cfg;
    struct accesslog_writer *log;
    conn_request_fn on_request;
    void *arg;
    struct conn *head;
    struct conn **by_fd; /* the connection whose socket is fd, from its first byte */
    size_t n_fd;         /* entries: the open-file limit at start */
    unsigned count, max;
    bool paused_full, paused_fds, stopped;
    struct event *resume; /* re-enables accepting after EMFILE */
    time_t full_logged, fds_logged;
    struct metrics *metrics; /* the status page's counters, or NULL */
};

/* The table of the worker running on this thread (see conn_table_bind). */
static _Thread_local struct conn_table *thread_table;

/* The connection cap and the fd pause hold for both listeners. */
static void update_listener(struct conn_table *t)
{
    struct evconnlistener *l[2] = {t->listener, t->tls_listener};
    for (int i = 0; i < 2 && !t->stopped; i++)
        if (l[i] && (t->paused_full || t->paused_fds))
            evconnlistener_disable(l[i]);
        else if (l[i])
            evconnlistener_enable(l[i]);
}

/* Log a condition at most once per MH_LOG_CONDITION_SEC. */
static bool log_due(time_t *last)
{
    time_t now = time(NULL);
    if (now - *last < MH_LOG_CONDITION_SEC)
        return false;
    *last = now;
    return true;
}

static void conn_unlink_and_free(struct conn *c)
{
    struct conn_table *t = c->t;
    if (c->prev)
        c->prev->next = c->next;
    else
        t->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->fd >= 0)
        t->by_fd[c->fd] = NULL;
    if (c->tls) /* before libevent frees the SSL: its session stays resumable */
        tls_ssl_close(bufferevent_openssl_get_ssl(c->bev));
    body_feed_free(c->feed);
    event_free(c->deadline);
    event_free(c->read_pin); /* before evhttp closes fd: libevent counts it there */
    free(c->who);
    free(c);
    t->count--;
    if (t->metrics)
        metrics_add(&t->metrics->conns_closed, 1);
    if (t->paused_full && t->count < t->max) {
        t->paused_full = false;
        update_listener(t);
    }
}

/* --- the access log --- */

const char *conn_method_name(enum evhttp_cmd_type cmd)
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

/* The access-log line of req (NULL: a request evhttp never handed over,
 * logged as "-"). */
static void log_line(struct conn *c, struct evhttp_request *req, int status,
                     int64_t bytes)
{
    char *addr = NULL;
    ev_uint16_t port = 0;
    struct timeval now;
    struct conn_who *who = req ? c->who : NULL; /* this request's, used up here */
    if (req)
        c->who = NULL;
    if (c->t->metrics) /* counted for the status page, logged or not */
        metrics_response(c->t->metrics, status, bytes);
    if (c->t->cfg->access_log_off || !c->evcon) {
        free(who);
        return;
    }
    evhttp_connection_get_peer(c->evcon, &addr, &port);
    event_base_gettimeofday_cached(c->t->base, &now);
    struct access_record r = {
        .client = who && who->client[0] ? who->client : addr,
        .user = who && who->user[0] ? who->user : NULL,
        .http_major = 1,
        .http_minor = 1,
        .status = status,
        .bytes = bytes,
        .when = now.tv_sec,
        .tls = c->tls,
        .duration_us = (int64_t)(now.tv_sec - c->req_began.tv_sec) * 1000000 +
                       (now.tv_usec - c->req_began.tv_usec),
    };
    if (req) {
        struct evkeyvalq *in = evhttp_request_get_input_headers(req);
        r.method = conn_method_name(evhttp_request_get_command(req));
        r.target = evhttp_request_get_uri(req);
        r.http_major = req->major;
        r.http_minor = req->minor;
        r.referer = evhttp_find_header(in, "Referer");
        r.user_agent = evhttp_find_header(in, "User-Agent");
        r.host = evhttp_find_header(in, "Host");
    }
    accesslog_add(c->t->log, &r, c->t->cfg->access_json);
    free(who);
}

/* --- requests on the wire --- */

/* A request begins at rx offset `at`: its deadline runs from now. */
static void start_request(struct conn *c, uint64_t at)
{
    struct timeval tv = {.tv_sec = c->t->cfg->request_timeout};
    c->reading = true;
    c->req_start = at;
    event_base_gettimeofday_cached(c->t->base, &c->req_began);
    event_add(c->deadline, &tv);
}

/* Answer `status` at once and close, instead of reading on (from the
 * deadline's callback: the input callback must not free the connection). */
static void refuse(struct conn *c, int status)
{
    c->refuse = status;
    bufferevent_disable(c->bev, EV_READ);
    event_active(c->deadline, EV_TIMEOUT, 1);
}

/* RFC 9112 2.2: one empty line before a request line is ignored (clients
 * have sent a CRLF after a POST body).  in starts where a request does. */
static void skip_empty_line(struct evbuffer *in)
{
    char b[2];
    ev_ssize_t n = evbuffer_copyout(in, b, 2);
    if (n >= 1 && b[0] == '\n')
        evbuffer_drain(in, 1);
    else if (n == 2 && b[0] == '\r' && b[1] == '\n')
        evbuffer_drain(in, 2);
}

/* A response is done (or, for the access log, as good as done): what is
 * left in the input is the next request, whose deadline starts now. */
static void next_request(struct conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    skip_empty_line(in);
    size_t left = evbuffer_get_length(in);
    if (left > 0)
        start_request(c, c->rx - left);
}

static void on_close(struct evhttp_connection *evcon, void *arg);

/* The socket is readable: nothing to do while the bufferevent reads it
 * too; otherwise let go, or the socket would wake the loop until the
 * bufferevent reads again. */
static void on_read_pin(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)fd;
    (void)what;
    if (!event_pending(&c->bev->ev_read, EV_READ, NULL)) {
        event_del(c->read_pin);
        c->pinned = false;
    }
}

/* Put the pin (back) on a connection whose socket fd is known. */
static void pin_reading(struct conn *c)
{
    if (!c->pinned && c->fd >= 0 && event_add(c->read_pin, NULL) == 0)
        c->pinned = true;
}

/* The first byte: evhttp's connection is the bufferevent's callback
 * argument now, and the socket's fd is the connection's slot in by_fd. */
static bool first_byte(struct conn *c)
{
    struct conn_table *t = c->t;
    void *evcon = NULL;
    bufferevent_getcb(c->bev, NULL, NULL, NULL, &evcon);
    if (!evcon)
        return false;
    c->evcon = evcon;
    evhttp_connection_set_closecb(c->evcon, on_close, c);
    bufferevent_decref(c->bev); /* evhttp owns it alone from now on */
    int fd = bufferevent_getfd(c->bev);
    if (fd < 0 || (size_t)fd >= t->n_fd) { /* above the open-file limit at start */
        log_msg(MH_LOG_ERROR, "connection fd %d is above the open-file limit (%zu)", fd,
                t->n_fd);
        refuse(c, HTTP_STATUS_UNAVAILABLE);
        return false;
    }
    c->fd = fd;
    t->by_fd[fd] = c;
    if (event_assign(c->read_pin, t->base, fd, EV_READ | EV_PERSIST, on_read_pin, c) ==
        0)
        pin_reading(c);
    return true;
}

static void on_input(struct evbuffer *in, const struct evbuffer_cb_info *info,
                     void *arg)
{
    struct conn *c = arg;
    if (info->n_added == 0 || c->refuse)
        return;
    if (!c->evcon && !first_byte(c))
        return;
    uint64_t added_at = c->rx;
    size_t len = evbuffer_get_length(in);
    c->rx += info->n_added;
    if (!c->nul_at && len >= info->n_added) { /* NULs: see conn_request_had_nul() */
        struct evbuffer_ptr p;
        if (evbuffer_ptr_set(in, &p, len - info->n_added, EVBUFFER_PTR_SET) == 0) {
            struct evbuffer_ptr nul = evbuffer_search(in, "", 1, &p);
            if (nul.pos >= 0)
                c->nul_at = c->rx - len + (uint64_t)nul.pos + 1;
        }
    }
    if (c->pending) /* the next request waits for this response to be sent */
        return;
    if (!c->reading)
        start_request(c, added_at);
    if (c->req_start == added_at && len == info->n_added)
        skip_empty_line(in); /* the request's first bytes */
    if (c->rx - c->req_start > MH_REQUEST_WIRE_MAX)
        refuse(c, HTTP_STATUS_BAD_REQUEST);
}

/* evhttp has read a request whole: its deadline is lifted, and the
 * handler decides the response. */
static struct conn *find_conn(struct conn_table *t, struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    int fd = bev ? bufferevent_getfd(bev) : -1;
    struct conn *c = fd >= 0 && (size_t)fd < t->n_fd ? t->by_fd[fd] : NULL;
    return c && c->bev == bev ? c : NULL;
}

static void take_request(struct evhttp_request *req, void *arg)
{
    struct conn_table *t = arg;
    struct conn *c = find_conn(t, req);
    struct bufferevent *bev = c ? c->bev : NULL;
    if (c) {
        uint64_t end = c->rx - evbuffer_get_length(bufferevent_get_input(bev));
        pin_reading(c); /* evhttp has just turned reading off: this cancels it */
        c->reading = false;
        event_del(c->deadline);
        c->had_nul = c->nul_at && c->nul_at - 1 < end;
        if (c->had_nul)
            c->nul_at = 0;
    }
    handler_running = 1;
    t->on_request(req, c, t->arg);
    handler_running = 0;
}

void conn_request_hold(struct conn *c, bool held)
{
    if (c)
        c->held = held;
}

void conn_request_resume(struct evhttp_request *req)
{
    struct conn_table *t = thread_table;
    if (!evhttp_request_get_connection(req)) { /* its connection went meanwhile */
        evhttp_request_free(req);
        return;
    }
    struct conn *c = find_conn(t, req);
    if (c)
        c->held = false;
    handler_running = 1;
    t->on_request(req, c, t->arg);
    handler_running = 0;
}

void conn_set_identity(struct conn *c, const char *client, const char *user)
{
    if (!c)
        return;
    if (!c->who && !(c->who = malloc(sizeof(*c->who)))) {
        log_msg(MH_LOG_ERROR, "out of memory: the access-log line names the peer, "
                              "without its forwarded address or user");
        return;
    }
    struct buf b;
    buf_init(&b, c->who->client, sizeof(c->who->client));
    if (!client || !buf_puts(&b, client))
        c->who->client[0] = '\0';
    buf_init(&b, c->who->user, sizeof(c->who->user));
    if (!user || !buf_puts(&b, user))
        c->who->user[0] = '\0';
}

bool conn_request_had_nul(const struct conn *c)
{
    return c && c->had_nul;
}

/* evhttp has written the whole response (its on_complete callback). */
static void on_response_done(struct evhttp_request *req, void *arg)
{
    struct conn *c = arg;
    struct timeval idle = {.tv_sec = c->t->cfg->keepalive_timeout};
    if (body_feed_failed(c->feed)) /* the file shrank: the body was cut short */
        shutdown(c->fd, SHUT_RDWR);
    log_line(c, req, c->pending_status, c->pending_body);
    body_feed_free(c->feed);
    c->feed = NULL;
    c->pending = NULL;
    bufferevent_set_timeouts(c->bev, &idle, &idle);
    next_request(c);
}

void conn_response_queued(struct conn *c, struct evhttp_request *req, int status,
                          int64_t body_bytes)
{
    if (!c) { /* a connection evhttp made itself (out of memory): untracked */
        struct conn_table *t = thread_table;
        struct conn tmp = {.t = t, .evcon = evhttp_request_get_connection(req)};
        if (t)
            log_line(&tmp, req, status, body_bytes);
        return;
    }
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        log_line(c, req, status, body_bytes);
        body_feed_free(c->feed);
        c->feed = NULL;
        next_request(c);
        return;
    }
    c->pending = req;
    c->pending_status = status;
    c->pending_body = body_bytes;
    if (body_bytes > 0) { /* a long download to a steady reader is not cut
                             by the idle timeout (libevent#715) */
        struct timeval send_tv = {.tv_sec = c->t->cfg->send_timeout};
        bufferevent_set_timeouts(c->bev, NULL, &send_tv);
    }
    evhttp_request_set_on_complete_cb(req, on_response_done, c);
}

/* evhttp frees the connection: a response still being sent is logged with
 * the body bytes that left, a response evhttp wrote on its own with its
 * own; our bookkeeping goes with it. */
static void on_close(struct evhttp_connection *evcon, void *arg)
{
    struct conn *c = arg;
    (void)evcon;
    if (c->pending) {
        uint64_t left = evbuffer_get_length(bufferevent_get_output(c->bev)) +
                        body_feed_left(c->feed);
        int64_t sent =
            c->pending_body > (int64_t)left ? c->pending_body - (int64_t)left : 0;
        log_line(c, c->pending, c->pending_status, sent);
    }
    if (c->lib_part)
        log_line(c, NULL, c->lib_status, c->lib_bytes);
    conn_unlink_and_free(c);
}

/* Watch what is written outside the handler: evhttp answers requests it
 * refuses (400 for a malformed or oversized head, 413 for an oversized body,
 * 501 for an unknown method) without calling us.  Its writes are a status
 * line, one add per header line, "\r\n", then the body. */
static void on_output(struct evbuffer *out, const struct evbuffer_cb_info *info,
                      void *arg)
{
    struct conn *c = arg;
    if (info->n_added == 0 || handler_running)
        return;
    char peek[13] = "";
    struct evbuffer_ptr pos;
    size_t n = info->n_added < 12 ? info->n_added : 12;
    if (evbuffer_ptr_set(out, &pos, info->orig_size, EVBUFFER_PTR_SET) != 0 ||
        evbuffer_copyout_from(out, &pos, peek, n) != (ev_ssize_t)n)
        return;
    if (n == 12 && !memcmp(peek, "HTTP/1.", 7) && peek[8] == ' ' && peek[9] == '1') {
        return; /* "100 Continue" before a body: no response of its own */
    } else if (n == 12 && !memcmp(peek, "HTTP/1.", 7) && peek[8] == ' ') {
        if (c->lib_part)
            log_line(c, NULL, c->lib_status, c->lib_bytes);
        c->lib_status = atoi(peek + 9);
        c->lib_part = 1;
        c->lib_bytes = 0;
    } else if (c->lib_part == 1 && n == 2 && !memcmp(peek, "\r\n", 2)) {
        c->lib_part = 2;
    } else if (c->lib_part == 2) {
        c->lib_bytes += (int64_t)info->n_added;
    }
}

/* The response to a request evhttp never handed over (408, 400, 503):
 * written straight to the socket, best effort, with the headers every
 * response carries.  Returns the body bytes sent: all or none. */
static size_t send_direct(struct conn *c, int status)
{
    if (c->tls) /* the socket carries TLS records, not these bytes */
        return 0;
    size_t len, n;
    const char *page = status_page(status, &len);
    char date[HTTPDATE_LEN] = "";
    char *mem = malloc(MH_RESPONSE_HEAD_MAX);
    struct evbuffer *b = evbuffer_new();
    struct response r;
    const char *head = NULL;
    if (mem && b && page) {
        response_init(&r, mem, MH_RESPONSE_HEAD_MAX);
        httpdate_format(time(NULL), date);
        headers_common(&r, date, c->t->cfg->headers, c->t->cfg->n_headers);
        response_header(&r, "Content-Type", "text/html; charset=utf-8");
        response_header_u(&r, "Content-Length", len);
        response_header(&r, "Connection", "close");
        head = response_finish(&r, status, status_reason(status), &n);
    }
    size_t unsent = 1;
    if (head) {
        evbuffer_add(b, head, n);
        evbuffer_add(b, page, len);
        int fd = bufferevent_getfd(c->bev);
        while (evbuffer_get_length(b) > 0 && evbuffer_write(b, fd) > 0)
            ;
        unsent = evbuffer_get_length(b);
    }
    if (b)
        evbuffer_free(b);
    free(mem);
    return unsent == 0 ? len : 0;
}

/* request_timeout passed, or a request is refused (`refuse`): a request
 * begun and not handed over gets 408 (or the refusal) and the connection
 * is closed; a connection that never sent a byte is just closed. */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)fd;
    (void)what;
    if (!c->evcon) {
        void *evcon = NULL;
        bufferevent_getcb(c->bev, NULL, NULL, NULL, &evcon);
        struct bufferevent *bev = c->bev;
        conn_unlink_and_free(c);
        if (evcon)
            evhttp_connection_free(evcon);
        bufferevent_decref(bev);
        return;
    }
    if (!c->reading && !c->refuse)
        return;
    int status = c->refuse ? c->refuse : HTTP_STATUS_TIMEOUT;
    /* a response still queued for an earlier request goes first: then none */
    size_t sent = evbuffer_get_length(bufferevent_get_output(c->bev))
                      ? 0
                      : send_direct(c, status);
    log_line(c, NULL, status, (int64_t)sent);
    c->lib_part = 0;
    evhttp_connection_free(c->evcon); /* on_close frees c */
}

/* A new connection's bufferevent: a plain socket one, or on the HTTPS
 * listener an OpenSSL one that handshakes as the server (the fd is set by
 * evhttp afterwards, the SSL freed with the bufferevent). */
static struct bufferevent *new_bufferevent(struct conn_listener *l,
                                           struct event_base *base)
{
    if (!l->tls)
        return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    SSL *ssl = tls_ssl_new(l->t->tls);
    if (!ssl)
        return NULL;
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        SSL_free(ssl);
        return NULL;
    }
    /* a client that closes without close_notify ends its connection as a
     * plain one would, with no error of ours */
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

static struct bufferevent *on_new_connection(struct event_base *base, void *arg)
{
    struct conn_listener *l = arg;
    struct conn_table *t = l->t;
    struct conn *c = calloc(1, sizeof(*c));
    struct bufferevent *bev = new_bufferevent(l, base);
    if (!c || !bev || !(c->deadline = evtimer_new(base, on_deadline, c)) ||
        !(c->read_pin = event_new(base, -1, 0, on_read_pin, c)) ||
        !evbuffer_add_cb(bufferevent_get_input(bev), on_input, c) ||
        !evbuffer_add_cb(bufferevent_get_output(bev), on_output, c)) {
        log_msg(MH_LOG_ERROR, "out of memory for a new connection");
        if (bev) /* its buffers' callbacks point at c: they go with it */
            bufferevent_free(bev);
        if (c && c->deadline)
            event_free(c->deadline);
        if (c && c->read_pin)
            event_free(c->read_pin);
        free(c);
        return NULL; /* evhttp makes a bufferevent of its own: served, untracked */
    }
    bufferevent_set_max_single_write(bev, MH_WRITE_CHUNK_MAX);
    c->t = t;
    c->bev = bev;
    c->tls = l->tls;
    c->fd = -1;
    /* stop reading while MH_INPUT_BUFFER_MAX bytes wait (evhttp keeps reading
     * while it writes: a client that pipelines and never reads would
     * otherwise make us buffer without bound) */
    bufferevent_setwatermark(bev, EV_READ, 0, MH_INPUT_BUFFER_MAX);
    bufferevent_incref(bev); /* ours until the first byte tells us evhttp's */
    start_request(c, 0);     /* a connection that never sends is cut too */
    c->next = t->head;
    if (t->head)
        t->head->prev = c;
    t->head = c;
    if (t->metrics)
        metrics_add(&t->metrics->conns_opened, 1);
    if (++t->count >= t->max && !t->paused_full) {
        t->paused_full = true;
        update_listener(t);
        if (log_due(&t->full_logged))
            log_msg(MH_LOG_WARN,
                    "max_connections reached (%u in this worker): "
                    "accepting paused",
                    t->max);
    }
    return bev;
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
    struct conn_table *t = arg;
    (void)fd;
    (void)what;
    t->paused_fds = false;
    update_listener(t);
}

/* accept() failed for a reason that retrying at once cannot fix (EMFILE,
 * ENFILE, ENOBUFS): pause instead of spinning on a readable listener. */
static void on_accept_error(struct evconnlistener *lev, void *arg)
{
    struct conn_table *t = thread_table;
    int e = errno;
    (void)arg; /* evhttp's: the listener's callback argument is the evhttp */
    if (!t) {  /* not bound to this thread: a bug, but never spin */
        evconnlistener_disable(lev);
        return;
    }
    struct timeval tv = {.tv_sec = 0, .tv_usec = MH_ACCEPT_PAUSE_MS * 1000};
    (void)lev;
    t->paused_fds = true;
    update_listener(t);
    event_add(t->resume, &tv);
    if (log_due(&t->fds_logged))
        log_msg(MH_LOG_ERROR,
                "accept: %s; pausing accepts for %d ms (logged once per %d s)",
                strerror(e), MH_ACCEPT_PAUSE_MS, MH_LOG_CONDITION_SEC);
}

/* Entries of by_fd: every fd the process can open (fds are below the
 * open-file limit, which start-up has raised already). */
static size_t fd_slots(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur > MH_FD_TABLE_MAX)
        return MH_FD_TABLE_MAX;
    return (size_t)rl.rlim_cur;
}

struct conn_table *conn_table_new(struct event_base *base, struct evhttp *http,
                                  struct evhttp_bound_socket *bound, unsigned max,
                                  const struct mh_config *cfg,
                                  struct accesslog_writer *log,
                                  conn_request_fn on_request, void *arg)
{
    struct conn_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->base = base;
    t->listener = evhttp_bound_socket_get_listener(bound);
    t->cfg = cfg;
    t->log = log;
    t->on_request = on_request;
    t->arg = arg;
    t->max = max ? max : 1;
    t->full_logged = t->fds_logged = -MH_LOG_CONDITION_SEC;
    t->n_fd = fd_slots();
    t->by_fd = calloc(t->n_fd, sizeof(*t->by_fd));
    t->resume = evtimer_new(base, on_resume, t);
    if (!t->resume || !t->by_fd) {
        if (t->resume)
            event_free(t->resume);
        free(t->by_fd);
        free(t);
        return NULL;
    }
    evconnlistener_set_error_cb(t->listener, on_accept_error);
    t->entry[0] = (struct conn_listener){t, false};
    t->entry[1] = (struct conn_listener){t, true};
    evhttp_set_bevcb(http, on_new_connection, &t->entry[0]);
    evhttp_set_gencb(http, take_request, t);
    return t;
}

void conn_table_add_tls(struct conn_table *t, struct evhttp *http,
                        struct evhttp_bound_socket *bound, struct tls_ctx *tls)
{
    t->tls_listener = evhttp_bound_socket_get_listener(bound);
    t->tls = tls;
    evconnlistener_set_error_cb(t->tls_listener, on_accept_error);
    evhttp_set_bevcb(http, on_new_connection, &t->entry[1]);
    evhttp_set_gencb(http, take_request, t);
    update_listener(t);
}

void conn_table_set_tls(struct conn_table *t, struct tls_ctx *tls)
{
    t->tls = tls;
}

bool conn_is_tls(const struct conn *c)
{
    return c && c->tls;
}

void conn_tls_write_now(struct conn *c, size_t max, int calls)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
    for (int i = 0; ssl && i < calls && evbuffer_get_length(out) > 0; i++) {
        struct evbuffer_iovec v;
        if (evbuffer_peek(out, -1, NULL, &v, 1) < 1)
            return;
        ERR_clear_error();
        int r = SSL_write(ssl, v.iov_base, (int)(v.iov_len < max ? v.iov_len : max));
        if (r <= 0) { /* WANT_WRITE: libevent retries with these bytes and more */
            ERR_clear_error();
            return;
        }
        evbuffer_drain(out, (size_t)r);
    }
}

void conn_response_feed(struct conn *c, struct body_feed *feed)
{
    if (!c) { /* untracked (out of memory): the feed cannot be followed */
        body_feed_free(feed);
        return;
    }
    body_feed_free(c->feed);
    c->feed = feed;
}

void conn_table_bind(struct conn_table *t)
{
    thread_table = t;
}

void conn_table_set_config(struct conn_table *t, const struct mh_config *cfg)
{
    t->cfg = cfg;
}

void conn_table_stop_accepting(struct conn_table *t)
{
    t->stopped = true;
    t->listener = t->tls_listener = NULL; /* evhttp_del_accept_socket() frees them */
    event_del(t->resume);
}

unsigned conn_table_busy(const struct conn_table *t)
{
    unsigned n = 0;
    for (const struct conn *c = t->head; c; c = c->next)
        if ((c->reading && c->rx > c->req_start) || c->pending || c->held ||
            evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
            n++;
    return n;
}

void conn_table_set_metrics(struct conn_table *t, struct metrics *m)
{
    t->metrics = m;
}

const char *conn_peer(const struct conn *c)
{
    char *addr = NULL;
    ev_uint16_t port = 0;
    if (c && c->evcon)
        evhttp_connection_get_peer(c->evcon, &addr, &port);
    return addr ? addr : "";
}

unsigned conn_table_count(const struct conn_table *t)
{
    return t->count;
}

void conn_table_tick(struct conn_table *t)
{
    struct conn *c = t->head, *next;
    for (; c; c = next) {
        next = c->next;
        void *evcon = NULL;
        if (c->evcon)
            continue;
        bufferevent_getcb(c->bev, NULL, NULL, NULL, &evcon);
        if (!evcon) { /* evhttp closed it before its first byte */
            struct bufferevent *bev = c->bev;
            conn_unlink_and_free(c);
            bufferevent_decref(bev);
        }
    }
}

void conn_table_free(struct conn_table *t)
{
    if (!t)
        return;
    while (t->head) {
        struct conn *c = t->head;
        struct bufferevent *bev = c->evcon ? NULL : c->bev;
        conn_unlink_and_free(c);
        if (bev)
            bufferevent_decref(bev);
    }
    event_free(t->resume);
    free(t->by_fd);
    free(t);
}
