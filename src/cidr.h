/* cidr.h - IPv4 and IPv6 addresses and CIDR blocks, parsed and matched.
 *
 * Every address is held as 16 bytes of IPv6: an IPv4 address a.b.c.d is
 * ::ffff:a.b.c.d (as an IPv6 socket shows an IPv4 peer), and an IPv4 block
 * /n is the IPv6 block /96+n, so "10.0.0.0/8" matches both 10.1.2.3 and
 * ::ffff:10.1.2.3.  An IPv6 block shorter than /96 ("::/0", "::/8") matches
 * no IPv4 address: IPv4 clients are matched by IPv4 blocks (or
 * ::ffff:0:0/96 and longer), as nginx does. */
#ifndef MH_CIDR_H
#define MH_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cidr {
    uint8_t addr[16]; /* the block's first address */
    uint8_t bits;     /* its prefix length, 0..128 */
};

enum cidr_result {
    CIDR_OK,
    CIDR_BAD,       /* not an address, nor address/length */
    CIDR_BAD_BITS,  /* the length is not a number within the family's */
    CIDR_HOST_BITS, /* bits set past the length: "10.1.2.3/8" */
};

/* One address ("10.1.2.3", "::1", "::ffff:10.1.2.3") of s[0, n). */
bool cidr_addr_parse(const char *s, size_t n, uint8_t out[16]);

/* One address or block ("10.0.0.0/8", "fd00::/8", "127.0.0.1"; an address
 * alone is a block of one) of s[0, n). */
enum cidr_result cidr_parse(const char *s, size_t n, struct cidr *out);

/* Whether addr lies in c. */
bool cidr_match(const struct cidr *c, const uint8_t addr[16]);

/* Whether addr lies in any of list[0, n). */
bool cidr_list_match(const struct cidr *list, size_t n, const uint8_t addr[16]);

/* Why cidr_parse() refused (for "FILE:LINE: ..."). */
const char *cidr_strerror(enum cidr_result r);

#endif
