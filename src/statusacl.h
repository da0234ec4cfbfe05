/* statusacl.h - who may read the status page: `[status] allow`, a list of
 * addresses and CIDR prefixes, IPv4 and IPv6. */
#ifndef MH_STATUSACL_H
#define MH_STATUSACL_H

#include <stdbool.h>
#include <stddef.h>

#include "bounds.h"
#include "cidr.h"

struct statusacl {
    struct cidr e[MH_STATUS_ALLOW_MAX]; /* cidr.h: IPv4 as IPv4-mapped IPv6 */
    unsigned n;
};

enum statusacl_result {
    STATUSACL_OK,
    STATUSACL_EMPTY,       /* no address at all */
    STATUSACL_BAD_ADDRESS, /* a word is not an IPv4 or IPv6 address */
    STATUSACL_BAD_PREFIX,  /* /N missing digits, or over 32 (IPv4) or 128 */
    STATUSACL_HOST_BITS,   /* 10.1.2.3/8: bits set past the prefix (a typo?) */
    STATUSACL_TOO_MANY,    /* more than MH_STATUS_ALLOW_MAX entries */
};

/* Parse text[0, len): addresses ("127.0.0.1", "::1") and prefixes
 * ("10.0.0.0/8", "fd00::/8") separated by blanks, as cidr_parse() reads
 * them.
 * On an error *bad and *bad_len name the offending word.  No I/O, no
 * allocation. */
enum statusacl_result statusacl_parse(const char *text, size_t len,
                                      struct statusacl *out, size_t *bad,
                                      size_t *bad_len);

/* What is wrong, for "FILE:LINE: allow ...". */
const char *statusacl_error_text(enum statusacl_result r);

/* Whether the peer address text[0, len) (as the connection gives it:
 * "127.0.0.1", "::1", "::ffff:127.0.0.1") is in acl.  An address that does
 * not parse is not. */
bool statusacl_allows(const struct statusacl *acl, const char *text, size_t len);

#endif
