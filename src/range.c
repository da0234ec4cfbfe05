/* range.c - parse and evaluate a byte range.
 *
 * Owns: what a Range header means for a file of a given size.  Numbers of
 * any length are accepted without overflow (a position past the end is just
 * past the end).  Pure: no I/O, no allocation. */
#include "range.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

enum spec_kind { SPEC_BAD, SPEC_OK, SPEC_UNSATISFIABLE };

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Digits at s[*i]: their value, saturated at UINT64_MAX.  False if none. */
static bool number(const char *s, size_t n, size_t *i, uint64_t *v)
{
    size_t start = *i;
    *v = 0;
    while (*i < n && is_digit(s[*i])) {
        unsigned d = (unsigned)(s[*i] - '0');
        *v = *v > (UINT64_MAX - d) / 10 ? UINT64_MAX : *v * 10 + d;
        (*i)++;
    }
    return *i > start;
}

/* One range-spec, s[0, n) with blanks trimmed. */
static enum spec_kind spec(const char *s, size_t n, uint64_t size, uint64_t *first,
                           uint64_t *last)
{
    size_t i = 0;
    uint64_t a, b;
    if (n && s[0] == '-') { /* suffix: the last b bytes */
        i = 1;
        if (!number(s, n, &i, &b) || i != n)
            return SPEC_BAD;
        if (b == 0 || size == 0)
            return SPEC_UNSATISFIABLE;
        *first = b >= size ? 0 : size - b;
        *last = size - 1;
        return SPEC_OK;
    }
    if (!number(s, n, &i, &a) || i == n || s[i] != '-')
        return SPEC_BAD;
    i++;
    if (i == n)
        b = UINT64_MAX; /* "a-": to the end */
    else if (!number(s, n, &i, &b) || i != n || b < a)
        return SPEC_BAD;
    if (a >= size)
        return SPEC_UNSATISFIABLE;
    *first = a;
    *last = b >= size ? size - 1 : b;
    return SPEC_OK;
}

enum range_result range_parse(const char *s, size_t len, uint64_t size, uint64_t *first,
                              uint64_t *last)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (len - i < 6 || strncasecmp(s + i, "bytes=", 6) != 0)
        return RANGE_FULL;
    i += 6;

    unsigned specs = 0, satisfiable = 0;
    uint64_t first0 = 0, last0 = 0;
    while (i <= len) {
        size_t b = i, e = i;
        while (e < len && s[e] != ',')
            e++;
        i = e + 1;
        while (b < e && (s[b] == ' ' || s[b] == '\t'))
            b++;
        while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
            e--;
        if (b == e)
            continue; /* empty list elements are allowed */
        uint64_t f, l;
        enum spec_kind k = spec(s + b, e - b, size, &f, &l);
        if (k == SPEC_BAD)
            return RANGE_FULL;
        specs++;
        if (k == SPEC_OK && satisfiable++ == 0) {
            first0 = f;
            last0 = l;
        }
    }
    if (specs == 0)
        return RANGE_FULL;
    if (satisfiable == 0)
        return RANGE_UNSATISFIABLE;
    if (specs > 1)
        return RANGE_FULL;
    *first = first0; /* set only for the answer that uses them */
    *last = last0;
    return RANGE_PARTIAL;
}
