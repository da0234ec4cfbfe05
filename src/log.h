/* log.h - the error log: one line per event, "date [level] message". */
#ifndef MH_LOG_H
#define MH_LOG_H

#include "config.h"

/* In the order of [log] error_level's words (config.c): a message is
 * written when its level is at or above the configured one. */
enum mh_log_level {
    MH_LOG_ERROR,
    MH_LOG_WARN,
    MH_LOG_NOTICE,
    MH_LOG_INFO,
    MH_LOG_DEBUG
};

/* The least important level written ([log] error_level; notice until set).
 * Set by the main thread at start and reload; read by every thread. */
void log_set_level(unsigned level);

/* Whether a message of this level would be written: a caller skips the
 * work of a debug message nobody reads. */
int log_enabled(enum mh_log_level level);

/* Point the error log at path ("-": stderr).  The first call replaces stderr
 * as the log; later calls (reload, SIGUSR1) swap the file under the same fd,
 * so threads writing concurrently never see a closed descriptor. */
int log_open(const char *path, struct mh_error *err);

/* Write one message; safe from any thread (one write() per line). */
void log_msg(enum mh_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Open a log file for appending, creating it (0640) and, when missing, its
 * directory (0750).  Never blocks: a FIFO without a reader fails with ENXIO.
 * Returns the fd (in blocking mode) or -1 with errno set. */
int log_open_file(const char *path);

/* "minihttpd: cannot open WHAT PATH: why" for an open of path that failed
 * with errno e: PATH escaped, and a FIFO without a reader said so. */
void log_open_error(struct mh_error *err, const char *what, const char *path, int e);

/* Replace the file behind *slot with newfd, keeping the fd number when *slot
 * is already open.  Consumes newfd. */
int log_swap_fd(int *slot, int newfd);

/* The error log's fd (for handing to stderr in daemon mode). */
int log_fd(void);

/* What the command line (-t, --reload, a start that fails) puts before a
 * line on stderr: the journal's priority ("<3>" for error, "<4>" for warn)
 * when stderr is systemd's journal stream ($JOURNAL_STREAM), else "". */
const char *log_stderr_priority(enum mh_log_level level);

#endif
