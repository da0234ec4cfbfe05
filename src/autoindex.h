/* autoindex.h - a listing of a directory without an index file, as an HTML
 * page or as JSON (interface.md, "Listings as JSON"). */
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

/* Bytes that autoindex_render_json() of these n entries can take at most,
 * the terminating NUL included: a buffer of this size always suffices. */
size_t autoindex_json_bound(const struct autoindex_entry *e, size_t n);

/* Sort e as autoindex_render() does and render it as a JSON array, one
 * object a line:
 *
 *   [
 *   {"name": "sub", "type": "directory", "size": 0, "mtime": "2026-12-05T10:00:00Z"},
 *   {"name": "a.html", "type": "file", "size": 1234, "mtime": "2026-12-05T10:00:00Z"}
 *   ]
 *
 * ("[]" when empty; a newline ends the text).  A directory's name has no
 * trailing '/' and its size is 0.  mtime is UTC; it is null when the time
 * is not in the years 0000-9999.  Names are JSON-escaped: '"' and '\' with a
 * backslash, control bytes (0x00-0x1f, 0x7f) and C1 controls (U+0080 to
 * U+009F) as \u00xx; other UTF-8 is kept as it is.  An entry whose name is
 * not valid UTF-8 is left out: JSON text must be UTF-8, and an escaped or
 * replaced name would not name the file (the HTML form lists it, its link
 * percent-encoded).  Returns 0, or -1 when out overflowed. */
int autoindex_render_json(struct autoindex_entry *e, size_t n, struct buf *out);

#endif
