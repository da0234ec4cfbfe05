/* conn.c - per-connection bookkeeping that evhttp 2.1 does not offer.
 *
 * Owns: the count of open connections and the listener's pausing, the
 * whole-request deadline (request_timeout), and the access-log line of
 * requests that evhttp rejects itself.  evhttp 2.1 has no hook for new or
 * closed connections, so:
 *  - evhttp_set_bevcb() lets us create each connection's bufferevent: that
 *    is "new connection"; we hold a reference on it until the first byte,
 *  - a callback on the bufferevent's input evbuffer sees every byte arrive
 *    (evhttp's own callbacks are on the bufferevent, so they do not clash);
 *    at the first byte evhttp's connection object is known and
 *    evhttp_connection_set_closecb() gives us "closed",
 *  - a connection closed before its first byte is found by the once-a-second
 *    tick (evhttp has cleared the bufferevent's callbacks) and let go.
 * A request is complete, for the deadline, when its empty line (end of the
 * headers) has arrived.  Never touches a request's response. */
#define _GNU_SOURCE
#include "conn.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "accesslog.h"
#include "bounds.h"
#include "handler.h"
#include "log.h"
#include "precond.h"
#include "response.h"
#include "status.h"

struct conn {
    struct conn_table *t;
    struct bufferevent *bev;
    struct evhttp_connection *evcon; /* known from the first byte on */
    struct event *deadline;          /* request_timeout of the request being read */
    struct conn *prev, *next;
    bool reading;      /* some bytes of a request, not yet its empty line */
    int lib_status;    /* a response evhttp writes on its own: its status... */
    int lib_part;      /* ...where in it the writes are (0 none, 1 head, 2 body) */
    int64_t lib_bytes; /* ...and its body bytes so far */
};

/* Set while the handler runs on this thread: output then is the handler's. */
static _Thread_local int handler_running;

struct conn_table {
    struct event_base *base;
    struct evconnlistener *listener;
    const struct mh_config *cfg;
    struct accesslog_writer *log;
    struct conn *head;
    unsigned count, max;
    bool paused_full, paused_fds, stopped;
    struct event *resume; /* re-enables accepting after EMFILE */
    time_t full_logged, fds_logged;
};

/* The table of the worker running on this thread (see conn_table_bind). */
static _Thread_local struct conn_table *thread_table;

static void update_listener(struct conn_table *t)
{
    if (!t->listener || t->stopped)
        return;
    if (t->paused_full || t->paused_fds)
        evconnlistener_disable(t->listener);
    else
        evconnlistener_enable(t->listener);
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
    event_free(c->deadline);
    free(c);
    t->count--;
    if (t->paused_full && t->count < t->max) {
        t->paused_full = false;
        update_listener(t);
    }
}

static void log_unparsed(struct conn *c, int status, int64_t bytes);

/* evhttp frees the connection: our bookkeeping goes with it, after the log
 * line of a response evhttp wrote on its own (it closes after those). */
static void on_close(struct evhttp_connection *evcon, void *arg)
{
    struct conn *c = arg;
    (void)evcon;
    if (c->lib_part)
        log_unparsed(c, c->lib_status, c->lib_bytes);
    conn_unlink_and_free(c);
}

void conn_handler_running(int on)
{
    handler_running = on;
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
    if (n == 12 && !memcmp(peek, "HTTP/1.", 7) && peek[8] == ' ') {
        if (c->lib_part)
            log_unparsed(c, c->lib_status, c->lib_bytes);
        c->lib_status = atoi(peek + 9);
        c->lib_part = 1;
        c->lib_bytes = 0;
    } else if (c->lib_part == 1 && n == 2 && !memcmp(peek, "\r\n", 2)) {
        c->lib_part = 2;
    } else if (c->lib_part == 2) {
        c->lib_bytes += (int64_t)info->n_added;
    }
}

/* A line for the access log about a request we never parsed. */
static void log_unparsed(struct conn *c, int status, int64_t bytes)
{
    char *addr = NULL;
    ev_uint16_t port = 0;
    if (!c->evcon || c->t->cfg->access_log_off)
        return;
    evhttp_connection_get_peer(c->evcon, &addr, &port);
    struct access_record r = {
        .client = addr,
        .method = NULL,
        .target = NULL,
        .http_major = 1,
        .http_minor = 1,
        .status = status,
        .bytes = bytes,
        .when = time(NULL),
    };
    accesslog_add(c->t->log, &r);
}

/* Does the input hold the empty line that ends a request's headers?  evhttp
 * consumes whole lines as it parses them, so the buffer starts at a line. */
static bool head_complete(struct evbuffer *in)
{
    unsigned char first[2];
    ssize_t n = evbuffer_copyout(in, first, 2);
    if ((n >= 1 && first[0] == '\n') ||
        (n == 2 && first[0] == '\r' && first[1] == '\n'))
        return true;
    return evbuffer_search(in, "\n\r\n", 3, NULL).pos >= 0 ||
           evbuffer_search(in, "\n\n", 2, NULL).pos >= 0;
}

static void on_input(struct evbuffer *in, const struct evbuffer_cb_info *info,
                     void *arg)
{
    struct conn *c = arg;
    if (info->n_added == 0)
        return;
    if (!c->evcon) { /* the first byte: evhttp's connection is the cb arg */
        void *evcon = NULL;
        bufferevent_getcb(c->bev, NULL, NULL, NULL, &evcon);
        if (!evcon)
            return;
        c->evcon = evcon;
        evhttp_connection_set_closecb(c->evcon, on_close, c);
        bufferevent_decref(c->bev); /* evhttp owns it alone from now on */
    }
    if (head_complete(in)) {
        c->reading = false;
        event_del(c->deadline);
        return;
    }
    if (!c->reading) {
        struct timeval tv = {.tv_sec = c->t->cfg->request_timeout};
        c->reading = true;
        event_add(c->deadline, &tv);
    }
}

/* The 408 for a request cut at its deadline: written straight to the socket
 * (evhttp has no request to answer), best effort, with the headers every
 * response carries.  Returns the body bytes sent: all or none. */
static size_t send_408(struct conn *c)
{
    size_t len, n;
    const char *page = status_page(HTTP_STATUS_TIMEOUT, &len);
    char date[HTTPDATE_LEN] = "";
    char *mem = malloc(MH_RESPONSE_HEAD_MAX);
    struct evbuffer *b = evbuffer_new();
    struct response r;
    const char *head = NULL;
    if (mem && b) {
        response_init(&r, mem, MH_RESPONSE_HEAD_MAX);
        httpdate_format(time(NULL), date);
        handler_common_headers(&r, c->t->cfg, date);
        response_header(&r, "Content-Type", "text/html; charset=utf-8");
        response_header_u(&r, "Content-Length", len);
        response_header(&r, "Connection", "close");
        head = response_finish(&r, HTTP_STATUS_TIMEOUT,
                               status_reason(HTTP_STATUS_TIMEOUT), &n);
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

/* request_timeout passed: a request begun and not finished gets 408, a
 * connection that never sent a byte is just closed. */
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
    if (!c->reading)
        return;
    /* a response still queued for an earlier request goes first: then no 408 */
    size_t sent = evbuffer_get_length(bufferevent_get_output(c->bev)) ? 0 : send_408(c);
    log_unparsed(c, HTTP_STATUS_TIMEOUT, (int64_t)sent);
    c->lib_part = 0;
    evhttp_connection_free(c->evcon); /* on_close frees c */
}

static struct bufferevent *on_new_connection(struct event_base *base, void *arg)
{
    struct conn_table *t = arg;
    struct conn *c = calloc(1, sizeof(*c));
    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    struct timeval tv = {.tv_sec = t->cfg->request_timeout};
    if (!c || !bev || !(c->deadline = evtimer_new(base, on_deadline, c)) ||
        !evbuffer_add_cb(bufferevent_get_input(bev), on_input, c) ||
        !evbuffer_add_cb(bufferevent_get_output(bev), on_output, c)) {
        log_msg(MH_LOG_ERROR, "out of memory for a new connection");
        if (bev) /* its buffers' callbacks point at c: they go with it */
            bufferevent_free(bev);
        if (c && c->deadline)
            event_free(c->deadline);
        free(c);
        return NULL; /* evhttp makes a bufferevent of its own: served, untracked */
    }
    bufferevent_set_max_single_write(bev, MH_WRITE_CHUNK_MAX);
    c->t = t;
    c->bev = bev;
    /* stop reading while MH_INPUT_BUFFER_MAX bytes wait (evhttp keeps reading
     * while it writes: a client that pipelines and never reads would
     * otherwise make us buffer without bound) */
    bufferevent_setwatermark(bev, EV_READ, 0, MH_INPUT_BUFFER_MAX);
    bufferevent_incref(bev); /* ours until the first byte tells us evhttp's */
    c->reading = true;
    event_add(c->deadline, &tv);
    c->next = t->head;
    if (t->head)
        t->head->prev = c;
    t->head = c;
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

struct conn_table *conn_table_new(struct event_base *base, struct evhttp *http,
                                  struct evhttp_bound_socket *bound, unsigned max,
                                  const struct mh_config *cfg,
                                  struct accesslog_writer *log)
{
    struct conn_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->base = base;
    t->listener = evhttp_bound_socket_get_listener(bound);
    t->cfg = cfg;
    t->log = log;
    t->max = max ? max : 1;
    t->full_logged = t->fds_logged = -MH_LOG_CONDITION_SEC;
    t->resume = evtimer_new(base, on_resume, t);
    if (!t->resume) {
        free(t);
        return NULL;
    }
    evconnlistener_set_error_cb(t->listener, on_accept_error);
    evhttp_set_bevcb(http, on_new_connection, t);
    return t;
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
    t->listener = NULL; /* evhttp_del_accept_socket() frees it */
    event_del(t->resume);
}

unsigned conn_table_busy(const struct conn_table *t)
{
    unsigned n = 0;
    for (const struct conn *c = t->head; c; c = c->next)
        if (c->reading || evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
            n++;
    return n;
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
    free(t);
}
