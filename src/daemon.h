/* daemon.h - detaching, the pid file, the open-file limit, and dropping root. */
#ifndef MH_DAEMON_H
#define MH_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

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

/* In the daemon, before exiting 1: tell the waiting parent that start-up
 * failed and the reason is already on stderr (so it adds nothing).  The
 * parent exits 1; with an empty err when told, else saying the daemon
 * exited during start-up. */
void daemon_failed(void);

/* Tell systemd (Type=notify) the server's state: "READY=1" once it serves,
 * "RELOADING=1" / "READY=1" around a reload, "STOPPING=1" at a stop.  A
 * no-op without $NOTIFY_SOCKET. */
void daemon_notify(const char *state);

/* The same with n (at most MH_FDSTORE_BATCH) descriptors attached, as
 * "FDSTORE=1" wants them. */
void daemon_notify_fds(const char *state, const int *fds, unsigned n);

/* Whether pid is a live process running our program (by /proc). */
bool daemon_is_server(pid_t pid);

/* -1 with err filled when path names a live minihttpd (a process whose
 * command name is ours); 0 when the file is missing, empty, or stale (its
 * process is gone, or the pid was reused by another program). */
int pidfile_check(const char *path, struct mh_error *err);

/* Write our pid to path atomically (a temp file linked or renamed into
 * place, mode 0644, owned by the caller: root when started as root).
 * Refuses a live pid as pidfile_check() does; replaces a stale one. */
int pidfile_write(const char *path, struct mh_error *err);

/* In a process started by a SIGUSR2 restart: put our pid in path, which
 * names the process being replaced (our parent) or nothing live: by a
 * renamed temp file where the directory lets us, else by rewriting the
 * file in place (pidfile_give() made it ours). */
int pidfile_take_over(const char *path, struct mh_error *err);

/* When root and cfg->user is set: give path to that user, so that the
 * process a restart starts (running as the user) can put its pid there.
 * The init script only signals pids it finds running our binary. */
int pidfile_give(const char *path, const struct mh_config *cfg, struct mh_error *err);

/* Remove path if it still holds our pid.  After root was dropped the
 * unlink fails quietly (the file sits in a root-owned directory such as
 * /run); the init script removes it then (start-stop-daemon
 * --remove-pidfile), and a later start replaces it as stale. */
void pidfile_remove(const char *path);

/* Raise the soft RLIMIT_NOFILE to want (and the hard one too when root),
 * so max_connections is reachable without a shell ulimit.  Silent when the
 * limit stays lower: the fd budget (server.c) logs a cap that bites. */
void daemon_raise_nofile(unsigned long want);

/* When root and cfg->user is set: act as that user and its groups for file
 * access (setfsuid/setfsgid/setgroups) while the logs are opened, so a log
 * file created now belongs to the user and a file the user could not write
 * is refused now.  daemon_files_as_root() undoes it; both are no-ops when
 * there is no user to switch to. */
int daemon_files_as_user(const struct mh_config *cfg, struct mh_error *err);
void daemon_files_as_root(void);

/* When root and cfg->user is set: initgroups, setgid, setuid to that user,
 * check root cannot be regained, then check as that user that the docroot
 * is readable and the log files and [compress] cache_dir writable.  Not root: a no-op,
 * with a warning in the error log when cfg->user names someone else. */
int drop_privileges(const struct mh_config *cfg, struct mh_error *err);

/* For -t as root: in a child that drops to cfg->user, run the same access
 * checks drop_privileges() runs.  0 when fine or nothing to check. */
int daemon_check_as_user(const struct mh_config *cfg, struct mh_error *err);

#endif
