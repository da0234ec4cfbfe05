/* conn.h - the connections of one worker: their number and their deadlines. */
#ifndef MH_CONN_H
#define MH_CONN_H

#include "config.h"

struct event_base;
struct evhttp;
struct evhttp_bound_socket;
struct accesslog_writer;
struct conn_table;

/* Track every connection evhttp accepts on `bound` (evhttp_set_bevcb): cap
 * them at `max` (accepting pauses at the cap and resumes below it), give each
 * request cfg->request_timeout seconds from its first byte to its last header
 * (408 and close past it), pause accepting while out of file descriptors,
 * and log the requests evhttp refuses on its own. */
struct conn_table *conn_table_new(struct event_base *base, struct evhttp *http,
                                  struct evhttp_bound_socket *bound, unsigned max,
                                  const struct mh_config *cfg,
                                  struct accesslog_writer *log);

/* Call on the worker's own thread before its loop runs: the listener's
 * error callback finds its table through it. */
void conn_table_bind(struct conn_table *t);

/* The handler says when it runs (1) and returns (0): what is written to a
 * connection meanwhile is its response; anything else evhttp wrote itself. */
void conn_handler_running(int on);

/* After a reload: the new request_timeout and access_log apply to new
 * requests. */
void conn_table_set_config(struct conn_table *t, const struct mh_config *cfg);

/* Stop accepting for good (shutdown); the listener is freed. */
void conn_table_stop_accepting(struct conn_table *t);

/* Connections with work in flight: a response still being written, or a
 * request begun (or a new connection that has not sent its first one). */
unsigned conn_table_busy(const struct conn_table *t);

/* Connections open now. */
unsigned conn_table_count(const struct conn_table *t);

/* Once a second: let go of connections evhttp closed before they sent a byte. */
void conn_table_tick(struct conn_table *t);

/* Free what is left; call after evhttp_free(). */
void conn_table_free(struct conn_table *t);

#endif
