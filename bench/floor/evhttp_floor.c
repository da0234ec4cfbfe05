/*
 * evhttp_floor.c - the CPU-per-request floor for a server built on libevent
 * 2.1's evhttp: one event_base, one evhttp, one generic callback, no log, no
 * file I/O, bodies from static memory.  A benchmark reference, not a server.
 *
 *   usage: evhttp_floor PORT [raw]      (listens on 127.0.0.1:PORT)
 *   build: cc -std=c11 -O2 -Wall -Wextra -Werror -o evhttp_floor evhttp_floor.c -levent
 *
 *   GET|HEAD /, /index.html, /page.html  200, 1024-byte text/html body
 *     ... with If-None-Match             304 Not Modified, ETag "floor"
 *   any other path                       404, 10-byte text/plain body
 *                                        (not evhttp_send_error: it adds
 *                                        "Connection: close")
 *
 * Default mode: evhttp_send_reply with the body added by reference;
 * evhttp writes the status line and headers (it adds Date and
 * Content-Length).
 *
 * "raw" mode: evhttp parses the request, but the callback appends the whole
 * prebuilt response (status line, headers, body; by reference) to the
 * connection's bufferevent output, writes it to the socket at once (as
 * minihttpd does) and calls evhttp_send_reply_end() without
 * evhttp_send_reply_start().  In libevent 2.1.12 that function then runs
 * evhttp_send_done at once when the output is empty: it frees the request,
 * then closes the connection (Connection: close, or HTTP/1.0 without
 * keep-alive) or starts reading the next request.  When the socket did not
 * take it all, it sets the done callback instead, which runs once the
 * output has drained; the callback enables EV_WRITE for that, as
 * evhttp_write_buffer would.  Raw responses carry no Date header.  This is
 * the least an evhttp server can cost: evhttp's parser and connection
 * handling, and nothing else.
 *
 * SIGTERM and SIGINT stop the loop (evsignal + event_base_loopexit).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#define BODY_LEN 1024
#define BODY_404 "Not Found\n"

#define RAW_200 "HTTP/1.1 200 OK\r\nContent-Length: 1024\r\nContent-Type: text/html\r\n"
#define RAW_304 "HTTP/1.1 304 Not Modified\r\nETag: \"floor\"\r\n"
#define RAW_404                                                                        \
    "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\nContent-Type: text/plain\r\n"
#define CLOSE "Connection: close\r\n"

static char body[BODY_LEN];
static struct evbuffer *reply; /* emptied by every evhttp_send_reply */

/* raw mode: [keep-alive, close] x [200, 304, 404] */
enum { R200, R304, R404 };
static char raw[2][3][sizeof(RAW_200) + sizeof(CLOSE) + BODY_LEN];
static size_t raw_head[2][3], raw_body[3] = {BODY_LEN, 0, sizeof(BODY_404) - 1};

/* 0: 404; 1: found */
static int route(struct evhttp_request *req)
{
    const char *uri = evhttp_request_get_uri(req);
    size_t n = strcspn(uri, "?");
    return (n == 1 && uri[0] == '/') ||
           (n == 11 && memcmp(uri, "/index.html", 11) == 0) ||
           (n == 10 && memcmp(uri, "/page.html", 10) == 0);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    (void)arg;
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    if (!route(req)) {
        evhttp_add_header(out, "Content-Type", "text/plain");
        evbuffer_add_reference(reply, BODY_404, sizeof(BODY_404) - 1, NULL, NULL);
        evhttp_send_reply(req, HTTP_NOTFOUND, "Not Found", reply);
    } else if (evhttp_find_header(evhttp_request_get_input_headers(req),
                                  "If-None-Match")) {
        evhttp_add_header(out, "ETag", "\"floor\"");
        evhttp_send_reply(req, HTTP_NOTMODIFIED, "Not Modified", NULL);
    } else {
        evhttp_add_header(out, "Content-Type", "text/html");
        evbuffer_add_reference(reply, body, BODY_LEN, NULL, NULL);
        evhttp_send_reply(req, HTTP_OK, "OK", reply);
    }
    /* HEAD: evhttp drops the body itself */
}

/* Keep evhttp's callbacks but reading while the rest of a response is
 * written (as evhttp_write_buffer does). */
static void stop_reading(struct bufferevent *bev)
{
    bufferevent_data_cb r, w;
    bufferevent_event_cb e;
    void *a;
    bufferevent_getcb(bev, &r, &w, &e, &a);
    bufferevent_setcb(bev, NULL, w, e, a);
}

static void on_request_raw(struct evhttp_request *req, void *arg)
{
    (void)arg;
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    int k = !route(req) ? R404 : evhttp_find_header(in, "If-None-Match") ? R304 : R200;
    /* evhttp_send_done closes after "Connection: close" (which the response
     * then announces) and after HTTP/1.0 without "Connection: keep-alive"
     * (where closing is the client's default: no header needed) */
    const char *conn = evhttp_find_header(in, "Connection");
    int cl = conn && evutil_ascii_strcasecmp(conn, "close") == 0;
    size_t n = raw_head[cl][k];
    if (evhttp_request_get_command(req) != EVHTTP_REQ_HEAD)
        n += raw_body[k];
    struct bufferevent *bev =
        evhttp_connection_get_bufferevent(evhttp_request_get_connection(req));
    struct evbuffer *out = bufferevent_get_output(bev);
    evbuffer_add_reference(out, raw[cl][k], n, NULL, NULL);
    /* write at once, as minihttpd does (its output is frozen at the start
     * except while libevent writes); evhttp_send_reply_end then finishes
     * the request now, with no write event and no second turn of the loop */
    evbuffer_unfreeze(out, 1);
    evbuffer_write(out, bufferevent_getfd(bev));
    evbuffer_freeze(out, 1);
    if (evbuffer_get_length(out) > 0) {
        stop_reading(bev);
        bufferevent_enable(bev, EV_WRITE);
    }
    evhttp_send_reply_end(req);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    event_base_loopexit(arg, NULL);
}

int main(int argc, char **argv)
{
    if (argc < 2 || (argc > 2 && strcmp(argv[2], "raw") != 0)) {
        fprintf(stderr, "usage: %s PORT [raw]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "evhttp_floor: bad port %s\n", argv[1]);
        return 2;
    }
    int is_raw = argc > 2;

    for (int i = 0; i < BODY_LEN; i++)
        body[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
    const char *heads[3] = {RAW_200, RAW_304, RAW_404},
               *bodies[3] = {body, "", BODY_404};
    for (int cl = 0; cl < 2; cl++)
        for (int k = 0; k < 3; k++) {
            int n = snprintf(raw[cl][k], sizeof(raw[cl][k]), "%s%s\r\n", heads[k],
                             cl ? CLOSE : "");
            raw_head[cl][k] = (size_t)n;
            memcpy(raw[cl][k] + n, bodies[k], raw_body[k]);
        }

    signal(SIGPIPE, SIG_IGN);
    struct event_base *base = event_base_new();
    struct evhttp *http = base ? evhttp_new(base) : NULL;
    reply = evbuffer_new();
    if (!http || !reply) {
        fprintf(stderr, "evhttp_floor: out of memory\n");
        return 1;
    }
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
    evhttp_set_max_headers_size(http, 8192);
    evhttp_set_max_body_size(http, 0);
    evhttp_set_timeout(http, 600);
    evhttp_set_gencb(http, is_raw ? on_request_raw : on_request, NULL);
    if (!evhttp_bind_socket_with_handle(http, "127.0.0.1", (ev_uint16_t)port)) {
        fprintf(stderr, "evhttp_floor: cannot listen on 127.0.0.1:%d\n", port);
        return 1;
    }
    struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, base);
    struct event *sigint = evsignal_new(base, SIGINT, on_signal, base);
    evsignal_add(sigterm, NULL);
    evsignal_add(sigint, NULL);

    event_base_dispatch(base);

    event_free(sigterm);
    event_free(sigint);
    evhttp_free(http);
    evbuffer_free(reply);
    event_base_free(base);
    return 0;
}
