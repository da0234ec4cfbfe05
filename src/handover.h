/* handover.h - listening sockets passed from one server process to the next,
 * so that a restart or an upgrade refuses no connection. */
#ifndef MH_HANDOVER_H
#define MH_HANDOVER_H

#include <stdbool.h>
#include <sys/types.h>

#include "bounds.h"
#include "config.h"

/* The listening sockets this process was given at start: by the process it
 * replaces (SIGUSR2) or by systemd (its fd store, after `systemctl
 * restart`), both as LISTEN_FDS/LISTEN_PID (sd_listen_fds(3)). */
#include <sys/socket.h>

struct inherited {
    int fd[MH_INHERIT_FDS_MAX];
    bool taken[MH_INHERIT_FDS_MAX];                 /* by a worker: not closed here */
    struct sockaddr_storage sa[MH_INHERIT_FDS_MAX]; /* as getsockname() gave it */
    unsigned n;
};

/* Record argv and the path of the running binary (/proc/self/exe, read now:
 * after an upgrade that path holds the new binary).  Call first in main. */
void handover_save_argv(int argc, char **argv);

/* Collect the sockets named by LISTEN_FDS when LISTEN_PID is ours, and
 * unset the variables.  Anything passed that is not a listening TCP
 * socket is closed.  0, or -1 with err filled. */
int handover_collect(struct inherited *in, struct mh_error *err);

/* Whether this process was started by a SIGUSR2 handover (it then reports
 * readiness to the old process with handover_ready()). */
bool handover_is_successor(void);

/* A socket of in bound to listen:port, taken (not closed by
 * handover_close_rest()); another taken one of the same address dup()ed when
 * all are taken; -1 when in holds none for that address. */
int handover_take(struct inherited *in, const char *listen, unsigned port);

/* Whether in holds a socket for listen:port (taken or not). */
bool handover_has(const struct inherited *in, const char *listen, unsigned port);

/* Close the sockets no worker took, saying in the error log which
 * addresses were dropped (a config that changed port or listen). */
void handover_close_rest(struct inherited *in);

/* In a successor: tell the old process that this one serves now. */
void handover_ready(void);

/* In a successor that fails to start: tell the old process why (it logs
 * it: the successor may have no error log open yet). */
void handover_failed(const char *why);

/* Start the binary again, as it was started, handing it the n listening
 * sockets fds.  *ready_fd gets a pipe end that yields 'R' once the new
 * process serves, or 'E' and the reason if it fails, then EOF.  The new pid, or -1 with
 * err filled. */
pid_t handover_spawn(const int *fds, unsigned n, const char *cwd, int *ready_fd,
                     struct mh_error *err);

/* Under systemd (a $NOTIFY_SOCKET and FDSTORE granted by the unit): put
 * the listening sockets in the service manager's fd store, replacing what
 * it held, so that `systemctl restart` passes them on. */
void handover_store_fds(const int *fds, unsigned n);

#endif
