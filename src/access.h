/* access.h - [access] rules: who may read which path.
 *
 * The rules are plain data made by config.c; this file answers the pure
 * questions a request asks of them: which rule holds for a path (longest
 * prefix), whether an address is allowed, who the client is behind a
 * trusted proxy, and what Basic credentials say. */
#ifndef MH_ACCESS_H
#define MH_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bounds.h"
#include "cidr.h"
#include "route.h"

/* One [access] or [access /prefix/] section, its left-out keys taken from
 * [access] (config.c resolves them). */
struct access_rule {
    char prefix[MH_ACCESS_PREFIX_MAX + 1]; /* "/" for [access]; ends in '/' */
    size_t prefix_len;
    bool allow_any;    /* no allow list: every address */
    unsigned allow_at; /* its allow list: cidrs[allow_at, +allow_n) */
    unsigned allow_n;  /* of struct access_rules */
    int auth;          /* auth_files[auth]; -1: no authentication */
    char realm[MH_REALM_MAX + 1];
    unsigned line; /* the section's header line */
};

struct access_rules {
    bool on;    /* any [access] section at all */
    unsigned n; /* rule[0, n): longest prefix first, "/" last */
    struct access_rule rule[MH_ACCESS_RULES_MAX + 1];
    struct cidr cidrs[MH_CIDRS_MAX];
    unsigned n_cidrs;
    unsigned trusted_at, trusted_n; /* trusted_proxies: cidrs[at, +n) */
    unsigned n_auth;
    char auth_files[MH_AUTH_FILES_MAX][MH_FS_PATH_MAX]; /* absolute */
    unsigned auth_line[MH_AUTH_FILES_MAX];              /* where first named */
};

/* The rule for the URL path path[0, len) ("/a/b.html", "/a/" for a
 * directory): the longest prefix it starts with ("/team-a" is not under
 * "/team-a/": it may be team-a.html; its slash redirect is asked as
 * "/team-a/").  NULL when rules are off. */
const struct access_rule *access_rule_for(const struct access_rules *a,
                                          const char *path, size_t len);

/* Whether addr may be served under r. */
bool access_addr_allowed(const struct access_rules *a, const struct access_rule *r,
                         const uint8_t addr[16]);

enum access_client_result {
    ACCESS_CLIENT_PEER,      /* the peer itself (not a trusted proxy, or no
                                X-Forwarded-For) */
    ACCESS_CLIENT_FORWARDED, /* an address from X-Forwarded-For */
    ACCESS_CLIENT_BAD,       /* a trusted proxy sent an X-Forwarded-For
                                entry that is not an address */
};

/* Who the client of a request from peer is: the peer, unless it is one of
 * trusted_proxies; then the rightmost X-Forwarded-For address (all such
 * headers, in the order they came) that is not a trusted proxy, or the
 * leftmost one if all are (at most MH_XFF_HOPS_MAX looked at). */
enum access_client_result access_client(const struct access_rules *a,
                                        const uint8_t peer[16],
                                        const struct req_header *hdr, size_t n,
                                        uint8_t out[16]);

struct basic_cred {
    char user[MH_AUTH_USER_MAX + 1];
    char pass[MH_AUTH_PASSWORD_MAX + 1];
    size_t user_len, pass_len;
};

enum basic_result {
    BASIC_OK,
    BASIC_OTHER_SCHEME, /* not "Basic ..." */
    BASIC_BAD,          /* not base64 of "user:password", a control byte or a
                           NUL in it, or longer than the bounds */
};

/* An Authorization header value v[0, n). */
enum basic_result access_basic_parse(const char *v, size_t n, struct basic_cred *out);

#endif
