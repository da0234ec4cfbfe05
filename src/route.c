/* route.c - what can be decided from a request alone.
 *
 * Owns: the framing rule (which requests are refused with 400 and close
 * because where they end is in doubt), the limits on the request line,
 * headers and body, the keep-alive rule, the split of a target into path
 * and query, and what becomes of what a path lookup found (file, directory,
 * slash redirect, error).  Pure: takes a struct request filled from the
 * HTTP library's data; no I/O, no allocation, no logging. */
#include "route.h"

#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "status.h"

const char *route_method_name(enum http_method m)
{
    static const char *const names[] = {
        [METHOD_GET] = "GET",       [METHOD_HEAD] = "HEAD",
        [METHOD_POST] = "POST",     [METHOD_PUT] = "PUT",
        [METHOD_DELETE] = "DELETE", [METHOD_OPTIONS] = "OPTIONS",
        [METHOD_TRACE] = "TRACE",   [METHOD_CONNECT] = "CONNECT",
        [METHOD_PATCH] = "PATCH",   [METHOD_OTHER] = "-",
    };
    return (unsigned)m <= METHOD_OTHER ? names[m] : "-";
}

const char *route_header(const struct request *rq, const char *name)
{
    for (size_t i = 0; i < rq->n_headers; i++)
        if (!strcasecmp(rq->headers[i].name, name))
            return rq->headers[i].value;
    return NULL;
}

/* A static server takes no request body it does not need.  Refused: any
 * Transfer-Encoding; a Content-Length other than 0 on HEAD, TRACE or
 * OPTIONS (the HTTP library reads no body for HEAD and TRACE: it would be
 * parsed as the next request); several or malformed Content-Length
 * headers; a NUL in the request or a CR in a header value; white space in
 * a header name ("Name : value"); several Host headers or a list in one;
 * no Host in HTTP/1.1. */
bool route_bad_framing(const struct request *rq)
{
    unsigned hosts = 0, lengths = 0;
    bool body = false;
    if (rq->had_nul)
        return true;
    for (size_t i = 0; i < rq->n_headers; i++) {
        const char *k = rq->headers[i].name, *v = rq->headers[i].value;
        if (!k[0] || strpbrk(k, " \t") || strpbrk(v, "\r\n") ||
            !strcasecmp(k, "Transfer-Encoding"))
            return true;
        if (!strcasecmp(k, "Host") && (hosts++ || strchr(v, ',')))
            return true;
        if (!strcasecmp(k, "Content-Length")) {
            size_t digits = strspn(v, "0123456789");
            if (lengths++ || !v[0] || digits != strlen(v))
                return true;
            body = strspn(v, "0") != digits;
        }
    }
    if (body && (rq->method == METHOD_HEAD || rq->method == METHOD_TRACE ||
                 rq->method == METHOD_OPTIONS))
        return true;
    return rq->major == 1 && rq->minor >= 1 && hosts == 0;
}

int route_over_limit(const struct request *rq, bool *close)
{
    size_t line = strlen(route_method_name(rq->method)) + 1 + strlen(rq->target) +
                  sizeof(" HTTP/1.1") - 1;
    if (line > MH_REQUEST_LINE_MAX)
        return HTTP_STATUS_URI_TOO_LONG;
    if (rq->too_many_headers) {
        *close = true;
        return HTTP_STATUS_HEADERS_TOO_LARGE;
    }
    size_t bytes = 0;
    for (size_t i = 0; i < rq->n_headers; i++)
        bytes += strlen(rq->headers[i].name) + 2 + strlen(rq->headers[i].value) + 2;
    if (bytes > MH_HEADERS_MAX)
        return HTTP_STATUS_HEADERS_TOO_LARGE;
    if (rq->body_len > MH_REQUEST_BODY_MAX) {
        *close = true;
        return HTTP_STATUS_TOO_LARGE;
    }
    return 0;
}

int route_check(const struct request *rq, bool *close)
{
    if (route_bad_framing(rq)) { /* what follows cannot be trusted */
        *close = true;
        return HTTP_STATUS_BAD_REQUEST;
    }
    int status = route_over_limit(rq, close);
    if (status)
        return status;
    if (rq->method != METHOD_GET && rq->method != METHOD_HEAD)
        return HTTP_STATUS_METHOD_NOT_ALLOWED;
    return 0;
}

bool route_closes(const struct request *rq)
{
    if (rq->proxy_form)
        return true;
    const char *c = route_header(rq, "Connection");
    if (c && !strcasecmp(c, "close"))
        return true;
    bool http10 = rq->major < 1 || (rq->major == 1 && rq->minor < 1);
    return http10 && !(c && !strncasecmp(c, "keep-alive", 10));
}

size_t route_host_len(const char *host)
{
    size_t n = 0;
    if (host[0] == '[') { /* [2001:db8::1] */
        for (n = 1; host[n] && host[n] != ']'; n++)
            if (!((host[n] >= '0' && host[n] <= '9') ||
                  (host[n] >= 'a' && host[n] <= 'f') ||
                  (host[n] >= 'A' && host[n] <= 'F') || host[n] == ':' ||
                  host[n] == '.'))
                return 0;
        if (host[n] != ']' || n < 3)
            return 0;
        n++;
    } else {
        while ((host[n] >= 'a' && host[n] <= 'z') ||
               (host[n] >= 'A' && host[n] <= 'Z') ||
               (host[n] >= '0' && host[n] <= '9') || host[n] == '-' || host[n] == '.')
            n++;
        if (n == 0 || n > 253)
            return 0;
    }
    if (host[n] == ':') { /* a port: digits only */
        size_t d = n + 1;
        while (host[d] >= '0' && host[d] <= '9' && d - n <= 5)
            d++;
        return host[d] == '\0' && d > n + 1 ? n : 0;
    }
    return host[n] == '\0' ? n : 0;
}

/* The q of one media range's parameters (";q=0.5;..."), in thousandths:
 * 1000 when absent, 0 when malformed (RFC 9110 12.4.2: at most three
 * decimals). */
static int media_q(const char *p, const char *end)
{
    while (p < end) {
        while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
            p++;
        if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            p += 2;
            int q = 0, digits = 0;
            if (p < end && (*p == '0' || *p == '1'))
                q = (*p++ - '0') * 1000;
            else
                return 0;
            if (p < end && *p == '.')
                for (p++; p < end && *p >= '0' && *p <= '9' && digits < 3;
                     p++, digits++)
                    q += (*p - '0') * (digits == 0 ? 100 : digits == 1 ? 10 : 1);
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
            return (p == end || *p == ';') && q <= 1000 ? q : 0;
        }
        while (p < end && *p != ';')
            p++;
    }
    return 1000;
}

bool route_wants_json(const struct request *rq)
{
    const char *v = route_header(rq, "Accept");
    int json = -1, html = -1;
    while (v && *v) {
        const char *end = v + strcspn(v, ",");
        const char *t = v;
        while (t < end && (*t == ' ' || *t == '\t'))
            t++;
        const char *semi = memchr(t, ';', (size_t)(end - t));
        const char *tend = semi ? semi : end;
        while (tend > t && (tend[-1] == ' ' || tend[-1] == '\t'))
            tend--;
        size_t n = (size_t)(tend - t);
        int q = semi ? media_q(semi, end) : 1000;
        if (n == 16 && !strncasecmp(t, "application/json", n) && q > json)
            json = q;
        if (n == 9 && !strncasecmp(t, "text/html", n) && q > html)
            html = q;
        v = *end ? end + 1 : end;
    }
    return json > 0 && json >= html;
}

int route_target(const struct request *rq, struct path_out *p, const char **query)
{
    const char *t = rq->target;
    if (!strncasecmp(t, "http://", 7) || !strncasecmp(t, "https://", 8)) {
        t = strstr(t, "://") + 3;
        t += strcspn(t, "/?");
    }
    if (*t != '/')
        return HTTP_STATUS_BAD_REQUEST;
    const char *q = strchr(t, '?');
    size_t len = q ? (size_t)(q - t) : strlen(t);
    *query = q ? q + 1 : NULL;
    return path_resolve(t, len, p) == PATH_OK ? 0 : HTTP_STATUS_BAD_REQUEST;
}

enum route_step route_found(int open_status, bool is_dir, bool trailing_slash,
                            int *status)
{
    if (open_status != HTTP_STATUS_OK) {
        *status = open_status;
        return ROUTE_STATUS;
    }
    if (is_dir)
        return trailing_slash ? ROUTE_DIRECTORY : ROUTE_SLASH;
    if (trailing_slash) { /* "/file.txt/" names no directory */
        *status = HTTP_STATUS_NOT_FOUND;
        return ROUTE_STATUS;
    }
    return ROUTE_FILE;
}
