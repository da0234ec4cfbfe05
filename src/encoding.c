/* encoding.c - parse Accept-Encoding.
 *
 * Owns: how much a client wants gzip, br, zstd and identity: their
 * q-values, by name or through "*", and the choice between them (the
 * highest, on a tie the server's order; identity when the client weights
 * it higher).  Pure. */
#include "encoding.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The q-value of the parameters p[0, n) in thousandths (RFC 9110 12.4.2:
 * "0" to "1", at most three decimals): 1000 without one, -1 when malformed
 * (such an entry is ignored, as if absent). */
static int q_value(const char *p, size_t n)
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
        if (e - b < 2 || (p[b] != 'q' && p[b] != 'Q') || p[b + 1] != '=')
            continue;
        size_t k = b + 2;
        if (k == e || (p[k] != '0' && p[k] != '1'))
            return -1;
        int q = (p[k++] - '0') * 1000, scale = 100;
        if (k < e && p[k] == '.')
            for (k++; k < e && p[k] >= '0' && p[k] <= '9' && scale; k++, scale /= 10)
                q += (p[k] - '0') * scale;
        return k == e && q <= 1000 ? q : -1;
    }
    return 1000;
}

void accept_encoding_q(const char *s, size_t len, int q[ENC_INDEXES])
{
    int named[ENC_INDEXES], star = -1;
    for (int k = 0; k < ENC_INDEXES; k++)
        named[k] = -1;
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
        int v = name_len ? q_value(s + pb, i - pb) : -1;
        if (v < 0)
            continue;
        int k = -1;
        if ((name_len == 4 && !strncasecmp(s + b, "gzip", 4)) ||
            (name_len == 6 && !strncasecmp(s + b, "x-gzip", 6)))
            k = ENC_I_GZIP;
        else if (name_len == 2 && !strncasecmp(s + b, "br", 2))
            k = ENC_I_BR;
        else if (name_len == 4 && !strncasecmp(s + b, "zstd", 4))
            k = ENC_I_ZSTD;
        else if (name_len == 8 && !strncasecmp(s + b, "identity", 8))
            k = ENC_I_IDENTITY;
        else if (name_len == 1 && s[b] == '*')
            star = v > star ? v : star;
        if (k >= 0 && v > named[k]) /* listed twice: the higher weight */
            named[k] = v;
    }
    for (int k = 0; k < ENC_INDEXES; k++) /* an explicit entry wins over "*" */
        q[k] = named[k] >= 0 ? named[k] : star;
}

unsigned accept_encoding_parse(const char *s, size_t len)
{
    int q[ENC_INDEXES];
    accept_encoding_q(s, len, q);
    return (q[ENC_I_GZIP] > 0 ? ENC_GZIP : 0u) | (q[ENC_I_BR] > 0 ? ENC_BR : 0u) |
           (q[ENC_I_ZSTD] > 0 ? ENC_ZSTD : 0u);
}

int encoding_choose(const int q[ENC_INDEXES], const unsigned char *order, size_t n)
{
    int best = -1, best_q = 0;
    for (size_t i = 0; i < n; i++) {
        if (order[i] >= ENC_CODINGS)
            continue;
        int v = q[order[i]];
        if (v > best_q) {
            best = (int)i;
            best_q = v;
        }
    }
    if (best >= 0 && q[ENC_I_IDENTITY] > best_q)
        return -1;
    return best;
}

static const char *const names[ENC_CODINGS] = {"gzip", "br", "zstd"};
static const char *const suffixes[ENC_CODINGS] = {".gz", ".br", ".zst"};

const char *encoding_name(int i)
{
    return i >= 0 && i < ENC_CODINGS ? names[i] : NULL;
}

const char *encoding_suffix(int i)
{
    return i >= 0 && i < ENC_CODINGS ? suffixes[i] : NULL;
}

int encoding_by_name(const char *name, size_t len)
{
    for (int i = 0; i < ENC_CODINGS; i++)
        if (strlen(names[i]) == len && !memcmp(names[i], name, len))
            return i;
    return -1;
}
