/* reply.h - a response as decided, before it is sent: status, its own
 * headers, and where its body comes from. */
#ifndef MH_REPLY_H
#define MH_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "response.h"

struct body;

enum body_kind {
    BODY_NONE,   /* no body: an error page is added for a status >= 400 */
    BODY_MEMORY, /* mem[0, len): static text, or owned and freed by release */
    BODY_FILE,   /* [offset, offset + len) of a file body (body.h) */
};

/* Each step of the request path fills one and returns; the finisher
 * (handler.c) adds the error page, Content-Length, the common headers and
 * Connection, sends it and has it logged. */
struct reply {
    int status;
    struct response head; /* its own headers: Content-Type, ETag, Location... */
    enum body_kind kind;
    const char *mem;
    void (*release)(const void *mem, size_t len, void *arg); /* NULL: static */
    struct body *file; /* BODY_FILE: a reference the reply holds */
    uint64_t offset, len;
    bool close; /* end the connection after it */
};

/* Start a reply in the caller's head memory (cap bytes). */
void reply_init(struct reply *rp, char *mem, size_t cap);

/* Add one of the reply's own headers; false (head marked bad) when it
 * does not fit or could split the head: a bug, since bounds.h sizes the
 * head for the worst case. */
bool reply_header(struct reply *rp, const char *name, const char *value);

/* Decide the reply is status with no body of its own (an error page or an
 * empty 304 follows); headers added so far are kept. */
void reply_status(struct reply *rp, int status);

#endif
