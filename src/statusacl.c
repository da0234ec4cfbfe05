/* statusacl.c - parse `[status] allow` and match peer addresses against it.
 *
 * Owns: the address-list syntax of the status page's allow key and the
 * prefix match, IPv4-mapped IPv6 addresses folded into IPv4.  Pure: no I/O,
 * no allocation, no logging (inet_pton() only reads its argument). */
#include "statusacl.h"

#include <arpa/inet.h>
#include <string.h>

/* bytes: the longest word worth parsing: an IPv6 address in its longest
 * text form (INET6_ADDRSTRLEN, 46 with the NUL) and "/128". */
#define WORD_MAX 64

#define STR_(x) #x
#define STR(x)  STR_(x)

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Fold ::ffff:a.b.c.d into IPv4; prefix is adjusted by 96 bits. */
static void fold_mapped(struct statusacl_entry *e)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (e->v4 || memcmp(e->addr, mapped, sizeof(mapped)) != 0 || e->prefix < 96)
        return;
    memmove(e->addr, e->addr + 12, 4);
    memset(e->addr + 4, 0, 12);
    e->prefix = (unsigned char)(e->prefix - 96);
    e->v4 = true;
}

/* word[0, n) as an address: 0 or -1. */
static int parse_addr(const char *word, size_t n, struct statusacl_entry *e)
{
    char tmp[WORD_MAX];
    if (n == 0 || n >= sizeof(tmp))
        return -1;
    memcpy(tmp, word, n);
    tmp[n] = '\0';
    memset(e->addr, 0, sizeof(e->addr));
    if (inet_pton(AF_INET, tmp, e->addr) == 1) {
        e->v4 = true;
        e->prefix = 32;
        return 0;
    }
    if (inet_pton(AF_INET6, tmp, e->addr) == 1) {
        e->v4 = false;
        e->prefix = 128;
        return 0;
    }
    return -1;
}

/* Whether the bits of a past prefix are all zero. */
static bool host_bits_clear(const struct statusacl_entry *e)
{
    unsigned total = e->v4 ? 32 : 128;
    for (unsigned bit = e->prefix; bit < total; bit++)
        if (e->addr[bit / 8] & (0x80 >> (bit % 8)))
            return false;
    return true;
}

static enum statusacl_result parse_word(const char *w, size_t n,
                                        struct statusacl_entry *e)
{
    const char *slash = memchr(w, '/', n);
    size_t alen = slash ? (size_t)(slash - w) : n;
    if (parse_addr(w, alen, e) != 0)
        return STATUSACL_BAD_ADDRESS;
    if (slash) {
        unsigned v = 0, max = e->v4 ? 32 : 128;
        size_t digits = n - alen - 1;
        if (digits == 0 || digits > 3)
            return STATUSACL_BAD_PREFIX;
        for (size_t i = 0; i < digits; i++) {
            char c = slash[1 + i];
            if (c < '0' || c > '9')
                return STATUSACL_BAD_PREFIX;
            v = v * 10 + (unsigned)(c - '0');
        }
        if (v > max)
            return STATUSACL_BAD_PREFIX;
        e->prefix = (unsigned char)v;
        if (!host_bits_clear(e))
            return STATUSACL_HOST_BITS;
    }
    fold_mapped(e);
    return STATUSACL_OK;
}

enum statusacl_result statusacl_parse(const char *text, size_t len,
                                      struct statusacl *out, size_t *bad,
                                      size_t *bad_len)
{
    size_t i = 0;
    memset(out, 0, sizeof(*out));
    *bad = *bad_len = 0;
    while (i < len) {
        while (i < len && is_blank(text[i]))
            i++;
        size_t start = i;
        while (i < len && !is_blank(text[i]))
            i++;
        if (i == start)
            break;
        *bad = start;
        *bad_len = i - start;
        if (out->n == MH_STATUS_ALLOW_MAX)
            return STATUSACL_TOO_MANY;
        enum statusacl_result r = parse_word(text + start, i - start, &out->e[out->n]);
        if (r != STATUSACL_OK)
            return r;
        out->n++;
    }
    *bad = *bad_len = 0;
    return out->n ? STATUSACL_OK : STATUSACL_EMPTY;
}

const char *statusacl_error_text(enum statusacl_result r)
{
    switch (r) {
    case STATUSACL_OK:
        return "ok";
    case STATUSACL_EMPTY:
        return "needs at least one address";
    case STATUSACL_BAD_ADDRESS:
        return "is not an IPv4 or IPv6 address";
    case STATUSACL_BAD_PREFIX:
        return "has a bad prefix length (/0 to /32 for IPv4, /0 to /128 for IPv6)";
    case STATUSACL_HOST_BITS:
        return "has bits set past its prefix length";
    case STATUSACL_TOO_MANY:
        return "is one address too many (at most " STR(MH_STATUS_ALLOW_MAX) ")";
    }
    return "is bad";
}

static bool prefix_match(const unsigned char *a, const unsigned char *b, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, whole) != 0)
        return false;
    if (!rest)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

bool statusacl_allows(const struct statusacl *acl, const char *text, size_t len)
{
    struct statusacl_entry peer;
    if (parse_addr(text, len, &peer) != 0)
        return false;
    fold_mapped(&peer);
    for (unsigned i = 0; i < acl->n; i++)
        if (acl->e[i].v4 == peer.v4 &&
            prefix_match(acl->e[i].addr, peer.addr, acl->e[i].prefix))
            return true;
    return false;
}
