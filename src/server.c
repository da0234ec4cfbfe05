/* server.c - listening sockets, worker threads and signals.
 *
 * Owns: the process's threads.  Each worker is one thread with its own
 * event_base, evhttp, SO_REUSEPORT listening socket, libmagic handle and
 * access-log buffer: nothing of libevent is shared between threads, and the
 * per-request path takes no lock.  The main thread only handles signals and
 * talks to workers with event_base_once() (thread-safe once
 * evthread_use_pthreads() ran):
 *   SIGTERM, SIGINT  stop accepting, finish responses in flight, exit 0
 *   SIGHUP           load the config again; a bad one is logged, the old kept
 *   SIGUSR1          reopen the log files
 *   SIGUSR2          restart: start the binary again on the same listening
 *                    sockets (handover.c); once it serves, stop as on TERM
 * A config is shared read-only; a reload hands each worker a new one and the
 * old one is freed when the last worker lets go of it (reference count). */
#define _GNU_SOURCE
#include "server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>

#include "accesslog.h"
#include "conn.h"
#include "daemon.h"
#include "docroot.h"
#include "handler.h"
#include "handover.h"
#include "buf.h"
#include "log.h"
#include "metrics.h"
#include "reloadstate.h"
#include "statushttp.h"
#include "tls.h"
#include "zcache.h"

/* A config shared by the workers; freed by whoever drops the last ref. */
struct cfg_ref {
    struct mh_config *cfg;
    atomic_int refs;
};

struct worker {
    struct server *srv;
    unsigned id;
    pthread_t thread;
    int thread_started;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    struct evhttp *https; /* [tls]: the HTTPS listener's, or NULL */
    struct evhttp_bound_socket *bound_tls;
    struct tls_ctx *tls; /* new HTTPS connections' context (session cache) */
    struct conn_table *conns;
    struct event *tick;  /* each second: flush the log, re-open the docroot */
    struct event *drain; /* while stopping: exit once idle or out of time */
    struct timespec stop_deadline;
    struct cfg_ref *cfg;
    _Atomic(struct handover *) next; /* handed over by a reload */
    struct handler_ctx *h;
    struct accesslog_writer alog;
    struct metrics *m; /* its counters for the status page (srv->metrics[id]) */
};

struct server {
    char config_path[MH_FS_PATH_MAX]; /* "" : the default path */
    struct mh_overrides ov;
    char ov_docroot[MH_FS_PATH_MAX], ov_port[16], ov_listen[MH_LISTEN_MAX];
    char ov_cwd[MH_FS_PATH_MAX];
    struct cfg_ref *cur;
    unsigned nworkers;
    struct worker *workers;
    struct event_base *base;
    struct event *signals[5];
    struct inherited *inh;       /* sockets passed at start; only during server_new() */
    struct metrics *metrics;     /* one per worker, cache-line aligned */
    struct status_source status; /* what the status page reads */
    char state_dir[MH_FS_PATH_MAX]; /* where reload outcomes go; "": nowhere */
    uint64_t reloads;               /* SIGHUPs handled, numbering the outcomes */
    pid_t successor;                /* SIGUSR2: the process starting on our sockets */
    struct event *successor_ev;     /* its readiness pipe, with a time limit */
    char successor_said[MH_ERROR_MAX + 1]; /* 'R', or 'E' and why it failed */
    size_t successor_len;
};

/* What a reload hands one worker: the config, and the docroot opened for
 * it by the main thread (so the worker's switch cannot fail: a reload is
 * all workers or none). */
struct handover {
    struct cfg_ref *cfg;
    int rootfd;
    struct tls_ctx *tls; /* the certificate re-read; NULL: keep the one in use */
};

static void cfg_release(struct cfg_ref *r);

/* The docroot opened once and dup()ed into fds[0..n-1], one per worker:
 * every worker serves the same directory, even while a release symlink
 * is switched.  0, or an errno with nothing left open. */
static int open_roots(const char *docroot, unsigned n, int *fds)
{
    for (unsigned i = 0; i < n; i++)
        fds[i] = -1;
    fds[0] = docroot_open_root(docroot);
    if (fds[0] < 0)
        return errno;
    for (unsigned i = 1; i < n; i++) {
        fds[i] = fcntl(fds[0], F_DUPFD_CLOEXEC, 0);
        if (fds[i] < 0) {
            int e = errno;
            while (i-- > 0) {
                close(fds[i]);
                fds[i] = -1;
            }
            return e;
        }
    }
    return 0;
}

/* With [tls]: the certificate and key read and checked, and one context
 * per worker in out[0..n-1] (each worker its own session cache).  A
 * certificate that expires within MH_TLS_EXPIRY_WARN_DAYS is logged.  0,
 * or -1 with err filled and nothing made. */
static int make_tls(const struct mh_config *cfg, unsigned n, struct tls_ctx **out,
                    struct mh_error *err)
{
    for (unsigned i = 0; i < n; i++)
        out[i] = NULL;
    if (!cfg->tls)
        return 0;
    struct tls_creds *creds =
        tls_creds_load(cfg->tls_certificate, cfg->tls_key, time(NULL), err);
    if (!creds)
        return -1;
    char subj[MH_ERROR_MAX / 2], exp[64];
    struct buf sb, eb;
    long days;
    buf_init(&sb, subj, sizeof(subj));
    buf_init(&eb, exp, sizeof(exp));
    if (tls_creds_describe(creds, time(NULL), &sb, &eb, &days) &&
        days < MH_TLS_EXPIRY_WARN_DAYS)
        log_msg(MH_LOG_WARN, "the certificate %s (%s) expires on %s, in %ld days",
                cfg->tls_certificate, subj, exp, days);
    for (unsigned i = 0; i < n; i++)
        if (!(out[i] = tls_ctx_new(creds, err))) {
            while (i-- > 0)
                tls_ctx_free(out[i]);
            tls_creds_free(creds);
            return -1;
        }
    tls_creds_free(creds);
    return 0;
}

/* Let go of a handover no worker took (a newer reload replaced it). */
static void handover_free(struct handover *ho)
{
    if (!ho)
        return;
    close(ho->rootfd);
    tls_ctx_free(ho->tls);
    cfg_release(ho->cfg);
    free(ho);
}

static void cfg_release(struct cfg_ref *r)
{
    if (r && atomic_fetch_sub(&r->refs, 1) == 1) {
        config_free(r->cfg);
        free(r);
    }
}

static struct cfg_ref *cfg_share(struct mh_config *cfg, int refs)
{
    struct cfg_ref *r = malloc(sizeof(*r));
    if (!r)
        return NULL;
    r->cfg = cfg;
    atomic_init(&r->refs, refs);
    return r;
}

/* --- listening sockets --- */

static int parse_addr(const char *addr, unsigned port, struct sockaddr_storage *ss,
                      socklen_t *len)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *len = sizeof(*v4);
        return 0;
    }
    if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*v6);
        return 0;
    }
    return -1;
}

/* A bound socket: with SO_REUSEPORT for the workers' listeners, without it
 * for the probe that makes sure no other process holds the port. */
static int bind_socket(const struct mh_config *cfg, unsigned port, int reuseport,
                       struct mh_error *err)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int one = 1, zero = 0;
    if (parse_addr(cfg->listen, port, &ss, &len) != 0) {
        snprintf(err->msg, sizeof(err->msg), "minihttpd: bad listen address %s",
                 cfg->listen);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* accepted sockets inherit it: headers and the sendfile()d body must not
     * wait for a delayed ACK (40 ms a response on keep-alive otherwise) */
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
        goto fail;
    if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)
        goto fail;
    /* "::" serves both families; any other IPv6 address only its own */
    if (ss.ss_family == AF_INET6) {
        int v6only = strcmp(cfg->listen, "::") ? 1 : 0;
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, v6only ? &one : &zero,
                       sizeof(int)))
            goto fail;
    }
    if (bind(fd, (struct sockaddr *)&ss, len) != 0)
        goto fail;
    if (reuseport && listen(fd, SOMAXCONN) != 0)
        goto fail;
    return fd;
fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    const char *fmt = strchr(cfg->listen, ':') ? "minihttpd: cannot bind [%s]:%u: %s"
                                               : "minihttpd: cannot bind %s:%u: %s";
    snprintf(err->msg, sizeof(err->msg), fmt, cfg->listen, port, strerror(e));
    return -1;
}

/* A worker's listening socket for port: one the previous process passed
 * on (a restart), else a new one. */
static int listen_socket(struct inherited *inh, const struct mh_config *cfg,
                         unsigned port, struct mh_error *err)
{
    int fd = handover_take(inh, cfg->listen, port);
    return fd >= 0 ? fd : bind_socket(cfg, port, 1, err);
}

/* --- the open-file budget --- */

/* What each worker may hold open. */
struct fd_budget {
    unsigned connections; /* its share of max_connections, within the fd limit */
    unsigned cache_slots; /* its file cache: MH_FCACHE_FDS_PER_SLOT fds a slot */
};

static unsigned count_open_fds(void)
{
    unsigned n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 64; /* no /proc: assume plenty are taken */
    while (readdir(d))
        n++;
    closedir(d);
    return n > 3 ? n - 3 : n; /* ".", ".." and the DIR's own fd */
}

/* Split what the open-file limit leaves between the workers, so a worker
 * never accepts a connection it could not then serve a file on. */
static int plan_fds(const struct mh_config *cfg, unsigned workers, struct fd_budget *b,
                    struct mh_error *err)
{
    struct rlimit rl;
    unsigned long limit = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        limit = rl.rlim_cur;
    else if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        limit = 1UL << 20;
    unsigned long fixed =
        count_open_fds() + MH_FD_RESERVE + MH_ZCACHE_FDS + workers * MH_FDS_PER_WORKER;
    unsigned long per = limit > fixed ? (limit - fixed) / workers : 0;
    unsigned long slots = per / 8;
    slots = slots < 1 ? 1 : slots > MH_FILE_CACHE_SLOTS ? MH_FILE_CACHE_SLOTS : slots;
    if (per < MH_FCACHE_FDS_PER_SLOT * slots + 2) {
        snprintf(err->msg, sizeof(err->msg),
                 "minihttpd: the open-file limit (%lu) is too low for %u worker%s: "
                 "raise it (ulimit -n, LimitNOFILE=) or use fewer workers",
                 limit, workers, workers == 1 ? "" : "s");
        return -1;
    }
    unsigned long share = (cfg->max_connections + workers - 1) / workers;
    unsigned long room = per - MH_FCACHE_FDS_PER_SLOT * slots;
    b->cache_slots = (unsigned)slots;
    b->connections = (unsigned)(share < room ? share : room);
    /* the default max_connections means "up to 10000, as the limit allows":
     * only a value the user chose and cannot have is news */
    if (share > room && cfg->max_connections_set)
        log_msg(MH_LOG_NOTICE,
                "open files limited to %lu: each of %u worker%s serves at "
                "most %u connections (max_connections = %u)",
                limit, workers, workers == 1 ? "" : "s", b->connections,
                cfg->max_connections);
    return 0;
}

/* --- workers --- */

/* Write out the worker's access-log lines, and say how many were lost. */
static void flush_log(struct worker *w)
{
    char p[MH_ERROR_MAX / 2];
    accesslog_flush(&w->alog);
    if (!w->alog.dropped && !w->alog.torn)
        return;
    metrics_add(&w->m->log_dropped, w->alog.dropped);
    log_msg(MH_LOG_ERROR,
            "worker %u: %llu access-log lines lost%s: cannot write %s (disk full?)",
            w->id, (unsigned long long)w->alog.dropped,
            w->alog.torn ? ", and the log ends in a cut line" : "",
            buf_escape_str(p, sizeof(p), w->cfg->cfg->access_log));
    w->alog.dropped = w->alog.torn = 0;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    (void)fd;
    (void)what;
    flush_log(w);
    uint64_t hits, misses; /* published once a second: fcache is the thread's own */
    handler_cache_counts(w->h, &hits, &misses);
    atomic_store_explicit(&w->m->cache_hits, hits, memory_order_relaxed);
    atomic_store_explicit(&w->m->cache_misses, misses, memory_order_relaxed);
    handler_tick(w->h);
    conn_table_tick(w->conns);
    if (w->tls)
        tls_ctx_tick(w->tls, time(NULL));
}

static void on_drain(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    struct timespec now;
    (void)fd;
    (void)what;
    clock_gettime(CLOCK_MONOTONIC, &now);
    unsigned busy = conn_table_busy(w->conns);
    if (busy == 0 || now.tv_sec >= w->stop_deadline.tv_sec) {
        if (busy)
            log_msg(MH_LOG_WARN, "worker %u: %u responses cut at shutdown", w->id,
                    busy);
        event_base_loopbreak(w->base);
    }
}

/* Runs in the worker's thread: stop accepting, then wait for in-flight
 * responses (at most MH_SHUTDOWN_GRACE_SEC). */
static void worker_stop(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    struct timeval poll = {.tv_sec = 0, .tv_usec = MH_SHUTDOWN_POLL_MS * 1000};
    (void)fd;
    (void)what;
    if (w->bound) {
        conn_table_stop_accepting(w->conns);
        evhttp_del_accept_socket(w->http, w->bound);
        if (w->bound_tls)
            evhttp_del_accept_socket(w->https, w->bound_tls);
    }
    w->bound = w->bound_tls = NULL;
    handler_stop(w->h);
    clock_gettime(CLOCK_MONOTONIC, &w->stop_deadline);
    w->stop_deadline.tv_sec += MH_SHUTDOWN_GRACE_SEC;
    w->drain = event_new(w->base, -1, EV_PERSIST, on_drain, w);
    if (!w->drain || event_add(w->drain, &poll) != 0)
        event_base_loopbreak(w->base);
}

/* Runs in the worker's thread: take the config a reload handed over. */
static void worker_swap_config(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    (void)fd;
    (void)what;
    struct handover *ho = atomic_exchange(&w->next, NULL);
    if (!ho)
        return;
    struct cfg_ref *next = ho->cfg;
    handler_use_config(w->h, next->cfg, ho->rootfd);
    if (ho->tls) { /* open connections keep the context they began with */
        conn_table_set_tls(w->conns, ho->tls);
        tls_ctx_free(w->tls);
        w->tls = ho->tls;
    }
    free(ho);
    evhttp_set_timeout(w->http, (int)next->cfg->keepalive_timeout);
    if (w->https)
        evhttp_set_timeout(w->https, (int)next->cfg->keepalive_timeout);
    conn_table_set_config(w->conns, next->cfg);
    cfg_release(w->cfg);
    w->cfg = next;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    conn_table_bind(w->conns);
    event_base_dispatch(w->base);
    evhttp_free(w->http); /* closes every connection still open */
    w->http = NULL;
    if (w->https)
        evhttp_free(w->https);
    w->https = NULL;
    conn_table_free(w->conns);
    w->conns = NULL;
    flush_log(w); /* the last lines, and a word about those lost */
    return NULL;
}

/* A worker's event loop.  With epoll's change list, the EV_READ/EV_WRITE
 * toggling evhttp does around every response (read off, write on, write off,
 * read on) is folded into what actually changed by the next epoll_wait():
 * most responses then need no epoll_ctl() at all.  (The change list is
 * unsafe only with dup()ed fds in one loop; we never add those.) */
static struct event_base *new_worker_base(void)
{
    struct event_config *ec = event_config_new();
    if (!ec)
        return NULL;
    event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    struct event_base *base = event_base_new_with_config(ec);
    event_config_free(ec);
    return base;
}

/* An evhttp of the worker's loop, as every listener's is set up. */
static struct evhttp *new_evhttp(struct event_base *base, const struct mh_config *cfg)
{
    struct evhttp *http = evhttp_new(base);
    if (!http)
        return NULL;
    /* every method reaches the handler, which answers 405 with Allow */
    evhttp_set_allowed_methods(
        http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                  EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
                  EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
    evhttp_set_default_content_type(http, NULL);
    /* the handler answers 414/431/413 below these, evhttp itself above */
    evhttp_set_max_headers_size(http, MH_HEADERS_HARD_MAX);
    evhttp_set_max_body_size(http, MH_REQUEST_BODY_HARD_MAX);
    evhttp_set_timeout(http, (int)cfg->keepalive_timeout);
    return http;
}

/* A worker's state, serving the docroot open as rootfd (taken) and, with
 * [tls], HTTPS with tls (taken): all but its listening sockets, which
 * worker_listen() adds once every worker is ready, so nothing is accepted
 * by a server that then fails to start. */
static int worker_init(struct worker *w, int rootfd, struct tls_ctx *tls,
                       const struct fd_budget *budget, struct mh_error *err)
{
    const struct mh_config *cfg = w->cfg->cfg;
    struct timeval sec = {.tv_sec = MH_LOG_FLUSH_SEC};

    accesslog_writer_init(&w->alog);
    w->tls = tls;
    w->h = handler_new(cfg, budget->cache_slots, rootfd, err);
    w->base = w->h ? new_worker_base() : NULL;
    w->http = w->base ? new_evhttp(w->base, cfg) : NULL;
    w->https = w->http && cfg->tls ? new_evhttp(w->base, cfg) : NULL;
    w->tick = w->http ? event_new(w->base, -1, EV_PERSIST, on_tick, w) : NULL;
    if (w->h)
        handler_set_status(w->h, &w->srv->status);
    if (!w->tick || (cfg->tls && !w->https) || event_add(w->tick, &sec) != 0) {
        if (w->h)
            snprintf(err->msg, sizeof(err->msg), "minihttpd: cannot set up worker %u",
                     w->id);
        return -1;
    }
    return 0;
}

/* The worker's own SO_REUSEPORT listening socket, and its connections. */
static int worker_listen(struct worker *w, const struct fd_budget *budget,
                         struct mh_error *err)
{
    const struct mh_config *cfg = w->cfg->cfg;
    /* HTTPS first: once the HTTP port takes connections, so does HTTPS */
    int tls_fd = w->https ? listen_socket(w->srv->inh, cfg, cfg->tls_port, err) : -1;
    if (w->https && tls_fd < 0)
        return -1;
    int fd = listen_socket(w->srv->inh, cfg, cfg->port, err);
    w->bound = fd >= 0 ? evhttp_accept_socket_with_handle(w->http, fd) : NULL;
    w->conns = w->bound
                   ? conn_table_new(w->base, w->http, w->bound, budget->connections,
                                    w->cfg->cfg, &w->alog, handler_request, w->h)
                   : NULL;
    w->bound_tls = w->conns && tls_fd >= 0
                       ? evhttp_accept_socket_with_handle(w->https, tls_fd)
                       : NULL;
    if (!w->conns || (tls_fd >= 0 && !w->bound_tls)) {
        if (fd >= 0) /* else err says why */
            snprintf(err->msg, sizeof(err->msg),
                     "minihttpd: cannot listen in worker %u", w->id);
        if (fd >= 0 && !w->bound)
            close(fd);
        if (tls_fd >= 0 && !w->bound_tls)
            close(tls_fd);
        return -1;
    }
    if (w->bound_tls)
        conn_table_add_tls(w->conns, w->https, w->bound_tls, w->tls);
    conn_table_set_metrics(w->conns, w->m);
    return 0;
}

static void worker_free(struct worker *w)
{
    if (!w->cfg) /* never set up */
        return;
    if (w->http)
        evhttp_free(w->http);
    if (w->https)
        evhttp_free(w->https);
    conn_table_free(w->conns);
    if (w->tick)
        event_free(w->tick);
    if (w->drain)
        event_free(w->drain);
    handler_free(w->h); /* after evhttp_free: no response uses its files now;
                           before the base: its events are on it */
    if (w->base)
        event_base_free(w->base);
    tls_ctx_free(w->tls);
    handover_free(atomic_exchange(&w->next, NULL));
    cfg_release(w->cfg);
}

/* --- signals, in the main thread --- */

static void post_all(struct server *s, event_callback_fn fn)
{
    struct timeval now = {0, 0};
    for (unsigned i = 0; i < s->nworkers; i++)
        if (event_base_once(s->workers[i].base, -1, EV_TIMEOUT, fn, &s->workers[i],
                            &now))
            log_msg(MH_LOG_ERROR, "cannot reach worker %u", i);
}

static void reopen_logs(const struct mh_config *cfg)
{
    struct mh_error err;
    if (accesslog_open(cfg->access_log, &err) != 0)
        log_msg(MH_LOG_ERROR, "%s", err.msg);
    if (log_open(cfg->error_log, &err) != 0)
        log_msg(MH_LOG_ERROR, "%s", err.msg);
}

/* Load the config again and hand it to every worker, or keep the running
 * one.  True when all of it applies; false with why filled (and logged)
 * when it was refused, or applied without its new certificate. */
static bool reload(struct server *s, struct mh_error *why)
{
    struct mh_error err;
    struct mh_config *cfg =
        config_load(s->config_path[0] ? s->config_path : NULL, &s->ov, &err);
    if (!cfg) {
        mh_error_set(why, "reload failed, keeping the running configuration: %s",
                     err.msg);
        log_msg(MH_LOG_ERROR, "%s", why->msg);
        return false;
    }
    const char *key = config_restart_key(s->cur->cfg, cfg); /* the key table says */
    if (key) {
        mh_error_set(why,
                     "reload refused: changing %s needs a restart; keeping "
                     "the running configuration",
                     key);
        log_msg(MH_LOG_ERROR, "%s", why->msg);
        config_free(cfg);
        return false;
    }
    struct cfg_ref *ref = cfg_share(cfg, (int)s->nworkers + 1);
    if (!ref) {
        mh_error_set(why, "reload failed: out of memory");
        log_msg(MH_LOG_ERROR, "%s", why->msg);
        config_free(cfg);
        return false;
    }
    bool whole = true;
    /* everything a worker needs to switch, made here, before any does */
    struct handover **ho = calloc(s->nworkers, sizeof(*ho));
    int *fds = calloc(s->nworkers, sizeof(*fds));
    int e = ho && fds ? open_roots(cfg->docroot, s->nworkers, fds) : ENOMEM;
    bool opened = !e;
    struct tls_ctx **tls = calloc(s->nworkers, sizeof(*tls));
    struct mh_error terr;
    if (!e && (!tls || make_tls(cfg, s->nworkers, tls, &terr) != 0)) {
        /* a bad or mismatched pair: the rest of the config still applies */
        mh_error_set(why, "certificate not reloaded, keeping the one in use: %s",
                     tls ? terr.msg : "out of memory");
        log_msg(MH_LOG_ERROR, "%s", why->msg);
        whole = false;
        for (unsigned i = 0; tls && i < s->nworkers; i++)
            tls[i] = NULL;
    }
    for (unsigned i = 0; !e && i < s->nworkers; i++)
        if ((ho[i] = malloc(sizeof(**ho))))
            *ho[i] = (struct handover){ref, fds[i], tls ? tls[i] : NULL};
        else
            e = ENOMEM;
    if (e)
        for (unsigned i = 0; tls && i < s->nworkers; i++)
            tls_ctx_free(tls[i]);
    free(tls);
    if (e) {
        char d[MH_ERROR_MAX / 2];
        mh_error_set(why,
                     "reload refused: cannot open docroot %s: %s; keeping "
                     "the running configuration",
                     buf_escape_str(d, sizeof(d), cfg->docroot), strerror(e));
        log_msg(MH_LOG_ERROR, "%s", why->msg);
        for (unsigned i = 0; opened && i < s->nworkers; i++)
            close(fds[i]);
        for (unsigned i = 0; ho && i < s->nworkers; i++)
            free(ho[i]);
        free(ho);
        free(fds);
        config_free(ref->cfg);
        free(ref);
        return false;
    }
    free(fds);
    log_set_level(cfg->error_level);
    if (strcmp(cfg->access_log, s->cur->cfg->access_log) ||
        strcmp(cfg->error_log, s->cur->cfg->error_log))
        reopen_logs(cfg);
    for (unsigned i = 0; i < s->nworkers; i++)
        handover_free(atomic_exchange(&s->workers[i].next, ho[i]));
    free(ho);
    post_all(s, worker_swap_config);
    cfg_release(s->cur);
    s->cur = ref;
    log_msg(MH_LOG_NOTICE, "configuration reloaded from %s", config_name(cfg));
    if (whole)
        mh_error_set(why, "configuration reloaded from %s", config_name(cfg));
    return whole;
}

/* SIGHUP: reload, and leave the outcome where the command that asked for
 * it reads it (reloadstate.h), when there is such a place. */
static void reload_and_tell(struct server *s)
{
    struct mh_error why, err;
    bool ok = reload(s, &why);
    s->reloads++;
    if (s->state_dir[0] &&
        reloadstate_write(s->state_dir, s->reloads, ok, why.msg, &err) != 0)
        log_msg(MH_LOG_ERROR, "%s", err.msg);
}

/* --- restarts: SIGUSR2 --- */

static void successor_done(struct server *s)
{
    s->successor_len = 0;
    s->successor_said[0] = '\0';
    close(event_get_fd(s->successor_ev));
    event_free(s->successor_ev);
    s->successor_ev = NULL;
    s->successor = 0;
}

/* The successor serves (it wrote 'R'), failed (it wrote 'E' and why, or
 * just exited), or ran out of time. */
static void on_successor(evutil_socket_t fd, short what, void *arg)
{
    struct server *s = arg;
    size_t room = sizeof(s->successor_said) - 1 - s->successor_len;
    ssize_t n = 0;
    if (what & EV_READ) {
        n = read(fd, s->successor_said + s->successor_len, room ? room : 1);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            return;
        if (n > 0 && room) {
            s->successor_len += (size_t)n;
            if (s->successor_said[0] != 'R')
                return; /* the reason, until EOF */
        }
    }
    s->successor_said[s->successor_len] = '\0';
    pid_t pid = s->successor;
    if (s->successor_said[0] == 'R') {
        successor_done(s);
        log_msg(MH_LOG_NOTICE,
                "restart: pid %ld serves now; pid %ld stops accepting, finishes "
                "its responses in flight and exits",
                (long)pid, (long)getpid());
        post_all(s, worker_stop);
        event_base_loopbreak(s->base);
        return;
    }
    if (!(what & EV_READ)) {
        log_msg(MH_LOG_ERROR,
                "restart: pid %ld did not serve within %d seconds: stopping it",
                (long)pid, MH_HANDOVER_TIMEOUT_SEC);
        kill(pid, SIGKILL);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    char how[64];
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
        snprintf(how, sizeof(how), "could not run the binary");
    else if (WIFEXITED(st))
        snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(st));
    else
        snprintf(how, sizeof(how), "was killed by signal %d",
                 WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    const char *why = s->successor_said[0] == 'E' ? s->successor_said + 1 : "";
    log_msg(MH_LOG_ERROR,
            "restart failed: the new process (pid %ld) %s%s%s; pid %ld "
            "keeps serving with its configuration",
            (long)pid, how, why[0] ? ": " : "", why, (long)getpid());
    successor_done(s);
}

/* The listening sockets of every worker, HTTP then HTTPS. */
static unsigned listen_fds(const struct server *s, int *fds, unsigned cap)
{
    unsigned n = 0;
    for (unsigned i = 0; i < s->nworkers; i++) {
        const struct worker *w = &s->workers[i];
        if (w->bound && n < cap)
            fds[n++] = evhttp_bound_socket_get_fd(w->bound);
        if (w->bound_tls && n < cap)
            fds[n++] = evhttp_bound_socket_get_fd(w->bound_tls);
    }
    return n;
}

static void start_successor(struct server *s)
{
    if (s->successor) {
        log_msg(MH_LOG_WARN, "SIGUSR2: a restart (pid %ld) is under way already",
                (long)s->successor);
        return;
    }
    int fds[MH_INHERIT_FDS_MAX], rfd = -1;
    unsigned n = listen_fds(s, fds, MH_INHERIT_FDS_MAX);
    struct mh_error err;
    pid_t pid = handover_spawn(fds, n, s->ov.cwd, &rfd, &err);
    struct timeval limit = {.tv_sec = MH_HANDOVER_TIMEOUT_SEC};
    if (pid > 0) {
        s->successor = pid;
        s->successor_ev =
            event_new(s->base, rfd, EV_READ | EV_PERSIST, on_successor, s);
        if (!s->successor_ev || event_add(s->successor_ev, &limit) != 0) {
            /* cannot watch it: it must not serve beside us unwatched */
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            if (s->successor_ev)
                event_free(s->successor_ev);
            s->successor_ev = NULL;
            s->successor = 0;
            close(rfd);
            snprintf(err.msg, sizeof(err.msg), "cannot watch the new process");
            pid = -1;
        }
    }
    if (pid < 0) {
        log_msg(MH_LOG_ERROR, "restart failed: %s; pid %ld keeps serving", err.msg,
                (long)getpid());
        return;
    }
    log_msg(MH_LOG_NOTICE,
            "SIGUSR2: restarting: pid %ld starts on the %u listening "
            "socket%s of pid %ld",
            (long)pid, n, n == 1 ? "" : "s", (long)getpid());
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct server *s = arg;
    (void)what;
    switch (sig) {
    case SIGTERM:
    case SIGINT:
        log_msg(MH_LOG_NOTICE, "%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        daemon_notify("STOPPING=1");
        post_all(s, worker_stop);
        event_base_loopbreak(s->base);
        break;
    case SIGHUP: /* systemd shows "reloading" until READY=1 */
        daemon_notify("RELOADING=1");
        reload_and_tell(s);
        daemon_notify("READY=1");
        break;
    case SIGUSR1:
        reopen_logs(s->cur->cfg);
        log_msg(MH_LOG_NOTICE, "SIGUSR1: log files reopened");
        break;
    case SIGUSR2:
        start_successor(s);
        break;
    }
}

/* --- the server --- */

static unsigned worker_count(const struct mh_config *cfg)
{
    long n = cfg->workers ? (long)cfg->workers : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MH_WORKERS_MAX ? MH_WORKERS_MAX : (unsigned)n;
}

static void keep_overrides(struct server *s, const char *path,
                           const struct mh_overrides *ov)
{
    if (path)
        snprintf(s->config_path, sizeof(s->config_path), "%s", path);
    if (ov && ov->docroot) {
        snprintf(s->ov_docroot, sizeof(s->ov_docroot), "%s", ov->docroot);
        s->ov.docroot = s->ov_docroot;
    }
    if (ov && ov->port) {
        snprintf(s->ov_port, sizeof(s->ov_port), "%s", ov->port);
        s->ov.port = s->ov_port;
    }
    if (ov && ov->listen) {
        snprintf(s->ov_listen, sizeof(s->ov_listen), "%s", ov->listen);
        s->ov.listen = s->ov_listen;
    }
    if (ov && ov->cwd) {
        snprintf(s->ov_cwd, sizeof(s->ov_cwd), "%s", ov->cwd);
        s->ov.cwd = s->ov_cwd;
    }
}

struct server *server_new(struct mh_config *cfg, const char *config_path,
                          const struct mh_overrides *ov, struct inherited *inh,
                          struct mh_error *err)
{
    struct server *s = calloc(1, sizeof(*s));
    if (!s) {
        config_free(cfg);
        snprintf(err->msg, sizeof(err->msg), "minihttpd: out of memory");
        return NULL;
    }
    int *fds = NULL;             /* the docroot, one fd per worker until it takes it */
    struct tls_ctx **tls = NULL; /* [tls]: one context per worker, the same */
    keep_overrides(s, config_path, ov);
    s->inh = inh;
    if (reloadstate_dir(s->state_dir, sizeof(s->state_dir))) {
        /* numbered on from what a process before us wrote (a restart) */
        struct mh_error rerr;
        bool rok;
        char msg[64];
        if (reloadstate_read(s->state_dir, &s->reloads, &rok, msg, sizeof(msg), &rerr) <
            0)
            s->reloads = 0;
    }
    s->nworkers = worker_count(cfg);
    s->cur = cfg_share(cfg, 1);
    s->workers = calloc(s->nworkers, sizeof(*s->workers));
    s->metrics =
        aligned_alloc(_Alignof(struct metrics), s->nworkers * sizeof(*s->metrics));
    for (unsigned i = 0; s->metrics && i < s->nworkers; i++)
        metrics_init(&s->metrics[i]);
    s->status = (struct status_source){.workers = s->metrics, .n = s->nworkers};
    clock_gettime(CLOCK_MONOTONIC, &s->status.started);
    if (!s->cur || !s->workers || !s->metrics) {
        if (!s->cur)
            config_free(cfg);
        snprintf(err->msg, sizeof(err->msg), "minihttpd: out of memory");
        goto fail;
    }
    int e = docroot_probe();
    if (e)
        log_msg(MH_LOG_NOTICE,
                "openat2() is not available (%s): confining requests to "
                "the docroot by resolving each path one component at a time beneath it "
                "(files more than %d directories deep are not served)",
                strerror(e), MH_DOCROOT_DEPTH_MAX);
    /* a plain bind first: SO_REUSEPORT would let us share the port silently
     * with another minihttpd of the same user */
    /* (not on the sockets a restart passed us: the old process holds them) */
    int probe = handover_has(inh, cfg->listen, cfg->port)
                    ? -2
                    : bind_socket(cfg, cfg->port, 0, err);
    if (probe == -1)
        goto fail;
    if (probe >= 0)
        close(probe);
    probe = !cfg->tls || handover_has(inh, cfg->listen, cfg->tls_port)
                ? -2
                : bind_socket(cfg, cfg->tls_port, 0, err);
    if (probe == -1)
        goto fail;
    if (probe >= 0)
        close(probe);
    s->base = event_base_new();
    if (!s->base) {
        snprintf(err->msg, sizeof(err->msg), "minihttpd: cannot create the event loop");
        goto fail;
    }
    struct fd_budget budget;
    if (plan_fds(cfg, s->nworkers, &budget, err) != 0)
        goto fail;
    /* every worker ready before the first listens: a start that fails has
     * accepted no connection, and one that succeeds serves one docroot */
    /* the certificate read now, as root, before the privilege drop */
    tls = calloc(s->nworkers, sizeof(*tls));
    if (!tls || make_tls(cfg, s->nworkers, tls, err) != 0) {
        if (!tls)
            snprintf(err->msg, sizeof(err->msg), "minihttpd: out of memory");
        goto fail;
    }
    fds = calloc(s->nworkers, sizeof(*fds));
    e = fds ? open_roots(cfg->docroot, s->nworkers, fds) : ENOMEM;
    if (e) {
        char d[MH_ERROR_MAX / 2];
        snprintf(err->msg, sizeof(err->msg), "minihttpd: cannot open docroot %s: %s",
                 buf_escape_str(d, sizeof(d), cfg->docroot), strerror(e));
        goto fail;
    }
    for (unsigned i = 0; i < s->nworkers; i++) {
        struct worker *w = &s->workers[i];
        w->srv = s;
        w->id = i;
        w->m = &s->metrics[i];
        w->cfg = s->cur;
        atomic_fetch_add(&s->cur->refs, 1);
        atomic_init(&w->next, NULL);
        int fd = fds[i];
        fds[i] = -1; /* taken, even on failure */
        struct tls_ctx *t = tls[i];
        tls[i] = NULL;
        if (worker_init(w, fd, t, &budget, err) != 0)
            goto fail;
    }
    for (unsigned i = 0; i < s->nworkers; i++)
        if (worker_listen(&s->workers[i], &budget, err) != 0)
            goto fail;
    handover_close_rest(inh); /* a changed port or listen, or fewer workers */
    s->inh = NULL;
    free(fds);
    free(tls);
    return s;
fail:
    for (unsigned i = 0; tls && i < s->nworkers; i++)
        tls_ctx_free(tls[i]);
    free(tls);
    for (unsigned i = 0; fds && i < s->nworkers; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
    server_free(s);
    return NULL;
}

void server_set_zcache(struct server *s, struct zcache *zc)
{
    s->status.compress = zc ? zcache_stats(zc) : NULL;
    for (unsigned i = 0; i < s->nworkers; i++)
        handler_set_zcache(s->workers[i].h, zc);
}

int server_run(struct server *s)
{
    static const int sigs[5] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2};
    const struct mh_config *cfg = s->cur->cfg;

    for (int i = 0; i < 5; i++) {
        s->signals[i] = evsignal_new(s->base, sigs[i], on_signal, s);
        if (!s->signals[i] || event_add(s->signals[i], NULL) != 0) {
            log_msg(MH_LOG_ERROR, "cannot watch signal %d", sigs[i]);
            return -1;
        }
    }
    /* main() blocked these signals before binding, so one that arrives during
     * start-up waits for its handler; workers inherit the mask, and the main
     * thread alone takes signals once it unblocks them here */
    for (unsigned i = 0; i < s->nworkers; i++) {
        struct worker *w = &s->workers[i];
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            log_msg(MH_LOG_ERROR, "cannot start worker %u", i);
            break;
        }
        w->thread_started = 1;
    }
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < 5; i++)
        sigaddset(&set, sigs[i]);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);

    /* the URL to open: an address of every interface is reached as localhost */
    bool any = !strcmp(cfg->listen, "0.0.0.0") || !strcmp(cfg->listen, "::");
    bool v6 = !any && strchr(cfg->listen, ':');
    const char *host = any ? "localhost" : cfg->listen;
    char https[MH_LISTEN_MAX + 32] = "";
    if (cfg->tls)
        snprintf(https, sizeof(https), " and https://%s%s%s:%u/", v6 ? "[" : "", host,
                 v6 ? "]" : "", cfg->tls_port);
    log_msg(MH_LOG_NOTICE,
            "minihttpd/%s serving %s on http://%s%s%s:%u/%s with %u worker%s",
            MH_VERSION, cfg->docroot, v6 ? "[" : "", host, v6 ? "]" : "", cfg->port,
            https, s->nworkers, s->nworkers == 1 ? "" : "s");
    int started = s->workers[s->nworkers - 1].thread_started;
    if (started) { /* systemd keeps them over `systemctl restart` */
        int fds[MH_INHERIT_FDS_MAX];
        handover_store_fds(fds, listen_fds(s, fds, MH_INHERIT_FDS_MAX));
    }
    if (started)
        event_base_dispatch(s->base);
    else
        post_all(s, worker_stop);
    /* stopping: the signals stay blocked until exit, since freeing their
     * events gives them back their default action (death, for HUP and
     * USR1); one that comes now waits, unhandled, for the exit */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    for (unsigned i = 0; i < s->nworkers; i++)
        if (s->workers[i].thread_started)
            pthread_join(s->workers[i].thread, NULL);
    log_msg(MH_LOG_NOTICE, "stopped");
    return started ? 0 : -1;
}

void server_free(struct server *s)
{
    if (!s)
        return;
    for (unsigned i = 0; s->workers && i < s->nworkers; i++)
        worker_free(&s->workers[i]);
    for (int i = 0; i < 5; i++)
        if (s->signals[i])
            event_free(s->signals[i]);
    if (s->successor_ev) /* stopped during a restart: the new one goes on */
        successor_done(s);
    if (s->base)
        event_base_free(s->base);
    free(s->workers);
    free(s->metrics);
    cfg_release(s->cur);
    free(s);
}
