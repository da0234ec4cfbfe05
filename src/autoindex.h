/* autoindex.h - the HTML listing of a directory without an index file. */
#ifndef MH_AUTOINDEX_H
#define MH_AUTOINDEX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

struct autoindex_entry {
    const char *name; /* NUL-terminated file name, not "." or ".." */
    int is_dir;
    uint64_t size;
    time_t mtime;
};

/* Bytes that rendering n entries for a URL path of path_len bytes can take
 * at most: the caller sizes its buffer with it. */
size_t autoindex_bound(const struct autoindex_entry *e, size_t n, size_t path_len);

/* Sort e (directories first, then files, each by name in byte order) and
 * render an HTML5 page for `path` (the decoded URL path, ending in '/').
 * Returns 0, or -1 when out overflowed. */
int autoindex_render(const char *path, struct autoindex_entry *e, size_t n,
                     struct buf *out);

#endif
