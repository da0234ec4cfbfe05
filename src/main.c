/* main.c - the command line, start-up order and exit codes.
 *
 * Owns: argv, the order in which start-up happens, and the process's exit
 * status (the only file that calls exit()).  Start-up failures print one
 * line on stderr naming the cause and exit 1; a clean stop exits 0.
 *
 *   config -> (pid file free?) -> logs, opened as the user -> (detach)
 *   -> bind -> pid file -> drop root, check access as the user
 *   -> the compression cache, as the user -> serve
 *
 * With -d the pid file is written as root (0644, in a root-owned /run) and
 * so cannot be removed at exit after root was dropped: the init script
 * removes it (start-stop-daemon --remove-pidfile), and a later start
 * replaces a stale one. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/thread.h>

#include "accesslog.h"
#include "buf.h"
#include "config.h"
#include "daemon.h"
#include "handover.h"
#include "libevent_check.h"
#include "log.h"
#include "redirects.h"
#include "reloadstate.h"
#include "server.h"
#include "tls.h"
#include "zcache.h"

static const char usage[] =
    "Usage: minihttpd [-c FILE] [-t] [-d] [-r DIR] [-p PORT] [-l ADDR] [-V] [-h] "
    "[DIR]\n"
    "Serve static files over HTTP.\n"
    "\n"
    "  DIR                 serve DIR: the same as -r DIR\n"
    "  -c, --config FILE   config file (default " MH_DEFAULT_CONFIG "; built-in\n"
    "                      defaults when it does not exist)\n"
    "  -t, --test          check the config and exit\n"
    "  -d, --daemon        detach from the terminal and write pid_file\n"
    "  -r, --docroot DIR   serve DIR (overrides docroot)\n"
    "  -p, --port PORT     listen on PORT (overrides port)\n"
    "  -l, --listen ADDR   listen on ADDR (overrides listen)\n"
    "  --reload PID        check the config, then have server PID reload it and\n"
    "                      report how it went (exit 1 if it refused it)\n"
    "  --check-redirects FILE...\n"
    "                      print the rules of _redirects files as understood,\n"
    "                      and each bad line as FILE:LINE; exit 1 if one is bad\n"
    "  -V, --version       print the version and exit\n"
    "  -h, --help          print this help and exit\n"
    "\n"
    "Signals: TERM/INT stop, HUP reloads the config, USR1 reopens the logs,\n"
    "USR2 restarts on the same sockets (a new binary too).\n"
    "See minihttpd(8) and minihttpd.conf(5).\n";

struct options {
    const char *config; /* NULL: the default path */
    int test, daemon, check_redirects;
    const char *reload_pid; /* --reload PID */
    struct mh_overrides ov;
};

static void parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"test", no_argument, NULL, 't'},
        {"daemon", no_argument, NULL, 'd'},
        {"docroot", required_argument, NULL, 'r'},
        {"port", required_argument, NULL, 'p'},
        {"listen", required_argument, NULL, 'l'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {"check-redirects", no_argument, NULL, 'R'},
        {"reload", required_argument, NULL, 'L'},
        {NULL, 0, NULL, 0},
    };
    int c;
    memset(o, 0, sizeof(*o));
    while ((c = getopt_long(argc, argv, "c:tdr:p:l:Vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            o->config = optarg;
            break;
        case 't':
            o->test = 1;
            break;
        case 'd':
            o->daemon = 1;
            break;
        case 'r':
            o->ov.docroot = optarg;
            break;
        case 'p':
            o->ov.port = optarg;
            break;
        case 'l':
            o->ov.listen = optarg;
            break;
        case 'V':
            printf("minihttpd %s\n", MH_VERSION);
            exit(0);
        case 'h':
            fputs(usage, stdout);
            exit(0);
        case 'R':
            o->check_redirects = 1;
            return; /* the rest are file names */
        case 'L':
            o->reload_pid = optarg;
            break;
        default:
            fputs("Try 'minihttpd -h' for more information.\n", stderr);
            exit(1);
        }
    }
    /* `minihttpd ./site`, as darkhttpd and `python3 -m http.server` take it */
    if (optind < argc) {
        char a[MH_ERROR_MAX / 4], b[MH_ERROR_MAX / 4];
        if (optind + 1 < argc || o->ov.docroot) {
            fprintf(stderr,
                    "minihttpd: two folders to serve, %s'%s' and '%s': give one\n",
                    o->ov.docroot ? "-r " : "",
                    buf_escape_str(a, sizeof(a),
                                   o->ov.docroot ? o->ov.docroot : argv[optind]),
                    buf_escape_str(b, sizeof(b),
                                   argv[o->ov.docroot ? optind : optind + 1]));
            exit(1);
        }
        o->ov.docroot = argv[optind];
    }
}

/* Whether the error log goes where stderr does (error_log = -, or the same
 * file): a start-up error is then printed there once. */
static bool log_is_stderr(void)
{
    struct stat a, b;
    return log_fd() == STDERR_FILENO ||
           (fstat(log_fd(), &a) == 0 && fstat(STDERR_FILENO, &b) == 0 &&
            a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

/* One line on stderr, with the journal's priority under systemd (so that
 * "journalctl -p err" finds a bad config's FILE:LINE from -t or --reload),
 * in one write: the journal reads a stream, and a prefix written apart from
 * its line was not taken as the line's priority. */
static void say(enum mh_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(enum mh_log_level level, const char *fmt, ...)
{
    char line[MH_ERROR_MAX + 128]; /* a message and a few words around it */
    struct buf b;
    va_list ap;
    buf_init(&b, line, sizeof(line) - 1); /* room for the '\n' */
    buf_puts(&b, log_stderr_priority(level));
    va_start(ap, fmt);
    int n = vsnprintf(line + b.len, sizeof(line) - 1 - b.len, fmt, ap);
    va_end(ap);
    size_t room = sizeof(line) - 1 - b.len, len = b.len;
    len += n < 0 ? 0 : (size_t)n < room ? (size_t)n : room - 1;
    if (n >= 0 && (size_t)n >= room) /* cut: say so */
        memcpy(line + len - 3, "...", 3);
    line[len++] = '\n';
    while (write(STDERR_FILENO, line, len) < 0 && errno == EINTR)
        ;
}

/* Say why start-up failed, on stderr and in the error log, and exit 1. */
static void die(const char *msg)
{
    if (!msg[0]) /* the daemon reported it already */
        exit(1);
    say(MH_LOG_ERROR, "%s", msg);
    if (!log_is_stderr())
        log_msg(MH_LOG_ERROR, "%s", msg);
    daemon_failed();
    handover_failed(msg); /* a restart's new process: the old one logs it */
    exit(1);
}

/* -t with [tls]: the certificate and key parse, match and have not
 * expired; their subject and expiry are printed.  0, or 1 after
 * "FILE:LINE: ..." on stderr. */
static int check_tls(const struct mh_config *cfg)
{
    struct mh_error err;
    char f[MH_ERROR_MAX / 2];
    struct tls_creds *c =
        tls_creds_load(cfg->tls_certificate, cfg->tls_key, time(NULL), &err);
    if (!c) {
        const char *why = err.msg;
        if (!strncmp(why, "minihttpd: ", 11))
            why += 11;
        say(MH_LOG_ERROR, "%s:%u: [tls] %s",
            buf_escape_str(f, sizeof(f), config_name(cfg)), cfg->tls_line[0], why);
        return 1;
    }
    char subj[MH_ERROR_MAX / 2], exp[64];
    struct buf sb, eb;
    long days;
    buf_init(&sb, subj, sizeof(subj));
    buf_init(&eb, exp, sizeof(exp));
    if (tls_creds_describe(c, time(NULL), &sb, &eb, &days))
        printf("%s: certificate %s, expires %s (in %ld days)%s\n",
               buf_escape_str(f, sizeof(f), cfg->tls_certificate), subj, exp, days,
               days < MH_TLS_EXPIRY_WARN_DAYS ? ": renew it soon" : "");
    tls_creds_free(c);
    return 0;
}

static int check_config(const char *path, const struct mh_overrides *ov)
{
    struct mh_error err;
    char f[MH_ERROR_MAX / 2];
    struct mh_config *cfg = config_load(path, ov, &err);
    if (!cfg) {
        say(MH_LOG_ERROR, "%s", err.msg);
        return 1;
    }
    if (config_check_user(cfg, &err) != 0) /* the package creates it: a warning */
        say(MH_LOG_WARN, "%s (warning: starting as root will fail)", err.msg);
    else if (geteuid() == 0 && daemon_check_as_user(cfg, &err) != 0) {
        say(MH_LOG_ERROR, "%s", err.msg); /* as root: what the server will meet */
        config_free(cfg);
        return 1;
    }
    if (cfg->tls && check_tls(cfg) != 0) {
        config_free(cfg);
        return 1;
    }
    if (cfg->access.n_auth > 0 && !cfg->tls)
        say(MH_LOG_WARN,
            "%s: warning: auth_file is set and [tls] is not: Basic "
            "authentication sends passwords in the clear over plain HTTP",
            buf_escape_str(f, sizeof(f), config_name(cfg)));
    printf("%s: syntax is ok\n", config_name(cfg));
    config_free(cfg);
    return 0;
}

/* --reload PID: the config checked as -t does, SIGHUP, then the outcome
 * the server leaves in $RUNTIME_DIRECTORY/reload: 0 when it applied all
 * of the new config, 1 with the reason on stderr otherwise. */
static int reload_server(const char *pidtext, const char *config,
                         const struct mh_overrides *ov)
{
    char *end, dir[MH_FS_PATH_MAX], msg[MH_ERROR_MAX];
    struct mh_error err;
    errno = 0;
    long pid = strtol(pidtext, &end, 10);
    if (errno || *end || pid <= 1 || pid > INT32_MAX || !daemon_is_server((pid_t)pid)) {
        char q[64];
        say(MH_LOG_ERROR, "minihttpd: --reload %s: not a running minihttpd",
            buf_escape_str(q, sizeof(q), pidtext));
        return 1;
    }
    if (!reloadstate_dir(dir, sizeof(dir))) {
        say(MH_LOG_ERROR, "minihttpd: --reload needs $RUNTIME_DIRECTORY, where the "
                          "server writes the outcome (RuntimeDirectory= in the unit)");
        return 1;
    }
    if (check_config(config, ov) != 0) {
        say(MH_LOG_ERROR,
            "minihttpd: not reloading pid %ld: the config is bad; it "
            "keeps running with its configuration",
            pid);
        return 1;
    }
    uint64_t before = 0, gen;
    bool ok;
    if (reloadstate_read(dir, &before, &ok, msg, sizeof(msg), &err) < 0) {
        say(MH_LOG_ERROR, "%s", err.msg);
        return 1;
    }
    if (kill((pid_t)pid, SIGHUP) != 0) {
        say(MH_LOG_ERROR, "minihttpd: cannot signal pid %ld: %s", pid, strerror(errno));
        return 1;
    }
    struct timespec step = {0, MH_RELOAD_POLL_MS * 1000000L};
    for (int i = 0; i < MH_RELOAD_WAIT_SEC * 1000 / MH_RELOAD_POLL_MS; i++) {
        nanosleep(&step, NULL);
        int r = reloadstate_read(dir, &gen, &ok, msg, sizeof(msg), &err);
        if (r < 0) {
            say(MH_LOG_ERROR, "%s", err.msg);
            return 1;
        }
        if (r == 1 && gen > before) {
            if (ok)
                printf("minihttpd: pid %ld: %s\n", pid, msg);
            else
                say(MH_LOG_ERROR, "minihttpd: pid %ld: %s", pid, msg);
            return ok ? 0 : 1;
        }
        if (!daemon_is_server((pid_t)pid)) {
            say(MH_LOG_ERROR, "minihttpd: pid %ld exited during the reload", pid);
            return 1;
        }
    }
    say(MH_LOG_ERROR, "minihttpd: pid %ld did not report the reload within %d s", pid,
        MH_RELOAD_WAIT_SEC);
    return 1;
}

/* --check-redirects: one bad line of the file being checked. */
struct check_ctx {
    const char *file;
    unsigned bad;
};

static void print_bad_line(void *arg, unsigned line, enum redir_error e)
{
    struct check_ctx *c = arg;
    char f[MH_ERROR_MAX];
    fprintf(stderr, "%s:%u: %s\n", buf_escape_str(f, sizeof(f), c->file), line,
            redir_error_text(e));
    c->bad++;
}

/* Print the rules of one _redirects file as the server understands them;
 * 0, or 1 when it has a bad line or cannot be read. */
static int check_redirects_file(const char *file)
{
    char f[MH_ERROR_MAX];
    buf_escape_str(f, sizeof(f), file);
    FILE *in = fopen(file, "rb");
    struct stat st;
    if (!in || fstat(fileno(in), &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "%s: %s\n", f, in ? "not a regular file" : strerror(errno));
        if (in)
            fclose(in);
        return 1;
    }
    /* as the server reads it: one byte past the bound shows it is over */
    char *text = malloc(MH_REDIRECTS_FILE_MAX + 1);
    size_t n = text ? fread(text, 1, MH_REDIRECTS_FILE_MAX + 1, in) : 0;
    int read_err = ferror(in);
    fclose(in);
    struct check_ctx c = {file, 0};
    struct redir_set *set =
        text && !read_err ? redir_set_new(text, n, print_bad_line, &c) : NULL;
    free(text);
    if (!set) {
        fprintf(stderr, "%s: %s\n", f, read_err ? "read error" : "out of memory");
        return 1;
    }
    for (size_t i = 0; i < redir_set_count(set); i++) {
        char line[3 * MH_REDIRECTS_LINE_MAX];
        struct buf b;
        buf_init(&b, line, sizeof(line));
        if (redir_set_describe(set, i, &b))
            printf("%s: %.*s\n", f, (int)b.len, line);
    }
    printf("%s: %zu rules, %u bad lines\n", f, redir_set_count(set), c.bad);
    redir_set_free(set);
    return c.bad ? 1 : 0;
}

static int check_redirects(int n, char **files)
{
    int rc = 0;
    if (n == 0) {
        fputs("minihttpd: --check-redirects needs the files to check\n", stderr);
        return 1;
    }
    for (int i = 0; i < n; i++)
        rc |= check_redirects_file(files[i]);
    return rc;
}

/* Open the logs as the configured user when root (so files created now are
 * the user's, and one the user cannot write is refused now, not at the
 * first SIGUSR1), then raise the open-file limit while still root. */
static void open_logs(const struct mh_config *cfg)
{
    struct mh_error err;
    log_set_level(cfg->error_level);
    if (daemon_files_as_user(cfg, &err) != 0)
        die(err.msg);
    int bad = log_open(cfg->error_log, &err) != 0 ||
              accesslog_open(cfg->access_log, &err) != 0;
    daemon_files_as_root();
    if (bad && geteuid() == 0 && cfg->user[0]) {
        char user[MH_USER_MAX * 4], msg[sizeof(err.msg) + sizeof(user) + 16];
        snprintf(msg, sizeof(msg), "%s (as user %s)", err.msg,
                 buf_escape_str(user, sizeof(user), cfg->user));
        die(msg);
    }
    if (bad)
        die(err.msg);
    daemon_raise_nofile(2UL * cfg->max_connections + 64); /* a socket + a file each */
}

int main(int argc, char **argv)
{
    struct options o;
    struct mh_error err;
    char config_abs[MH_FS_PATH_MAX], cwd[MH_FS_PATH_MAX];

    handover_save_argv(argc, argv);
    parse_args(argc, argv, &o);
    if (o.check_redirects)
        return check_redirects(argc - optind, argv + optind);
    if (libevent_check(&err) != 0) /* a libevent the code was not checked on */
        die(err.msg);
    if (o.test) /* messages name the file as it was given */
        return check_config(o.config, &o.ov);
    if (o.reload_pid)
        return reload_server(o.reload_pid, o.config, &o.ov);
    /* relative paths, on the command line and in the config, are resolved
     * against this directory now and at every reload (after -d's chdir) */
    if (getcwd(cwd, sizeof(cwd)))
        o.ov.cwd = cwd;
    if (o.config &&
        !config_absolute(o.config, o.ov.cwd, config_abs, sizeof(config_abs)))
        die("minihttpd: -c: path too long");
    o.config = o.config ? config_abs : NULL;

    signal(SIGPIPE, SIG_IGN);
    sigset_t sigs; /* held until server_run() handles them: see server.h */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGUSR1);
    sigaddset(&sigs, SIGUSR2);
    /* SETMASK: a process a restart started comes with every signal blocked */
    sigprocmask(SIG_SETMASK, &sigs, NULL);
    if (evthread_use_pthreads() != 0)
        die("minihttpd: cannot initialise libevent threads");
    /* the listening sockets a restart (SIGUSR2, systemd's fd store) passed */
    struct inherited *inh = calloc(1, sizeof(*inh));
    if (!inh)
        die("minihttpd: out of memory");
    if (handover_collect(inh, &err) != 0)
        die(err.msg);
    bool successor = handover_is_successor();
    struct mh_config *cfg = config_load(o.config, &o.ov, &err);
    if (!cfg)
        die(err.msg);
    if (geteuid() == 0 && config_check_user(cfg, &err) != 0)
        die(err.msg);
    if (o.daemon && !successor && pidfile_check(cfg->pid_file, &err) != 0)
        die(err.msg); /* before bind: say "already running", not "in use" */
    open_logs(cfg);
    /* a successor is its daemon's child: detached already; it was started
     * in the first one's directory, which relative paths still use (ov.cwd) */
    if (o.daemon && successor && chdir("/") != 0)
        die("minihttpd: chdir /: cannot leave the start-up directory");
    if (o.daemon && !successor) {
        enum detach_result d = daemon_detach(&err);
        if (d == DETACH_PARENT)
            exit(0);
        if (d == DETACH_FAILED)
            die(err.msg);
    }
    char pid_file[MH_FS_PATH_MAX];
    snprintf(pid_file, sizeof(pid_file), "%s", cfg->pid_file);
    struct server *srv = server_new(cfg, o.config, &o.ov, inh, &err);
    free(inh); /* what no worker took is closed */
    if (!srv)
        die(err.msg);
    if (o.daemon && successor && pidfile_take_over(pid_file, &err) != 0)
        die(err.msg);
    if (o.daemon && !successor &&
        (pidfile_write(pid_file, &err) != 0 || pidfile_give(pid_file, cfg, &err) != 0))
        die(err.msg);
    if (drop_privileges(cfg, &err) != 0) {
        if (o.daemon)
            pidfile_remove(pid_file);
        die(err.msg);
    }
    /* as the user: the copies are its files */
    struct zcache *zc = zcache_open(cfg, &err);
    if (!zc) {
        server_free(srv);
        if (o.daemon)
            pidfile_remove(pid_file);
        die(err.msg);
    }
    server_set_zcache(srv, zc);
    if (cfg->access.n_auth > 0 && !cfg->tls)
        log_msg(MH_LOG_WARN, "auth_file is set and [tls] is not: Basic authentication "
                             "sends passwords in the clear over plain HTTP");
    daemon_ready();
    if (successor) { /* systemd follows the new main process */
        char state[64];
        snprintf(state, sizeof(state), "MAINPID=%ld\nREADY=1", (long)getpid());
        daemon_notify(state);
    } else {
        daemon_notify("READY=1"); /* every socket bound, root dropped: serving */
    }
    handover_ready(); /* the old process stops accepting now */
    int rc = server_run(srv);
    server_free(srv);
    zcache_free(zc); /* after the workers: none asks for a copy now */
    if (o.daemon)
        pidfile_remove(pid_file);
    accesslog_close();
    return rc == 0 ? 0 : 1;
}
