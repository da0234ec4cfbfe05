/* cidr.c - IPv4 and IPv6 addresses and CIDR blocks: parse and match.
 *
 * Owns: the text forms allow and trusted_proxies accept, and the one
 * 16-byte form every address is compared in (cidr.h).  Pure: no I/O, no
 * allocation, no logging; inet_pton() does the address syntax, so the
 * forms are exactly the ones the C library and the kernel print. */
#include "cidr.h"

#include <arpa/inet.h>
#include <string.h>

#include "bounds.h"

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* s[0, n) as a C string in tmp (cap bytes): false when it does not fit or
 * holds a NUL. */
static bool copy_text(char *tmp, size_t cap, const char *s, size_t n)
{
    if (n == 0 || n >= cap || memchr(s, '\0', n))
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return true;
}

/* The address in s[0, n); *v4 says which family it was written in. */
static bool parse_addr(const char *s, size_t n, uint8_t out[16], bool *v4)
{
    char tmp[MH_CIDR_TEXT_MAX];
    if (!copy_text(tmp, sizeof(tmp), s, n))
        return false;
    if (inet_pton(AF_INET, tmp, out + 12) == 1) {
        memcpy(out, v4_mapped, sizeof(v4_mapped));
        *v4 = true;
        return true;
    }
    *v4 = false;
    return inet_pton(AF_INET6, tmp, out) == 1;
}

bool cidr_addr_parse(const char *s, size_t n, uint8_t out[16])
{
    bool v4;
    return parse_addr(s, n, out, &v4);
}

enum cidr_result cidr_parse(const char *s, size_t n, struct cidr *out)
{
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    bool v4;
    if (!parse_addr(s, alen, out->addr, &v4))
        return CIDR_BAD;
    unsigned max = v4 ? 32 : 128, bits = max;
    if (slash) {
        const char *d = slash + 1, *end = s + n;
        if (d == end || end - d > 3 || (*d == '0' && end - d > 1))
            return CIDR_BAD_BITS;
        bits = 0;
        for (; d < end; d++) {
            if (*d < '0' || *d > '9')
                return CIDR_BAD_BITS;
            bits = bits * 10 + (unsigned)(*d - '0');
        }
        if (bits > max)
            return CIDR_BAD_BITS;
    }
    out->bits = (uint8_t)(v4 ? bits + 96 : bits);
    for (unsigned i = out->bits; i < 128; i++)
        if (out->addr[i / 8] & (0x80 >> (i % 8)))
            return CIDR_HOST_BITS;
    return CIDR_OK;
}

bool cidr_match(const struct cidr *c, const uint8_t addr[16])
{
    /* an IPv4 client (IPv4-mapped) is in IPv4 blocks only: "::/0" means all
     * of IPv6, as nginx reads it, not every IPv4 address too */
    if (c->bits < 96 && !memcmp(addr, v4_mapped, sizeof(v4_mapped)))
        return false;
    unsigned full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(c->addr, addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (c->addr[full] & mask) == (addr[full] & mask);
}

bool cidr_list_match(const struct cidr *list, size_t n, const uint8_t addr[16])
{
    for (size_t i = 0; i < n; i++)
        if (cidr_match(&list[i], addr))
            return true;
    return false;
}

const char *cidr_strerror(enum cidr_result r)
{
    switch (r) {
    case CIDR_OK:
        return "ok";
    case CIDR_BAD:
        return "not an IPv4 or IPv6 address";
    case CIDR_BAD_BITS:
        return "the prefix length is not a number from 0 to 32 (IPv4) or 128 (IPv6)";
    case CIDR_HOST_BITS:
        return "bits are set past the prefix length";
    }
    return "?";
}
