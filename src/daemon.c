/* daemon.c - process-level chores: detach, pid file, open-file limit,
 * privilege drop.
 *
 * Owns: everything that changes the process's identity, its limits or its
 * place in the process tree.  Never calls exit(): the intermediate processes
 * of the double fork report back, and main.c exits (the -t check's child
 * leaves with _exit(), like any forked child that must not flush stdio). */
#define _GNU_SOURCE
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"

struct passwd;
static const struct passwd *target_user(const struct mh_config *cfg,
                                        struct mh_error *err);

/* bytes: one text (a path, a user name) quoted in a message, escaped. */
#define QUOTE_MAX (MH_ERROR_MAX / 2)

static int ready_fd = -1; /* the daemon's end of the pipe to the parent */

static void err_errno(struct mh_error *err, const char *what)
{
    int e = errno;
    char q[QUOTE_MAX];
    snprintf(err->msg, sizeof(err->msg), "minihttpd: %s: %s",
             buf_escape_str(q, sizeof(q), what), strerror(e));
}

enum detach_result daemon_detach(struct mh_error *err)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        err_errno(err, "pipe");
        return DETACH_FAILED;
    }
    pid_t pid = fork();
    if (pid < 0) {
        err_errno(err, "fork");
        return DETACH_FAILED;
    }
    if (pid > 0) { /* the original process: wait for "ready" or EOF */
        char c;
        ssize_t n;
        close(pfd[1]);
        while ((n = read(pfd[0], &c, 1)) < 0 && errno == EINTR)
            ;
        close(pfd[0]);
        waitpid(pid, NULL, 0);
        if (n == 1 && c == '1')
            return DETACH_PARENT;
        if (n == 1) /* the daemon said why on our shared stderr */
            err->msg[0] = '\0';
        else
            snprintf(err->msg, sizeof(err->msg),
                     "minihttpd: the daemon exited during start-up");
        return DETACH_FAILED;
    }
    close(pfd[0]);
    ready_fd = pfd[1]; /* from here a failure is reported with daemon_failed() */
    if (setsid() < 0) {
        err_errno(err, "setsid");
        return DETACH_FAILED;
    }
    pid = fork();
    if (pid < 0) {
        err_errno(err, "fork");
        return DETACH_FAILED;
    }
    if (pid > 0) {
        close(pfd[1]);
        ready_fd = -1;
        return DETACH_PARENT; /* the intermediate exits; the daemon lives on */
    }
    if (chdir("/") != 0) {
        err_errno(err, "chdir /");
        return DETACH_FAILED;
    }
    umask(027);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) {
        err_errno(err, "/dev/null");
        return DETACH_FAILED;
    }
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    close(null);
    return DETACH_CHILD;
}

void daemon_ready(void)
{
    if (ready_fd < 0)
        return;
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDERR_FILENO);
        close(null);
    }
    while (write(ready_fd, "1", 1) < 0 && errno == EINTR)
        ;
    close(ready_fd);
    ready_fd = -1;
}

/* --- the pid file --- */

/* systemd's readiness protocol (sd_notify(3)): one datagram to the
 * AF_UNIX socket named in $NOTIFY_SOCKET ('@' for the abstract namespace).
 * Without the variable (not under systemd, or Type= other than notify) it
 * does nothing.  Best effort: systemd's own timeout covers a lost one. */
void daemon_notify(const char *state)
{
    daemon_notify_fds(state, NULL, 0);
}

void daemon_notify_fds(const char *state, const int *fds, unsigned n_fds)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t n = path ? strlen(path) : 0;
    if (n < 2 || n >= sizeof(sa.sun_path) || (path[0] != '/' && path[0] != '@') ||
        n_fds > MH_FDSTORE_BATCH)
        return;
    memcpy(sa.sun_path, path, n);
    if (path[0] == '@')
        sa.sun_path[0] = '\0';
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    union { /* aligned room for the SCM_RIGHTS array */
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * MH_FDSTORE_BATCH)];
    } ctl;
    struct iovec iov = {.iov_base = (void *)state, .iov_len = strlen(state)};
    struct msghdr msg = {
        .msg_name = &sa,
        .msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n),
        .msg_iov = &iov,
        .msg_iovlen = 1,
    };
    if (n_fds) {
        memset(&ctl, 0, sizeof(ctl));
        msg.msg_control = ctl.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
    }
    while (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR)
        ;
    close(fd);
}

void daemon_failed(void)
{
    if (ready_fd < 0)
        return;
    while (write(ready_fd, "0", 1) < 0 && errno == EINTR)
        ;
    close(ready_fd);
    ready_fd = -1;
}

static pid_t pidfile_read(const char *path)
{
    char buf[32];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *end;
    long v = strtol(buf, &end, 10);
    return v > 0 && v <= INT_MAX && (*end == '\n' || *end == '\0') ? (pid_t)v : 0;
}

/* A process's command name from /proc ("" when it cannot be read). */
static void proc_comm(const char *pid, char *out, size_t cap)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%s/comm", pid);
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, out, cap - 1);
    close(fd);
    out[n > 0 ? n : 0] = '\0';
}

/* Is pid alive and running the same program as we are?  A pid reused by
 * another program after a crash counts as stale.  Without /proc, any live
 * process counts. */
static bool same_program_alive(pid_t pid)
{
    if (kill(pid, 0) != 0 && errno != EPERM)
        return false;
    char num[24], theirs[64], ours[64];
    snprintf(num, sizeof(num), "%ld", (long)pid);
    proc_comm(num, theirs, sizeof(theirs));
    proc_comm("self", ours, sizeof(ours));
    return !theirs[0] || !ours[0] || strcmp(theirs, ours) == 0;
}

bool daemon_is_server(pid_t pid)
{
    char path[64], stat[128] = "";
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, stat, sizeof(stat) - 1) : -1;
    if (fd >= 0)
        close(fd);
    stat[n > 0 ? n : 0] = '\0';
    const char *st = strrchr(stat, ')'); /* "pid (comm) S ...": S the state */
    if (pid <= 0 || !st || st[1] != ' ' || st[2] == 'Z' || st[2] == 'X')
        return false; /* gone, or exited and not yet reaped */
    char num[24], comm[64];
    snprintf(num, sizeof(num), "%ld", (long)pid);
    proc_comm(num, comm, sizeof(comm));
    return comm[0] && same_program_alive(pid);
}

int pidfile_check(const char *path, struct mh_error *err)
{
    pid_t old = pidfile_read(path);
    if (old > 0 && old != getpid() && same_program_alive(old)) {
        char q[QUOTE_MAX];
        snprintf(err->msg, sizeof(err->msg),
                 "minihttpd: already running as pid %ld (pid file %s)", (long)old,
                 buf_escape_str(q, sizeof(q), path));
        return -1;
    }
    return 0;
}

/* Create tmp holding our pid, mode 0644 whatever the umask. */
static int write_tmp(const char *tmp, struct mh_error *err)
{
    char text[32];
    int n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
    unlink(tmp); /* a leftover of a crashed start with our pid */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        err_errno(err, tmp);
        return -1;
    }
    int bad = fchmod(fd, 0644) != 0 || write(fd, text, (size_t)n) != n;
    if ((close(fd) != 0) | bad) {
        err_errno(err, tmp);
        unlink(tmp);
        return -1;
    }
    return 0;
}

int pidfile_write(const char *path, struct mh_error *err)
{
    char tmp[MH_FS_PATH_MAX + 32];
    int tn = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    if (tn < 0 || (size_t)tn >= sizeof(tmp)) {
        char q[QUOTE_MAX];
        snprintf(err->msg, sizeof(err->msg), "minihttpd: %s: path too long",
                 buf_escape_str(q, sizeof(q), path));
        return -1;
    }
    if (write_tmp(tmp, err) != 0)
        return -1;
    /* link() never replaces: of two starts racing, one wins */
    int rc = link(tmp, path);
    if (rc != 0 && errno == EEXIST) {
        if (pidfile_check(path, err) != 0) {
            unlink(tmp);
            return -1;
        }
        rc = rename(tmp, path); /* replace the stale file */
    } else if (rc != 0 && (errno == EPERM || errno == EOPNOTSUPP)) {
        rc = rename(tmp, path); /* a file system without hard links */
    }
    if (rc != 0) {
        err_errno(err, path);
        unlink(tmp);
        return -1;
    }
    unlink(tmp); /* after link(); a no-op after rename() */
    return 0;
}

int pidfile_take_over(const char *path, struct mh_error *err)
{
    pid_t old = pidfile_read(path);
    if (old > 0 && old != getppid() && old != getpid() && same_program_alive(old)) {
        char q[QUOTE_MAX];
        snprintf(err->msg, sizeof(err->msg),
                 "minihttpd: pid file %s names pid %ld, not the server being replaced",
                 buf_escape_str(q, sizeof(q), path), (long)old);
        return -1;
    }
    char tmp[MH_FS_PATH_MAX + 32];
    int tn = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    if (tn > 0 && (size_t)tn < sizeof(tmp) && write_tmp(tmp, err) == 0) {
        if (rename(tmp, path) == 0)
            return 0;
        err_errno(err, path);
        unlink(tmp);
        return -1;
    }
    /* no right to create files beside it (a root-owned /run): rewrite the
     * file itself, which pidfile_give() made ours */
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        err_errno(err, path);
        return -1;
    }
    char text[32];
    int n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
    int bad = pwrite(fd, text, (size_t)n, 0) != n || ftruncate(fd, n) != 0;
    if ((close(fd) != 0) | bad) {
        err_errno(err, path);
        return -1;
    }
    return 0;
}

int pidfile_give(const char *path, const struct mh_config *cfg, struct mh_error *err)
{
    err->msg[0] = '\0';
    const struct passwd *pw = target_user(cfg, err);
    if (!pw)
        return err->msg[0] ? -1 : 0;
    if (lchown(path, pw->pw_uid, pw->pw_gid) != 0) {
        err_errno(err, path);
        return -1;
    }
    return 0;
}

void pidfile_remove(const char *path)
{
    if (pidfile_read(path) == getpid())
        unlink(path);
}

/* --- the open-file limit --- */

void daemon_raise_nofile(unsigned long want)
{
    struct rlimit old, rl;
    if (getrlimit(RLIMIT_NOFILE, &old) != 0 || old.rlim_cur >= want)
        return;
    rl = old;
    rl.rlim_cur = want;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
        if (geteuid() == 0)
            rl.rlim_max = want;
        else
            rl.rlim_cur = rl.rlim_max;
    }
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) { /* above fs.nr_open: take the max */
        rl = old;
        rl.rlim_cur = old.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    /* a limit that stays lower is said by the server's fd budget, and only
     * when it keeps connections from being served (server.c plan_fds()) */
}

/* --- acting as the configured user --- */

#define MH_GROUPS_MAX 256

static gid_t root_groups[MH_GROUPS_MAX];
static int root_ngroups = -1; /* >= 0 while acting as the user for files */
static uid_t root_fsuid;
static gid_t root_fsgid;

/* The user to switch to, or NULL (with err filled when unknown). */
static const struct passwd *target_user(const struct mh_config *cfg,
                                        struct mh_error *err)
{
    if (geteuid() != 0 || !cfg->user[0])
        return NULL;
    struct passwd *pw = getpwnam(cfg->user);
    if (!pw) {
        config_check_user(cfg, err);
        return NULL;
    }
    return pw->pw_uid == 0 ? NULL : pw;
}

int daemon_files_as_user(const struct mh_config *cfg, struct mh_error *err)
{
    err->msg[0] = '\0';
    const struct passwd *pw = target_user(cfg, err);
    if (!pw)
        return err->msg[0] ? -1 : 0;
    gid_t groups[MH_GROUPS_MAX];
    int n = MH_GROUPS_MAX;
    if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0) {
        char q[QUOTE_MAX];
        snprintf(err->msg, sizeof(err->msg), "minihttpd: user %s is in too many groups",
                 buf_escape_str(q, sizeof(q), cfg->user));
        return -1;
    }
    int saved = getgroups(MH_GROUPS_MAX, root_groups);
    if (saved < 0 || setgroups((size_t)n, groups) != 0) {
        err_errno(err, "setgroups");
        return -1;
    }
    root_ngroups = saved;
    root_fsgid = (gid_t)setfsgid(pw->pw_gid);
    root_fsuid = (uid_t)setfsuid(pw->pw_uid);
    return 0;
}

void daemon_files_as_root(void)
{
    if (root_ngroups < 0)
        return;
    setfsuid(root_fsuid);
    setfsgid(root_fsgid);
    setgroups((size_t)root_ngroups, root_groups);
    root_ngroups = -1;
}

/* --- dropping root --- */

static int switch_user(const struct passwd *pw, struct mh_error *err)
{
    char name[QUOTE_MAX];
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    buf_escape_str(name, sizeof(name), pw->pw_name); /* for messages */
    if (initgroups(pw->pw_name, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        int e = errno;
        snprintf(err->msg, sizeof(err->msg), "minihttpd: cannot switch to user %s: %s",
                 name, strerror(e));
        return -1;
    }
    if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || setegid(0) == 0 ||
        getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid) {
        snprintf(err->msg, sizeof(err->msg),
                 "minihttpd: could regain root after switching to user %s; "
                 "refusing to run",
                 name);
        return -1;
    }
    return 0;
}

/* A log as the user: config_log_problem(), the check -t and start-up make. */
static int check_log_writable(const char *what, const char *path, const char *user,
                              struct mh_error *err)
{
    char why[MH_ERROR_MAX / 2];
    if (path[0] != '/' || !config_log_problem(path, why, sizeof(why)))
        return 0;
    snprintf(err->msg, sizeof(err->msg), "minihttpd: %s is not writable by user %s: %s",
             what, user, why);
    return -1;
}

/* [compress] cache_dir as the user: config_cache_dir_problem(). */
static int check_cache_dir(const struct mh_config *cfg, const char *user,
                           struct mh_error *err)
{
    char why[MH_ERROR_MAX / 2], where[MH_ERROR_MAX / 2];
    if (!cfg->cache_dir[0] ||
        !config_cache_dir_problem(cfg->cache_dir, why, sizeof(why)))
        return 0;
    config_cache_dir_where(cfg, where, sizeof(where));
    mh_error_set(err, "%s = %s (as user %s)", where, why, user);
    return -1;
}

/* As the user we run as: the docroot readable, the log files and the
 * cache directory writable.  user is the name as it goes into messages
 * (escaped). */
static int check_access(const struct mh_config *cfg, const char *user,
                        struct mh_error *err)
{
    if (access(cfg->docroot, R_OK | X_OK) != 0) {
        int e = errno;
        char q[QUOTE_MAX];
        snprintf(err->msg, sizeof(err->msg),
                 "minihttpd: docroot %s is not readable by user %s: %s",
                 buf_escape_str(q, sizeof(q), cfg->docroot), user, strerror(e));
        return -1;
    }
    for (unsigned i = 0; i < cfg->access.n_auth; i++) /* re-read when changed */
        if (access(cfg->access.auth_files[i], R_OK) != 0) {
            int e = errno;
            char q[QUOTE_MAX], f[QUOTE_MAX];
            snprintf(err->msg, sizeof(err->msg),
                     "%s:%u: auth_file %s is not readable by user %s: %s",
                     buf_escape_str(f, sizeof(f), config_name(cfg)),
                     cfg->access.auth_line[i],
                     buf_escape_str(q, sizeof(q), cfg->access.auth_files[i]), user,
                     strerror(e));
            return -1;
        }
    return check_log_writable("access log", cfg->access_log, user, err) ||
                   check_log_writable("error log", cfg->error_log, user, err) ||
                   check_cache_dir(cfg, user, err)
               ? -1
               : 0;
}

static void warn_ignored_user(const struct mh_config *cfg)
{
    struct passwd *pw = getpwnam(cfg->user);
    char q[MH_USER_MAX * 4];
    if (!pw || pw->pw_uid != geteuid())
        log_msg(MH_LOG_WARN,
                "user = %s ignored: not started as root (running as uid %ld)",
                buf_escape_str(q, sizeof(q), cfg->user), (long)geteuid());
}

int drop_privileges(const struct mh_config *cfg, struct mh_error *err)
{
    err->msg[0] = '\0';
    if (cfg->user[0] && geteuid() != 0)
        warn_ignored_user(cfg);
    const struct passwd *pw = target_user(cfg, err);
    if (!pw)
        return err->msg[0] ? -1 : 0;
    char user[MH_USER_MAX * 4], src[QUOTE_MAX];
    buf_escape_str(user, sizeof(user), cfg->user);
    if (switch_user(pw, err) != 0 || check_access(cfg, user, err) != 0)
        return -1;
    if (cfg->source[0] && access(cfg->source, R_OK) != 0)
        log_msg(MH_LOG_WARN, "%s is not readable by user %s: SIGHUP reloads will fail",
                buf_escape_str(src, sizeof(src), cfg->source), user);
    return 0;
}

int daemon_check_as_user(const struct mh_config *cfg, struct mh_error *err)
{
    err->msg[0] = '\0';
    const struct passwd *pw = target_user(cfg, err);
    if (!pw)
        return 0; /* nothing to switch to; an unknown user is -t's warning */
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        err_errno(err, "pipe");
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        err_errno(err, "fork");
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    char user[MH_USER_MAX * 4];
    buf_escape_str(user, sizeof(user), cfg->user);
    if (pid == 0) { /* the child: switch, check, report, and go */
        close(pfd[0]);
        int bad = switch_user(pw, err) != 0 || check_access(cfg, user, err) != 0;
        if (bad && write(pfd[1], err->msg, strlen(err->msg)) < 0)
            bad = 2;
        _exit(bad);
    }
    close(pfd[1]);
    ssize_t n, got = 0;
    while (
        (size_t)got < sizeof(err->msg) - 1 &&
        ((n = read(pfd[0], err->msg + got, sizeof(err->msg) - 1 - (size_t)got)) > 0 ||
         (n < 0 && errno == EINTR)))
        got += n > 0 ? n : 0;
    close(pfd[0]);
    err->msg[got] = '\0';
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (!err->msg[0])
        snprintf(err->msg, sizeof(err->msg), "minihttpd: checking as user %s failed",
                 user);
    return -1;
}
