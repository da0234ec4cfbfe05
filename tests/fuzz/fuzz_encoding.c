/* fuzz_encoding.c - accept_encoding_parse() and accept_encoding_q() on
 * arbitrary header values.
 *
 * Checks: no crash or over-read (exact-size buffer, no NUL); the result has
 * only ENC_GZIP, ENC_BR and ENC_ZSTD bits; encoding_choose() picks an
 * accepted coding of the highest weight, the first such in the server's
 * order, or none only when none is accepted or identity weighs more;
 * empty list elements do not matter (", "
 * before and " ," after the value give the same result, RFC 9110 5.6.1);
 * a value without '*', 'z' or 'r' (any case) accepts nothing. */
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    unsigned r = accept_encoding_parse(s, size);
    FUZZ_CHECK((r & ~(unsigned)(ENC_GZIP | ENC_BR | ENC_ZSTD)) == 0);

    /* the weights: -1 (not listed) or 0..1000, and above 0 exactly for the
     * codings accept_encoding_parse() reports */
    int q[ENC_INDEXES];
    accept_encoding_q(s, size, q);
    for (int k = 0; k < ENC_INDEXES; k++)
        FUZZ_CHECK(q[k] >= -1 && q[k] <= 1000);
    FUZZ_CHECK((q[ENC_I_GZIP] > 0) == ((r & ENC_GZIP) != 0));
    FUZZ_CHECK((q[ENC_I_BR] > 0) == ((r & ENC_BR) != 0));
    FUZZ_CHECK((q[ENC_I_ZSTD] > 0) == ((r & ENC_ZSTD) != 0));

    static const unsigned char orders[2][ENC_CODINGS] = {
        {ENC_I_BR, ENC_I_GZIP, ENC_I_ZSTD}, {ENC_I_ZSTD, ENC_I_GZIP, ENC_I_BR}};
    for (int o = 0; o < 2; o++) {
        const unsigned char *order = orders[o];
        int c = encoding_choose(q, order, ENC_CODINGS);
        int best = 0;
        for (int k = 0; k < ENC_CODINGS; k++)
            best = q[order[k]] > best ? q[order[k]] : best;
        if (c < 0) {
            FUZZ_CHECK(best == 0 || q[ENC_I_IDENTITY] > best);
        } else {
            FUZZ_CHECK(c < ENC_CODINGS && q[order[c]] == best && best > 0);
            for (int k = 0; k < c; k++)
                FUZZ_CHECK(q[order[k]] < best);
            FUZZ_CHECK(q[ENC_I_IDENTITY] <= best);
        }
    }

    char *wrapped = malloc(size + 4);
    FUZZ_CHECK(wrapped != NULL);
    memcpy(wrapped, ", ", 2);
    if (size)
        memcpy(wrapped + 2, s, size);
    memcpy(wrapped + 2 + size, " ,", 2);
    FUZZ_CHECK(accept_encoding_parse(wrapped, size + 4) == r);
    free(wrapped);

    /* every accepted name holds a 'z' (gzip, x-gzip), an 'r' (br) or is '*' */
    if (!memchr(s, '*', size) && !memchr(s, 'z', size) && !memchr(s, 'Z', size) &&
        !memchr(s, 'r', size) && !memchr(s, 'R', size))
        FUZZ_CHECK(r == 0);
    return 0;
}
