/* server.h - listeners, workers and signals. */
#ifndef MH_SERVER_H
#define MH_SERVER_H

#include "config.h"

struct server;

struct inherited;

/* Bind the listening sockets and prepare cfg->workers event loops.  Takes
 * ownership of cfg.  config_path and ov are kept for SIGHUP reloads.  The
 * sockets of inh (a restart's, may be NULL) bound where cfg listens are
 * used instead of new ones; the rest are closed, and said so. */
struct server *server_new(struct mh_config *cfg, const char *config_path,
                          const struct mh_overrides *ov, struct inherited *inh,
                          struct mh_error *err);

/* Let the workers compress with zc (zcache.h), which outlives them: call
 * before server_run(). */
struct zcache;
void server_set_zcache(struct server *s, struct zcache *zc);

/* Run until SIGTERM/SIGINT, or until the process a SIGUSR2 started serves;
 * 0 on a clean stop.  The caller blocks SIGTERM, SIGINT, SIGHUP, SIGUSR1 and
 * SIGUSR2 before server_new(); server_run() unblocks them
 * in the main thread once it handles them. */
int server_run(struct server *s);

void server_free(struct server *s);

#endif
