/* test_daemon.c - daemon.c: the pid file (atomic write, live, stale and
 * reused pids, removal) and dropping root (switch, no way back, access
 * checks as the user, unknown user, logs created as the user).
 *
 * The privilege tests need root: they create a temporary system user with
 * useradd and remove it with userdel, and do each drop in a forked child
 * (a process cannot get root back).  They are skipped when not root, or
 * when MH_TEST_NO_ROOT is set (the Debian package build sets it: a package
 * build must not add users to the build machine). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"

static char top[64], pidpath[128];
static char user[32]; /* the temporary user, "" when none was made */

static void write_text(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static long read_pid(const char *path)
{
    char buf[32] = "";
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return strtol(buf, NULL, 10);
}

/* A child that waits (same program as us) until killed. */
static pid_t spawn_sleeper(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        for (int i = 0; i < 600; i++) /* bounded: 60 s at most */
            usleep(100000);
        _exit(0);
    }
    return pid;
}

static void reap(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static int no_tmp_left(void)
{
    char tmp[160];
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", pidpath, (long)getpid());
    return access(tmp, F_OK) != 0;
}

static int setup(void **state)
{
    (void)state;
    snprintf(top, sizeof(top), "/tmp/mh-test-daemon-XXXXXX");
    assert_non_null(mkdtemp(top));
    assert_int_equal(chmod(top, 0755), 0);
    snprintf(pidpath, sizeof(pidpath), "%s/minihttpd.pid", top);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
    return system(cmd) == 0 ? 0 : -1;
}

/* --- the pid file --- */

static void test_pidfile_write_new(void **state)
{
    (void)state;
    struct mh_error err;
    unlink(pidpath);
    assert_int_equal(pidfile_write(pidpath, &err), 0);
    assert_int_equal(read_pid(pidpath), (long)getpid());
    struct stat st;
    assert_int_equal(stat(pidpath, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644); /* whatever the umask */
    assert_true(no_tmp_left());
    /* our own pid in the file is not "another instance" */
    assert_int_equal(pidfile_check(pidpath, &err), 0);
    assert_int_equal(pidfile_write(pidpath, &err), 0);
}

static void test_pidfile_refuses_live(void **state)
{
    (void)state;
    struct mh_error err;
    char text[32];
    pid_t live = spawn_sleeper();
    snprintf(text, sizeof(text), "%ld\n", (long)live);
    write_text(pidpath, text, 0644);
    assert_int_equal(pidfile_check(pidpath, &err), -1);
    assert_non_null(strstr(err.msg, "already running as pid"));
    assert_int_equal(pidfile_write(pidpath, &err), -1);
    assert_non_null(strstr(err.msg, "already running"));
    assert_int_equal(read_pid(pidpath), (long)live); /* untouched */
    assert_true(no_tmp_left());
    reap(live);
}

static void test_pidfile_replaces_stale(void **state)
{
    (void)state;
    struct mh_error err;
    char text[32];
    pid_t dead = spawn_sleeper();
    reap(dead);
    snprintf(text, sizeof(text), "%ld\n", (long)dead);
    write_text(pidpath, text, 0644);
    assert_int_equal(pidfile_check(pidpath, &err), 0);
    assert_int_equal(pidfile_write(pidpath, &err), 0);
    assert_int_equal(read_pid(pidpath), (long)getpid());
    assert_true(no_tmp_left());
}

static void test_pidfile_reused_pid_is_stale(void **state)
{
    (void)state;
    struct mh_error err;
    char text[32];
    /* our parent (ctest or a shell) is alive but is another program */
    snprintf(text, sizeof(text), "%ld\n", (long)getppid());
    write_text(pidpath, text, 0644);
    assert_int_equal(pidfile_write(pidpath, &err), 0);
    assert_int_equal(read_pid(pidpath), (long)getpid());
}

static void test_pidfile_garbage_is_stale(void **state)
{
    (void)state;
    struct mh_error err;
    const char *bad[] = {"", "\n", "abc\n", "-5\n", "0\n", "12x\n", "99999999999999\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_text(pidpath, bad[i], 0644);
        assert_int_equal(pidfile_write(pidpath, &err), 0);
        assert_int_equal(read_pid(pidpath), (long)getpid());
    }
}

static void test_pidfile_remove_only_ours(void **state)
{
    (void)state;
    write_text(pidpath, "1\n", 0644);
    pidfile_remove(pidpath);
    assert_int_equal(read_pid(pidpath), 1);
    struct mh_error err;
    unlink(pidpath);
    assert_int_equal(pidfile_write(pidpath, &err), 0);
    pidfile_remove(pidpath);
    assert_int_equal(access(pidpath, F_OK), -1);
    pidfile_remove(pidpath); /* missing: nothing happens */
}

static void test_pidfile_bad_directory(void **state)
{
    (void)state;
    struct mh_error err;
    char p[160];
    snprintf(p, sizeof(p), "%s/no/such/dir/x.pid", top);
    assert_int_equal(pidfile_write(p, &err), -1);
    assert_non_null(strstr(err.msg, "No such file or directory"));
}

/* --- dropping root --- */

static int root_tests_allowed(void)
{
    return geteuid() == 0 && !getenv("MH_TEST_NO_ROOT");
}

static int make_user(void **state)
{
    (void)state;
    if (setup(state) != 0 || !root_tests_allowed())
        return 0;
    char cmd[256];
    snprintf(user, sizeof(user), "mhtest%ld", (long)getpid() % 100000);
    snprintf(cmd, sizeof(cmd),
             "useradd --system --no-create-home --home-dir /nonexistent "
             "--shell /usr/sbin/nologin --user-group %s",
             user);
    if (system(cmd) != 0)
        user[0] = '\0';
    return 0;
}

static int remove_user(void **state)
{
    if (user[0]) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "userdel %s", user);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove user %s\n", user);
        user[0] = '\0';
    }
    return teardown(state);
}

#define NEED_USER()                                                                    \
    do {                                                                               \
        if (!root_tests_allowed() || !user[0]) {                                       \
            fprintf(stderr, "needs root and useradd (MH_TEST_NO_ROOT unset)\n");       \
            skip();                                                                    \
        }                                                                              \
    } while (0)

/* A config for the temporary user, with a docroot and logs under top. */
static struct mh_config *user_config(const char *docroot_mode, const char *log_owner)
{
    struct mh_config *cfg = calloc(1, sizeof(*cfg));
    assert_non_null(cfg);
    snprintf(cfg->user, sizeof(cfg->user), "%s", user);
    snprintf(cfg->source, sizeof(cfg->source), "%s/minihttpd.conf", top);
    snprintf(cfg->docroot, sizeof(cfg->docroot), "%s/www", top);
    snprintf(cfg->access_log, sizeof(cfg->access_log), "%s/log/access.log", top);
    snprintf(cfg->error_log, sizeof(cfg->error_log), "-");
    write_text(cfg->source, "[server]\n", 0644);
    char cmd[640];
    snprintf(cmd, sizeof(cmd),
             "rm -rf %s/www %s/log && mkdir -m %s %s/www && mkdir -m 0750 %s/log && "
             "touch %s/log/access.log && chown %s %s/log %s/log/access.log",
             top, top, docroot_mode, top, top, top, log_owner, top, top);
    assert_int_equal(system(cmd), 0);
    return cfg;
}

/* Run drop_privileges() in a child; returns its exit code: 0 dropped and
 * cannot regain root, 1 drop_privileges() failed (message in msg), 2 it
 * "succeeded" but the identity is wrong or root came back. */
static int drop_in_child(const struct mh_config *cfg, char *msg, size_t cap)
{
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct mh_error err;
        close(pfd[0]);
        if (drop_privileges(cfg, &err) != 0) {
            ssize_t w = write(pfd[1], err.msg, strlen(err.msg));
            _exit(w < 0 ? 3 : 1);
        }
        struct passwd *pw = getpwnam(cfg->user);
        int ok = pw && getuid() == pw->pw_uid && geteuid() == pw->pw_uid &&
                 getgid() == pw->pw_gid && getegid() == pw->pw_gid && setuid(0) != 0 &&
                 seteuid(0) != 0 && setgid(0) != 0 && getgroups(0, NULL) >= 1;
        _exit(ok ? 0 : 2);
    }
    close(pfd[1]);
    ssize_t n = read(pfd[0], msg, cap - 1);
    msg[n > 0 ? n : 0] = '\0';
    close(pfd[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_drop_switches_for_good(void **state)
{
    (void)state;
    NEED_USER();
    char msg[512];
    struct mh_config *cfg = user_config("0755", user);
    assert_int_equal(drop_in_child(cfg, msg, sizeof(msg)), 0);
    struct mh_error err;
    assert_int_equal(daemon_check_as_user(cfg, &err), 0);
    free(cfg);
}

static void test_drop_unknown_user(void **state)
{
    (void)state;
    NEED_USER();
    char msg[512];
    struct mh_config *cfg = user_config("0755", user);
    snprintf(cfg->user, sizeof(cfg->user), "mh-no-such-user");
    cfg->user_line = 7;
    assert_int_equal(drop_in_child(cfg, msg, sizeof(msg)), 1);
    assert_non_null(strstr(msg, ":7: user \"mh-no-such-user\""));
    assert_non_null(strstr(msg, "no such user"));
    free(cfg);
}

static void test_drop_docroot_unreadable(void **state)
{
    (void)state;
    NEED_USER();
    char msg[512];
    struct mh_config *cfg = user_config("0700", user); /* www stays root's */
    assert_int_equal(drop_in_child(cfg, msg, sizeof(msg)), 1);
    assert_non_null(strstr(msg, "is not readable by user"));
    assert_non_null(strstr(msg, cfg->docroot));
    struct mh_error err;
    assert_int_equal(daemon_check_as_user(cfg, &err), -1); /* what -t says */
    assert_string_equal(err.msg, msg);
    free(cfg);
}

static void test_drop_log_not_writable(void **state)
{
    (void)state;
    NEED_USER();
    char msg[512];
    struct mh_config *cfg = user_config("0755", "root"); /* log dir and file root's */
    assert_int_equal(drop_in_child(cfg, msg, sizeof(msg)), 1);
    assert_non_null(strstr(msg, "access log"));
    assert_non_null(strstr(msg, "is not writable by user"));
    struct mh_error err;
    assert_int_equal(daemon_check_as_user(cfg, &err), -1);
    assert_non_null(strstr(err.msg, "is not writable by user"));
    free(cfg);
}

static void test_files_created_as_user(void **state)
{
    (void)state;
    NEED_USER();
    struct mh_config *cfg = user_config("0755", user);
    struct mh_error err;
    char p[160];
    snprintf(p, sizeof(p), "%s/log/new.log", top);
    assert_int_equal(daemon_files_as_user(cfg, &err), 0);
    int fd = open(p, O_WRONLY | O_CREAT | O_APPEND, 0640);
    int e = errno;
    daemon_files_as_root();
    assert_true(fd >= 0 || (fprintf(stderr, "open: %s\n", strerror(e)), 0));
    close(fd);
    struct stat st;
    struct passwd *pw = getpwnam(user);
    assert_non_null(pw);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_uid, pw->pw_uid);
    /* and back as root: a root-only file opens again */
    snprintf(p, sizeof(p), "%s/root-only", top);
    write_text(p, "x", 0600);
    assert_int_equal(chown(p, 0, 0), 0);
    fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    close(fd);
    /* acting as the user, that file is out of reach */
    assert_int_equal(daemon_files_as_user(cfg, &err), 0);
    fd = open(p, O_RDONLY);
    e = errno;
    daemon_files_as_root();
    assert_int_equal(fd, -1);
    assert_int_equal(e, EACCES);
    free(cfg);
}

int main(void)
{
    const struct CMUnitTest pid_tests[] = {
        cmocka_unit_test(test_pidfile_write_new),
        cmocka_unit_test(test_pidfile_refuses_live),
        cmocka_unit_test(test_pidfile_replaces_stale),
        cmocka_unit_test(test_pidfile_reused_pid_is_stale),
        cmocka_unit_test(test_pidfile_garbage_is_stale),
        cmocka_unit_test(test_pidfile_remove_only_ours),
        cmocka_unit_test(test_pidfile_bad_directory),
    };
    const struct CMUnitTest drop_tests[] = {
        cmocka_unit_test(test_drop_switches_for_good),
        cmocka_unit_test(test_drop_unknown_user),
        cmocka_unit_test(test_drop_docroot_unreadable),
        cmocka_unit_test(test_drop_log_not_writable),
        cmocka_unit_test(test_files_created_as_user),
    };
    int failed = cmocka_run_group_tests_name("pidfile", pid_tests, setup, teardown);
    failed += cmocka_run_group_tests_name("drop", drop_tests, make_user, remove_user);
    return failed ? 1 : 0;
}
