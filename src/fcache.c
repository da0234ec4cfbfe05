/* fcache.c - keep recently served files open, and what is known of them.
 *
 * Owns: the per-worker table of open files, their validators, their
 * precompressed siblings and their freshness.  A hit costs a hash and a
 * string compare: no open(), no sidecar probing, no date formatting, and
 * no fstat() for a file whose bytes the caller copied (a snapshot), one per
 * open file otherwise.  Freshness: an entry is trusted for at most
 * MH_FILE_CACHE_VALID_SEC seconds, then the path and its siblings are opened
 * again through docroot_open() (so confinement, deletions, permission
 * changes and replaced files are all seen), as nginx's open_file_cache_valid
 * does.  Direct-mapped, a fixed number of entries chosen at creation (at
 * most MH_FILE_CACHE_SLOTS, each up to three fds): a collision replaces the
 * older entry.  A sidecar that is there but not used is said at debug
 * level, once per load of its entry.  Never touches libevent: bodies are
 * the caller's, made and dropped through wrap/unwrap. */
#define _GNU_SOURCE
#include "fcache.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "buf.h"
#include "docroot.h"
#include "filever.h"
#include "log.h"

struct slot {
    char *key; /* rel path; NULL: empty */
    struct fcache_file f;
};

struct fcache {
    fcache_wrap_fn wrap;
    fcache_unwrap_fn unwrap;
    size_t nslots;
    uint64_t hits, misses;   /* answers from the cache, and those that opened files */
    uint64_t held, held_max; /* bytes the bodies keep in memory, and the bound */
    struct slot slots[];
};

struct fcache *fcache_new(unsigned slots, uint64_t held_max, fcache_wrap_fn wrap,
                          fcache_unwrap_fn unwrap)
{
    if (slots == 0 || slots > MH_FILE_CACHE_SLOTS)
        return NULL;
    struct fcache *c = calloc(1, sizeof(*c) + slots * sizeof(c->slots[0]));
    if (c) {
        c->wrap = wrap;
        c->unwrap = unwrap;
        c->nslots = slots;
        c->held_max = held_max;
    }
    return c;
}

static void release_rep(struct fcache *c, struct fcache_rep *r)
{
    if (r->body)
        c->unwrap(r->body); /* the body owns fd */
    else if (r->fd >= 0)
        close(r->fd);
    c->held -= r->held;
    r->held = 0;
    r->body = NULL;
    r->fd = -1;
}

/* Make r's body from fd, within what is left of the cache's memory. */
static void wrap_rep(struct fcache *c, struct fcache_rep *r, int fd,
                     const struct stat *st)
{
    r->held = 0;
    r->body = c->wrap(fd, st, c->held_max - c->held, &r->held);
    c->held += r->held;
}

static void release(struct fcache *c, struct fcache_file *f)
{
    if (f->status == 200)
        release_rep(c, &f->file);
    for (int i = 0; i < FCACHE_SIDECARS; i++)
        if (f->has_sidecar[i])
            release_rep(c, &f->sidecar[i]);
    for (int i = 0; i < ENC_CODINGS; i++)
        if (f->has_copy[i])
            release_rep(c, &f->copy[i]);
    memset(f, 0, sizeof(*f));
}

static void clear_slot(struct fcache *c, struct slot *s)
{
    if (!s->key)
        return;
    release(c, &s->f);
    free(s->key);
    s->key = NULL;
}

void fcache_counts(const struct fcache *c, uint64_t *hits, uint64_t *misses)
{
    *hits = c->hits;
    *misses = c->misses;
}

uint64_t fcache_held(const struct fcache *c)
{
    return c->held;
}

void fcache_flush(struct fcache *c)
{
    for (size_t i = 0; i < c->nslots; i++)
        clear_slot(c, &c->slots[i]);
}

void fcache_free(struct fcache *c)
{
    if (!c)
        return;
    fcache_flush(c);
    free(c);
}

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* A sidecar is usable when it is not older than its file, to the whole
 * second: "brotli -k" and "gzip -k" keep only the seconds of FILE's mtime,
 * so a FILE.br made from FILE looks a fraction of a second older. */
static int not_older(const struct stat *side, const struct stat *orig)
{
    return side->st_mtim.tv_sec >= orig->st_mtim.tv_sec;
}

/* Why a sidecar that is there is not used (said at debug level). */
enum side_skip { SIDE_USED_OR_NONE, SIDE_OLDER, SIDE_NOT_FILE, SIDE_UNOPENED };

/* A fresh look at rel and its siblings, as plain opens. */
struct probe {
    int status, fd;
    struct stat st;
    int side_fd[FCACHE_SIDECARS]; /* -1: none usable */
    struct stat side_st[FCACHE_SIDECARS];
    unsigned char side_skip[FCACHE_SIDECARS]; /* enum side_skip */
    int side_status[FCACHE_SIDECARS];         /* docroot_open()'s, for SIDE_UNOPENED */
};

static void probe_close(struct probe *p)
{
    if (p->status == 200)
        close(p->fd);
    for (int i = 0; i < FCACHE_SIDECARS; i++)
        if (p->side_fd[i] >= 0)
            close(p->side_fd[i]);
}

static void probe(int rootfd, const char *rel, struct probe *p)
{
    p->status = docroot_open(rootfd, rel, &p->fd, &p->st);
    for (int i = 0; i < FCACHE_SIDECARS; i++) {
        char side[MH_URL_PATH_MAX + 4];
        struct buf b;
        p->side_fd[i] = -1;
        p->side_skip[i] = SIDE_USED_OR_NONE;
        if (p->status != 200 || !S_ISREG(p->st.st_mode))
            continue;
        buf_init(&b, side, sizeof(side));
        buf_puts(&b, rel);
        buf_puts(&b, encoding_suffix(i));
        int fd;
        int st = b.overflow ? 414 : docroot_open(rootfd, side, &fd, &p->side_st[i]);
        if (st != 200) {
            /* there, but refused: 403 (permissions), or 404 for a name that
             * exists (a link that leaves the docroot); looked at only when
             * debug lines are written */
            struct stat lst;
            if (st != 404 || (log_enabled(MH_LOG_DEBUG) &&
                              fstatat(rootfd, side, &lst, AT_SYMLINK_NOFOLLOW) == 0)) {
                p->side_skip[i] = SIDE_UNOPENED;
                p->side_status[i] = st;
            }
            continue;
        }
        if (!S_ISREG(p->side_st[i].st_mode))
            p->side_skip[i] = SIDE_NOT_FILE;
        else if (!not_older(&p->side_st[i], &p->st))
            p->side_skip[i] = SIDE_OLDER;
        if (p->side_skip[i] == SIDE_USED_OR_NONE)
            p->side_fd[i] = fd;
        else
            close(fd);
    }
}

/* Say at debug level why a sidecar of rel that is there is not served: once
 * per load of the entry, so once per change of the file or its sidecar. */
static void say_skipped(const char *rel, const struct probe *p)
{
    if (!log_enabled(MH_LOG_DEBUG))
        return;
    for (int i = 0; i < FCACHE_SIDECARS; i++) {
        char e[MH_URL_PATH_MAX];
        const char *name = buf_escape_str(e, sizeof(e), rel);
        const char *suffix = encoding_suffix(i);
        switch ((enum side_skip)p->side_skip[i]) {
        case SIDE_USED_OR_NONE:
            break;
        case SIDE_OLDER:
            log_msg(MH_LOG_DEBUG,
                    "sidecar %s%s not used: older than %s (mtime %lld s < %lld s; "
                    "remake it, or touch it after the file)",
                    name, suffix, name, (long long)p->side_st[i].st_mtim.tv_sec,
                    (long long)p->st.st_mtim.tv_sec);
            break;
        case SIDE_NOT_FILE:
            log_msg(MH_LOG_DEBUG, "sidecar %s%s not used: not a regular file", name,
                    suffix);
            break;
        case SIDE_UNOPENED:
            log_msg(
                MH_LOG_DEBUG, "sidecar %s%s not used: %s", name, suffix,
                p->side_status[i] == 403 ? "the server may not open it (permissions)"
                : p->side_status[i] == 404
                    ? "it cannot be opened beneath the docroot (a link that leaves it)"
                    : "it cannot be opened");
            break;
        }
    }
}

/* Does the probe see exactly what the entry holds? */
static int unchanged(const struct fcache_file *f, const struct probe *p)
{
    if (p->status != f->status ||
        (p->status == 200 && !file_stat_same(&p->st, &f->file.st)))
        return 0;
    for (int i = 0; i < FCACHE_SIDECARS; i++) {
        if ((p->side_fd[i] >= 0) != f->has_sidecar[i])
            return 0;
        if (f->has_sidecar[i] && !file_stat_same(&p->side_st[i], &f->sidecar[i].st))
            return 0;
    }
    return 1;
}

static void load_rep(struct fcache *c, struct fcache_rep *r, int fd,
                     const struct stat *st)
{
    r->fd = fd;
    r->st = *st;
    r->body = NULL;
    r->snapshot = 0;
    r->held = 0;
    if (!S_ISREG(st->st_mode))
        return;
    etag_format((uint64_t)st->st_ino, (uint64_t)st->st_size,
                (int64_t)st->st_mtim.tv_sec, st->st_mtim.tv_nsec, r->etag);
    if (httpdate_format(st->st_mtime, r->lastmod) != 0)
        r->lastmod[0] = '\0';
    wrap_rep(c, r, fd, st);
    r->snapshot = r->held > 0;
}

/* Take over the probe's fds into f. */
static void load(struct fcache *c, struct fcache_file *f, const struct probe *p,
                 time_t now)
{
    memset(f, 0, sizeof(*f));
    f->status = p->status;
    f->checked = now;
    if (p->status == 200)
        load_rep(c, &f->file, p->fd, &p->st);
    for (int i = 0; i < FCACHE_SIDECARS; i++) {
        f->has_sidecar[i] = p->side_fd[i] >= 0;
        if (f->has_sidecar[i])
            load_rep(c, &f->sidecar[i], p->side_fd[i], &p->side_st[i]);
    }
}

void fcache_set_copy(struct fcache *c, struct fcache_file *f, int enc, int fd,
                     const struct stat *st, uint64_t len)
{
    struct fcache_rep *r = &f->copy[enc];
    r->fd = fd;
    r->st = *st;
    r->snapshot = 1; /* written once, renamed into place, never changed */
    wrap_rep(c, r, fd, st);
    /* the file's ETag, "-br" (or -gzip, -zstd) before its closing quote */
    struct buf b;
    size_t n = strlen(f->file.etag);
    buf_init(&b, r->etag, sizeof(r->etag));
    buf_append(&b, f->file.etag, n ? n - 1 : 0);
    buf_putc(&b, '-');
    buf_puts(&b, encoding_name(enc));
    buf_putc(&b, '"');
    memcpy(r->lastmod, f->file.lastmod, sizeof(r->lastmod));
    f->copy_len[enc] = len;
    f->copy_seen[enc] = 0;
    f->has_copy[enc] = 1;
    if (b.overflow) /* ETAG_LEN has room for the longest: a bug otherwise */
        abort();
}

/* Is an open file still as cached?  A file rewritten in place keeps its
 * fd, so new bytes sent from it would go out under the old validators: one
 * fstat() keeps body and ETag together.  A snapshot needs none: its bytes
 * are the ones the validators describe, at most MH_FILE_CACHE_VALID_SEC
 * old. */
static int rep_same(const struct fcache_rep *r)
{
    struct stat st;
    return r->snapshot || (fstat(r->fd, &st) == 0 && file_stat_same(&st, &r->st));
}

static int still_same(const struct fcache_file *f, int enc)
{
    int coded = enc >= 0 && enc < ENC_CODINGS && f->has_copy[enc];
    if (f->status == 200 && !coded && !rep_same(&f->file))
        return 0;
    for (int i = 0; i < FCACHE_SIDECARS; i++)
        if (f->has_sidecar[i] && !rep_same(&f->sidecar[i]))
            return 0;
    return 1;
}

struct fcache_file *fcache_get(struct fcache *c, int rootfd, const char *rel,
                               time_t now)
{
    return fcache_get_coded(c, rootfd, rel, now, -1);
}

struct fcache_file *fcache_get_coded(struct fcache *c, int rootfd, const char *rel,
                                     time_t now, int enc)
{
    struct slot *s = &c->slots[hash(rel) % c->nslots];
    int hit = s->key && !strcmp(s->key, rel);
    if (hit && now - s->f.checked < MH_FILE_CACHE_VALID_SEC && still_same(&s->f, enc)) {
        c->hits++;
        return &s->f;
    }

    struct probe p;
    probe(rootfd, rel, &p);
    if (hit && unchanged(&s->f, &p)) {
        probe_close(&p);
        s->f.checked = now;
        c->hits++;
        return &s->f;
    }
    c->misses++;
    if (hit) {
        release(c, &s->f);
    } else {
        clear_slot(c, s);
        s->key = strdup(rel);
        if (!s->key) { /* out of memory: answer 503 this once, cache nothing */
            probe_close(&p);
            memset(&s->f, 0, sizeof(s->f));
            s->f.status = 503;
            return &s->f;
        }
    }
    say_skipped(rel, &p);
    load(c, &s->f, &p, now);
    return &s->f;
}
