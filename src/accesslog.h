/* accesslog.h - the access log: a shared fd, and one buffer per worker. */
#ifndef MH_ACCESSLOG_H
#define MH_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>

#include "bounds.h"
#include "clf.h"
#include "config.h"

/* Open (or, on reload and SIGUSR1, reopen in place) the shared access-log
 * fd for path: a file, "-" (stdout) or "off" (/dev/null at start; after a
 * log was open, that log is kept for the lines still buffered). */
int accesslog_open(const char *path, struct mh_error *err);

/* Close the shared fd at exit. */
void accesslog_close(void);

/* A worker's buffer: lines gather here and go out in whole-line writes. */
struct accesslog_writer {
    size_t len;
    uint64_t dropped; /* lines lost (disk full, write errors), not yet reported */
    uint64_t torn;    /* cut lines that could not even be ended, not yet reported */
    uint64_t written; /* lines handed to the kernel */
    char buf[MH_LOG_BUFFER];
};

void accesslog_writer_init(struct accesslog_writer *w);
/* Format r into the buffer, flushing first when it is full, and after it
 * when the log is a terminal, pipe or FIFO. */
void accesslog_add(struct accesslog_writer *w, const struct access_record *r,
                   bool json);
/* Write out everything buffered, whole lines only. */
void accesslog_flush(struct accesslog_writer *w);

#endif
