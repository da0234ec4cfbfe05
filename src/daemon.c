/* daemon.c - process-level chores: detach, pid file, privilege drop.
 *
 * Owns: everything that changes the process's identity or its place in the
 * process tree.  Never calls exit(): the intermediate processes of the
 * double fork report back, and main.c exits. */
#define _GNU_SOURCE
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int ready_fd = -1; /* the daemon's end of the pipe to the parent */

static void err_errno(struct mh_error *err, const char *what)
{
    snprintf(err->msg, sizeof(err->msg), "minihttpd: %s: %s", what, strerror(errno));
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
        if (n == 1)
            return DETACH_PARENT;
        snprintf(err->msg, sizeof(err->msg), "minihttpd: the daemon failed to start");
        return DETACH_FAILED;
    }
    close(pfd[0]);
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
        return DETACH_PARENT; /* the intermediate exits; the daemon lives on */
    }
    ready_fd = pfd[1];
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

static pid_t pidfile_read(const char *path)
{
    char buf[32];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    long v = strtol(buf, NULL, 10);
    return v > 0 ? (pid_t)v : 0;
}

int pidfile_write(const char *path, struct mh_error *err)
{
    pid_t old = pidfile_read(path);
    if (old > 0 && old != getpid() && (kill(old, 0) == 0 || errno == EPERM)) {
        snprintf(err->msg, sizeof(err->msg),
                 "minihttpd: %s: already running as pid %ld", path, (long)old);
        return -1;
    }
    char tmp[MH_FS_PATH_MAX + 16], text[32];
    int tn = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
    if (tn < 0 || (size_t)tn >= sizeof(tmp)) {
        snprintf(err->msg, sizeof(err->msg), "minihttpd: %s: path too long", path);
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        err_errno(err, tmp);
        return -1;
    }
    ssize_t w = write(fd, text, (size_t)n);
    int bad = (w != n) | (close(fd) != 0);
    if (bad || rename(tmp, path) != 0) {
        err_errno(err, path);
        unlink(tmp);
        return -1;
    }
    return 0;
}

void pidfile_remove(const char *path)
{
    if (pidfile_read(path) == getpid())
        unlink(path);
}

int drop_privileges(const struct mh_config *cfg, struct mh_error *err)
{
    if (geteuid() != 0 || !cfg->user[0])
        return 0;
    if (config_check_user(cfg, err) != 0)
        return -1;
    struct passwd *pw = getpwnam(cfg->user);
    if (!pw || initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        snprintf(err->msg, sizeof(err->msg), "minihttpd: cannot switch to user %s: %s",
                 cfg->user, strerror(errno));
        return -1;
    }
    if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        snprintf(err->msg, sizeof(err->msg),
                 "minihttpd: could regain root after "
                 "switching to %s; refusing to run",
                 cfg->user);
        return -1;
    }
    return 0;
}
