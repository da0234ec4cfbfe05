/* encoding.h - which precompressed sidecars a client accepts. */
#ifndef MH_ENCODING_H
#define MH_ENCODING_H

#include <stddef.h>

enum {
    ENC_GZIP = 1, /* FILE.gz may be sent with Content-Encoding: gzip */
    ENC_BR = 2,   /* FILE.br may be sent with Content-Encoding: br */
};

/* Parse an Accept-Encoding value (RFC 9110 12.5.3) into ENC_* bits: a coding
 * is accepted when listed, or covered by "*", with a q-value above 0.  An
 * explicit entry wins over "*"; "x-gzip" counts as gzip. */
unsigned accept_encoding_parse(const char *s, size_t len);

#endif
