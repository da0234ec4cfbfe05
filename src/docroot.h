/* docroot.h - files under the docroot, and nothing else. */
#ifndef MH_DOCROOT_H
#define MH_DOCROOT_H

#include <stddef.h>
#include <sys/stat.h>

#include "autoindex.h"
#include "status.h"

/* 0 when openat2(RESOLVE_BENEATH) works here, else an errno: opens then use
 * the realpath() fallback.  Call once, before workers start. */
int docroot_probe(void);

/* Force one way of opening (tests). */
void docroot_use_openat2(int on);

/* An O_PATH descriptor of the docroot directory, or -1 with errno. */
int docroot_open_root(const char *path);

/* Open rel (relative, as path_relative() gives) beneath rootfd: symlinks are
 * followed only while they stay beneath it.  Regular files and directories
 * only; a FIFO or device is refused without blocking.  On 200 *fd and *st
 * are set and the caller owns *fd. */
enum http_status docroot_open(int rootfd, const char *rel, int *fd, struct stat *st);

/* The status for a failed open: 404, 403, 503 (out of fds) or 500. */
enum http_status docroot_status(int err);

/* A directory's entries, for listings.  names holds the strings. */
struct dirlist {
    struct autoindex_entry *entries;
    size_t n;
    char *names;
};

/* Read the directory open as dirfd (not consumed); skips "." and "..", and
 * with hide_dot every name that starts with '.'.  Returns 200, 500 (more
 * than MH_AUTOINDEX_ENTRIES_MAX) or an errno status. */
enum http_status docroot_list(int dirfd, int hide_dot, struct dirlist *out);
void docroot_list_free(struct dirlist *l);

#endif
