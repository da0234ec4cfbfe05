/* encoding.h - which content codings a client accepts, and which to send. */
#ifndef MH_ENCODING_H
#define MH_ENCODING_H

#include <stddef.h>

enum {
    ENC_GZIP = 1, /* FILE.gz may be sent with Content-Encoding: gzip */
    ENC_BR = 2,   /* FILE.br may be sent with Content-Encoding: br */
    ENC_ZSTD = 4, /* FILE.zst may be sent with Content-Encoding: zstd */
};

/* The codings as indexes of accept_encoding_q()'s array; the first
 * ENC_CODINGS are content codings, then "identity" (no coding). */
enum {
    ENC_I_GZIP,
    ENC_I_BR,
    ENC_I_ZSTD,
    ENC_CODINGS,
    ENC_I_IDENTITY = ENC_CODINGS,
    ENC_INDEXES
};

/* The q-value of each coding in an Accept-Encoding value (RFC 9110 12.5.3),
 * in thousandths (0..1000): its own entry's, else that of "*", else -1
 * (not listed).  0 refuses it.  A coding listed twice takes the higher
 * weight; an entry with a malformed q is ignored; "x-gzip" is gzip.
 * q[ENC_I_IDENTITY] is "identity"'s own or "*"'s (-1: neither, which
 * RFC 9110 takes as acceptable). */
void accept_encoding_q(const char *s, size_t len, int q[ENC_INDEXES]);

/* The codings with a q-value above 0, as ENC_* bits (identity is none). */
unsigned accept_encoding_parse(const char *s, size_t len);

/* Of the codings order[0, n) (ENC_I_* indexes, the server's preference
 * first), the one to send for the weights q: the accepted one (q above 0)
 * with the highest q, on a tie the first in order.  Its position in order,
 * or -1 for none: no coding is accepted, or the client gave identity (by
 * name or through "*") a higher weight than the best of them. */
int encoding_choose(const int q[ENC_INDEXES], const unsigned char *order, size_t n);

/* The name of coding i < ENC_CODINGS as Content-Encoding spells it
 * ("gzip", "br", "zstd"), and the suffix of its sidecar (".gz", ".br",
 * ".zst"); NULL for any other i. */
const char *encoding_name(int i);
const char *encoding_suffix(int i);

/* The ENC_I_* index of a coding named by name[0, len) as the config and
 * Content-Encoding spell it ("gzip", "br", "zstd"), or -1. */
int encoding_by_name(const char *name, size_t len);

#endif
