/* fuzz_access.c - the parsers of access control on arbitrary bytes:
 * cidr_parse() (allow, trusted_proxies), access_basic_parse() (the
 * Authorization header), htpasswd_parse_line() and access_client() (the
 * X-Forwarded-For walk).
 *
 * Checks: no crash or over-read (exact-size buffers, no NUL); a block
 * parsed is at most /128 and holds its own first address; credentials
 * parsed fit their bounds, have a non-empty user without control bytes and
 * no NUL in the password; an htpasswd entry accepted has one of the
 * accepted schemes; the client found is the peer or an address that parses
 * as one of the header's items. */
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "cidr.h"
#include "fuzz_common.h"
#include "htpasswd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;

    struct cidr c;
    if (cidr_parse(s, size, &c) == CIDR_OK) {
        FUZZ_CHECK(c.bits <= 128);
        FUZZ_CHECK(cidr_match(&c, c.addr));
    }

    struct basic_cred cred;
    if (access_basic_parse(s, size, &cred) == BASIC_OK) {
        FUZZ_CHECK(cred.user_len > 0 && cred.user_len <= MH_AUTH_USER_MAX);
        FUZZ_CHECK(cred.pass_len <= MH_AUTH_PASSWORD_MAX);
        FUZZ_CHECK(strlen(cred.user) == cred.user_len && !strchr(cred.user, ':'));
        FUZZ_CHECK(strlen(cred.pass) == cred.pass_len);
        for (size_t i = 0; i < cred.user_len; i++)
            FUZZ_CHECK((unsigned char)cred.user[i] >= 0x20 && cred.user[i] != 0x7f);
    }

    struct htpw_entry e;
    if (htpasswd_parse_line(s, size, &e) == HTPW_OK) {
        FUZZ_CHECK(e.user[0] && strlen(e.user) <= MH_AUTH_USER_MAX);
        FUZZ_CHECK(!strncmp(e.hash, "$2", 2) || !strncmp(e.hash, "$5$", 3) ||
                   !strncmp(e.hash, "$6$", 3) || !strncmp(e.hash, "$y$", 3));
    }

    /* the bytes as one X-Forwarded-For value from a trusted peer */
    char *v = malloc(size + 1);
    FUZZ_CHECK(v != NULL);
    if (size)
        memcpy(v, s, size);
    v[size] = '\0';
    static struct access_rules a; /* large: not on the stack */
    a.on = true;
    a.n_cidrs = 1;
    cidr_parse("127.0.0.0/8", 11, &a.cidrs[0]);
    a.trusted_at = 0;
    a.trusted_n = 1;
    struct req_header h = {"X-Forwarded-For", v};
    uint8_t peer[16], out[16];
    cidr_addr_parse("127.0.0.1", 9, peer);
    enum access_client_result r = access_client(&a, peer, &h, 1, out);
    if (r == ACCESS_CLIENT_PEER)
        FUZZ_CHECK(!memcmp(out, peer, 16));
    if (r == ACCESS_CLIENT_FORWARDED)
        FUZZ_CHECK(strchr(v, '.') || strchr(v, ':'));
    free(v);
    return 0;
}
