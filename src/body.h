/* body.h - a cached file's bytes, as responses send them. */
#ifndef MH_BODY_H
#define MH_BODY_H

#include <stdint.h>
#include <sys/stat.h>

struct evbuffer;
struct body;

/* Make the body of the regular file open as fd (st its fstat), taking
 * ownership of fd; NULL (fd not taken) for an empty file or out of
 * memory.  A file up to MH_SMALL_FILE_MAX bytes is copied into memory; the
 * copy is a snapshot (*snapshot = 1) when the file did not change while it
 * was read (filever.h), so its bytes always go out with the validators of
 * the same version.  A larger file, or one that changed while read, is sent
 * from the file with sendfile().  Its signature is fcache.h's wrap. */
void *body_wrap(int fd, const struct stat *st, int *snapshot);

/* Drop the cache's reference (fcache.h's unwrap). */
void body_unwrap(void *body);

/* Take and drop a reference; the last one closes the file. */
struct body *body_ref(struct body *b);
void body_unref(struct body *b);

/* Queue [offset, offset + len) of b on out, a connection's output: a
 * small file's bytes by reference (the buffer holds a reference until they
 * are sent), a large one as a file segment libevent sends with sendfile().
 * 0, or -1 when libevent refused it. */
int body_add(struct evbuffer *out, struct body *b, uint64_t offset, uint64_t len);

#endif
