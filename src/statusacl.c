/* statusacl.c - parse `[status] allow` and match peer addresses against it.
 *
 * Owns: the address-list syntax of the status page's allow key: words of
 * cidr.c's addresses and blocks (which owns their syntax and the match).
 * Pure: no I/O, no allocation, no logging. */
#include "statusacl.h"

#include <stdint.h>
#include <string.h>

#define STR_(x) #x
#define STR(x)  STR_(x)

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static enum statusacl_result from_cidr(enum cidr_result r)
{
    switch (r) {
    case CIDR_OK:
        return STATUSACL_OK;
    case CIDR_BAD:
        return STATUSACL_BAD_ADDRESS;
    case CIDR_BAD_BITS:
        return STATUSACL_BAD_PREFIX;
    case CIDR_HOST_BITS:
        return STATUSACL_HOST_BITS;
    }
    return STATUSACL_BAD_ADDRESS;
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
        enum statusacl_result r =
            from_cidr(cidr_parse(text + start, i - start, &out->e[out->n]));
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

bool statusacl_allows(const struct statusacl *acl, const char *text, size_t len)
{
    uint8_t peer[16];
    return cidr_addr_parse(text, len, peer) && cidr_list_match(acl->e, acl->n, peer);
}
