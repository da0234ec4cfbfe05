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

void *body_wrap(int fd, const struct stat *st, int *snapshot)
{
    uint64_t size = (uint64_t)st->st_size;
    *snapshot = 0;
    if (size == 0)
        return NULL;
    size_t mem = size <= MH_SMALL_FILE_MAX ? (size_t)size : 0;
    struct body *b = malloc(sizeof(*b) + mem);
    if (!b)
        return NULL;
    b->refs = 1;
    b->fd = fd;
    b->len = (size_t)size;
    b->seg = NULL;
    if (mem && read_whole(fd, b->data, mem) == 0 && unchanged(fd, st)) {
        *snapshot = 1;
        return b;
    }
    /* large, or it changed while read: sendfile() from the file */
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
