/* htpasswd.c - parse htpasswd files, refusing weak hashes.
 *
 * Owns: which hash schemes are accepted and what a well-formed hash of each
 * looks like, so a typo or an MD5 line is a FILE:LINE error at load, not a
 * user who can never log in.  Never verifies a password (authcheck.c does,
 * off the event loop) and never logs; htpasswd_new() allocates the set,
 * the parsers do not. */
#include "htpasswd.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool is_b64(char c) /* crypt's alphabet: ./0-9A-Za-z */
{
    return c == '.' || c == '/' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z');
}

/* The run of crypt-alphabet bytes at s[0, n): its length. */
static size_t b64_run(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_b64(s[i]))
        i++;
    return i;
}

/* $2y$NN$ + 22 bytes of salt and 31 of hash */
static bool bcrypt_ok(const char *h, size_t n)
{
    return n == 60 && h[3] == '$' && h[4] >= '0' && h[4] <= '3' && h[5] >= '0' &&
           h[5] <= '9' && (h[4] - '0') * 10 + (h[5] - '0') >= 4 &&
           (h[4] - '0') * 10 + (h[5] - '0') <= 31 && h[6] == '$' &&
           b64_run(h + 7, 53) == 53;
}

/* $5$ / $6$ [rounds=N$] salt(1..16) $ hash(43 / 86) */
static bool shacrypt_ok(const char *h, size_t n, size_t hash_len)
{
    size_t i = 3;
    if (n - i > 7 && !memcmp(h + i, "rounds=", 7)) {
        i += 7;
        size_t d = i;
        while (i < n && h[i] >= '0' && h[i] <= '9')
            i++;
        if (i == d || i - d > 9 || i == n || h[i] != '$')
            return false;
        i++;
    }
    size_t salt = b64_run(h + i, n - i);
    if (salt == 0 || salt > 16 || i + salt == n || h[i + salt] != '$')
        return false;
    i += salt + 1;
    return n - i == hash_len && b64_run(h + i, n - i) == hash_len;
}

/* $y$ params $ salt $ hash(43) */
static bool yescrypt_ok(const char *h, size_t n)
{
    size_t i = 3;
    for (int field = 0; field < 2; field++) {
        size_t run = b64_run(h + i, n - i);
        if (run == 0 || i + run == n || h[i + run] != '$')
            return false;
        i += run + 1;
    }
    return n - i == 43 && b64_run(h + i, n - i) == 43;
}

static enum htpw_result check_hash(const char *h, size_t n)
{
    if (n >= 6 && !memcmp(h, "$apr1$", 6))
        return HTPW_WEAK_MD5;
    if (n >= 3 && !memcmp(h, "$1$", 3))
        return HTPW_WEAK_MD5;
    if (n >= 5 && !memcmp(h, "{SHA}", 5))
        return HTPW_WEAK_SHA1;
    if (n == 0 || h[0] != '$')
        return HTPW_WEAK_CRYPT; /* 13 bytes of DES crypt, or plain text */
    if (n > MH_AUTH_HASH_MAX)
        return HTPW_BAD_HASH;
    if (n >= 4 && h[1] == '2' && (h[2] == 'y' || h[2] == 'b' || h[2] == 'a') &&
        h[3] == '$')
        return bcrypt_ok(h, n) ? HTPW_OK : HTPW_BAD_HASH;
    if (n >= 3 && h[2] == '$' && (h[1] == '5' || h[1] == '6'))
        return shacrypt_ok(h, n, h[1] == '5' ? 43 : 86) ? HTPW_OK : HTPW_BAD_HASH;
    if (n >= 3 && h[1] == 'y' && h[2] == '$')
        return yescrypt_ok(h, n) ? HTPW_OK : HTPW_BAD_HASH;
    return HTPW_UNKNOWN;
}

enum htpw_result htpasswd_parse_line(const char *s, size_t n, struct htpw_entry *out)
{
    if (n > 0 && s[n - 1] == '\r')
        n--;
    size_t b = 0;
    while (b < n && (s[b] == ' ' || s[b] == '\t'))
        b++;
    if (b == n || s[b] == '#')
        return HTPW_SKIP;
    const char *colon = memchr(s, ':', n);
    if (!colon)
        return HTPW_NO_COLON;
    size_t ulen = (size_t)(colon - s);
    if (ulen == 0)
        return HTPW_BAD_USER;
    if (ulen > MH_AUTH_USER_MAX)
        return HTPW_USER_TOO_LONG;
    for (size_t i = 0; i < ulen; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return HTPW_BAD_USER;
    const char *h = colon + 1;
    size_t hlen = n - ulen - 1;
    enum htpw_result r = check_hash(h, hlen);
    if (r != HTPW_OK)
        return r;
    memcpy(out->user, s, ulen);
    out->user[ulen] = '\0';
    memcpy(out->hash, h, hlen);
    out->hash[hlen] = '\0';
    return HTPW_OK;
}

static int by_user(const void *a, const void *b)
{
    return strcmp(((const struct htpw_entry *)a)->user,
                  ((const struct htpw_entry *)b)->user);
}

/* Parse every line of text[0, len) into h (room for cap entries), each
 * entry's line into lines[]. */
static enum htpw_result parse_all(const char *text, size_t len, struct htpasswd *h,
                                  size_t cap, unsigned *lines, unsigned *line)
{
    unsigned ln = 0;
    for (size_t b = 0; b < len;) {
        const char *nl = memchr(text + b, '\n', len - b);
        size_t e = nl ? (size_t)(nl - text) : len;
        struct htpw_entry spare;
        ln++;
        enum htpw_result r =
            htpasswd_parse_line(text + b, e - b, h->n < cap ? &h->e[h->n] : &spare);
        if (r == HTPW_OK && h->n == cap)
            r = HTPW_TOO_MANY;
        if (r != HTPW_OK && r != HTPW_SKIP) {
            *line = ln;
            return r;
        }
        if (r == HTPW_OK)
            lines[h->n++] = ln;
        b = e + 1;
    }
    return HTPW_OK;
}

struct user_line {
    const char *user;
    unsigned line;
};

static int by_user_line(const void *a, const void *b)
{
    const struct user_line *x = a, *y = b;
    int c = strcmp(x->user, y->user);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* A user on two lines: the later line, or 0.  (-1: out of memory.) */
static long duplicate_line(const struct htpasswd *h, const unsigned *lines)
{
    struct user_line *ul = calloc(h->n ? h->n : 1, sizeof(*ul));
    if (!ul)
        return -1;
    for (size_t i = 0; i < h->n; i++)
        ul[i] = (struct user_line){h->e[i].user, lines[i]};
    qsort(ul, h->n, sizeof(*ul), by_user_line);
    long dup = 0;
    for (size_t i = 1; i < h->n && !dup; i++)
        if (!strcmp(ul[i - 1].user, ul[i].user))
            dup = ul[i].line;
    free(ul);
    return dup;
}

struct htpasswd *htpasswd_new(const char *text, size_t len, unsigned *line,
                              enum htpw_result *why)
{
    *line = 0;
    if (len > MH_HTPASSWD_FILE_MAX) {
        *why = HTPW_TOO_BIG;
        return NULL;
    }
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += text[i] == '\n';
    if (cap > MH_HTPASSWD_USERS_MAX)
        cap = MH_HTPASSWD_USERS_MAX;
    struct htpasswd *h = calloc(1, sizeof(*h));
    unsigned *lines = calloc(cap, sizeof(*lines));
    if (h)
        h->e = calloc(cap, sizeof(*h->e));
    enum htpw_result r = HTPW_NO_MEMORY;
    if (h && h->e && lines)
        r = parse_all(text, len, h, cap, lines, line);
    if (r == HTPW_OK) {
        long dup = duplicate_line(h, lines);
        if (dup != 0) {
            r = dup < 0 ? HTPW_NO_MEMORY : HTPW_DUPLICATE;
            *line = dup > 0 ? (unsigned)dup : 0;
        }
    }
    free(lines);
    if (r != HTPW_OK) {
        *why = r;
        htpasswd_free(h);
        return NULL;
    }
    qsort(h->e, h->n, sizeof(*h->e), by_user);
    return h;
}

void htpasswd_free(struct htpasswd *h)
{
    if (!h)
        return;
    if (h->e) /* the hashes are not secret, but leave no copy around */
        memset(h->e, 0, h->n * sizeof(*h->e));
    free(h->e);
    free(h);
}

const struct htpw_entry *htpasswd_find(const struct htpasswd *h, const char *user,
                                       size_t len)
{
    if (len > MH_AUTH_USER_MAX || memchr(user, '\0', len))
        return NULL;
    struct htpw_entry key;
    memcpy(key.user, user, len);
    key.user[len] = '\0';
    return bsearch(&key, h->e, h->n, sizeof(*h->e), by_user);
}

const char *htpasswd_strerror(enum htpw_result r)
{
    switch (r) {
    case HTPW_OK:
    case HTPW_SKIP:
        return "ok";
    case HTPW_NO_COLON:
        return "not user:hash";
    case HTPW_BAD_USER:
        return "the user name is empty or holds a control character";
    case HTPW_USER_TOO_LONG:
        return "the user name is longer than 255 bytes";
    case HTPW_WEAK_MD5:
        return "an MD5 hash ($apr1$, $1$) is too weak: make it again with htpasswd -B";
    case HTPW_WEAK_SHA1:
        return "a {SHA} hash is too weak: make it again with htpasswd -B";
    case HTPW_WEAK_CRYPT:
        return "a DES crypt hash or a plain-text password is too weak: make it again "
               "with htpasswd -B";
    case HTPW_UNKNOWN:
        return "an unknown hash scheme (bcrypt $2y$, SHA-crypt $5$/$6$ and yescrypt "
               "$y$ are accepted)";
    case HTPW_BAD_HASH:
        return "a malformed hash";
    case HTPW_DUPLICATE:
        return "the user is on an earlier line too";
    case HTPW_TOO_MANY:
        return "more than 10000 users";
    case HTPW_TOO_BIG:
        return "larger than 1 MiB";
    case HTPW_NO_MEMORY:
        return "out of memory";
    }
    return "?";
}
