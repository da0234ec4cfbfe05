/* handover.c - the listening sockets, passed from a running server to the
 * process that replaces it.
 *
 * Owns: starting the binary again with the sockets inherited (SIGUSR2:
 * fork, then exec of the path the running binary was started from, so an
 * upgraded package starts the new binary), the LISTEN_FDS/LISTEN_PID
 * convention of sd_listen_fds(3) both ways (from the old process, and from
 * systemd's fd store after `systemctl restart`), matching the sockets to
 * the config by their bound address, and the readiness pipe back to the old
 * process.  Never binds, never accepts, never calls exit() (the forked
 * child leaves with _exit() if exec fails).
 *
 * Why no connection is refused: the old and the new process hold the very
 * same listening sockets; the old one closes its copies only once the new
 * one serves, so the kernel's accept queues never go away. */
#define _GNU_SOURCE
#include "handover.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

extern char **environ;

#define ENV_FD "MINIHTTPD_HANDOVER_FD"

static char **saved_argv;             /* main()'s argv, for the exec */
static char exe_path[MH_FS_PATH_MAX]; /* the binary's path at start */
static int successor_fd = -1;         /* started by a handover: the pipe to report on */

void handover_save_argv(int argc, char **argv)
{
    (void)argc;
    saved_argv = argv;
    ssize_t n = readlink("/proc/self/exe", exe_path, sizeof(exe_path));
    if (n <= 0 || (size_t)n >= sizeof(exe_path))
        n = 0; /* handover_spawn() says why it cannot */
    exe_path[n] = '\0';
}

/* A decimal in [0, max], the whole of text. */
static int parse_uint(const char *text, long max, long *out)
{
    char *end;
    errno = 0;
    long v = text && *text ? strtol(text, &end, 10) : -1;
    if (v < 0 || v > max || errno || *end)
        return -1;
    *out = v;
    return 0;
}

static void describe(const struct sockaddr_storage *sa, char *out, size_t cap)
{
    char a[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &v4->sin_addr, a, sizeof(a));
        port = ntohs(v4->sin_port);
        snprintf(out, cap, "%s:%u", a, port);
    } else {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &v6->sin6_addr, a, sizeof(a));
        port = ntohs(v6->sin6_port);
        snprintf(out, cap, "[%s]:%u", a, port);
    }
}

/* A passed fd we can serve on: a listening TCP socket of IPv4 or IPv6. */
static int usable(int fd, struct sockaddr_storage *sa)
{
    int v = 0;
    socklen_t len = sizeof(v);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) != 0 || !v)
        return 0;
    len = sizeof(v);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) != 0 || v != SOCK_STREAM)
        return 0;
    len = sizeof(*sa);
    memset(sa, 0, sizeof(*sa)); /* compared whole by handover_close_rest() */
    if (getsockname(fd, (struct sockaddr *)sa, &len) != 0 ||
        (sa->ss_family != AF_INET && sa->ss_family != AF_INET6))
        return 0;
    return 1;
}

int handover_collect(struct inherited *in, struct mh_error *err)
{
    long pid = 0, n = 0, rfd = 0;
    in->n = 0;
    const char *r = getenv(ENV_FD);
    if (r) {
        if (parse_uint(r, INT_MAX, &rfd) != 0 || rfd < 3 ||
            fcntl((int)rfd, F_SETFD, FD_CLOEXEC) != 0) {
            snprintf(err->msg, sizeof(err->msg), "minihttpd: bad %s=%.32s", ENV_FD, r);
            return -1;
        }
        successor_fd = (int)rfd;
        unsetenv(ENV_FD);
    }
    const char *p = getenv("LISTEN_PID"), *f = getenv("LISTEN_FDS");
    int ours = p && f && parse_uint(p, INT_MAX, &pid) == 0 && pid == (long)getpid();
    if (ours && parse_uint(f, INT_MAX - 3, &n) != 0) {
        snprintf(err->msg, sizeof(err->msg), "minihttpd: bad LISTEN_FDS=%.32s", f);
        return -1;
    }
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    unsigned dropped = 0;
    for (long i = 0; ours && i < n; i++) {
        int fd = (int)(3 + i);
        struct sockaddr_storage sa;
        if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) /* not open: nothing to close */
            continue;
        if (!usable(fd, &sa) || in->n == MH_INHERIT_FDS_MAX ||
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
            close(fd);
            dropped++;
            continue;
        }
        in->fd[in->n] = fd;
        in->taken[in->n] = false;
        in->sa[in->n++] = sa;
    }
    if (dropped)
        log_msg(MH_LOG_WARN,
                "%u of the %ld descriptors passed at start were closed: not "
                "listening TCP sockets, or more than %d",
                dropped, n, MH_INHERIT_FDS_MAX);
    return 0;
}

bool handover_is_successor(void)
{
    return successor_fd >= 0;
}

/* Whether sa is listen:port. */
static int same_address(const struct sockaddr_storage *sa, const char *listen,
                        unsigned port)
{
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
        struct in_addr a;
        return inet_pton(AF_INET, listen, &a) == 1 && ntohs(v4->sin_port) == port &&
               a.s_addr == v4->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
    struct in6_addr a;
    return inet_pton(AF_INET6, listen, &a) == 1 && ntohs(v6->sin6_port) == port &&
           !memcmp(&a, &v6->sin6_addr, sizeof(a));
}

bool handover_has(const struct inherited *in, const char *listen, unsigned port)
{
    for (unsigned i = 0; in && i < in->n; i++)
        if (same_address(&in->sa[i], listen, port))
            return true;
    return false;
}

int handover_take(struct inherited *in, const char *listen, unsigned port)
{
    int first = -1;
    for (unsigned i = 0; in && i < in->n; i++) {
        if (!same_address(&in->sa[i], listen, port))
            continue;
        if (!in->taken[i]) {
            in->taken[i] = true;
            return in->fd[i];
        }
        if (first < 0)
            first = in->fd[i];
    }
    /* more workers than sockets: share one (a second SO_REUSEPORT socket
     * may not bind where the first was made by root) */
    return first >= 0 ? fcntl(first, F_DUPFD_CLOEXEC, 3) : -1;
}

void handover_close_rest(struct inherited *in)
{
    for (unsigned i = 0; in && i < in->n; i++) {
        if (in->taken[i] || in->fd[i] < 0)
            continue;
        char where[INET6_ADDRSTRLEN + 16];
        describe(&in->sa[i], where, sizeof(where));
        bool still = false;
        unsigned count = 0;
        for (unsigned j = i; j < in->n; j++) {
            if (in->sa[j].ss_family != in->sa[i].ss_family ||
                memcmp(&in->sa[j], &in->sa[i], sizeof(in->sa[i])) != 0)
                continue;
            if (in->taken[j]) {
                still = true;
            } else if (in->fd[j] >= 0) {
                close(in->fd[j]);
                in->fd[j] = -1;
                count++;
            }
        }
        for (unsigned j = 0; j < i && !still; j++)
            still = in->taken[j] && !memcmp(&in->sa[j], &in->sa[i], sizeof(in->sa[i]));
        if (still)
            log_msg(MH_LOG_NOTICE,
                    "restart: fewer workers: %u listening socket%s on %s closed "
                    "(connections queued on %s reset)",
                    count, count == 1 ? "" : "s", where, count == 1 ? "it" : "them");
        else
            log_msg(MH_LOG_WARN,
                    "restart: no longer listening on %s (the config's listen or "
                    "port changed): connections on the old port were closed",
                    where);
    }
}

void handover_ready(void)
{
    if (successor_fd < 0)
        return;
    while (write(successor_fd, "R", 1) < 0 && errno == EINTR)
        ;
    close(successor_fd);
    successor_fd = -1;
}

void handover_failed(const char *why)
{
    if (successor_fd < 0)
        return;
    char line[MH_ERROR_MAX + 1];
    int n = snprintf(line, sizeof(line), "E%s", why);
    if (n > 0) /* cut to the buffer if need be: the old one logs what came */
        while (write(successor_fd, line,
                     (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0 &&
               errno == EINTR)
            ;
    close(successor_fd);
    successor_fd = -1;
}

/* Decimal text of v into out (async-signal-safe: for the forked child). */
static void put_uint(char *out, unsigned long v)
{
    char tmp[24];
    int n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) && n < (int)sizeof(tmp));
    while (n)
        *out++ = tmp[--n];
    *out = '\0';
}

static int is_var(const char *e, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(e, name, n) && e[n] == '=';
}

pid_t handover_spawn(const int *fds, unsigned n, const char *cwd, int *ready_fd,
                     struct mh_error *err)
{
    if (!exe_path[0] || !saved_argv) {
        snprintf(err->msg, sizeof(err->msg),
                 "cannot tell which binary this process runs (/proc/self/exe)");
        return -1;
    }
    if (n == 0 || n > MH_INHERIT_FDS_MAX) {
        snprintf(err->msg, sizeof(err->msg), "%u listening sockets to pass", n);
        return -1;
    }
    size_t count = 0;
    while (environ && environ[count])
        count++;
    char **env = calloc(count + 4, sizeof(*env));
    int pfd[2];
    if (!env || pipe2(pfd, O_CLOEXEC) != 0) {
        snprintf(err->msg, sizeof(err->msg), "%s",
                 env ? strerror(errno) : "out of memory");
        free(env);
        return -1;
    }
    /* everything the child needs, made before the fork */
    char v_fds[32] = "LISTEN_FDS=", v_ho[48] = ENV_FD "=", v_pid[32] = "LISTEN_PID=";
    put_uint(v_fds + strlen(v_fds), n);
    put_uint(v_ho + strlen(v_ho), 3 + n);
    size_t k = 0;
    for (size_t i = 0; i < count; i++)
        if (!is_var(environ[i], "LISTEN_FDS") && !is_var(environ[i], "LISTEN_PID") &&
            !is_var(environ[i], "LISTEN_FDNAMES") && !is_var(environ[i], ENV_FD))
            env[k++] = environ[i];
    env[k++] = v_fds;
    env[k++] = v_ho;
    env[k++] = v_pid;
    env[k] = NULL;
    /* the child keeps every signal blocked until its main() sets its own
     * mask: no handler of ours may run in it */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0) {
        int base = (int)n + 4;
        int tmp[MH_INHERIT_FDS_MAX], rtmp;
        for (unsigned i = 0; i < n; i++)
            if ((tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, base)) < 0)
                _exit(127);
        if ((rtmp = fcntl(pfd[1], F_DUPFD_CLOEXEC, base)) < 0)
            _exit(127);
        for (unsigned i = 0; i < n; i++) /* dup2() leaves FD_CLOEXEC off */
            if (dup2(tmp[i], (int)(3 + i)) < 0)
                _exit(127);
        if (dup2(rtmp, (int)(3 + n)) < 0)
            _exit(127);
        put_uint(v_pid + strlen("LISTEN_PID="), (unsigned long)getpid());
        if (cwd && chdir(cwd) != 0)
            _exit(127);
        execve(exe_path, saved_argv, env);
        _exit(127);
    }
    int e = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(pfd[1]);
    free(env);
    if (pid < 0) {
        close(pfd[0]);
        snprintf(err->msg, sizeof(err->msg), "fork: %s", strerror(e));
        return -1;
    }
    *ready_fd = pfd[0];
    return pid;
}

void handover_store_fds(const int *fds, unsigned n)
{
    if (!getenv("NOTIFY_SOCKET"))
        return;
    /* what the store held (an earlier set of sockets) goes first */
    daemon_notify("FDSTOREREMOVE=1\nFDNAME=listen");
    for (unsigned i = 0; i < n; i += MH_FDSTORE_BATCH) {
        unsigned k = n - i < MH_FDSTORE_BATCH ? n - i : MH_FDSTORE_BATCH;
        daemon_notify_fds("FDSTORE=1\nFDNAME=listen", fds + i, k);
    }
}
