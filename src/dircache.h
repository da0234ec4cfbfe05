/* dircache.h - what a worker knows of the docroot's directories. */
#ifndef MH_DIRCACHE_H
#define MH_DIRCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct redir_set;

/* One directory: whether it exists, and the rules of its _redirects file
 * (NULL: it has none, or none that parsed). */
struct dircache_dir {
    bool exists;
    const struct redir_set *rules;
};

/* A cache of `slots` directories (1..MH_DIRCACHE_SLOTS). */
struct dircache *dircache_new(unsigned slots);
void dircache_free(struct dircache *c);

/* Forget everything (the docroot or the config changed). */
void dircache_flush(struct dircache *c);

/* The directory dir[0, len) ("/" or "/a/b", normalised, no trailing '/')
 * beneath rootfd.  A cached answer is used for at most
 * MH_FILE_CACHE_VALID_SEC seconds; then the directory and its _redirects
 * are opened again, and the file is read and parsed again only when it is
 * another version (inode, size, times).  Bad lines are logged once per
 * version as "DOCROOT/dir/_redirects:LINE: what is wrong" (docroot names
 * the docroot in those messages).  with_rules false: no _redirects is
 * looked at (redirects = off).  The result is valid until the next call. */
const struct dircache_dir *dircache_get(struct dircache *c, int rootfd,
                                        const char *docroot, const char *dir,
                                        size_t len, bool with_rules, time_t now);

#endif
