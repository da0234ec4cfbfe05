/* reply.c - the reply a step of the request path decides.
 *
 * Owns: struct reply's invariants: a status, the step's own headers in a
 * bounded head, and one body source.  Pure: formats into the caller's
 * memory; sending is handler.c's. */
#include "reply.h"

#include <string.h>

void reply_init(struct reply *rp, char *mem, size_t cap)
{
    memset(rp, 0, sizeof(*rp));
    response_init(&rp->head, mem, cap);
}

bool reply_header(struct reply *rp, const char *name, const char *value)
{
    return response_header(&rp->head, name, value);
}

void reply_status(struct reply *rp, int status)
{
    rp->status = status;
    rp->kind = BODY_NONE;
    rp->offset = rp->len = 0;
}
