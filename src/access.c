/* access.c - the pure half of access control: which [access] rule holds
 * for a path, whether an address is allowed, who the client is behind a
 * trusted proxy, and what a Basic Authorization header says.
 *
 * Owns: the meaning of the rules once config.c has made them.  Never does
 * I/O, allocates or logs; never sees a password hash (htpasswd.c) nor
 * verifies one (authcheck.c). */
#define _GNU_SOURCE /* explicit_bzero */
#include "access.h"

#include <string.h>
#include <strings.h>

const struct access_rule *access_rule_for(const struct access_rules *a,
                                          const char *path, size_t len)
{
    if (!a->on)
        return NULL;
    for (unsigned i = 0; i < a->n; i++) {
        const struct access_rule *r = &a->rule[i];
        size_t pl = r->prefix_len;
        if (len >= pl && !memcmp(path, r->prefix, pl))
            return r;
    }
    return &a->rule[a->n - 1]; /* not reached: the last rule is "/" */
}

bool access_addr_allowed(const struct access_rules *a, const struct access_rule *r,
                         const uint8_t addr[16])
{
    return r->allow_any || cidr_list_match(a->cidrs + r->allow_at, r->allow_n, addr);
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

enum access_client_result access_client(const struct access_rules *a,
                                        const uint8_t peer[16],
                                        const struct req_header *hdr, size_t n,
                                        uint8_t out[16])
{
    const struct cidr *trusted = a->cidrs + a->trusted_at;
    memcpy(out, peer, 16);
    if (!cidr_list_match(trusted, a->trusted_n, peer))
        return ACCESS_CLIENT_PEER;
    enum access_client_result res = ACCESS_CLIENT_PEER;
    unsigned hops = 0;
    for (size_t h = n; h-- > 0;) {
        if (strcasecmp(hdr[h].name, "X-Forwarded-For"))
            continue;
        const char *v = hdr[h].value;
        size_t end = strlen(v);
        while (end > 0) { /* items from the right */
            size_t b = end;
            while (b > 0 && v[b - 1] != ',')
                b--;
            size_t ib = b, ie = end;
            end = b > 0 ? b - 1 : 0;
            while (ib < ie && is_ows(v[ib]))
                ib++;
            while (ie > ib && is_ows(v[ie - 1]))
                ie--;
            if (ib == ie) /* an empty list element */
                continue;
            uint8_t addr[16];
            if (!cidr_addr_parse(v + ib, ie - ib, addr))
                return ACCESS_CLIENT_BAD;
            memcpy(out, addr, 16);
            res = ACCESS_CLIENT_FORWARDED;
            if (!cidr_list_match(trusted, a->trusted_n, addr) ||
                ++hops == MH_XFF_HOPS_MAX)
                return res;
            if (b == 0)
                break;
        }
    }
    return res;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Base64 s[0, n) (padding optional) into out (cap bytes): its length, or
 * -1 when it is not base64 or does not fit. */
static long b64_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
    while (n > 0 && s[n - 1] == '=') /* at most two, at the end only */
        n--;
    if (n % 4 == 1)
        return -1;
    size_t len = 0;
    unsigned acc = 0, nbits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            if (len == cap)
                return -1;
            out[len++] = (unsigned char)(acc >> nbits);
            acc &= (1u << nbits) - 1;
        }
    }
    return acc == 0 ? (long)len : -1; /* leftover bits must be zero */
}

/* "user:password" raw[0, len) into out. */
static enum basic_result split(const unsigned char *raw, size_t len,
                               struct basic_cred *out)
{
    const unsigned char *colon = memchr(raw, ':', len);
    if (!colon || colon == raw)
        return BASIC_BAD;
    size_t ulen = (size_t)(colon - raw), plen = len - ulen - 1;
    if (ulen > MH_AUTH_USER_MAX || plen > MH_AUTH_PASSWORD_MAX)
        return BASIC_BAD;
    for (size_t i = 0; i < ulen; i++)
        if (raw[i] < 0x20 || raw[i] == 0x7f)
            return BASIC_BAD;
    if (memchr(colon + 1, '\0', plen))
        return BASIC_BAD;
    memcpy(out->user, raw, ulen);
    out->user[ulen] = '\0';
    out->user_len = ulen;
    memcpy(out->pass, colon + 1, plen);
    out->pass[plen] = '\0';
    out->pass_len = plen;
    return BASIC_OK;
}

enum basic_result access_basic_parse(const char *v, size_t n, struct basic_cred *out)
{
    if (n < 6 || strncasecmp(v, "Basic", 5) || !is_ows(v[5]))
        return BASIC_OTHER_SCHEME;
    size_t b = 6;
    while (b < n && is_ows(v[b]))
        b++;
    while (n > b && is_ows(v[n - 1]))
        n--;
    size_t pad = 0;
    while (pad < 2 && n - pad > b && v[n - 1 - pad] == '=')
        pad++;
    if (memchr(v + b, '=', n - b - pad))
        return BASIC_BAD;
    unsigned char raw[MH_AUTH_USER_MAX + 1 + MH_AUTH_PASSWORD_MAX];
    long len = b64_decode(v + b, n - b, raw, sizeof(raw));
    enum basic_result r = len < 0 ? BASIC_BAD : split(raw, (size_t)len, out);
    explicit_bzero(raw, sizeof(raw)); /* a password: leave no copy behind */
    return r;
}
