/* reloadstate.c - the outcome of the last SIGHUP, for whoever sent it.
 *
 * Owns: the reload outcome file in $RUNTIME_DIRECTORY: written by the
 * server's main thread after each reload (a temp file renamed into place,
 * so a reader never sees half of it), read by `minihttpd --reload`.  A
 * signal carries no answer; this file is the answer, so that `systemctl
 * reload` and the init script's reload fail when the server refused the
 * new config, saying why.  Never logs, never exits. */
#define _GNU_SOURCE
#include "reloadstate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

/* bytes: the file: a number, a word and one error message. */
#define STATE_MAX (MH_ERROR_MAX + 64)

bool reloadstate_dir(char *out, size_t cap)
{
    const char *v = getenv("RUNTIME_DIRECTORY");
    size_t n = v ? strcspn(v, ":") : 0;
    if (n == 0 || n >= cap)
        return false;
    memcpy(out, v, n);
    out[n] = '\0';
    return true;
}

static int path_of(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

int reloadstate_write(const char *dir, uint64_t gen, bool ok, const char *msg,
                      struct mh_error *err)
{
    char path[MH_FS_PATH_MAX], tmp[MH_FS_PATH_MAX], text[STATE_MAX];
    char q[MH_ERROR_MAX / 2];
    struct buf b;
    buf_init(&b, text, sizeof(text));
    buf_putu(&b, gen, 0);
    buf_puts(&b, ok ? " ok\n" : " failed\n");
    for (const char *m = msg; *m && !b.overflow; m++) /* one line */
        buf_putc(&b, *m == '\n' ? ' ' : *m);
    buf_putc(&b, '\n');
    if (b.overflow || path_of(path, sizeof(path), dir, "reload") ||
        path_of(tmp, sizeof(tmp), dir, "reload.tmp")) {
        mh_error_set(err, "minihttpd: %s/reload: path or message too long",
                     buf_escape_str(q, sizeof(q), dir));
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    int bad = fd < 0 || write(fd, text, b.len) != (ssize_t)b.len;
    int e = errno;
    if (fd >= 0 && close(fd) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad && rename(tmp, path) != 0) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        if (fd >= 0)
            unlink(tmp);
        mh_error_set(err, "minihttpd: cannot write %s: %s",
                     buf_escape_str(q, sizeof(q), path), strerror(e));
        return -1;
    }
    return 0;
}

int reloadstate_read(const char *dir, uint64_t *gen, bool *ok, char *msg, size_t cap,
                     struct mh_error *err)
{
    char path[MH_FS_PATH_MAX], text[STATE_MAX], q[MH_ERROR_MAX / 2];
    if (path_of(path, sizeof(path), dir, "reload")) {
        mh_error_set(err, "minihttpd: %s/reload: path too long",
                     buf_escape_str(q, sizeof(q), dir));
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0 && errno == ENOENT)
        return 0;
    ssize_t n = fd >= 0 ? read(fd, text, sizeof(text)) : -1;
    int e = errno;
    if (fd >= 0)
        close(fd);
    if (n < 0) {
        mh_error_set(err, "minihttpd: cannot read %s: %s",
                     buf_escape_str(q, sizeof(q), path), strerror(e));
        return -1;
    }
    if (!reloadstate_parse(text, (size_t)n, gen, ok, msg, cap)) {
        mh_error_set(err, "minihttpd: %s: not a reload outcome",
                     buf_escape_str(q, sizeof(q), path));
        return -1;
    }
    return 1;
}
