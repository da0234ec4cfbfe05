/* body.h - a cached file's bytes, as responses send them. */
#ifndef MH_BODY_H
#define MH_BODY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

struct evbuffer;
struct body;

/* Make the body of the regular file open as fd (st its fstat), taking
 * ownership of fd; NULL (fd not taken) for an empty file or out of
 * memory.  A file up to MH_SMALL_FILE_MAX bytes, and no more than room, is
 * copied into memory and kept when the file did not change while it was
 * read (filever.h): *held is then its size, and its bytes always go out
 * with the validators of the same version.  A larger file, or one that
 * changed while read, is sent from the file with sendfile() (*held = 0).
 * Its signature is fcache.h's wrap. */
void *body_wrap(int fd, const struct stat *st, uint64_t room, uint64_t *held);

/* A small file's bytes, in memory (NULL for a file sent from the file). */
const char *body_bytes(const struct body *b);

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

/* Over TLS (no sendfile): queue [offset, offset + len) of b on out by
 * reading it into out as out drains, keeping at most about
 * MH_TLS_FEED_CHUNK bytes of it there.  The feed holds a reference on b.
 * Free it once the response is complete or its connection is closing
 * (while out still exists).  NULL when out of memory or the file could not
 * be read. */
struct body_feed;
/* body_add() for a connection that cannot take sendfile() (TLS): a file
 * in memory by reference, a large one through a new feed (*feed; NULL for
 * the other).  0, or -1 when libevent refused it or out of memory. */
int body_add_no_sendfile(struct evbuffer *out, struct body *b, uint64_t offset,
                         uint64_t len, struct body_feed **feed);
struct body_feed *body_feed_new(struct evbuffer *out, struct body *b, uint64_t offset,
                                uint64_t len);
/* Bytes not yet read into out (0 for NULL), and whether a read failed
 * (the file shrank: the connection must end, its response short). */
uint64_t body_feed_left(const struct body_feed *f);
bool body_feed_failed(const struct body_feed *f);
void body_feed_free(struct body_feed *f);

#endif
