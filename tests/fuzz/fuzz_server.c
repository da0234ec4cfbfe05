/* fuzz_server.c - the whole server, in-process: arbitrary bytes from a client.
 *
 * Set up once per process, as server.c's worker_init() does: a config
 * loaded with config_load() (docroot www/ in a scratch directory, autoindex,
 * dotfiles hidden, [errors] pages (403.html is deleted once loaded), an
 * extra header, the access log to
 * /dev/null so every request is formatted), an event_base, an evhttp with
 * the server's limits, the conn.c connection table (which hands requests to
 * handler_request()), a libmagic context, and a listening socket on
 * 127.0.0.1:0 given to evhttp_accept_socket_with_handle() (evhttp 2.1
 * cannot take a socketpair: evhttp_get_request() is not exported).
 *
 * The scratch directory holds secret.txt beside the docroot, and the
 * docroot holds symlinks to it (relative, absolute, and a symlink to the
 * parent directory), a dotfile, a symlink loop and a FIFO.  Per input: connect a
 * client, write the input, run the loop until no more response bytes come, shut down
 * the write side, run it until the server closes the connection (or 3 s pass), reading
 * everything.  Checks: no crash, no leak (LSan), the contents of secret.txt and of the
 * dotfile never appear in the output (unless the input itself holds the marker, which a
 * redirect may echo), and every connection is let go of once the client is gone. Inputs
 * of odd length open files with the component walk instead of openat2(), so both
 * confinement paths are fuzzed (deterministically). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>

#include "accesslog.h"
#include "conn.h"
#include "docroot.h"
#include "fuzz_common.h"
#include "handler.h"

#define SECRET      "MH-FUZZ-SECRET-5b1e9c0d"
#define DOTFILE     "MH-FUZZ-DOTFILE-83d2a7"
#define TAIL        64 /* bytes kept between reads to find a marker cut in two */
#define QUIET_TURNS 8  /* loop turns without response bytes: the server is done */

static struct {
    const char *dir;
    struct mh_config *cfg;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    struct conn_table *conns;
    struct accesslog_writer alog;
    struct handler_ctx *h;
    struct sockaddr_in addr;
    bool openat2_ok;
    time_t last_tick;
    bool verbose; /* FUZZ_SERVER_VERBOSE=1: copy the responses to stderr */
} S;

struct client {
    int fd;
    const uint8_t *data;
    size_t size, sent;
    bool wdone, refused, shut, eof, timed_out;
    struct event *rev, *wev, *guard;
    char scan[TAIL + 65536];
    size_t kept, received;
    bool leaked_secret, leaked_dotfile;
};

static void put(const char *rel, const char *text)
{
    char p[MH_FS_PATH_MAX];
    snprintf(p, sizeof(p), "%s/%s", S.dir, rel);
    fuzz_write_file(p, text, strlen(text));
}

static void dir_(const char *rel)
{
    char p[MH_FS_PATH_MAX];
    snprintf(p, sizeof(p), "%s/%s", S.dir, rel);
    FUZZ_CHECK(mkdir(p, 0755) == 0);
}

static void link_(const char *target, const char *rel)
{
    char p[MH_FS_PATH_MAX];
    snprintf(p, sizeof(p), "%s/%s", S.dir, rel);
    FUZZ_CHECK(symlink(target, p) == 0);
}

static void make_tree(void)
{
    char abs[MH_FS_PATH_MAX];
    put("secret.txt", SECRET "\n");
    dir_("www");
    put("www/index.html", "<!doctype html><title>fuzz</title><p>index</p>\n");
    put("www/a.txt", "hello from a.txt\n");
    put("www/404.html", "<p>custom not found</p>\n");
    put("www/403.html", "<p>custom forbidden</p>\n");
    put("www/data.bin", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    put("www/noext", "#!/bin/sh\necho plain text without an extension\n");
    put("www/.hidden", DOTFILE "\n");
    dir_("www/.well-known");
    put("www/.well-known/security.txt", "Contact: mailto:fuzz@example.org\n");
    dir_("www/sub");
    put("www/sub/b.html", "<p>b</p>\n");
    put("www/sub/c.css", "p { color: red }\n");
    dir_("www/sub/deeper");
    put("www/sub/deeper/index.html", "<p>deeper</p>\n");
    dir_("www/empty");
    link_("../secret.txt", "www/link-secret");
    link_("../../secret.txt", "www/sub/up-secret");
    snprintf(abs, sizeof(abs), "%s/secret.txt", S.dir);
    link_(abs, "www/abs-secret");
    link_("..", "www/parent");
    link_(S.dir, "www/abs-parent");
    link_("a.txt", "www/inside");
    link_("sub", "www/sub-link");
    link_("loop", "www/loop"); /* ELOOP: 403 */
    snprintf(abs, sizeof(abs), "%s/www/fifo", S.dir);
    FUZZ_CHECK(mkfifo(abs, 0644) == 0); /* neither file nor directory: 403 */
    /* sidecars, written after a.txt so they are not older */
    put("www/a.txt.gz", "\x1f\x8b\x08\0\0\0\0\0\0\x03gzip body of a.txt");
    put("www/a.txt.br", "br body of a.txt");
}

static void setup(void)
{
    char conf[MH_FS_PATH_MAX], text[2 * MH_FS_PATH_MAX];
    struct mh_error err;

    signal(SIGPIPE, SIG_IGN); /* as main() does */
    S.verbose = getenv("FUZZ_SERVER_VERBOSE") != NULL;
    S.dir = fuzz_tmpdir("server");
    make_tree();
    snprintf(text, sizeof(text),
             "[server]\nlisten = 127.0.0.1\nport = 8080\ndocroot = %s/www\n"
             "index = index.html index.htm\nautoindex = on\nhide_dotfiles = on\n"
             "cache_control = max-age=60\nkeepalive_timeout = 2\n"
             "request_timeout = 2\nsend_timeout = 2\nmax_connections = 64\n"
             "[log]\naccess_log = /dev/null\nerror_log = -\n"
             "[mime]\ntypes_file = /etc/mime.types\ncss = text/css\n"
             "[errors]\n404 = /404.html\n403 = /403.html\n"
             "[headers]\nX-Fuzz = yes\n",
             S.dir);
    snprintf(conf, sizeof(conf), "%s/fuzz.conf", S.dir);
    fuzz_write_file(conf, text, strlen(text));
    S.cfg = config_load(conf, NULL, &err);
    if (!S.cfg) {
        fprintf(stderr, "fuzz_server: %s\n", err.msg);
        abort();
    }
    /* gone after loading: a 403 falls back to the built-in page */
    snprintf(text, sizeof(text), "%s/www/403.html", S.dir);
    FUZZ_CHECK(unlink(text) == 0);
    FUZZ_CHECK(accesslog_open(S.cfg->access_log, &err) == 0);
    S.openat2_ok = docroot_probe() == 0;

    /* worker_init(); its once-a-second tick runs after the inputs */
    accesslog_writer_init(&S.alog);
    S.base = event_base_new();
    S.http = S.base ? evhttp_new(S.base) : NULL;
    /* few cache slots, so the fuzzer also sees entries evicted */
    S.h = handler_new(S.cfg, 8, docroot_open_root(S.cfg->docroot), &err);
    FUZZ_CHECK(S.base && S.http && S.h);
    evhttp_set_allowed_methods(
        S.http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
                    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
    evhttp_set_default_content_type(S.http, NULL);
    evhttp_set_max_headers_size(S.http, MH_HEADERS_HARD_MAX);
    evhttp_set_max_body_size(S.http, MH_REQUEST_BODY_HARD_MAX);
    evhttp_set_timeout(S.http, (int)S.cfg->keepalive_timeout);

    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    socklen_t len = sizeof(S.addr);
    S.addr.sin_family = AF_INET;
    S.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    S.addr.sin_port = 0;
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(bind(fd, (struct sockaddr *)&S.addr, sizeof(S.addr)) == 0);
    FUZZ_CHECK(listen(fd, SOMAXCONN) == 0);
    FUZZ_CHECK(getsockname(fd, (struct sockaddr *)&S.addr, &len) == 0);
    S.bound = evhttp_accept_socket_with_handle(S.http, fd);
    FUZZ_CHECK(S.bound != NULL);
    S.conns = conn_table_new(S.base, S.http, S.bound, S.cfg->max_connections, S.cfg,
                             &S.alog, handler_request, S.h);
    FUZZ_CHECK(S.conns != NULL);
    conn_table_bind(S.conns);
}

/* Look for the markers in the bytes just read (after the kept tail). */
static void scan(struct client *c, size_t n)
{
    size_t len = c->kept + n;
    if (memmem(c->scan, len, SECRET, sizeof(SECRET) - 1))
        c->leaked_secret = true;
    if (memmem(c->scan, len, DOTFILE, sizeof(DOTFILE) - 1))
        c->leaked_dotfile = true;
    c->kept = len < TAIL ? len : TAIL;
    memmove(c->scan, c->scan + len - c->kept, c->kept);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    struct client *c = arg;
    (void)what;
    for (;;) {
        ssize_t n = recv(fd, c->scan + c->kept, sizeof(c->scan) - c->kept, 0);
        if (n > 0) {
            if (S.verbose)
                fwrite(c->scan + c->kept, 1, (size_t)n, stderr);
            c->received += (size_t)n;
            scan(c, (size_t)n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        c->eof = true; /* closed (0) or reset */
        event_base_loopbreak(S.base);
        return;
    }
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
    struct client *c = arg;
    (void)what;
    while (c->sent < c->size) {
        ssize_t n = send(fd, c->data + c->sent, c->size - c->sent, MSG_NOSIGNAL);
        if (n > 0) {
            c->sent += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            event_add(c->wev, NULL);
            return;
        }
        c->refused = true; /* the server closed: keep reading what it sent */
        break;
    }
    c->wdone = true;
}

static void on_guard(evutil_socket_t fd, short what, void *arg)
{
    struct client *c = arg;
    (void)fd;
    (void)what;
    c->timed_out = true;
    event_base_loopbreak(S.base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct client c; /* large: not on the stack */
    struct timeval guard_tv = {.tv_sec = 3};

    if (!S.base)
        setup();
    docroot_use_openat2(S.openat2_ok && size % 2 == 0);
    memset(&c, 0, sizeof(c));
    c.data = data;
    c.size = size;
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    FUZZ_CHECK(c.fd >= 0);
    if (connect(c.fd, (struct sockaddr *)&S.addr, sizeof(S.addr)) != 0)
        FUZZ_CHECK(errno == EINPROGRESS);
    c.rev = event_new(S.base, c.fd, EV_READ | EV_PERSIST, on_readable, &c);
    c.wev = event_new(S.base, c.fd, EV_WRITE, on_writable, &c);
    c.guard = evtimer_new(S.base, on_guard, &c);
    FUZZ_CHECK(c.rev && c.wev && c.guard);
    event_add(c.rev, NULL);
    event_add(c.wev, NULL);
    event_add(c.guard, &guard_tv);
    /* Loopback delivers bytes within send(), so once all is sent and a few
     * loop turns bring no new response bytes, the server has answered all it
     * will: only then shut down the write side (evhttp 2.1 stops answering
     * pipelined requests at EOF) and wait for the server to close. */
    for (int quiet = 0; !c.eof && !c.timed_out;) {
        size_t before = c.received;
        if (!c.wdone || c.shut) {
            event_base_loop(S.base, EVLOOP_ONCE);
            continue;
        }
        event_base_loop(S.base, EVLOOP_NONBLOCK);
        quiet = c.received == before ? quiet + 1 : 0;
        if (quiet >= QUIET_TURNS || c.refused) {
            shutdown(c.fd, SHUT_WR);
            c.shut = true;
        }
    }
    event_free(c.rev);
    event_free(c.wev);
    event_free(c.guard);
    close(c.fd);

    /* what the worker's once-a-second tick does */
    time_t now = time(NULL);
    if (now != S.last_tick) {
        S.last_tick = now;
        handler_tick(S.h);
    }

    /* let the server see the close and free the connection */
    for (int i = 0; i < 100 && conn_table_count(S.conns) > 0; i++) {
        event_base_loop(S.base, EVLOOP_NONBLOCK);
        conn_table_tick(S.conns);
        if (conn_table_count(S.conns) > 0 && i > 10)
            usleep(1000);
    }
    accesslog_flush(&S.alog);
    if (S.verbose)
        fprintf(stderr, "\n-- %zu of %zu bytes sent, %zu received%s\n", c.sent, size,
                c.received, c.timed_out ? ", timed out" : "");

    bool echo = memmem(data, size, "MH-FUZZ-", 8) != NULL;
    if (c.leaked_secret && !echo) {
        fprintf(stderr, "fuzz_server: secret.txt (outside the docroot) was served\n");
        abort();
    }
    if (c.leaked_dotfile && !echo) {
        fprintf(stderr, "fuzz_server: a dotfile was served with hide_dotfiles = on\n");
        abort();
    }
    FUZZ_CHECK(conn_table_count(S.conns) == 0);
    return 0;
}
