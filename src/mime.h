/* mime.h - the Content-Type of a file: extension table, then libmagic. */
#ifndef MH_MIME_H
#define MH_MIME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "config.h"

struct mime_ctx; /* one per worker: libmagic handles are not thread-safe */

/* A new context with libmagic loaded, or NULL with err set. */
struct mime_ctx *mime_ctx_new(struct mh_error *err);
void mime_ctx_free(struct mime_ctx *m);

/* The Content-Type for the open file fd named path.  The extension table
 * answers first; otherwise libmagic looks at the first MH_MAGIC_PREFIX bytes,
 * once per file version (filever.h: device, inode, size, mode, times).  The result
 * stays valid until the next call with the same context. */
const char *mime_type(struct mime_ctx *m, const struct mh_config *cfg, const char *path,
                      size_t len, int fd, const struct stat *st);

/* Forget every cached answer (after a reload changed the types). */
void mime_ctx_reset(struct mime_ctx *m);

/* How many times libmagic has run in this context (for tests and stats). */
uint64_t mime_magic_calls(const struct mime_ctx *m);

#endif
