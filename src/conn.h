/* conn.h - the connections of one worker: their number, their deadlines,
 * and the access-log line of every request they carry. */
#ifndef MH_CONN_H
#define MH_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/http.h>

#include "config.h"

struct event_base;
struct evhttp;
struct evhttp_bound_socket;
struct evhttp_request;
struct accesslog_writer;
struct conn_table;
struct conn;

/* Called with each request evhttp has read whole (head and body); c is its
 * connection, for conn_response_queued(). */
typedef void (*conn_request_fn)(struct evhttp_request *req, struct conn *c, void *arg);

/* Track every connection evhttp accepts on `bound` (evhttp_set_bevcb) and
 * take its requests (evhttp_set_gencb), passing them on to on_request: cap
 * the connections at `max` (accepting pauses at the cap and resumes below
 * it), give each request cfg->request_timeout seconds from its first byte
 * until evhttp has read it whole (408 and close past it), refuse a request
 * longer on the wire than MH_REQUEST_WIRE_MAX (400 and close), pause
 * accepting while out of file descriptors, and log every request, those
 * evhttp refuses on its own included. */
struct conn_table *conn_table_new(struct event_base *base, struct evhttp *http,
                                  struct evhttp_bound_socket *bound, unsigned max,
                                  const struct mh_config *cfg,
                                  struct accesslog_writer *log,
                                  conn_request_fn on_request, void *arg);

/* Take the connections of an HTTPS listener too (a second evhttp on the
 * same loop), in the same count and cap: each is an OpenSSL bufferevent
 * made with tls (not owned; conn_table_set_tls() replaces it for new
 * connections after a reload, open ones keep theirs).  A handshake is part
 * of the first request's request_timeout. */
struct tls_ctx;
void conn_table_add_tls(struct conn_table *t, struct evhttp *http,
                        struct evhttp_bound_socket *bound, struct tls_ctx *tls);
void conn_table_set_tls(struct conn_table *t, struct tls_ctx *tls);

/* Whether c came in over HTTPS (its bytes on the socket are TLS records:
 * nothing may be written to the socket but through its bufferevent). */
bool conn_is_tls(const struct conn *c);

/* Write what c's output holds now through OpenSSL, as a plain response is
 * written at once (at most `calls` SSL_write()s of at most max bytes), so
 * a response that fits goes out without waiting for a write event.  Only
 * when the output held nothing before this response: then no earlier
 * write is waiting to be retried.  A write that would block stays queued:
 * libevent's writer retries it with the same bytes (and more). */
void conn_tls_write_now(struct conn *c, size_t max, int calls);

/* The response about to be queued on c reads its file in through feed
 * (body.h; NULL: none): c frees it once the response is sent or the
 * connection goes. */
struct body_feed;
void conn_response_feed(struct conn *c, struct body_feed *feed);

/* A method's name ("GET"), as the access log shows it. */
const char *conn_method_name(enum evhttp_cmd_type cmd);

/* Call on the worker's own thread before its loop runs: the listener's
 * error callback finds its table through it. */
void conn_table_bind(struct conn_table *t);

/* The handler holds the request of c, to answer it later (held) or no
 * longer: a held request counts as work in flight (conn_table_busy). */
void conn_request_hold(struct conn *c, bool held);
/* Hand req, held, to the handler again (on the worker's own thread).  A
 * request whose connection went meanwhile is freed instead. */
void conn_request_resume(struct evhttp_request *req);
/* The next access-log line of c shows client (NULL: the peer's address)
 * and user (NULL: none) instead. */
void conn_set_identity(struct conn *c, const char *client, const char *user);
/* Whether the request being handled on c held a NUL byte (evhttp cuts a
 * header value at one, silently: such a request is refused). */
bool conn_request_had_nul(const struct conn *c);

/* The handler has queued the whole response to req (head and body_bytes
 * of body) on c's output, and is about to hand req back to evhttp.  Its
 * access-log line is written once the response has left (now, if it
 * already has), or when the connection goes, with the body bytes sent by
 * then.  A body still being sent gets send_timeout instead of the idle
 * timeout.  Bytes already received after req start the next request (its
 * deadline runs from now). */
void conn_response_queued(struct conn *c, struct evhttp_request *req, int status,
                          int64_t body_bytes);

/* After a reload: the new request_timeout, send_timeout and access_log
 * apply to new requests. */
void conn_table_set_config(struct conn_table *t, const struct mh_config *cfg);

/* Stop accepting for good (shutdown); the listener is freed. */
void conn_table_stop_accepting(struct conn_table *t);

/* Connections with work in flight: a response still being written, or a
 * request begun (or a new connection that has not sent its first one). */
unsigned conn_table_busy(const struct conn_table *t);

/* Count connections and finished responses in m (the status page's), from
 * now on; m belongs to the table's worker. */
struct metrics;
void conn_table_set_metrics(struct conn_table *t, struct metrics *m);

/* c's peer address as text ("127.0.0.1", "::1"); "" when unknown. */
const char *conn_peer(const struct conn *c);

/* Connections open now. */
unsigned conn_table_count(const struct conn_table *t);

/* Once a second: let go of connections evhttp closed before they sent a byte. */
void conn_table_tick(struct conn_table *t);

/* Free what is left; call after evhttp_free(). */
void conn_table_free(struct conn_table *t);

#endif
