/* fuzz_range.c - range_parse() on arbitrary Range values and file sizes.
 *
 * Input: 8 bytes of file size (little-endian; fewer bytes: size 0 padded),
 * then the header value.  Checks: no crash or over-read (exact-size copy,
 * no NUL); RANGE_PARTIAL implies first <= last < size; an empty file is
 * never RANGE_PARTIAL; a value that does not start (after blanks) with
 * "bytes=" is RANGE_FULL; the same value evaluated twice gives the same
 * answer. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_common.h"
#include "range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t fsize = 0;
    size_t k = size < 8 ? size : 8;
    for (size_t i = 0; i < k; i++)
        fsize |= (uint64_t)data[i] << (8 * i);
    size_t len = size - k;
    char *s = malloc(len ? len : 1);
    FUZZ_CHECK(s != NULL);
    if (len)
        memcpy(s, data + k, len);

    uint64_t first = 7, last = 3;
    enum range_result r = range_parse(s, len, fsize, &first, &last);
    FUZZ_CHECK(r == RANGE_FULL || r == RANGE_PARTIAL || r == RANGE_UNSATISFIABLE);
    if (r == RANGE_PARTIAL)
        FUZZ_CHECK(first <= last && last < fsize);
    if (fsize == 0)
        FUZZ_CHECK(r != RANGE_PARTIAL);

    size_t b = 0;
    while (b < len && (s[b] == ' ' || s[b] == '\t'))
        b++;
    if (len - b < 6 || strncasecmp(s + b, "bytes=", 6) != 0)
        FUZZ_CHECK(r == RANGE_FULL);

    uint64_t f2 = 0, l2 = 0;
    FUZZ_CHECK(range_parse(s, len, fsize, &f2, &l2) == r);
    if (r == RANGE_PARTIAL)
        FUZZ_CHECK(f2 == first && l2 == last);
    free(s);
    return 0;
}
