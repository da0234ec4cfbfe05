/* encoding.c - parse Accept-Encoding.
 *
 * Owns: the decision whether a client takes gzip or br.  Only "is q zero"
 * matters, because the server prefers br over gzip whatever the client's
 * weights (smaller is better for both sides).  Pure. */
#include "encoding.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* q=0, q=0.0, q=0.00 or q=0.000 in the parameters p[0, n). */
static bool q_is_zero(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (is_blank(p[i]) || p[i] == ';'))
            i++;
        size_t b = i;
        while (i < n && p[i] != ';')
            i++;
        size_t e = i;
        while (e > b && is_blank(p[e - 1]))
            e--;
        if (e - b >= 2 && (p[b] == 'q' || p[b] == 'Q') && p[b + 1] == '=') {
            size_t k = b + 2;
            if (k == e || p[k] != '0')
                return false;
            for (k++; k < e; k++)
                if (p[k] != '.' && p[k] != '0')
                    return false;
            return true;
        }
    }
    return false;
}

unsigned accept_encoding_parse(const char *s, size_t len)
{
    unsigned yes = 0, no = 0, star = 0;
    bool star_seen = false;
    size_t i = 0;
    while (i < len) {
        while (i < len && (is_blank(s[i]) || s[i] == ','))
            i++;
        size_t b = i;
        while (i < len && s[i] != ',' && s[i] != ';' && !is_blank(s[i]))
            i++;
        size_t name_len = i - b;
        size_t pb = i;
        while (i < len && s[i] != ',')
            i++;
        if (name_len == 0)
            continue;
        bool zero = q_is_zero(s + pb, i - pb);
        unsigned bit = 0;
        if ((name_len == 4 && !strncasecmp(s + b, "gzip", 4)) ||
            (name_len == 6 && !strncasecmp(s + b, "x-gzip", 6)))
            bit = ENC_GZIP;
        else if (name_len == 2 && !strncasecmp(s + b, "br", 2))
            bit = ENC_BR;
        else if (name_len == 1 && s[b] == '*') {
            star_seen = true;
            star = zero ? 0 : ENC_GZIP | ENC_BR;
            continue;
        }
        if (zero)
            no |= bit;
        else
            yes |= bit;
    }
    unsigned named = yes | no;
    unsigned result = yes & ~no;
    if (star_seen)
        result |= star & ~named;
    return result;
}
