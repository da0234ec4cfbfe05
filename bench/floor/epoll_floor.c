/*
 * epoll_floor.c - the CPU-per-request floor for any HTTP/1.1 server on this
 * machine: one thread, one level-triggered epoll loop, no log, no file I/O,
 * fixed responses from static memory.  A benchmark reference, not a server.
 *
 *   usage: epoll_floor PORT          (listens on 127.0.0.1:PORT)
 *   build: cc -std=c11 -O2 -Wall -Wextra -Werror -o epoll_floor epoll_floor.c
 *
 * Level-triggered: each EPOLLIN event does one read(); what is left in the
 * socket is reported again by the next epoll_wait.  Every complete request
 * head ("\r\n\r\n"-terminated) in the data read is answered (pipelining); a
 * partial head is kept in a per-connection buffer, malloc'ed only while there
 * is one.  The responses of one read are gathered and sent with one write().
 *
 *   GET|HEAD /, /index.html, /page.html  200, 1024-byte text/html body
 *     ... with If-None-Match             304 Not Modified, ETag "floor"
 *   GET|HEAD any other path              404, 10-byte text/plain body
 *   other methods / malformed            501 / 400, then close
 *   Close after the response (which then says "Connection: close", as wrk
 *   needs) on "Connection: close", on HTTP/1.0 without "Connection:
 *   keep-alive", and on a request with a body (bodies are not read).
 *   (bench/run asks for /page.html; the 200 carries no validator, so it
 *   sends If-None-Match: "floor" for the 304 scenario.)
 *
 * Bounds: request heads up to IN_MAX bytes (else the connection is closed),
 * unsent output up to OUT_MAX bytes per connection (reading stops until it is
 * sent), connections up to the fd limit.  SIGTERM and SIGINT (via signalfd)
 * stop the loop.  The 10 MiB file is not served (404).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define IN_MAX     8192  /* largest request head */
#define OUT_MAX    65536 /* responses gathered per write() */
#define BODY_LEN   1024
#define MAX_EVENTS 256

/* Each head exists twice: as is, and with "Connection: close" (which wrk
 * needs to see to open a new connection rather than read an EOF). */
#define HDR_200 "HTTP/1.1 200 OK\r\nContent-Length: 1024\r\nContent-Type: text/html\r\n"
#define HDR_304 "HTTP/1.1 304 Not Modified\r\nETag: \"floor\"\r\n"
#define HDR_404                                                                        \
    "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\nContent-Type: text/plain\r\n"
#define CLOSE    "Connection: close\r\n"
#define BODY_404 "Not Found\n"
#define RESP_400                                                                       \
    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define RESP_501                                                                       \
    "HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

struct conn {
    char *in;  /* partial request head, or NULL */
    char *out; /* unsent output, or NULL */
    uint32_t in_len;
    uint32_t out_off, out_len;
    bool open, closing; /* closing: close once out is sent */
};

static struct conn *conns; /* indexed by fd; calloc'ed, pages touched on use */
static int nconns, epfd;
/* prebuilt responses: [keep-alive, close] x [200, 304, 404]; head lengths */
enum { R200, R304, R404 };
static char resp[2][3][sizeof(HDR_200) + sizeof(CLOSE) + BODY_LEN];
static size_t head_len[2][3], body_len[3] = {BODY_LEN, 0, sizeof(BODY_404) - 1};
static char outbuf[OUT_MAX];

static void set_events(int fd, uint32_t ev)
{
    struct epoll_event e = {.events = ev, .data.fd = fd};
    epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &e);
}

static void conn_close(int fd)
{
    struct conn *c = &conns[fd];
    free(c->in);
    free(c->out);
    memset(c, 0, sizeof(*c));
    close(fd); /* also removes it from the epoll set */
}

/* Case-insensitive: does [p, end) contain tok? */
static bool has_token(const char *p, const char *end, const char *tok)
{
    size_t n = strlen(tok);
    for (; p + n <= end; p++)
        if (strncasecmp(p, tok, n) == 0)
            return true;
    return false;
}

/* Answer one request head [p, end) (end is just past "\r\n\r\n") into out.
 * Returns the bytes appended; sets *close_after. */
static size_t answer(const char *p, const char *end, char *out, bool *close_after)
{
    const char *eol = memchr(p, '\r', (size_t)(end - p));
    const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
    if (!sp1 || !sp2 || eol - sp2 != 9 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
        (sp2[8] != '0' && sp2[8] != '1')) {
        *close_after = true;
        memcpy(out, RESP_400, sizeof(RESP_400) - 1);
        return sizeof(RESP_400) - 1;
    }
    bool head = false;
    if (sp1 - p == 4 && memcmp(p, "HEAD", 4) == 0)
        head = true;
    else if (!(sp1 - p == 3 && memcmp(p, "GET", 3) == 0)) {
        *close_after = true;
        memcpy(out, RESP_501, sizeof(RESP_501) - 1);
        return sizeof(RESP_501) - 1;
    }
    bool http10 = sp2[8] == '0', keepalive = false, inm = false, body = false;
    *close_after = false;
    /* header lines: each starts after "\r\n" */
    for (const char *l = eol + 2; l < end - 2;) {
        const char *le = memchr(l, '\r', (size_t)(end - l));
        size_t n = (size_t)(le - l);
        if (n >= 11 && strncasecmp(l, "connection:", 11) == 0) {
            if (has_token(l + 11, le, "close"))
                *close_after = true;
            else if (has_token(l + 11, le, "keep-alive"))
                keepalive = true;
        } else if (n >= 14 && strncasecmp(l, "if-none-match:", 14) == 0) {
            inm = true;
        } else if (n >= 15 && strncasecmp(l, "content-length:", 15) == 0) {
            const char *v = l + 15;
            while (v < le && (*v == ' ' || *v == '\t'))
                v++;
            if (!(le - v == 1 && *v == '0'))
                body = true; /* bodies are not read: answer, then close */
        } else if (n >= 18 && strncasecmp(l, "transfer-encoding:", 18) == 0) {
            body = true;
        }
        l = le + 2;
    }
    if (http10 && !keepalive)
        *close_after = true;
    if (body)
        *close_after = true;

    const char *path = sp1 + 1;
    size_t plen = (size_t)(sp2 - path);
    const char *q = memchr(path, '?', plen);
    if (q)
        plen = (size_t)(q - path);
    bool found = (plen == 1 && path[0] == '/') ||
                 (plen == 11 && memcmp(path, "/index.html", 11) == 0) ||
                 (plen == 10 && memcmp(path, "/page.html", 10) == 0);
    int k = !found ? R404 : inm ? R304 : R200, cl = *close_after;
    size_t n = head_len[cl][k] + (head ? 0 : body_len[k]);
    memcpy(out, resp[cl][k], n);
    return n;
}

/* Write out[0, len) to fd; the unsent rest goes to c->out.
 * Returns 0 when all was sent, 1 when some is pending, -1 on error. */
static int send_out(int fd, struct conn *c, const char *out, size_t len)
{
    ssize_t w = write(fd, out, len);
    if (w < 0) {
        if (errno != EAGAIN && errno != EINTR)
            return -1;
        w = 0;
    }
    if ((size_t)w == len)
        return 0;
    if (!c->out && !(c->out = malloc(OUT_MAX)))
        return -1;
    memcpy(c->out, out + w, len - (size_t)w);
    c->out_off = 0;
    c->out_len = (uint32_t)(len - (size_t)w);
    return 1;
}

/* Answer the complete request heads in buf[0, len); keep the partial tail
 * (and, when output is pending, every unanswered request) in c->in.
 * Returns -1 when the connection must be closed now. */
static int process(int fd, struct conn *c, char *buf, size_t len)
{
    size_t pos = 0, olen = 0;
    for (;;) {
        if (c->closing)
            break; /* nothing after a closing request is answered */
        char *end = memmem(buf + pos, len - pos, "\r\n\r\n", 4);
        if (!end)
            break;
        end += 4;
        if (olen + sizeof(resp[0][0]) > OUT_MAX) {
            int r = send_out(fd, c, outbuf, olen);
            olen = 0;
            if (r < 0)
                return -1;
            if (r > 0)
                break; /* keep the rest of the input for later */
        }
        bool close_after;
        olen += answer(buf + pos, end, outbuf + olen, &close_after);
        pos = (size_t)(end - buf);
        if (close_after)
            c->closing = true;
    }
    if (olen) {
        int r = send_out(fd, c, outbuf, olen);
        if (r < 0)
            return -1;
    }
    size_t rest = len - pos;
    if (c->closing) {
        rest = 0;
    } else if (rest == IN_MAX) {
        return -1; /* head too large */
    }
    if (rest) {
        if (!c->in && !(c->in = malloc(IN_MAX)))
            return -1;
        memmove(c->in, buf + pos, rest);
    } else if (c->in) {
        free(c->in);
        c->in = NULL;
    }
    c->in_len = (uint32_t)rest;
    if (c->out) {
        set_events(fd, EPOLLOUT); /* stop reading until output drains */
        return 0;
    }
    return c->closing ? -1 : 0;
}

static void on_readable(int fd)
{
    struct conn *c = &conns[fd];
    char stackbuf[IN_MAX];
    char *buf = c->in ? c->in : stackbuf;
    size_t have = c->in ? c->in_len : 0;
    ssize_t n = read(fd, buf + have, IN_MAX - have);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        conn_close(fd);
        return;
    }
    if (n < 0)
        return;
    if (process(fd, c, buf, have + (size_t)n) < 0)
        conn_close(fd);
}

static void on_writable(int fd)
{
    struct conn *c = &conns[fd];
    ssize_t w = write(fd, c->out + c->out_off, c->out_len - c->out_off);
    if (w < 0) {
        if (errno != EAGAIN && errno != EINTR)
            conn_close(fd);
        return;
    }
    c->out_off += (uint32_t)w;
    if (c->out_off < c->out_len)
        return;
    free(c->out);
    c->out = NULL;
    c->out_off = c->out_len = 0;
    if (c->closing) {
        conn_close(fd);
        return;
    }
    set_events(fd, EPOLLIN);
    /* requests read before the output backed up */
    if (c->in_len && process(fd, c, c->in, c->in_len) < 0)
        conn_close(fd);
}

static void on_accept(int lfd, int *spare)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if ((errno == EMFILE || errno == ENFILE) && *spare >= 0) {
                /* out of fds: accept and drop one, so the level-triggered
                 * listening socket does not spin */
                close(*spare);
                fd = accept(lfd, NULL, NULL);
                if (fd >= 0)
                    close(fd);
                *spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
                continue;
            }
            return; /* EAGAIN, or an error the next event retries */
        }
        if (fd >= nconns) {
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
            close(fd);
            continue;
        }
        conns[fd].open = true;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "epoll_floor: bad port %s\n", argv[1]);
        return 2;
    }

    static char body[BODY_LEN];
    for (int i = 0; i < BODY_LEN; i++)
        body[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
    const char *heads[3] = {HDR_200, HDR_304, HDR_404},
               *bodies[3] = {body, "", BODY_404};
    for (int cl = 0; cl < 2; cl++)
        for (int k = 0; k < 3; k++) {
            int n = snprintf(resp[cl][k], sizeof(resp[cl][k]), "%s%s\r\n", heads[k],
                             cl ? CLOSE : "");
            head_len[cl][k] = (size_t)n;
            memcpy(resp[cl][k] + n, bodies[k], body_len[k]);
        }

    struct rlimit rl;
    nconns = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur > 1024)
        nconns = rl.rlim_cur > (1u << 20) ? (1 << 20) : (int)rl.rlim_cur;
    conns = calloc((size_t)nconns, sizeof(*conns));
    if (!conns) {
        perror("epoll_floor: calloc");
        return 1;
    }

    signal(SIGPIPE, SIG_IGN);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (sfd < 0 || lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(lfd, 4096) < 0) {
        perror("epoll_floor: listen");
        return 1;
    }
    epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event e = {.events = EPOLLIN, .data.fd = lfd};
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &e);
    e.data.fd = sfd;
    epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &e);
    int spare = open("/dev/null", O_RDONLY | O_CLOEXEC);

    struct epoll_event evs[MAX_EVENTS];
    for (bool run = true; run;) {
        int n = epoll_wait(epfd, evs, MAX_EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("epoll_floor: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == lfd)
                on_accept(lfd, &spare);
            else if (fd == sfd)
                run = false;
            else if (!conns[fd].open)
                continue; /* closed earlier in this batch */
            else if (conns[fd].out)
                on_writable(fd); /* EPOLLOUT, or EPOLLERR/HUP: write reports it */
            else
                on_readable(fd);
        }
    }
    for (int fd = 0; fd < nconns; fd++)
        if (conns[fd].open)
            conn_close(fd);
    free(conns);
    close(lfd);
    close(epfd);
    close(sfd);
    if (spare >= 0)
        close(spare);
    return 0;
}
