/* accesslog.c - buffered, whole-line access logging from many workers.
 *
 * Owns: the access-log fd and each worker's line buffer.  All workers append
 * to one fd, and each write() carries whole lines, so lines never
 * interleave: to a regular file (opened O_APPEND) the whole buffer in one
 * write(), which Linux appends in one piece, as nginx's buffered log relies
 * on; to a pipe or terminal at most PIPE_BUF bytes, the most POSIX makes
 * atomic there.  Reopening (for
 * logrotate) dup()s the new file onto the same fd number, so a worker never
 * writes to a closed fd and needs no lock.  Lines to a regular file wait at
 * most MH_LOG_FLUSH_SEC: the server's per-worker timer calls
 * accesslog_flush().  Lines to a terminal, pipe or FIFO go out one by one as
 * they are added, so someone watching sees each request as it happens, and
 * in order across workers. */
#define _GNU_SOURCE
#include "accesslog.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static int alog_fd = -1;
/* bytes: the most one write() may carry (see above); set at each open */
static atomic_size_t alog_chunk = PIPE_BUF;
/* a terminal, pipe or FIFO: each line is written when it is added */
static atomic_bool alog_each_line = false;

int accesslog_open(const char *path, struct mh_error *err)
{
    int fd;
    /* "off" after a log was open (a reload, SIGUSR1): keep that log, so the
     * lines workers still hold, and those of requests served before they
     * take the new config, are written; nothing new is formatted */
    if (!strcmp(path, "off") && alog_fd >= 0)
        return 0;
    if (!strcmp(path, "-"))
        fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    else if (!strcmp(path, "off"))
        fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    else
        fd = log_open_file(path);
    struct stat st;
    if (fd >= 0) {
        bool reg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
        atomic_store_explicit(&alog_chunk, reg ? SIZE_MAX : PIPE_BUF,
                              memory_order_relaxed);
        /* "off" is /dev/null: nobody watches it */
        atomic_store_explicit(&alog_each_line, !reg && strcmp(path, "off"),
                              memory_order_relaxed);
    }
    if (fd < 0 || log_swap_fd(&alog_fd, fd) < 0) {
        log_open_error(err, "access log", path, errno);
        return -1;
    }
    return 0;
}

void accesslog_close(void)
{
    if (alog_fd >= 0)
        close(alog_fd);
    alog_fd = -1;
}

void accesslog_writer_init(struct accesslog_writer *w)
{
    w->len = 0;
    w->dropped = 0;
    w->written = 0;
}

static uint64_t count_lines(const char *p, size_t n)
{
    uint64_t c = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        c++;
    return c;
}

void accesslog_flush(struct accesslog_writer *w)
{
    size_t off = 0, chunk = atomic_load_explicit(&alog_chunk, memory_order_relaxed);
    while (off < w->len) {
        /* the longest run of whole lines that fits in a chunk */
        size_t n = w->len - off;
        if (n > chunk) {
            n = chunk;
            while (n > 0 && w->buf[off + n - 1] != '\n')
                n--;
        }
        ssize_t r = write(alog_fd, w->buf + off, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) { /* disk full, EIO...: count what is lost, keep serving */
            w->dropped += count_lines(w->buf + off, w->len - off);
            break;
        }
        w->written += count_lines(w->buf + off, (size_t)r);
        off += (size_t)r;
    }
    w->len = 0;
}

void accesslog_add(struct accesslog_writer *w, const struct access_record *r)
{
    if (sizeof(w->buf) - w->len < MH_LOG_LINE_MAX)
        accesslog_flush(w);
    size_t n = clf_format(r, w->buf + w->len, sizeof(w->buf) - w->len);
    w->len += n;
    if (atomic_load_explicit(&alog_each_line, memory_order_relaxed))
        accesslog_flush(w);
}
