/* mime.c - decide a file's Content-Type.
 *
 * Owns: libmagic (the only file that includes <magic.h>) and the cache of its
 * answers.  Order: [mime] overrides, the types_file table, then libmagic on
 * the file's first bytes.  libmagic's answer is made safe for a browser: any
 * text, markup or script type becomes text/plain (a file without a known
 * extension is never promoted to something that runs), text gets a charset
 * (us-ascii is reported as utf-8: libmagic only sees a prefix), and
 * "application/octet-stream" or an empty file gets default_type. */
#define _GNU_SOURCE
#include "mime.h"

#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounds.h"
#include "filever.h"
#include "path.h"

struct mime_slot {
    struct file_version version; /* of the file the type was found in */
    int valid;
    char type[MH_MIME_TYPE_MAX];
};

struct mime_ctx {
    magic_t magic;
    uint64_t magic_calls;
    struct mime_slot slots[MH_MIME_CACHE_SLOTS];
    char prefix[MH_MAGIC_PREFIX]; /* the bytes libmagic looks at */
};

struct mime_ctx *mime_ctx_new(struct mh_error *err)
{
    struct mime_ctx *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err->msg, sizeof(err->msg), "minihttpd: out of memory");
        return NULL;
    }
    m->magic = magic_open(MAGIC_MIME_TYPE | MAGIC_MIME_ENCODING | MAGIC_ERROR |
                          MAGIC_NO_CHECK_COMPRESS);
    if (!m->magic || magic_load(m->magic, NULL) != 0) {
        snprintf(err->msg, sizeof(err->msg),
                 "minihttpd: cannot load libmagic's database: %s",
                 m->magic ? magic_error(m->magic) : "magic_open failed");
        mime_ctx_free(m);
        return NULL;
    }
    return m;
}

void mime_ctx_free(struct mime_ctx *m)
{
    if (!m)
        return;
    if (m->magic)
        magic_close(m->magic);
    free(m);
}

void mime_ctx_reset(struct mime_ctx *m)
{
    memset(m->slots, 0, sizeof(m->slots));
}

uint64_t mime_magic_calls(const struct mime_ctx *m)
{
    return m->magic_calls;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Turn libmagic's "type; charset=x" into what we send. */
static void sanitize(const char *raw, const char *default_type, char *out, size_t cap)
{
    const char *semi = strchr(raw, ';');
    size_t tlen = semi ? (size_t)(semi - raw) : strlen(raw);
    const char *cs = semi ? strstr(semi, "charset=") : NULL;
    const char *charset = cs ? cs + 8 : "utf-8";
    if (!strcmp(charset, "us-ascii") || !strcmp(charset, "binary") ||
        !strcmp(charset, "unknown-8bit") || !strncmp(charset, "unknown", 7))
        charset = "utf-8";

    char type[MH_MIME_TYPE_MAX];
    if (tlen == 0 || tlen >= sizeof(type)) {
        snprintf(out, cap, "%s", default_type);
        return;
    }
    memcpy(type, raw, tlen);
    type[tlen] = '\0';
    if (starts(type, "text/") || strstr(type, "xml") || strstr(type, "html") ||
        strstr(type, "script") || strstr(type, "svg") || strstr(type, "json"))
        snprintf(out, cap, "text/plain; charset=%s", charset);
    else if (!strcmp(type, "application/octet-stream") || strstr(type, "x-empty") ||
             !strchr(type, '/'))
        snprintf(out, cap, "%s", default_type);
    else
        snprintf(out, cap, "%s", type);
}

static const char *sniff(struct mime_ctx *m, const struct mh_config *cfg, int fd,
                         const struct stat *st)
{
    size_t h = ((size_t)st->st_dev * 31u + (size_t)st->st_ino) % MH_MIME_CACHE_SLOTS;
    struct mime_slot *s = &m->slots[h];
    if (s->valid && file_version_same(&s->version, st))
        return s->type;

    ssize_t n = pread(fd, m->prefix, sizeof(m->prefix), 0);
    const char *raw = NULL;
    if (n > 0) {
        m->magic_calls++;
        raw = magic_buffer(m->magic, m->prefix, (size_t)n);
    }
    sanitize(raw ? raw : "application/octet-stream", cfg->default_type, s->type,
             sizeof(s->type));
    file_version_of(st, &s->version);
    s->valid = 1;
    return s->type;
}

const char *mime_type(struct mime_ctx *m, const struct mh_config *cfg, const char *path,
                      size_t len, int fd, const struct stat *st)
{
    size_t ext_len;
    const char *ext = path_extension(path, len, &ext_len);
    const char *t = ext ? config_mime_lookup(cfg, ext, ext_len) : NULL;
    return t ? t : sniff(m, cfg, fd, st);
}
