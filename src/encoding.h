/* encoding.h - which precompressed sidecars a client accepts. */
#ifndef MH_ENCODING_H
#define MH_ENCODING_H

#include <stddef.h>

enum {
    ENC_GZIP = 1, /* FILE.gz may be sent with Content-Encoding: gzip */
    ENC_BR = 2,   /* FILE.br may be sent with Content-Encoding: br */
};

/* The codings as indexes of accept_encoding_q()'s array. */
enum { ENC_I_GZIP, ENC_I_BR, ENC_INDEXES };

/* The q-value of each coding in an Accept-Encoding value (RFC 9110 12.5.3),
 * in thousandths (0..1000): its own entry's, else that of "*", else -1
 * (not listed).  0 refuses it.  A coding listed twice takes the higher
 * weight; an entry with a malformed q is ignored; "x-gzip" is gzip. */
void accept_encoding_q(const char *s, size_t len, int q[ENC_INDEXES]);

/* The codings with a q-value above 0, as ENC_* bits. */
unsigned accept_encoding_parse(const char *s, size_t len);

#endif
