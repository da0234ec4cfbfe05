/* body.c - the bytes of cached files, for responses.
 *
 * Owns: struct body, the one object through which a response sends a
 * file: a small file's bytes in memory (the whole response then goes out in
 * one writev()), or a libevent file segment sent with sendfile(), never
 * read into memory.  It owns the file's fd; the last reference (the open-
 * file cache's, or a response still being sent) closes it.  Knows libevent's
 * buffers, not evhttp. */
#define _GNU_SOURCE
#include "body.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "bounds.h"
#include "filever.h"

struct body {
    unsigned refs;
    int fd;
    struct evbuffer_file_segment *seg; /* NULL: the bytes are in data */
    size_t len;
    char data[];
};

struct body *body_ref(struct body *b)
{
    b->refs++;
    return b;
}

void body_unref(struct body *b)
{
    if (!b || --b->refs)
        return;
    if (b->seg)
        evbuffer_file_segment_free(b->seg); /* closes fd */
    else
        close(b->fd);
    free(b);
}

const char *body_bytes(const struct body *b)
{
    return b->seg ? NULL : b->data;
}

void body_unwrap(void *body)
{
    body_unref(body);
}

/* evbuffer_add_reference's cleanup: a response is done with a memory body. */
static void body_sent(const void *data, size_t len, void *arg)
{
    (void)data;
    (void)len;
    body_unref(arg);
}

/* Read all of a small file; 0 when it is as long as fstat said. */
static int read_whole(int fd, char *p, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, p + got, len - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

/* Is the file as st says, after it was read? */
static int unchanged(int fd, const struct stat *st)
{
    struct stat now;
    return fstat(fd, &now) == 0 && file_stat_same(st, &now);
}

void *body_wrap(int fd, const struct stat *st, uint64_t room, uint64_t *held)
{
    uint64_t size = (uint64_t)st->st_size;
    *held = 0;
    if (size == 0)
        return NULL;
    size_t mem = size <= MH_SMALL_FILE_MAX && size <= room ? (size_t)size : 0;
    struct body *b = malloc(sizeof(*b) + mem);
    if (!b)
        return NULL;
    b->refs = 1;
    b->fd = fd;
    b->len = (size_t)size;
    b->seg = NULL;
    if (mem && read_whole(fd, b->data, mem) == 0 && unchanged(fd, st)) {
        *held = size;
        return b;
    }
    /* large, or it changed while read: sendfile() from the file (and no
     * memory kept for bytes that are not) */
    if (mem) {
        struct body *shrunk = realloc(b, sizeof(*b));
        if (shrunk)
            b = shrunk;
    }
    b->seg = evbuffer_file_segment_new(fd, 0, (ev_off_t)size, EVBUF_FS_CLOSE_ON_FREE);
    if (!b->seg) {
        free(b);
        return NULL;
    }
    return b;
}

int body_add(struct evbuffer *out, struct body *b, uint64_t offset, uint64_t len)
{
    if (b->seg)
        return evbuffer_add_file_segment(out, b->seg, (ev_off_t)offset, (ev_off_t)len);
    body_ref(b);
    if (evbuffer_add_reference(out, b->data + offset, (size_t)len, body_sent, b) != 0) {
        b->refs--;
        return -1;
    }
    return 0;
}

/* --- feeding a file through a buffer (TLS) --- */

struct body_feed {
    struct body *b;
    struct evbuffer *out;
    struct evbuffer_cb_entry *cb; /* NULL once all was queued */
    uint64_t off, left;           /* what is still to be read into out */
    bool failed;                  /* a read failed: the response is cut short */
};

static void chunk_sent(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)data);
}

/* Read from the file until out holds MH_TLS_FEED_CHUNK bytes or all is
 * queued.  Each chunk is read with pread() into memory of its own and
 * added to out as a new chain: this runs while OpenSSL's writer holds
 * pointers into out's earlier chains, so nothing already in out may move
 * (evbuffer_reserve_space() could realign the last chain). */
static void feed(struct body_feed *f)
{
    while (f->left > 0 && evbuffer_get_length(f->out) < MH_TLS_FEED_CHUNK) {
        size_t want = f->left < MH_TLS_FEED_CHUNK ? (size_t)f->left : MH_TLS_FEED_CHUNK;
        char *chunk = malloc(want);
        ssize_t n = chunk ? pread(f->b->fd, chunk, want, (off_t)f->off) : -1;
        if (n <= 0 ||
            evbuffer_add_reference(f->out, chunk, (size_t)n, chunk_sent, NULL) != 0) {
            /* out of memory, or the file shrank: the connection must end */
            free(chunk);
            f->failed = true;
            f->left = 0;
            break;
        }
        f->off += (uint64_t)n;
        f->left -= (uint64_t)n;
    }
    if (f->left == 0 && f->cb) {
        evbuffer_remove_cb_entry(f->out, f->cb);
        f->cb = NULL;
    }
}

static void on_drain(struct evbuffer *out, const struct evbuffer_cb_info *info,
                     void *arg)
{
    (void)out;
    if (info->n_deleted > 0)
        feed(arg);
}

int body_add_no_sendfile(struct evbuffer *out, struct body *b, uint64_t offset,
                         uint64_t len, struct body_feed **feed)
{
    *feed = NULL;
    if (!b->seg) /* in memory: by reference, as ever */
        return body_add(out, b, offset, len);
    *feed = body_feed_new(out, b, offset, len);
    return *feed ? 0 : -1;
}

struct body_feed *body_feed_new(struct evbuffer *out, struct body *b, uint64_t offset,
                                uint64_t len)
{
    struct body_feed *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->b = body_ref(b);
    f->out = out;
    f->off = offset;
    f->left = len;
    feed(f);
    if (f->left > 0 && !(f->cb = evbuffer_add_cb(out, on_drain, f))) {
        body_feed_free(f);
        return NULL;
    }
    if (f->failed) {
        body_feed_free(f);
        return NULL;
    }
    return f;
}

uint64_t body_feed_left(const struct body_feed *f)
{
    return f ? f->left : 0;
}

bool body_feed_failed(const struct body_feed *f)
{
    return f && f->failed;
}

void body_feed_free(struct body_feed *f)
{
    if (!f)
        return;
    if (f->cb)
        evbuffer_remove_cb_entry(f->out, f->cb);
    body_unref(f->b);
    free(f);
}
