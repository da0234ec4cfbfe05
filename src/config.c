/* config.c - parse and validate minihttpd.conf into struct mh_config.
 *
 * Owns: the meaning of every key (one table: section, key, type, bounds,
 * default, whether a reload may change it), the FILE:LINE of every error,
 * and the command-line overrides.  The headers [headers] may not add are
 * headers.h's list, kept where they are emitted.
 * Start-up, -t and SIGHUP all come through config_load(), so they accept and
 * refuse exactly the same files.  I/O is limited to reading the config and
 * types files and checking the docroot and log paths (never with an open or
 * a read that can wait: see read_file() and check_log()); it never logs and
 * never exits: errors go back to the caller in struct mh_error.  Every
 * message that quotes text from the file or the command line escapes it with
 * buf_escape_str(), so a config file cannot put a control byte on the
 * terminal or into the error log. */
#define _GNU_SOURCE
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"
#include "buf.h"
#include "headers.h"
#include "htpasswd.h"
#include "ini.h"
#include "path.h"

enum key_type {
    K_ADDR,    /* IPv4 or IPv6 address */
    K_PORT,    /* TCP port, decimal in [min, max] */
    K_UINT,    /* decimal in [min, max] */
    K_BOOL,    /* on or off, in any case */
    K_LOGFMT,  /* combined or json: a bool, true for json */
    K_LEVEL,   /* error, warn, notice, info or debug: an index in levels[] */
    K_WORKERS, /* "auto" or 1..max */
    K_PATH,    /* file system path */
    K_LOG,     /* path, "-", or (if min == 1) "off" */
    K_INDEX,   /* space-separated file names */
    K_USER,    /* user name */
    K_TYPE,    /* a media type */
    K_TEXT,    /* a header value; may be empty */
    K_CODINGS, /* "off", or space-separated br gzip zstd, each once */
    K_TYPES,   /* space-separated media types */
    K_SIZE,    /* bytes in [MH_ZCACHE_SIZE_MIN, MH_ZCACHE_SIZE_MAX], with an
                  optional K, M or G (powers of 1024) */
    K_URLPATH, /* "off" (stored as "") or a normalised URL path: "/a/b" */
    K_ACL,     /* addresses and CIDR prefixes (statusacl.h) */
};

/* What a reload (SIGHUP) does with a changed value. */
enum on_reload {
    RELOAD,  /* applied: each worker takes the new config */
    RESTART, /* used only at start (sockets, threads, the fd budget, the pid
                file, the user): a reload changing it is refused */
};

struct key_def {
    const char *section;
    const char *key;
    enum key_type type;
    unsigned min, max;
    const char *def; /* built-in default, parsed like a file value */
    enum on_reload reload;
    size_t off;  /* offset of the field in struct mh_config */
    size_t size; /* its size, for strings */
};

#define F(field)                                                                       \
    offsetof(struct mh_config, field), sizeof(((struct mh_config *)0)->field)

/* Every key: docs/minihttpd.conf.5, conf/minihttpd.conf and
 * tests/fuzz/config.dict name each one, and minihttpd.conf(5) says which
 * need a restart (tests/unit/test_config.c checks both). */
static const struct key_def keys[] = {
    {"server", "listen", K_ADDR, 0, 0, "0.0.0.0", RESTART, F(listen)},
    {"server", "port", K_PORT, 1, 65535, "8080", RESTART, F(port)},
    {"server", "docroot", K_PATH, 0, 0, "/var/www/minihttpd", RELOAD, F(docroot)},
    {"server", "index", K_INDEX, 0, 0, "index.html", RELOAD, F(index)},
    {"server", "autoindex", K_BOOL, 0, 0, "off", RELOAD, F(autoindex)},
    {"server", "hide_dotfiles", K_BOOL, 0, 0, "on", RELOAD, F(hide_dotfiles)},
    {"server", "clean_urls", K_BOOL, 0, 0, "on", RELOAD, F(clean_urls)},
    {"server", "redirects", K_BOOL, 0, 0, "on", RELOAD, F(redirects)},
    {"server", "cache_control", K_TEXT, 0, 0, "", RELOAD, F(cache_control)},
    {"server", "workers", K_WORKERS, 1, MH_WORKERS_MAX, "auto", RESTART, F(workers)},
    {"server", "user", K_USER, 0, 0, "", RESTART, F(user)},
    {"server", "pid_file", K_PATH, 0, 0, "/run/minihttpd.pid", RESTART, F(pid_file)},
    {"server", "keepalive_timeout", K_UINT, 1, MH_TIMEOUT_MAX, "15", RELOAD,
     F(keepalive_timeout)},
    {"server", "request_timeout", K_UINT, 1, MH_TIMEOUT_MAX, "30", RELOAD,
     F(request_timeout)},
    {"server", "send_timeout", K_UINT, 1, MH_TIMEOUT_MAX, "60", RELOAD,
     F(send_timeout)},
    /* each worker's connection cap and the open-file limit are set at start */
    {"server", "max_connections", K_UINT, 1, MH_CONNECTIONS_MAX, "10000", RESTART,
     F(max_connections)},
    {"log", "access_log", K_LOG, 1, 0, "-", RELOAD, F(access_log)},
    {"log", "error_log", K_LOG, 0, 0, "-", RELOAD, F(error_log)},
    {"log", "access_format", K_LOGFMT, 0, 0, "combined", RELOAD, F(access_json)},
    {"log", "error_level", K_LEVEL, 0, 0, "notice", RELOAD, F(error_level)},
    {"mime", "types_file", K_PATH, 0, 0, "/etc/mime.types", RELOAD, F(types_file)},
    {"mime", "default_type", K_TYPE, 0, 0, "application/octet-stream", RELOAD,
     F(default_type)},
    /* [tls]: only when the section is there (cfg->tls) */
    {"tls", "certificate", K_PATH, 0, 0, "/etc/ssl/certs/ssl-cert-snakeoil.pem", RELOAD,
     F(tls_certificate)},
    {"tls", "key", K_PATH, 0, 0, "/etc/ssl/private/ssl-cert-snakeoil.key", RELOAD,
     F(tls_key)},
    {"tls", "port", K_PORT, 1, 65535, "8443", RESTART, F(tls_port)},
    {"tls", "redirect_http", K_BOOL, 0, 0, "off", RELOAD, F(tls_redirect_http)},
    {"tls", "hsts", K_TEXT, 0, 0, "off", RELOAD, F(tls_hsts)},
    {"compress", "encodings", K_CODINGS, 0, 0, "br gzip", RELOAD,
     F(compress_encodings)},
    {"compress", "types", K_TYPES, 0, 0,
     "text/html text/css text/plain text/javascript application/javascript "
     "application/json application/xml image/svg+xml application/wasm",
     RELOAD, F(compress_types)},
    {"compress", "min_size", K_UINT, 0, MH_COMPRESS_FILE_MAX, "1024", RELOAD,
     F(compress_min_size)},
    /* "": a private directory made at start (cache_dir_problem()) */
    {"compress", "cache_dir", K_PATH, 0, 0, "", RESTART, F(cache_dir)},
    /* the compression threads and their index are made at start */
    {"compress", "cache_size", K_SIZE, 0, 0, "256M", RESTART, F(cache_size)},
    {"status", "path", K_URLPATH, 0, 0, "off", RELOAD, F(status_path)},
    {"status", "allow", K_ACL, 0, 0, "127.0.0.1 ::1", RELOAD, F(status_allow)},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* [log] error_level's words, least to most verbose: the order of enum
 * mh_log_level in log.h */
static const char *const levels[] = {"error", "warn", "notice", "info", "debug"};

/* The sections: [server], [log], [mime], [tls], [compress] and [status]
 * hold table keys (and [mime] extension overrides), [errors] statuses,
 * [headers] header names, [access] and [access /prefix/] the keys of
 * access_keys[]. */
static const char *const sections[] = {"server",   "log",     "mime",
                                       "errors",   "headers", "tls",
                                       "compress", "status",  "access"};

#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

/* bytes: why a value is refused ("must be ..."), the longest being
 * K_WORKERS's with two numbers. */
#define WHY_MAX 128

/* bytes: room for one text quoted in a message, escaped; longer ones are cut
 * with "...", and mh_error_set() cuts the whole message at MH_ERROR_MAX. */
#define ESC_MAX (MH_ERROR_MAX / 2)
/* bytes: where()'s "FILE:LINE: key": an escaped name and a few words. */
#define WHERE_MAX (ESC_MAX + 96)

/* Parsing state: the config being built and where each key was set. */
struct loader {
    struct mh_config *cfg;
    const char *file;                        /* name used in messages, escaped */
    char file_esc[ESC_MAX];                  /* the config file's name, escaped */
    unsigned line[NKEYS];                    /* 0: default; else the line that set it */
    bool from_cli[NKEYS];                    /* set by a command-line override */
    unsigned error_line[MH_ERROR_PAGES_MAX]; /* where each [errors] page was set */
    const char *cwd; /* relative paths are resolved against it (NULL: getcwd) */
    struct mh_error *err;
    /* [access]: where each rule's allow, auth_file, realm and
     * trusted_proxies were set (0: left out, taken from [access]) */
    unsigned access_line[MH_ACCESS_RULES_MAX + 1][4];
    bool auth_off[MH_ACCESS_RULES_MAX + 1]; /* auth_file = off */
};

void mh_error_set(struct mh_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(err->msg)) { /* mark the cut, never hide it */
        size_t at = sizeof(err->msg) - 4;
        while (at > 0 && ((unsigned char)err->msg[at] & 0xc0) == 0x80)
            at--; /* not inside a UTF-8 character */
        memcpy(err->msg + at, "...", 4);
    }
}

static const struct key_def *find_key(const char *section, const char *key, size_t *idx)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].section, section) && !strcmp(keys[i].key, key)) {
            *idx = i;
            return &keys[i];
        }
    return NULL;
}

static bool known_section(const char *s)
{
    for (size_t i = 0; i < NSECTIONS; i++)
        if (!strcmp(s, sections[i]))
            return true;
    return false;
}

/* Say why a value is refused (in why, WHY_MAX bytes); returns false. */
static bool refuse(char *why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool refuse(char *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(why, WHY_MAX, fmt, ap); /* fixed texts and numbers */
    va_end(ap);
    if (n >= WHY_MAX) /* never, but a cut is marked, not hidden */
        memcpy(why + WHY_MAX - 4, "...", 4);
    return false;
}

/* A value that can go into a header: printable ASCII and tabs only. */
static bool header_text(const char *v)
{
    for (; *v; v++)
        if (((unsigned char)*v < 0x20 && *v != '\t') || (unsigned char)*v >= 0x7f)
            return false;
    return true;
}

/* Parse a decimal in [min, max] with no sign, no blanks and no overflow. */
static bool parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
    unsigned long long n = 0;
    if (!*v)
        return false;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        n = n * 10 + (unsigned)(*p - '0');
        if (n > max)
            return false;
    }
    if (n < min)
        return false;
    *out = (unsigned)n;
    return true;
}

static bool copy_str(void *dst, size_t size, const char *v)
{
    size_t n = strlen(v);
    if (n >= size)
        return false;
    memcpy(dst, v, n + 1);
    return true;
}

/* The next space- or tab-separated word of *p: false at the end; else
 * [*w, *w + *n) and *p past it. */
static bool next_word(const char **p, const char **w, size_t *n)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
    if (!**p)
        return false;
    *w = *p;
    while (**p && **p != ' ' && **p != '\t')
        (*p)++;
    *n = (size_t)(*p - *w);
    return true;
}

static bool parse_index(struct mh_config *cfg, const char *v, char *why)
{
    unsigned n = 0;
    const char *p = v, *b;
    size_t len;
    if (strchr(v, ',')) /* "index.html, index.htm" is not a list of two */
        return refuse(why, "index names are separated by spaces, not commas");
    while (next_word(&p, &b, &len)) {
        if (n == MH_INDEX_NAMES_MAX)
            return refuse(why, "at most %d index file names", MH_INDEX_NAMES_MAX);
        if (len > MH_INDEX_NAME_MAX || memchr(b, '/', len) ||
            (len == 1 && b[0] == '.') || (len == 2 && b[0] == '.' && b[1] == '.'))
            return refuse(why, "index names must be plain file names");
        memcpy(cfg->index[n], b, len);
        cfg->index[n][len] = '\0';
        n++;
    }
    if (n == 0)
        return refuse(why, "index needs at least one file name");
    cfg->n_index = n;
    return true;
}

/* [compress] encodings = br gzip zstd (any order, each once) | off */
static bool parse_codings(struct mh_encodings *e, const char *v, char *why)
{
    size_t len;
    const char *p = v;
    e->n = 0;
    if (!strcmp(v, "off"))
        return true;
    for (const char *w; next_word(&p, &w, &len);) {
        int c = encoding_by_name(w, len);
        if (c < 0)
            return refuse(why, "must be off, or some of br, gzip and zstd in order "
                               "of preference");
        for (unsigned i = 0; i < e->n; i++)
            if (e->order[i] == c)
                return refuse(why, "names a coding twice");
        e->order[e->n++] = (unsigned char)c;
    }
    if (e->n == 0)
        return refuse(why, "must be off, or some of br, gzip and zstd");
    return true;
}

/* [compress] types = text/html text/css ... (lower-cased) */
static bool parse_types(struct mh_types *t, const char *v, char *why)
{
    size_t len;
    const char *p = v;
    t->n = 0;
    for (const char *w; next_word(&p, &w, &len);) {
        const char *slash = memchr(w, '/', len);
        if (!slash || slash == w || slash == w + len - 1 || memchr(w, ';', len) ||
            memchr(slash + 1, '/', (size_t)(w + len - slash - 1)))
            return refuse(why, "must be media types like text/html, separated by "
                               "spaces, without parameters");
        if (len >= MH_MIME_TYPE_MAX)
            return refuse(why, "a media type is longer than %d bytes",
                          MH_MIME_TYPE_MAX - 1);
        if (t->n == MH_COMPRESS_TYPES_MAX)
            return refuse(why, "at most %d media types", MH_COMPRESS_TYPES_MAX);
        for (size_t i = 0; i < len; i++) {
            char c = w[i];
            t->type[t->n][i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        }
        t->type[t->n][len] = '\0';
        t->n++;
    }
    return true;
}

/* [compress] cache_size = 256M: bytes, or K, M, G (powers of 1024) */
static bool parse_size(const char *v, unsigned long long *out, char *why)
{
    unsigned long long n = 0, unit = 1;
    const char *p = v;
    for (; *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (unsigned)(*p - '0');
        if (n > MH_ZCACHE_SIZE_MAX)
            break;
    }
    if (*p == 'K' || *p == 'k')
        unit = 1024;
    else if (*p == 'M' || *p == 'm')
        unit = 1024 * 1024;
    else if (*p == 'G' || *p == 'g')
        unit = 1024 * 1024 * 1024;
    if (unit > 1)
        p++;
    if (p == v || (unit > 1 && p == v + 1) || *p || n > MH_ZCACHE_SIZE_MAX / unit ||
        n * unit < MH_ZCACHE_SIZE_MIN)
        return refuse(why,
                      "must be a size from 64K to 1024G: bytes, or a number with K, M "
                      "or G");
    *out = n * unit;
    return true;
}

/* Store value v for key k.  Returns false with why (WHY_MAX bytes) saying
 * what is wrong with a bad value; the bounds it names come from the table. */
static bool set_value(struct mh_config *cfg, const struct key_def *k, const char *v,
                      char *why)
{
    char *field = (char *)cfg + k->off;
    unsigned char addr[sizeof(struct in6_addr)];
    switch (k->type) {
    case K_ADDR:
        if (inet_pton(AF_INET, v, addr) != 1 && inet_pton(AF_INET6, v, addr) != 1)
            return refuse(why, "must be an IPv4 or IPv6 address, like 0.0.0.0 or ::");
        if (!copy_str(field, k->size, v)) /* a valid address always fits */
            return refuse(why, "address too long");
        return true;
    case K_PORT:
        if (!parse_uint(v, k->min, k->max, (unsigned *)field))
            return refuse(why, "must be a port number from %u to %u", k->min, k->max);
        return true;
    case K_UINT:
        if (!parse_uint(v, k->min, k->max, (unsigned *)field))
            return refuse(why, "must be a whole number from %u to %u", k->min, k->max);
        return true;
    case K_LEVEL:
        for (unsigned i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
            if (!strcmp(v, levels[i])) {
                *(unsigned *)field = i;
                return true;
            }
        return refuse(why, "must be error, warn, notice, info or debug");
    case K_LOGFMT:
        if (!strcmp(v, "combined") || !strcmp(v, "json")) {
            *(bool *)field = !strcmp(v, "json");
            return true;
        }
        return refuse(why, "must be combined or json");
    case K_BOOL: /* not yes/true/1: one spelling, as the documentation has it */
        if (!strcasecmp(v, "on"))
            *(bool *)field = true;
        else if (!strcasecmp(v, "off"))
            *(bool *)field = false;
        else
            return refuse(why, "must be on or off");
        return true;
    case K_WORKERS:
        if (!strcmp(v, "auto")) {
            *(unsigned *)field = 0;
            return true;
        }
        if (!parse_uint(v, k->min, k->max, (unsigned *)field))
            return refuse(why, "must be auto or a number of workers from %u to %u",
                          k->min, k->max);
        return true;
    case K_LOG:
        if (!strcmp(v, "off") && k->min != 1)
            return refuse(why, "cannot be off; use a path or - for stderr");
        /* fall through */
    case K_PATH:
        if (!*v)
            return refuse(why, "needs a path");
        if (!copy_str(field, k->size, v))
            return refuse(why, "path too long");
        return true;
    case K_INDEX:
        return parse_index(cfg, v, why);
    case K_USER:
        if (!copy_str(field, k->size, v))
            return refuse(why, "user name too long");
        return true;
    case K_TEXT: /* k->size is MH_HEADER_VALUE_MAX, NUL included */
        if (!header_text(v) || !copy_str(field, k->size, v))
            return refuse(why, "must be printable ASCII text of at most %zu bytes",
                          k->size - 1);
        return true;
    case K_TYPE:
        if (!strchr(v, '/') || !copy_str(field, k->size, v))
            return refuse(why, "must be a media type like application/octet-stream");
        return true;
    case K_CODINGS:
        return parse_codings((struct mh_encodings *)(void *)field, v, why);
    case K_TYPES:
        return parse_types((struct mh_types *)(void *)field, v, why);
    case K_SIZE:
        return parse_size(v, (unsigned long long *)(void *)field, why);
    case K_URLPATH: {
        if (!strcmp(v, "off")) {
            field[0] = '\0';
            return true;
        }
        char norm[MH_URL_PATH_MAX];
        struct path_out po = {.buf = norm, .cap = sizeof(norm)};
        if (v[0] != '/' || strchr(v, '%') || strchr(v, '?') ||
            path_resolve(v, strlen(v), &po) != PATH_OK || strcmp(norm, v) ||
            !copy_str(field, k->size, v))
            return refuse(why, "must be off or a URL path like "
                               "/.well-known/minihttpd/status (no ., .., //, %%, ?)");
        return true;
    }
    case K_ACL: {
        size_t at, n;
        enum statusacl_result r =
            statusacl_parse(v, strlen(v), (struct statusacl *)(void *)field, &at, &n);
        if (r != STATUSACL_OK)
            return refuse(why, "%s%.*s%s %s", n ? "\"" : "", (int)(n < 40 ? n : 40),
                          v + at, n ? "\"" : "", statusacl_error_text(r));
        return true;
    }
    }
    return refuse(why, "unknown key type");
}

static int on_mime_override(struct loader *ld, const char *key, const char *value,
                            unsigned line)
{
    struct mimetab *t = &ld->cfg->overrides;
    char k[ESC_MAX];
    for (size_t i = 0; i < t->n; i++)
        if (!strcasecmp(t->strings + t->entries[i].ext, key)) {
            mh_error_set(ld->err, "%s:%u: duplicate extension \"%s\" in [mime]",
                         ld->file, line, buf_escape_str(k, sizeof(k), key));
            return 1;
        }
    if (t->n >= MH_MIME_OVERRIDES_MAX) {
        mh_error_set(ld->err, "%s:%u: too many [mime] overrides", ld->file, line);
        return 1;
    }
    enum mimetab_result r = mimetab_add(t, key, strlen(key), value, strlen(value));
    if (r != MIMETAB_OK) {
        mh_error_set(ld->err, "%s:%u: %s: %s", ld->file, line,
                     buf_escape_str(k, sizeof(k), key), mimetab_strerror(r));
        return 1;
    }
    return 0;
}

/* [errors]  404 = /404.html */
static int on_error_page(struct loader *ld, const char *key, const char *value,
                         unsigned line)
{
    struct mh_config *cfg = ld->cfg;
    unsigned status;
    char k[ESC_MAX], v[ESC_MAX];
    if (!parse_uint(key, 400, 599, &status)) {
        mh_error_set(
            ld->err,
            "%s:%u: [errors] keys are HTTP statuses from 400 to 599, not \"%s\"",
            ld->file, line, buf_escape_str(k, sizeof(k), key));
        return 1;
    }
    if (config_error_page(cfg, (int)status)) {
        mh_error_set(ld->err, "%s:%u: duplicate key \"%s\" in [errors]", ld->file, line,
                     buf_escape_str(k, sizeof(k), key));
        return 1;
    }
    if (cfg->n_error_pages == MH_ERROR_PAGES_MAX) {
        mh_error_set(ld->err, "%s:%u: too many [errors] pages", ld->file, line);
        return 1;
    }
    struct mh_error_page *p = &cfg->error_pages[cfg->n_error_pages];
    /* "404.html": the nearest one, looked for from the request's directory
     * up; "/404.html": that one page */
    p->nearest = value[0] != '/';
    char rooted[MH_ERROR_PAGE_PATH_MAX + 1];
    struct buf rb;
    buf_init(&rb, rooted, sizeof(rooted));
    if (p->nearest)
        buf_putc(&rb, '/');
    buf_puts(&rb, value);
    struct path_out out = {.buf = p->path, .cap = sizeof(p->path)};
    if (rb.overflow || path_resolve(rooted, rb.len, &out) != PATH_OK ||
        out.trailing_slash || out.len < 2) {
        mh_error_set(ld->err,
                     "%s:%u: %s = \"%s\": must be a file path inside the docroot, "
                     "like /404.html (that page) or 404.html (the nearest one)",
                     ld->file, line, buf_escape_str(k, sizeof(k), key),
                     buf_escape_str(v, sizeof(v), value));
        return 1;
    }
    p->status = status;
    cfg->n_error_pages++;
    ld->error_line[cfg->n_error_pages - 1] = line;
    return 0;
}

/* [headers]  Content-Security-Policy = default-src 'self' */
static int on_header(struct loader *ld, const char *key, const char *value,
                     unsigned line)
{
    struct mh_config *cfg = ld->cfg;
    char k[ESC_MAX];
    for (unsigned i = 0; i < cfg->n_headers; i++)
        if (!strcasecmp(cfg->headers[i].name, key)) {
            mh_error_set(ld->err, "%s:%u: duplicate header \"%s\" in [headers]",
                         ld->file, line, buf_escape_str(k, sizeof(k), key));
            return 1;
        }
    if (headers_server_sets(key)) { /* it would go out twice */
        mh_error_set(
            ld->err, "%s:%u: %s is set by minihttpd itself%s", ld->file, line,
            buf_escape_str(k, sizeof(k), key),
            strcasecmp(key, "Cache-Control") ? "" : "; use cache_control in [server]");
        return 1;
    }
    if (cfg->n_headers == MH_EXTRA_HEADERS_MAX) {
        mh_error_set(ld->err, "%s:%u: too many [headers] lines", ld->file, line);
        return 1;
    }
    struct mh_header *h = &cfg->headers[cfg->n_headers];
    if (!*value || !header_text(value) ||
        !copy_str(h->value, sizeof(h->value), value)) {
        mh_error_set(ld->err,
                     "%s:%u: %s: the value must be non-empty printable ASCII of at "
                     "most %d bytes",
                     ld->file, line, buf_escape_str(k, sizeof(k), key),
                     MH_HEADER_VALUE_MAX - 1);
        return 1;
    }
    copy_str(h->name, sizeof(h->name), key);
    cfg->n_headers++;
    return 0;
}

/* --- [access] and [access /prefix/] --- */

enum { ACC_ALLOW, ACC_AUTH, ACC_REALM, ACC_TRUSTED };
static const char *const access_keys[] = {"allow", "auth_file", "realm",
                                          "trusted_proxies"};

/* "access" or "access /prefix/": the prefix ("/" for [access]), or NULL
 * when section is another one. */
static const char *access_prefix(const char *section)
{
    if (!strcmp(section, "access"))
        return "/";
    if (!strncmp(section, "access ", 7))
        return section + 7;
    return NULL;
}

static struct access_rule *find_rule(struct access_rules *a, const char *prefix)
{
    for (unsigned i = 0; i < a->n; i++)
        if (!strcmp(a->rule[i].prefix, prefix))
            return &a->rule[i];
    return NULL;
}

/* A prefix is a normalised URL path that ends in '/': what path_resolve()
 * makes of it, so that it compares with the paths of requests. */
static bool good_prefix(const char *prefix)
{
    size_t n = strlen(prefix);
    char norm[MH_ACCESS_PREFIX_MAX + 1];
    struct path_out out = {.buf = norm, .cap = sizeof(norm)};
    if (n == 0 || n > MH_ACCESS_PREFIX_MAX || prefix[0] != '/' ||
        prefix[n - 1] != '/' || strchr(prefix, '%'))
        return false;
    if (n == 1)
        return true;
    return path_resolve(prefix, n, &out) == PATH_OK && out.trailing_slash &&
           out.len == n - 1 && !memcmp(norm, prefix, n - 1);
}

static int on_access_section(struct loader *ld, const char *prefix, unsigned line)
{
    struct access_rules *a = &ld->cfg->access;
    char q[ESC_MAX];
    buf_escape_str(q, sizeof(q), prefix);
    if (!good_prefix(prefix)) {
        mh_error_set(ld->err,
                     "%s:%u: [access %s]: the prefix must be a URL path that starts "
                     "and ends with '/', like /team-a/, with no %%, . or .. parts",
                     ld->file, line, q);
        return 1;
    }
    if (find_rule(a, prefix)) {
        mh_error_set(ld->err, "%s:%u: [access%s%s] is there twice", ld->file, line,
                     strcmp(prefix, "/") ? " " : "", strcmp(prefix, "/") ? q : "");
        return 1;
    }
    if (a->n == MH_ACCESS_RULES_MAX + 1) {
        mh_error_set(ld->err, "%s:%u: more than %d [access /prefix/] sections",
                     ld->file, line, MH_ACCESS_RULES_MAX);
        return 1;
    }
    struct access_rule *r = &a->rule[a->n++];
    memset(r, 0, sizeof(*r));
    copy_str(r->prefix, sizeof(r->prefix), prefix);
    r->prefix_len = strlen(prefix);
    r->allow_any = true;
    r->auth = -1;
    r->line = line;
    a->on = true;
    return 0;
}

/* A list of addresses and CIDR blocks into the config's pool; *at and *n
 * say where.  "any" alone: every address. */
static bool parse_cidrs(struct access_rules *a, const char *v, unsigned *at,
                        unsigned *n, bool any_ok, bool *any, char *why)
{
    *at = a->n_cidrs;
    *n = 0;
    *any = false;
    if (any_ok && !strcmp(v, "any")) {
        *any = true;
        return true;
    }
    if (strchr(v, ',')) /* "10.0.0.0/8, ::1" */
        return refuse(why, "addresses are separated by spaces, not commas");
    const char *p = v, *b;
    size_t len;
    while (next_word(&p, &b, &len)) {
        if (a->n_cidrs == MH_CIDRS_MAX)
            return refuse(why, "more than %d addresses in all lists together",
                          MH_CIDRS_MAX);
        enum cidr_result r = cidr_parse(b, len, &a->cidrs[a->n_cidrs]);
        if (r != CIDR_OK)
            return refuse(why, "%.*s: %s", (int)(len > 48 ? 48 : len), b,
                          cidr_strerror(r));
        a->n_cidrs++;
        (*n)++;
    }
    if (*n == 0)
        return refuse(why, "needs addresses or CIDR blocks, like 10.0.0.0/8 ::1%s",
                      any_ok ? ", or any" : "");
    return true;
}

/* auth_file's index in the config's list of files, added if new. */
static bool add_auth_file(struct loader *ld, const char *v, unsigned line, int *index,
                          char *why)
{
    struct access_rules *a = &ld->cfg->access;
    char abs[MH_FS_PATH_MAX];
    if (!*v)
        return refuse(why, "needs a path, or off");
    if (!config_absolute(v, ld->cwd, abs, sizeof(abs)))
        return refuse(why, "path too long");
    for (unsigned i = 0; i < a->n_auth; i++)
        if (!strcmp(a->auth_files[i], abs)) {
            *index = (int)i;
            return true;
        }
    if (a->n_auth == MH_AUTH_FILES_MAX)
        return refuse(why, "more than %d different auth files", MH_AUTH_FILES_MAX);
    copy_str(a->auth_files[a->n_auth], sizeof(a->auth_files[0]), abs);
    a->auth_line[a->n_auth] = line;
    *index = (int)a->n_auth++;
    return true;
}

static bool set_access_value(struct loader *ld, struct access_rule *r, unsigned idx,
                             int key, const char *v, unsigned line, char *why)
{
    struct access_rules *a = &ld->cfg->access;
    switch (key) {
    case ACC_ALLOW:
        return parse_cidrs(a, v, &r->allow_at, &r->allow_n, true, &r->allow_any, why);
    case ACC_TRUSTED: {
        bool any;
        if (r->prefix_len != 1)
            return refuse(why, "holds for the whole server: set it in [access]");
        return parse_cidrs(a, v, &a->trusted_at, &a->trusted_n, false, &any, why);
    }
    case ACC_AUTH:
        if (!strcmp(v, "off")) {
            ld->auth_off[idx] = true;
            return true;
        }
        return add_auth_file(ld, v, line, &r->auth, why);
    case ACC_REALM:
        if (!*v || strpbrk(v, "\"\\") || !header_text(v) ||
            !copy_str(r->realm, sizeof(r->realm), v))
            return refuse(
                why, "must be printable ASCII of at most %d bytes, without \" or \\",
                MH_REALM_MAX);
        return true;
    }
    return refuse(why, "unknown key");
}

static int on_access_key(struct loader *ld, const char *prefix, const char *key,
                         const char *value, unsigned line)
{
    struct access_rules *a = &ld->cfg->access;
    struct access_rule *r = find_rule(a, prefix);
    unsigned idx = (unsigned)(r - a->rule);
    char qk[ESC_MAX], qv[ESC_MAX], why[WHY_MAX];
    int k = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(key, access_keys[i]))
            k = i;
    if (k < 0) {
        mh_error_set(
            ld->err,
            "%s:%u: unknown key \"%s\" in [access]; it takes allow, auth_file, "
            "realm and trusted_proxies",
            ld->file, line, buf_escape_str(qk, sizeof(qk), key));
        return 1;
    }
    if (ld->access_line[idx][k]) {
        mh_error_set(ld->err, "%s:%u: duplicate key \"%s\" (first set on line %u)",
                     ld->file, line, key, ld->access_line[idx][k]);
        return 1;
    }
    ld->access_line[idx][k] = line;
    if (!set_access_value(ld, r, idx, k, value, line, why)) {
        mh_error_set(ld->err, "%s:%u: %s = \"%s\": %s", ld->file, line, key,
                     buf_escape_str(qv, sizeof(qv), value), why);
        return 1;
    }
    return 0;
}

static int by_prefix_len(const void *x, const void *y)
{
    const struct access_rule *a = x, *b = y;
    return (a->prefix_len < b->prefix_len) - (a->prefix_len > b->prefix_len);
}

static int on_key(void *ctx, const char *section, const char *key, const char *value,
                  unsigned line)
{
    struct loader *ld = ctx;
    size_t idx;
    char why[WHY_MAX];
    char qk[ESC_MAX], qv[ESC_MAX], qs[ESC_MAX];

    const char *prefix = access_prefix(section);
    if (prefix)
        return key ? on_access_key(ld, prefix, key, value, line)
                   : on_access_section(ld, prefix, line);
    if (!key) {                      /* a section header */
        if (!strcmp(section, "tls")) /* HTTPS is on when the section is there */
            ld->cfg->tls = true;
        if (known_section(section))
            return 0;
        mh_error_set(ld->err, "%s:%u: unknown section [%s]", ld->file, line,
                     buf_escape_str(qs, sizeof(qs), section));
        return 1;
    }
    if (!strcmp(section, "errors"))
        return on_error_page(ld, key, value, line);
    if (!strcmp(section, "headers"))
        return on_header(ld, key, value, line);
    const struct key_def *k = find_key(section, key, &idx);
    if (!k && !strcmp(section, "mime"))
        return on_mime_override(ld, key, value, line);
    if (!k) {
        mh_error_set(ld->err, "%s:%u: unknown key \"%s\" in [%s]", ld->file, line,
                     buf_escape_str(qk, sizeof(qk), key),
                     buf_escape_str(qs, sizeof(qs), section));
        return 1;
    }
    if (ld->line[idx]) {
        mh_error_set(ld->err, "%s:%u: duplicate key \"%s\" (first set on line %u)",
                     ld->file, line, buf_escape_str(qk, sizeof(qk), key),
                     ld->line[idx]);
        return 1;
    }
    ld->line[idx] = line;
    if (!set_value(ld->cfg, k, value, why)) {
        mh_error_set(ld->err, "%s:%u: %s = \"%s\": %s", ld->file, line,
                     buf_escape_str(qk, sizeof(qk), key),
                     buf_escape_str(qv, sizeof(qv), value), why);
        return 1;
    }
    return 0;
}

/* read_file()'s *err_no for a FIFO or a socket: not an errno value. */
#define READ_NOT_A_FILE (-1)

/* Why read_file() failed, for a message. */
static const char *read_strerror(int e)
{
    return e == EFBIG             ? "file too large"
           : e == READ_NOT_A_FILE ? "a FIFO or socket, not a file"
                                  : strerror(e);
}

/* Read a whole file of at most max bytes into a new buffer.  Nothing here
 * waits: the open is O_NONBLOCK (a FIFO without a writer would block it),
 * a FIFO or socket is refused (it could not be read again on a reload, and
 * without a writer it would read as empty), and a character device that has
 * nothing to read (a terminal) fails with EAGAIN.  /dev/null reads as empty. */
static char *read_file(const char *path, size_t max, size_t *len, int *err_no,
                       struct stat *version)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        *err_no = errno;
        return NULL;
    }
    if (fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
        close(fd);
        *err_no = READ_NOT_A_FILE;
        return NULL;
    }
    if (version)
        *version = st;
    char *data = malloc(max + 1);
    size_t n = 0;
    *err_no = data ? 0 : ENOMEM;
    while (data) {
        ssize_t r = read(fd, data + n, max + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            *err_no = errno;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max) {
            *err_no = EFBIG;
            break;
        }
    }
    close(fd);
    if (*err_no) {
        free(data);
        return NULL;
    }
    *len = n;
    return data;
}

int config_read_htpasswd(const char *path, struct htpasswd **out, struct stat *sig,
                         struct mh_error *err)
{
    char q[ESC_MAX];
    size_t len;
    int e;
    unsigned line;
    enum htpw_result why;
    buf_escape_str(q, sizeof(q), path);
    char *text = read_file(path, MH_HTPASSWD_FILE_MAX, &len, &e, sig);
    if (!text) {
        mh_error_set(err, "%s: cannot read it: %s", q, read_strerror(e));
        return -1;
    }
    *out = htpasswd_new(text, len, &line, &why);
    explicit_bzero(text, len);
    free(text);
    if (*out)
        return 0;
    if (line)
        mh_error_set(err, "%s:%u: %s", q, line, htpasswd_strerror(why));
    else
        mh_error_set(err, "%s: %s", q, htpasswd_strerror(why));
    return -1;
}

/* Every [access /prefix/] takes what it left out from [access] (which has
 * the built-in defaults when absent), longest prefix first; the auth
 * files are read and checked. */
static bool check_access(struct loader *ld)
{
    struct mh_config *cfg = ld->cfg;
    struct access_rules *a = &cfg->access;
    if (!a->on)
        return true;
    struct access_rule *base = find_rule(a, "/");
    if (!base) { /* only prefix sections: [access] is the defaults */
        base = &a->rule[a->n];
        memset(base, 0, sizeof(*base));
        memcpy(base->prefix, "/", 2);
        base->prefix_len = 1;
        base->allow_any = true;
        base->auth = -1;
        memset(ld->access_line[a->n], 0, sizeof(ld->access_line[0]));
        ld->auth_off[a->n] = false;
        a->n++;
    }
    unsigned bi = (unsigned)(base - a->rule);
    if (!ld->access_line[bi][ACC_REALM])
        copy_str(base->realm, sizeof(base->realm), "Documentation");
    for (unsigned i = 0; i < a->n; i++) {
        struct access_rule *r = &a->rule[i];
        if (i == bi)
            continue;
        if (!ld->access_line[i][ACC_ALLOW]) {
            r->allow_any = base->allow_any;
            r->allow_at = base->allow_at;
            r->allow_n = base->allow_n;
        }
        if (!ld->access_line[i][ACC_AUTH])
            r->auth = base->auth;
        if (!ld->access_line[i][ACC_REALM])
            memcpy(r->realm, base->realm, sizeof(r->realm));
    }
    for (unsigned i = 0; i < a->n; i++)
        if (ld->auth_off[i])
            a->rule[i].auth = -1;
    qsort(a->rule, a->n, sizeof(a->rule[0]), by_prefix_len);
    for (unsigned i = 0; i < a->n_auth; i++) {
        struct mh_error e;
        if (config_read_htpasswd(a->auth_files[i], &cfg->auth_sets[i],
                                 &cfg->auth_sig[i], &e) != 0) {
            mh_error_set(ld->err, "%s:%u: auth_file: %s", ld->file, a->auth_line[i],
                         e.msg);
            return false;
        }
    }
    return true;
}

static void apply_defaults(struct mh_config *cfg)
{
    char why[WHY_MAX];
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].type == K_PATH && !keys[i].def[0])
            continue; /* cache_dir: none set, the field stays "" */
        else if (!set_value(cfg, &keys[i], keys[i].def, why))
            abort(); /* the built-in table itself is wrong: a bug, caught by tests */
}

static bool apply_override(struct loader *ld, const char *key, const char *value,
                           const char *flag)
{
    size_t idx;
    char why[WHY_MAX];
    char v[ESC_MAX];
    const struct key_def *k = find_key("server", key, &idx);
    if (!k)
        abort(); /* the callers name a key the table lacks: a bug, caught by tests */
    if (!value)
        return true;
    if (!set_value(ld->cfg, k, value, why)) {
        mh_error_set(ld->err, "minihttpd: %s %s: %s", flag,
                     buf_escape_str(v, sizeof(v), value), why);
        return false;
    }
    ld->from_cli[idx] = true;
    return true;
}

/* The index of a key by name (key names are unique across sections). */
static size_t key_index(const char *key)
{
    size_t i = 0;
    while (i < NKEYS - 1 && strcmp(keys[i].key, key))
        i++;
    return i;
}

/* The [tls] key's index (its names are also [server]'s: port). */
static size_t tls_key_index(const char *key)
{
    size_t i;
    if (!find_key("tls", key, &i))
        abort(); /* a name the table lacks: a bug, caught by tests */
    return i;
}

/* "FILE:LINE: key", or where else the key's value came from (out holds
 * WHERE_MAX bytes: always enough). */
static void where(const struct loader *ld, const char *key, char *out, size_t cap)
{
    size_t idx = key_index(key);
    if (ld->from_cli[idx])
        snprintf(out, cap, "minihttpd: command line: %s", key);
    else if (ld->line[idx])
        snprintf(out, cap, "%s:%u: %s", ld->file, ld->line[idx], key);
    else
        snprintf(out, cap, "%s: %s (built-in default)", ld->file, key);
}

bool config_absolute(const char *path, const char *dir, char *out, size_t cap)
{
    char cwd[MH_FS_PATH_MAX];
    int n;
    if (path[0] == '/' || !strcmp(path, "-") || !strcmp(path, "off"))
        n = snprintf(out, cap, "%s", path);
    else if (!dir && !getcwd(cwd, sizeof(cwd)))
        return false;
    else
        n = snprintf(out, cap, "%s/%s", dir ? dir : cwd, path);
    return n >= 0 && (size_t)n < cap;
}

/* Make a relative path in the config absolute, in place, against the
 * directory start-up ran in (so a reload after chdir("/") finds the same
 * files). */
static bool absolutize(const struct loader *ld, char *path, size_t cap)
{
    char abs[MH_FS_PATH_MAX];
    if (!config_absolute(path, ld->cwd, abs, sizeof(abs)))
        return false;
    return copy_str(path, cap, abs);
}

/* The docroot must be a readable directory.  It is kept as given (made
 * absolute), not with symlinks resolved: a docroot that is a symlink swapped
 * to a new release is followed by the workers without a restart. */
static bool check_docroot(struct loader *ld)
{
    char w[WHERE_MAX], d[ESC_MAX];
    struct stat st;
    struct mh_config *cfg = ld->cfg;
    where(ld, "docroot", w, sizeof(w));
    if (!absolutize(ld, cfg->docroot, sizeof(cfg->docroot))) {
        mh_error_set(ld->err, "%s: %s: path too long", w,
                     buf_escape_str(d, sizeof(d), cfg->docroot));
        return false;
    }
    if (stat(cfg->docroot, &st) != 0) {
        int e = errno;
        mh_error_set(ld->err, "%s: %s: %s", w,
                     buf_escape_str(d, sizeof(d), cfg->docroot), strerror(e));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        mh_error_set(ld->err, "%s: %s: not a directory", w,
                     buf_escape_str(d, sizeof(d), cfg->docroot));
        return false;
    }
    if (access(cfg->docroot, R_OK | X_OK) != 0) {
        int e = errno;
        mh_error_set(ld->err, "%s: %s: %s", w,
                     buf_escape_str(d, sizeof(d), cfg->docroot), strerror(e));
        return false;
    }
    return true;
}

/* Each [errors] page must be a regular file inside the docroot. */
static bool check_error_pages(struct loader *ld)
{
    const struct mh_config *cfg = ld->cfg;
    for (unsigned i = 0; i < cfg->n_error_pages; i++) {
        char full[MH_FS_PATH_MAX + MH_ERROR_PAGE_PATH_MAX], pp[ESC_MAX];
        struct stat st;
        const struct mh_error_page *p = &cfg->error_pages[i];
        if (p->nearest) /* each directory may have one, or none */
            continue;
        snprintf(full, sizeof(full), "%s%s", cfg->docroot, p->path);
        int r = stat(full, &st), e = errno;
        if (r != 0 || !S_ISREG(st.st_mode)) {
            mh_error_set(ld->err, "%s:%u: %u = %s: %s", ld->file, ld->error_line[i],
                         p->status, buf_escape_str(pp, sizeof(pp), p->path),
                         r ? strerror(e) : "not a regular file");
            return false;
        }
    }
    return true;
}

/* The open never blocks: O_NONBLOCK makes a FIFO open at once when a
 * process reads it, and fail with ENXIO when none does (a log nobody reads
 * cannot be written; start-up would fail the same way).  Opening and closing
 * it is seen by its reader as a writer that came and went (see
 * minihttpd.conf(5)). */
const char *config_log_problem(const char *path, char *why, size_t cap)
{
    char p[ESC_MAX], dir[MH_FS_PATH_MAX], d[ESC_MAX];
    int fd = open(path, O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd >= 0) {
        close(fd);
        return NULL;
    }
    int e = errno;
    struct stat st;
    buf_escape_str(p, sizeof(p), path);
    if (e == ENXIO && stat(path, &st) == 0 && S_ISFIFO(st.st_mode)) {
        snprintf(why, cap, "cannot open %s: no process is reading this FIFO", p);
        return why;
    }
    if (e != ENOENT) {
        snprintf(why, cap, "cannot open %s: %s", p, strerror(e));
        return why;
    }
    /* the file's directory, else its parent (start-up creates the directory) */
    copy_str(dir, sizeof(dir), path);
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(dir, '/');
        *(slash == dir ? slash + 1 : slash) = '\0';
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (access(dir, W_OK | X_OK) == 0)
                return NULL;
            snprintf(why, cap, "cannot create %s: %s is not writable", p,
                     buf_escape_str(d, sizeof(d), dir));
            return why;
        }
    }
    snprintf(why, cap, "cannot create %s: its directory does not exist", p);
    return why;
}

/* A log path from the config: absolute, and writable (config_log_problem). */
static bool check_log(struct loader *ld, const char *key, char *path, size_t cap)
{
    char w[WHERE_MAX], p[ESC_MAX], why[MH_ERROR_MAX / 2];
    where(ld, key, w, sizeof(w));
    if (!strcmp(path, "-") || !strcmp(path, "off"))
        return true;
    if (!absolutize(ld, path, cap)) {
        mh_error_set(ld->err, "%s: %s: path too long", w,
                     buf_escape_str(p, sizeof(p), path));
        return false;
    }
    if (!config_log_problem(path, why, sizeof(why)))
        return true;
    mh_error_set(ld->err, "%s: %s", w, why);
    return false;
}

static bool load_types(struct loader *ld)
{
    struct mh_config *cfg = ld->cfg;
    char w[WHERE_MAX], t[ESC_MAX];
    size_t len;
    int e;
    unsigned line;
    where(ld, "types_file", w, sizeof(w));
    char *text = read_file(cfg->types_file, MH_TYPES_FILE_MAX, &len, &e, NULL);
    if (!text) {
        mh_error_set(ld->err, "%s: cannot read %s: %s", w,
                     buf_escape_str(t, sizeof(t), cfg->types_file), read_strerror(e));
        return false;
    }
    enum mimetab_result r = mimetab_parse(&cfg->types, text, len, &line);
    free(text);
    if (r != MIMETAB_OK) {
        mh_error_set(ld->err, "%s:%u: %s",
                     buf_escape_str(t, sizeof(t), cfg->types_file), line,
                     mimetab_strerror(r));
        return false;
    }
    mimetab_sort(&cfg->types);
    mimetab_sort(&cfg->overrides);
    return true;
}

static bool load_file(struct loader *ld, const char *path, bool explicit_path)
{
    size_t len;
    int e;
    unsigned line;
    char *text = read_file(path, MH_CONFIG_FILE_MAX, &len, &e, NULL);
    if (!text) {
        if (e == ENOENT && !explicit_path)
            return true; /* no /etc/minihttpd.conf: built-in defaults */
        mh_error_set(ld->err, "minihttpd: cannot read %s: %s",
                     buf_escape_str(ld->file_esc, sizeof(ld->file_esc), path),
                     read_strerror(e));
        return false;
    }
    copy_str(ld->cfg->source, sizeof(ld->cfg->source), path);
    ld->file = buf_escape_str(ld->file_esc, sizeof(ld->file_esc), path);
    enum ini_result r = ini_parse(text, len, on_key, ld, &line);
    free(text);
    if (r == INI_STOPPED)
        return false;
    if (r != INI_OK) {
        mh_error_set(ld->err, "%s:%u: %s", ld->file, line, ini_strerror(r));
        return false;
    }
    return true;
}

/* [tls]: the paths made absolute, "hsts = off" as no header, and a port
 * of its own.  Whether the pair loads and matches is tls.c's to say
 * (config_load() links no TLS library): see config_tls_where(). */
static bool check_tls(struct loader *ld)
{
    struct mh_config *cfg = ld->cfg;
    char w[WHERE_MAX];
    if (!strcasecmp(cfg->tls_hsts, "off"))
        cfg->tls_hsts[0] = '\0';
    if (!cfg->tls)
        return true;
    for (unsigned i = 0; cfg->tls_hsts[0] && i < cfg->n_headers; i++)
        if (!strcasecmp(cfg->headers[i].name, "Strict-Transport-Security")) {
            mh_error_set(
                ld->err,
                "%s:%u: hsts: Strict-Transport-Security is also a [headers] line; "
                "keep one",
                ld->file, ld->line[tls_key_index("hsts")]);
            return false;
        }
    static const char *const paths[] = {"certificate", "key"};
    char *fields[] = {cfg->tls_certificate, cfg->tls_key};
    for (size_t i = 0; i < 2; i++) {
        size_t idx = tls_key_index(paths[i]);
        if (!absolutize(ld, fields[i], sizeof(cfg->tls_key))) {
            snprintf(w, sizeof(w), "%s:%u: %s", ld->file, ld->line[idx], paths[i]);
            mh_error_set(ld->err, "%s: path too long", w);
            return false;
        }
        cfg->tls_line[i] = ld->line[idx];
    }
    if (cfg->tls_port == cfg->port) {
        size_t idx = tls_key_index("port");
        if (ld->line[idx])
            snprintf(w, sizeof(w), "%s:%u: port", ld->file, ld->line[idx]);
        else
            snprintf(w, sizeof(w), "%s: [tls] port (built-in default)", ld->file);
        mh_error_set(ld->err,
                     "%s = %u: is also the port of [server]; give HTTPS its own", w,
                     cfg->tls_port);
        return false;
    }
    return true;
}

const char *config_cache_dir_problem(const char *path, char *why, size_t cap)
{
    char p[ESC_MAX], parent[MH_FS_PATH_MAX];
    struct stat st;
    buf_escape_str(p, sizeof(p), path);
    if (stat(path, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            snprintf(why, cap, "%s: not a directory", p);
            return why;
        }
        if (access(path, W_OK | X_OK | R_OK) != 0) {
            snprintf(why, cap, "%s: %s", p, strerror(errno));
            return why;
        }
        return NULL;
    }
    if (errno != ENOENT) {
        snprintf(why, cap, "%s: %s", p, strerror(errno));
        return why;
    }
    copy_str(parent, sizeof(parent), path);
    char *slash = strrchr(parent, '/');
    *(slash == parent ? slash + 1 : slash) = '\0';
    if (access(parent, W_OK | X_OK) != 0) {
        snprintf(why, cap, "%s: cannot be created: %s", p, strerror(errno));
        return why;
    }
    return NULL;
}

/* [compress] cache_dir: absolute, and usable (config_cache_dir_problem());
 * the private default is made at start. */
static bool check_cache_dir(struct loader *ld)
{
    struct mh_config *cfg = ld->cfg;
    char w[WHERE_MAX], p[ESC_MAX], why[MH_ERROR_MAX / 2];
    if (!cfg->cache_dir[0])
        return true;
    where(ld, "cache_dir", w, sizeof(w));
    if (!absolutize(ld, cfg->cache_dir, sizeof(cfg->cache_dir))) {
        mh_error_set(ld->err, "%s: %s: path too long", w,
                     buf_escape_str(p, sizeof(p), cfg->cache_dir));
        return false;
    }
    if (!config_cache_dir_problem(cfg->cache_dir, why, sizeof(why)))
        return true;
    mh_error_set(ld->err, "%s = %s", w, why);
    return false;
}

void config_cache_dir_where(const struct mh_config *cfg, char *out, size_t cap)
{
    char f[ESC_MAX];
    buf_escape_str(f, sizeof(f), config_name(cfg));
    if (cfg->cache_dir_line)
        snprintf(out, cap, "%s:%u: cache_dir", f, cfg->cache_dir_line);
    else
        snprintf(out, cap, "%s: cache_dir (built-in default)", f);
}

bool config_compress_type(const struct mh_config *cfg, const char *type)
{
    size_t n = strcspn(type, ";");
    while (n > 0 && (type[n - 1] == ' ' || type[n - 1] == '\t'))
        n--;
    for (unsigned i = 0; i < cfg->compress_types.n; i++) {
        const char *t = cfg->compress_types.type[i];
        if (strlen(t) == n && !strncasecmp(t, type, n))
            return true;
    }
    return false;
}

struct mh_config *config_load(const char *path, const struct mh_overrides *ov,
                              struct mh_error *err)
{
    struct mh_config *cfg = calloc(1, sizeof(*cfg));
    struct loader ld = {.cfg = cfg,
                        .file = "(built-in defaults)",
                        .cwd = ov ? ov->cwd : NULL,
                        .err = err};
    if (!cfg) {
        mh_error_set(err, "minihttpd: out of memory");
        return NULL;
    }
    mimetab_init(&cfg->types);
    mimetab_init(&cfg->overrides);
    apply_defaults(cfg);

    bool ok = load_file(&ld, path ? path : MH_DEFAULT_CONFIG, path != NULL) &&
              apply_override(&ld, "docroot", ov ? ov->docroot : NULL, "-r") &&
              apply_override(&ld, "port", ov ? ov->port : NULL, "-p") &&
              apply_override(&ld, "listen", ov ? ov->listen : NULL, "-l") &&
              check_docroot(&ld) && check_error_pages(&ld) &&
              check_log(&ld, "access_log", cfg->access_log, sizeof(cfg->access_log)) &&
              check_log(&ld, "error_log", cfg->error_log, sizeof(cfg->error_log)) &&
              absolutize(&ld, cfg->pid_file, sizeof(cfg->pid_file)) &&
              absolutize(&ld, cfg->types_file, sizeof(cfg->types_file)) &&
              check_tls(&ld) && check_cache_dir(&ld) && load_types(&ld) &&
              check_access(&ld);
    if (!ok) {
        config_free(cfg);
        return NULL;
    }
    cfg->user_line = ld.line[key_index("user")];
    cfg->cache_dir_line = ld.line[key_index("cache_dir")];
    cfg->max_connections_set = ld.line[key_index("max_connections")] != 0;
    cfg->access_log_off = !strcmp(cfg->access_log, "off");
    return cfg;
}

void config_free(struct mh_config *cfg)
{
    if (!cfg)
        return;
    mimetab_free(&cfg->types);
    mimetab_free(&cfg->overrides);
    for (unsigned i = 0; i < MH_AUTH_FILES_MAX; i++)
        htpasswd_free(cfg->auth_sets[i]);
    free(cfg);
}

const char *config_name(const struct mh_config *cfg)
{
    return cfg->source[0] ? cfg->source : "(built-in defaults)";
}

const char *config_mime_lookup(const struct mh_config *cfg, const char *ext, size_t len)
{
    const char *t = mimetab_lookup(&cfg->overrides, ext, len);
    return t ? t : mimetab_lookup(&cfg->types, ext, len);
}

const struct mh_error_page *config_error_page(const struct mh_config *cfg, int status)
{
    for (unsigned i = 0; i < cfg->n_error_pages; i++)
        if ((int)cfg->error_pages[i].status == status)
            return &cfg->error_pages[i];
    return NULL;
}

int config_check_user(const struct mh_config *cfg, struct mh_error *err)
{
    if (!cfg->user[0])
        return 0;
    errno = 0;
    if (getpwnam(cfg->user))
        return 0;
    int e = errno;
    char f[ESC_MAX], u[ESC_MAX];
    mh_error_set(err, "%s:%u: user \"%s\": %s",
                 buf_escape_str(f, sizeof(f), config_name(cfg)), cfg->user_line,
                 buf_escape_str(u, sizeof(u), cfg->user),
                 e ? strerror(e) : "no such user");
    return -1;
}

/* Whether key k has the same value in a and b (by its type, at its offset). */
static bool same_value(const struct key_def *k, const struct mh_config *a,
                       const struct mh_config *b)
{
    const char *x = (const char *)a + k->off, *y = (const char *)b + k->off;
    switch (k->type) {
    case K_PORT:
    case K_UINT:
    case K_WORKERS:
    case K_LEVEL:
        return *(const unsigned *)(const void *)x == *(const unsigned *)(const void *)y;
    case K_LOGFMT:
    case K_BOOL:
        return *(const bool *)x == *(const bool *)y;
    case K_INDEX:
        if (a->n_index != b->n_index)
            return false;
        for (unsigned i = 0; i < a->n_index; i++)
            if (strcmp(a->index[i], b->index[i]))
                return false;
        return true;
    case K_ADDR:
    case K_PATH:
    case K_LOG:
    case K_USER:
    case K_TYPE:
    case K_TEXT:
    case K_URLPATH:
        return strncmp(x, y, k->size) == 0;
    case K_SIZE:
        return *(const unsigned long long *)(const void *)x ==
               *(const unsigned long long *)(const void *)y;
    case K_CODINGS:
    case K_TYPES:
    case K_ACL:
        return memcmp(x, y, k->size) == 0;
    }
    return false;
}

const char *config_restart_key(const struct mh_config *a, const struct mh_config *b)
{
    if (a->tls != b->tls) /* a listening socket more or less */
        return "[tls]";
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].reload == RESTART && !same_value(&keys[i], a, b))
            return keys[i].key;
    return NULL;
}

size_t config_key_count(void)
{
    return NKEYS;
}

struct mh_key_info config_key_at(size_t i)
{
    struct mh_key_info info = {NULL, NULL, NULL, false};
    if (i < NKEYS) {
        info.section = keys[i].section;
        info.key = keys[i].key;
        info.def = keys[i].def;
        info.restart = keys[i].reload == RESTART;
    }
    return info;
}

const char *config_section_at(size_t i)
{
    return i < NSECTIONS ? sections[i] : NULL;
}
