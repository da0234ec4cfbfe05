/* log.c - the error log.
 *
 * Owns: the error log file descriptor and the format of its lines.  Each
 * message is formatted into a stack buffer and written with one write(), so
 * lines from several threads never interleave.  Never exits the process. */
#define _GNU_SOURCE
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

static int errlog_fd = STDERR_FILENO;
static int errlog_owned;          /* errlog_fd is ours, not the inherited stderr */
static atomic_int errlog_journal; /* errlog_fd is systemd's journal stream */
static atomic_uint errlog_level = MH_LOG_NOTICE; /* least important written */

/* syslog priorities (<3> err ... <7> debug) by level, for the journal */
static const char *const level_prefix[] = {"<3>", "<4>", "<5>", "<6>", "<7>"};

/* Whether fd is the stream systemd connected to the journal: its device
 * and inode are in $JOURNAL_STREAM ("DEV:INO", systemd.exec(5)).  Lines
 * there carry a priority prefix and no time of their own (the journal
 * stamps each). */
static int is_journal(int fd)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    return js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(fd, &st) == 0 &&
           (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static const char *const level_names[] = {"error", "warn", "notice", "info", "debug"};
_Static_assert(sizeof(level_names) / sizeof(level_names[0]) == MH_LOG_DEBUG + 1,
               "a name for each level");

void log_set_level(unsigned level)
{
    atomic_store(&errlog_level, level > MH_LOG_DEBUG ? MH_LOG_DEBUG : level);
}

int log_enabled(enum mh_log_level level)
{
    return (unsigned)level <= atomic_load_explicit(&errlog_level, memory_order_relaxed);
}

/* O_NONBLOCK: a FIFO that no process reads fails at once with ENXIO, where
 * a plain open would block start-up, a reload or a SIGUSR1 reopen forever;
 * the fd is made blocking again, so writes to a FIFO behave like writes to
 * a pipe on stdout. */
int log_open_file(const char *path)
{
    int flags = O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
    int fd = open(path, flags, 0640);
    if (fd < 0 && errno == ENOENT) {
        char dir[MH_FS_PATH_MAX];
        size_t n = strlen(path);
        if (n < sizeof(dir)) {
            memcpy(dir, path, n + 1);
            char *slash = strrchr(dir, '/');
            if (slash && slash != dir) {
                *slash = '\0';
                if (mkdir(dir, 0750) == 0 || errno == EEXIST)
                    fd = open(path, flags, 0640);
            }
        }
        if (fd < 0 && errno == EEXIST)
            errno = ENOENT;
    }
    int fl = fd >= 0 ? fcntl(fd, F_GETFL) : 0;
    if (fl < 0 || ((fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

void log_open_error(struct mh_error *err, const char *what, const char *path, int e)
{
    char p[MH_ERROR_MAX / 2];
    struct stat st;
    bool fifo = e == ENXIO && stat(path, &st) == 0 && S_ISFIFO(st.st_mode);
    snprintf(err->msg, sizeof(err->msg), "minihttpd: cannot open %s %s: %s", what,
             buf_escape_str(p, sizeof(p), path),
             fifo ? "no process is reading this FIFO" : strerror(e));
}

int log_swap_fd(int *slot, int newfd)
{
    if (*slot < 0) {
        *slot = newfd;
        return 0;
    }
    int r = dup3(newfd, *slot, O_CLOEXEC);
    int e = errno;
    close(newfd);
    errno = e;
    return r < 0 ? -1 : 0;
}

int log_open(const char *path, struct mh_error *err)
{
    int fd = strcmp(path, "-") ? log_open_file(path)
                               : fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) {
        log_open_error(err, "error log", path, errno);
        return -1;
    }
    int journal = is_journal(fd);
    if (!errlog_owned) {
        errlog_fd = fd;
        errlog_owned = 1;
        atomic_store(&errlog_journal, journal);
        return 0;
    }
    if (log_swap_fd(&errlog_fd, fd) < 0) {
        snprintf(err->msg, sizeof(err->msg), "minihttpd: cannot reopen error log: %s",
                 strerror(errno));
        return -1;
    }
    atomic_store(&errlog_journal, journal);
    return 0;
}

int log_fd(void)
{
    return errlog_fd;
}

const char *log_stderr_priority(enum mh_log_level level)
{
    return is_journal(STDERR_FILENO) ? level_prefix[level] : "";
}

void log_msg(enum mh_log_level level, const char *fmt, ...)
{
    char line[MH_ERRLOG_LINE_MAX];
    struct buf b;
    struct tm tm;
    time_t now = time(NULL);
    va_list ap;

    if (!log_enabled(level))
        return;
    buf_init(&b, line, sizeof(line));
    if (atomic_load_explicit(&errlog_journal, memory_order_relaxed)) {
        buf_puts(&b, level_prefix[level]);
        buf_putc(&b, '[');
    } else {
        if (localtime_r(&now, &tm)) {
            buf_put_ymd(&b, &tm, '/');
            buf_putc(&b, ' ');
            buf_put_hms(&b, &tm, true);
        }
        buf_puts(&b, " [");
    }
    buf_puts(&b, level_names[level]);
    buf_puts(&b, "] ");
    size_t room = sizeof(line) - b.len - 1; /* keep one byte for '\n' */
    va_start(ap, fmt);
    int n = vsnprintf(line + b.len, room, fmt, ap);
    va_end(ap);
    size_t len = b.len + (n < 0 ? 0 : (size_t)n >= room ? room - 1 : (size_t)n);
    if (n >= 0 && (size_t)n >= room) /* cut: say so */
        memcpy(line + len - 3, "...", 3);
    line[len++] = '\n';
    while (write(errlog_fd, line, len) < 0 && errno == EINTR)
        ;
}
