/* htpasswd.h - password files in Apache's htpasswd format, strong hashes
 * only: bcrypt ($2y$, $2b$, $2a$: `htpasswd -B`), SHA-256-crypt ($5$),
 * SHA-512-crypt ($6$) and yescrypt ($y$: `mkpasswd`). */
#ifndef MH_HTPASSWD_H
#define MH_HTPASSWD_H

#include <stddef.h>

#include "bounds.h"

struct htpw_entry {
    char user[MH_AUTH_USER_MAX + 1];
    char hash[MH_AUTH_HASH_MAX + 1];
};

enum htpw_result {
    HTPW_OK,
    HTPW_SKIP,          /* a blank line or a '#' comment */
    HTPW_NO_COLON,      /* not "user:hash" */
    HTPW_BAD_USER,      /* empty, or a control byte in it */
    HTPW_USER_TOO_LONG, /* over MH_AUTH_USER_MAX */
    HTPW_WEAK_MD5,      /* $apr1$ or $1$ */
    HTPW_WEAK_SHA1,     /* {SHA} */
    HTPW_WEAK_CRYPT,    /* DES crypt or a plain-text password */
    HTPW_UNKNOWN,       /* a "$id$" scheme not listed above */
    HTPW_BAD_HASH,      /* a listed scheme, malformed or over MH_AUTH_HASH_MAX */
    HTPW_DUPLICATE,     /* the user is on an earlier line too */
    HTPW_TOO_MANY,      /* over MH_HTPASSWD_USERS_MAX users */
    HTPW_TOO_BIG,       /* over MH_HTPASSWD_FILE_MAX bytes */
    HTPW_NO_MEMORY,
};

/* One line s[0, n) (no newline; a trailing '\r' is allowed). */
enum htpw_result htpasswd_parse_line(const char *s, size_t n, struct htpw_entry *out);

/* A whole file, users sorted for htpasswd_find(). */
struct htpasswd {
    struct htpw_entry *e;
    size_t n;
};

/* Parse text[0, len) into a new set: NULL with *why and the 1-based *line
 * on an error (*line 0 for the whole file). */
struct htpasswd *htpasswd_new(const char *text, size_t len, unsigned *line,
                              enum htpw_result *why);
void htpasswd_free(struct htpasswd *h);

/* The entry of user[0, len), or NULL. */
const struct htpw_entry *htpasswd_find(const struct htpasswd *h, const char *user,
                                       size_t len);

const char *htpasswd_strerror(enum htpw_result r);

#endif
