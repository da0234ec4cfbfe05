/* docroot.h - files under the docroot, and nothing else. */
#ifndef MH_DOCROOT_H
#define MH_DOCROOT_H

#include <stddef.h>
#include <sys/stat.h>

#include "autoindex.h"
#include "status.h"

/* 0 when openat2(RESOLVE_BENEATH) works here, else an errno: opens then
 * walk the path one component at a time from the docroot's fd, with the same
 * confinement (docroot.c), though a file more than MH_DOCROOT_DEPTH_MAX
 * directories deep is 404.  Call once, before workers start. */
int docroot_probe(void);

/* Force one way of opening (tests): 1 openat2(), 0 the walk. */
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

/* Read the directory rel beneath rootfd (relative, as path_relative() gives:
 * "." for the docroot), opened with docroot_open(), and keep only the
 * entries a client could then fetch, in readdir() order:
 *  - regular files and directories (lstat: no FIFO, socket or device);
 *  - a symlink only when docroot_open(rel/name) succeeds (it stays beneath
 *    the docroot and leads to a regular file or directory), listed with the
 *    type, size and mtime of its target, as a client would get them; never
 *    one that dangles, loops, climbs out or leads to a FIFO or device;
 *  - names a request path can hold (path_name_servable()), never the
 *    "_redirects" file, and with hide_dot none that starts with '.'.
 * Returns 200, 404/403 when rel cannot be opened or is not a directory,
 * 500 (more than MH_AUTOINDEX_ENTRIES_MAX entries listed), 503 (no memory,
 * or no fd to open a symlink's target with: never a listing with entries
 * missing) or an errno status; out is then empty. */
enum http_status docroot_list(int rootfd, const char *rel, int hide_dot,
                              struct dirlist *out);
void docroot_list_free(struct dirlist *l);

#endif
