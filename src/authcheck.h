/* authcheck.h - Basic credentials checked against htpasswd files, the
 * slow hash never on an event loop.
 *
 * Each worker has one auth_worker: its view of the auth files (the
 * config's copy until a file changes on disk, then its own), the
 * credentials it has verified lately, and an inbox the verifier threads
 * (shared by the process) drop results into, which wakes its loop. */
#ifndef MH_AUTHCHECK_H
#define MH_AUTHCHECK_H

#include <stdbool.h>
#include <time.h>

#include "access.h"
#include "config.h"

struct event_base;
struct auth_worker;

/* Called on the worker's loop when the verification a request waited
 * for is done (its result is remembered by then): run it again. */
typedef void (*auth_resume_fn)(void *req, void *arg);

/* A worker's checker on base, for cfg's auth files (NULL: out of
 * resources, logged). */
struct auth_worker *auth_worker_new(struct event_base *base,
                                    const struct mh_config *cfg, auth_resume_fn resume,
                                    void *arg);
/* Drop every waiting verification of w (their requests are the caller's
 * to forget) and free it; waits for one being hashed to end. */
void auth_worker_free(struct auth_worker *w);
/* A new config: its files, and nothing remembered of the old ones. */
void auth_worker_use_config(struct auth_worker *w, const struct mh_config *cfg);
/* Once a second: re-read an auth file that changed on disk (a broken one
 * is logged, and the last good one kept). */
void auth_worker_tick(struct auth_worker *w, time_t now);

enum auth_verdict {
    AUTH_YES,     /* the user and password match a line of the file */
    AUTH_NO,      /* they do not */
    AUTH_PENDING, /* being verified: req is resumed once it is */
    AUTH_BUSY,    /* too many verifications waiting: try later (503) */
};

/* Whether c is good for auth file `file` (an index into the config's
 * access.auth_files) at now; AUTH_PENDING takes req for resume(). */
enum auth_verdict auth_check(struct auth_worker *w, unsigned file,
                             const struct basic_cred *c, time_t now, void *req);

/* Without verifying: whether c is remembered as good for file (error
 * pages, listings: they never wait). */
bool auth_known_good(struct auth_worker *w, unsigned file, const struct basic_cred *c,
                     time_t now);

#endif
