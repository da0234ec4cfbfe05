/* fuzz_statusacl.c - statusacl_parse() and statusacl_allows() on arbitrary
 * bytes.
 *
 * Input: up to the first '\n' a peer address, the rest an allow list.
 * Checks: no crash or over-read (exact-size copies, no NUL); a result is
 * one of the enum's; on success 1..MH_STATUS_ALLOW_MAX entries, each
 * prefix within its family's width, and every entry's own address (as
 * text) is allowed; on failure the offending word lies inside the input;
 * the same input parsed twice gives the same answer. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "statusacl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t plen = nl ? (size_t)(nl - data) : 0;
    size_t off = nl ? plen + 1 : 0, len = size - off;
    char *list = malloc(len ? len : 1), *peer = malloc(plen ? plen : 1);
    FUZZ_CHECK(list && peer);
    if (len)
        memcpy(list, data + off, len);
    if (plen)
        memcpy(peer, data, plen);

    struct statusacl a, b;
    size_t at, n, at2, n2;
    enum statusacl_result r = statusacl_parse(list, len, &a, &at, &n);
    FUZZ_CHECK(r >= STATUSACL_OK && r <= STATUSACL_TOO_MANY);
    FUZZ_CHECK(statusacl_parse(list, len, &b, &at2, &n2) == r && at == at2 && n == n2);
    if (r == STATUSACL_OK) {
        FUZZ_CHECK(a.n >= 1 && a.n <= MH_STATUS_ALLOW_MAX);
        for (unsigned i = 0; i < a.n; i++) {
            FUZZ_CHECK(a.e[i].bits <= 128);
            static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
                                               0, 0, 0, 0, 0xff, 0xff};
            bool v4 = !memcmp(a.e[i].addr, mapped, sizeof(mapped));
            char text[INET6_ADDRSTRLEN];
            FUZZ_CHECK(inet_ntop(v4 ? AF_INET : AF_INET6,
                                 v4 ? a.e[i].addr + 12 : a.e[i].addr, text,
                                 sizeof(text)) != NULL);
            FUZZ_CHECK(statusacl_allows(&a, text, strlen(text)));
        }
    } else {
        FUZZ_CHECK(at <= len && n <= len - at);
    }
    (void)statusacl_allows(&a, peer, plen);
    free(list);
    free(peer);
    return 0;
}
