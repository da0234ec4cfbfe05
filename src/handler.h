/* handler.h - answer one HTTP request from the docroot. */
#ifndef MH_HANDLER_H
#define MH_HANDLER_H

#include <stdint.h>

#include "config.h"

struct evhttp_request;
struct conn;
struct handler_ctx;

/* A worker's request-handling state (libmagic handle, open-file cache of
 * cache_slots entries) for cfg, serving the docroot open as rootfd (taken,
 * closed on failure too); NULL with err filled. */
struct handler_ctx *handler_new(const struct mh_config *cfg, unsigned cache_slots,
                                int rootfd, struct mh_error *err);
void handler_free(struct handler_ctx *h);

/* Answer one request (a conn_request_fn); arg is the worker's handler. */
void handler_request(struct evhttp_request *req, struct conn *c, void *arg);

/* Once a second: re-open the docroot (a swapped symlink is followed). */
void handler_tick(struct handler_ctx *h);

/* Point the handler at a config, its docroot open as rootfd (taken), for a
 * reload:
 * it cannot fail, so every worker switches once the main thread has made
 * what they need. */
void handler_use_config(struct handler_ctx *h, const struct mh_config *cfg, int rootfd);

/* Compress on the fly with zc (shared by the workers, outliving them);
 * before the worker runs.  Without one, only sidecars are sent coded. */
struct zcache;
void handler_set_zcache(struct handler_ctx *h, struct zcache *zc);

/* The status page ([status] path) reads every worker's figures from src
 * (the server's, outliving the handler). */
struct status_source;
void handler_set_status(struct handler_ctx *h, const struct status_source *src);

/* The open-file cache's hits and misses so far (this worker's thread). */
void handler_cache_counts(const struct handler_ctx *h, uint64_t *hits,
                          uint64_t *misses);

/* Shutting down: every response from now on closes its connection. */
void handler_stop(struct handler_ctx *h);

#endif
