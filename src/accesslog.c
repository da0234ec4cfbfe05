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
#include <sys/statvfs.h>
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
    w->torn = 0;
    w->written = 0;
}

static uint64_t count_lines(const char *p, size_t n)
{
    uint64_t c = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        c++;
    return c;
}

/* The longest run of whole lines at p[0, n) that is at most max bytes. */
static size_t whole_lines(const char *p, size_t n, size_t max)
{
    if (n <= max)
        return n;
    while (max > 0 && p[max - 1] != '\n')
        max--;
    return max;
}

/* Bytes a write to the log's file system may take, as far as it says
 * (another writer can take them first: then a write comes back short). */
static size_t room_for(int fd, size_t chunk)
{
    struct statvfs sv;
    if (chunk != SIZE_MAX || fstatvfs(fd, &sv) != 0) /* not a regular file */
        return SIZE_MAX;
    uint64_t room = (uint64_t)sv.f_bavail * sv.f_frsize;
    return room > SIZE_MAX ? SIZE_MAX : (size_t)room;
}

/* Whole lines only, always: a run goes out only when the file system has
 * room for it; lines that do not fit are counted as dropped.  A write that
 * still comes back short (the room went meanwhile) has its cut line ended
 * with a newline, so no later line is glued to it, and is counted too. */
void accesslog_flush(struct accesslog_writer *w)
{
    size_t off = 0, chunk = atomic_load_explicit(&alog_chunk, memory_order_relaxed);
    size_t room = w->len ? room_for(alog_fd, chunk) : 0;
    while (off < w->len) {
        size_t n = whole_lines(w->buf + off, w->len - off, chunk < room ? chunk : room);
        if (n == 0) { /* not even one line fits */
            w->dropped += count_lines(w->buf + off, w->len - off);
            break;
        }
        ssize_t r = write(alog_fd, w->buf + off, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) { /* disk full, EIO...: count what is lost, keep serving */
            w->dropped += count_lines(w->buf + off, w->len - off);
            break;
        }
        w->written += count_lines(w->buf + off, (size_t)r);
        if ((size_t)r < n) { /* short: end the cut line, drop the rest */
            if (r > 0 && w->buf[off + (size_t)r - 1] != '\n' &&
                write(alog_fd, "\n", 1) != 1)
                w->torn++; /* the file ends in a cut line */
            w->dropped += count_lines(w->buf + off + r, w->len - off - (size_t)r);
            break;
        }
        off += n;
        if (room != SIZE_MAX)
            room -= n;
    }
    w->len = 0;
}

void accesslog_add(struct accesslog_writer *w, const struct access_record *r, bool json)
{
    if (sizeof(w->buf) - w->len < MH_LOG_LINE_MAX)
        accesslog_flush(w);
    size_t n = (json ? clf_format_json : clf_format)(r, w->buf + w->len,
                                                     sizeof(w->buf) - w->len);
    w->len += n;
    if (atomic_load_explicit(&alog_each_line, memory_order_relaxed))
        accesslog_flush(w);
}
