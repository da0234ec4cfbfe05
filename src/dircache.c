/* dircache.c - what a worker knows of the docroot's directories.
 *
 * Owns: whether a directory exists, and its _redirects file: opened at
 * most once a second per directory, read (at most MH_REDIRECTS_FILE_MAX
 * bytes) and parsed (redirects.c) once per version of the file, its bad
 * lines logged then and only then.  A request that hits a cached
 * directory costs no system call.  Like fcache.c, one per worker, never
 * shared, direct-mapped: a collision replaces the older entry.
 * Never matches a request against rules (redirects.c does) and never
 * serves a file. */
#define _GNU_SOURCE
#include "dircache.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounds.h"
#include "buf.h"
#include "docroot.h"
#include "filever.h"
#include "log.h"
#include "redirects.h"

struct slot {
    char *key; /* "/a/b"; NULL: empty */
    struct dircache_dir d;
    struct redir_set *rules; /* what d.rules points to; owned */
    bool has_file;           /* rules came from a _redirects of this version */
    struct file_version ver;
    bool with_rules; /* looked for a _redirects */
    time_t checked;
};

struct dircache {
    size_t nslots;
    struct slot slots[];
};

struct dircache *dircache_new(unsigned slots)
{
    if (slots == 0 || slots > MH_DIRCACHE_SLOTS)
        return NULL;
    struct dircache *c = calloc(1, sizeof(*c) + slots * sizeof(c->slots[0]));
    if (c)
        c->nslots = slots;
    return c;
}

static void forget_rules(struct slot *s)
{
    redir_set_free(s->rules);
    s->rules = NULL;
    s->d.rules = NULL;
    s->has_file = false;
}

static void clear_slot(struct slot *s)
{
    forget_rules(s);
    free(s->key);
    memset(s, 0, sizeof(*s));
}

void dircache_flush(struct dircache *c)
{
    for (size_t i = 0; c && i < c->nslots; i++)
        clear_slot(&c->slots[i]);
}

void dircache_free(struct dircache *c)
{
    dircache_flush(c);
    free(c);
}

static uint64_t hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

/* "/a/b" -> "a/b", "/" -> "." (as docroot_open() takes them), then name. */
static bool rel_name(struct buf *b, const char *dir, size_t len, const char *name)
{
    if (len <= 1)
        buf_puts(b, name ? name : ".");
    else {
        buf_append(b, dir + 1, len - 1);
        if (name) {
            buf_putc(b, '/');
            buf_puts(b, name);
        }
    }
    return !b->overflow;
}

/* Report a bad line of one _redirects file. */
struct bad_ctx {
    const char *docroot, *dir;
    size_t len;
};

static void on_bad_line(void *arg, unsigned line, enum redir_error e)
{
    const struct bad_ctx *b = arg;
    char d[MH_ERROR_MAX / 2];
    char dir[MH_URL_PATH_MAX];
    struct buf db;
    buf_init(&db, dir, sizeof(dir));
    buf_append(&db, b->dir, b->len > 1 ? b->len : 0);
    log_msg(MH_LOG_ERROR, "%s%s/_redirects:%u: %s; the line is skipped",
            buf_escape_str(d, sizeof(d), b->docroot), db.overflow ? "..." : dir, line,
            redir_error_text(e));
}

/* Read fd (a regular file of size bytes) into a new buffer: at most one
 * byte more than MH_REDIRECTS_FILE_MAX, so the parser sees and reports a
 * file over the bound.  *len its length; NULL when out of memory. */
static char *read_rules(int fd, off_t size, size_t *len)
{
    size_t want =
        size > MH_REDIRECTS_FILE_MAX ? MH_REDIRECTS_FILE_MAX + (size_t)1 : (size_t)size;
    char *text = malloc(want ? want : 1);
    size_t got = 0;
    while (text && got < want) {
        ssize_t n = pread(fd, text + got, want - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* shorter than its stat said: a writer is at work */
        got += (size_t)n;
    }
    *len = got;
    return text;
}

/* Look at dir's _redirects again: the same version keeps its rules. */
static void load_rules(struct slot *s, int rootfd, const char *docroot, const char *dir,
                       size_t len)
{
    char rel[MH_URL_PATH_MAX + sizeof("/_redirects")];
    struct buf b;
    int fd;
    struct stat st;
    buf_init(&b, rel, sizeof(rel));
    if (!rel_name(&b, dir, len, "_redirects") ||
        docroot_open(rootfd, rel, &fd, &st) != 200) {
        forget_rules(s);
        return;
    }
    if (!S_ISREG(st.st_mode) || (s->has_file && file_version_same(&s->ver, &st))) {
        if (!S_ISREG(st.st_mode))
            forget_rules(s);
        close(fd);
        return;
    }
    forget_rules(s);
    size_t n;
    char *text = read_rules(fd, st.st_size, &n);
    close(fd);
    struct bad_ctx bad = {docroot, dir, len};
    s->rules = text ? redir_set_new(text, n, on_bad_line, &bad) : NULL;
    free(text);
    if (!s->rules) {
        log_msg(MH_LOG_ERROR, "cannot read the rules of %s: out of memory", rel);
        return; /* tried again in a second */
    }
    s->d.rules = redir_set_count(s->rules) ? s->rules : NULL;
    s->has_file = true;
    file_version_of(&st, &s->ver);
}

static void refresh(struct slot *s, int rootfd, const char *docroot, const char *dir,
                    size_t len, bool with_rules, time_t now)
{
    char rel[MH_URL_PATH_MAX];
    struct buf b;
    int fd;
    struct stat st;
    buf_init(&b, rel, sizeof(rel));
    s->d.exists = rel_name(&b, dir, len, NULL) &&
                  docroot_open(rootfd, rel, &fd, &st) == 200 &&
                  (close(fd), S_ISDIR(st.st_mode));
    s->with_rules = with_rules;
    s->checked = now;
    if (s->d.exists && with_rules)
        load_rules(s, rootfd, docroot, dir, len);
    else
        forget_rules(s);
}

const struct dircache_dir *dircache_get(struct dircache *c, int rootfd,
                                        const char *docroot, const char *dir,
                                        size_t len, bool with_rules, time_t now)
{
    struct slot *s = &c->slots[hash(dir, len) % c->nslots];
    bool hit = s->key && strlen(s->key) == len && !memcmp(s->key, dir, len);
    if (hit && now - s->checked < MH_FILE_CACHE_VALID_SEC &&
        s->with_rules == with_rules)
        return &s->d;
    if (!hit) {
        clear_slot(s);
        s->key = strndup(dir, len);
        if (!s->key) { /* out of memory: answer as if absent, cache nothing */
            static const struct dircache_dir none = {false, NULL};
            return &none;
        }
    }
    refresh(s, rootfd, docroot, dir, len, with_rules, now);
    return &s->d;
}
