/* daemon.h - detaching, the pid file, and dropping root. */
#ifndef MH_DAEMON_H
#define MH_DAEMON_H

#include "config.h"

enum detach_result {
    DETACH_CHILD,  /* this is the daemon: go on */
    DETACH_PARENT, /* the daemon started: the caller exits 0 */
    DETACH_FAILED, /* err says why: the caller exits 1 */
};

/* Double fork and setsid; the daemon's cwd becomes "/" and stdin/stdout
 * become /dev/null (stderr too, once daemon_ready() is called).  The
 * original process waits until the daemon calls daemon_ready(), so a
 * failure after the fork still reaches the terminal and the exit code. */
enum detach_result daemon_detach(struct mh_error *err);

/* In the daemon: tell the waiting parent that start-up succeeded. */
void daemon_ready(void);

/* Write our pid to path atomically (temp file + rename).  Refuses when the
 * file names a live process; replaces a stale one. */
int pidfile_write(const char *path, struct mh_error *err);
void pidfile_remove(const char *path);

/* When root and cfg->user is set: initgroups, setgid, setuid to that user,
 * then check root cannot be regained.  A no-op when not root. */
int drop_privileges(const struct mh_config *cfg, struct mh_error *err);

#endif
