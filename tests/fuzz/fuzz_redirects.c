/* fuzz_redirects.c - redir_set_new(), redir_set_match(), redir_set_describe()
 * and redir_parse_line() on arbitrary _redirects text.
 *
 * Checks: no crash or over-read (exact-size input, no NUL); each line parsed
 * alone agrees with the set: as many rules as good lines (up to
 * MH_REDIRECTS_RULES_MAX), as many bad() calls as bad lines, in increasing
 * line order; every rule describes into a buffer three lines long; a path
 * made from each rule's from (":name" -> "v", "*" -> "s/t", %XX decoded)
 * matches that rule or an earlier one, forced-only too when it is forced;
 * a target is printable ASCII with valid %XX only, a local one starts with
 * '/' and never "//", an absolute one with http(s)://, and query_at points
 * at the end or at a '#'; a small buffer gives the same rule or
 * MATCH_TOO_LONG with the buffer as it was. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "fuzz_common.h"
#include "redirects.h"

/* rules whose paths are tried */
#define PATHS_MAX 32
/* bytes: a target made from a derived path, or a description */
#define OUT_MAX (8 * MH_REDIRECTS_LINE_MAX)

struct bad_count {
    unsigned n, last_line;
};

static void on_bad(void *arg, unsigned line, enum redir_error e)
{
    struct bad_count *c = arg;
    FUZZ_CHECK(e != REDIR_OK && e != REDIR_BLANK);
    FUZZ_CHECK(line > c->last_line);
    FUZZ_CHECK(redir_error_text(e) != NULL);
    c->last_line = line;
    c->n++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A request path matching from (as written), into out; its length. */
static size_t path_of(const char *from, size_t n, char *out)
{
    size_t w = 0;
    if (n > 2 && from[n - 1] == '/')
        n--;
    if (n == 1) {
        out[0] = '/';
        return 1;
    }
    for (size_t i = 1, j; i <= n; i = j + 1) {
        const char *slash = memchr(from + i, '/', n - i);
        j = slash ? (size_t)(slash - from) : n;
        out[w++] = '/';
        if (j - i == 1 && from[i] == '*') {
            memcpy(out + w, "s/t", 3);
            w += 3;
        } else if (from[i] == ':') {
            out[w++] = 'v';
        } else {
            for (size_t k = i; k < j; k++) {
                if (from[k] == '%') {
                    out[w++] = (char)(hexval(from[k + 1]) * 16 + hexval(from[k + 2]));
                    k += 2;
                } else {
                    out[w++] = from[k];
                }
            }
        }
    }
    return w;
}

static bool url_byte(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("\"<>\\^`{|}", c);
}

static void check_target(const char *t, size_t n, const struct redir_hit *h)
{
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(url_byte((unsigned char)t[i]));
        if (t[i] == '%')
            FUZZ_CHECK(i + 2 < n && hexval(t[i + 1]) >= 0 && hexval(t[i + 2]) >= 0);
    }
    if (h->absolute) {
        FUZZ_CHECK(n > 7 && (t[4] == ':' || t[5] == ':'));
    } else {
        FUZZ_CHECK(n >= 1 && t[0] == '/');
        FUZZ_CHECK(n < 2 || t[1] != '/');
        FUZZ_CHECK(h->status != 0);
    }
    FUZZ_CHECK(h->query_at <= n);
    FUZZ_CHECK(h->query_at == n || t[h->query_at] == '#');
    if (h->has_query)
        FUZZ_CHECK(memchr(t, '?', h->query_at) != NULL);
}

/* Match path; check the target.  Returns the hit's line, 0 for none. */
static unsigned try_path(const struct redir_set *s, const char *path, size_t len,
                         bool forced_only, size_t small)
{
    static char out[OUT_MAX];
    struct buf b;
    struct redir_hit h;
    buf_init(&b, out, sizeof(out));
    enum redir_match m = redir_set_match(s, path, len, forced_only, &b, &h);
    if (m == REDIR_NO_MATCH)
        return 0;
    FUZZ_CHECK(h.line > 0);
    FUZZ_CHECK(!forced_only || h.forced);
    if (m == REDIR_MATCH_TOO_LONG) {
        FUZZ_CHECK(b.overflow && b.len == 0);
        return h.line;
    }
    FUZZ_CHECK(m == REDIR_MATCH && !b.overflow && b.len < sizeof(out));
    check_target(out, b.len, &h);

    /* the same into a small buffer, after a prefix */
    char tiny[64];
    struct buf t;
    struct redir_hit h2;
    buf_init(&t, tiny, small % sizeof(tiny) + 1);
    buf_putc(&t, '/');
    size_t before = t.len;
    bool was_over = t.overflow;
    m = redir_set_match(s, path, len, forced_only, &t, &h2);
    FUZZ_CHECK(m != REDIR_NO_MATCH && h2.line == h.line);
    if (m == REDIR_MATCH) {
        FUZZ_CHECK(t.len == before + b.len && memcmp(tiny + before, out, b.len) == 0);
    } else {
        FUZZ_CHECK(t.overflow && t.len == before);
        FUZZ_CHECK(was_over || before + b.len > t.cap);
    }
    return h.line;
}

/* Each line alone: counts and paths; agrees with the set. */
static void check_lines(const struct redir_set *s, const char *text, size_t size,
                        const struct bad_count *bad, size_t small)
{
    size_t ok = 0;
    unsigned nbad = 0, line = 0, tried = 0;
    static char path[2 * MH_REDIRECTS_LINE_MAX];
    for (size_t i = 0; i < size && ok <= MH_REDIRECTS_RULES_MAX;) {
        const char *nl = memchr(text + i, '\n', size - i);
        size_t j = nl ? (size_t)(nl - text) : size;
        struct redir_rule r;
        line++;
        enum redir_error e = redir_parse_line(text + i, j - i, &r);
        if (e == REDIR_OK) {
            FUZZ_CHECK(r.from >= text + i && r.from + r.from_len <= text + j);
            FUZZ_CHECK(r.to >= text + i && r.to + r.to_len <= text + j);
            ok++;
            if (ok > MH_REDIRECTS_RULES_MAX)
                nbad++; /* REDIR_TOO_MANY_RULES */
        } else if (e != REDIR_BLANK) {
            FUZZ_CHECK(redir_error_text(e)[0] != '\0');
            nbad++;
        }
        if (e == REDIR_OK && ok <= MH_REDIRECTS_RULES_MAX && tried++ < PATHS_MAX) {
            size_t n = path_of(r.from, r.from_len, path);
            unsigned hit = try_path(s, path, n, false, small + tried);
            FUZZ_CHECK(hit > 0 && hit <= line);
            if (r.forced) {
                hit = try_path(s, path, n, true, small);
                FUZZ_CHECK(hit > 0 && hit <= line);
            }
            path[n] = '/'; /* a trailing slash is ignored */
            FUZZ_CHECK(try_path(s, path, n + 1, false, small) ==
                       try_path(s, path, n, false, small));
        }
        i = j + 1;
    }
    FUZZ_CHECK(redir_set_count(s) ==
               (ok < MH_REDIRECTS_RULES_MAX ? ok : MH_REDIRECTS_RULES_MAX));
    FUZZ_CHECK(bad->n == nbad);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct bad_count bad = {0, 0};
    struct redir_set *s = redir_set_new(text, size, on_bad, &bad);
    FUZZ_CHECK(s != NULL);
    size_t small = size ? data[0] : 0;
    if (size <= MH_REDIRECTS_FILE_MAX)
        check_lines(s, text, size, &bad, small);

    static char desc[OUT_MAX];
    for (size_t i = 0; i < redir_set_count(s); i++) {
        struct buf b;
        buf_init(&b, desc, sizeof(desc));
        FUZZ_CHECK(redir_set_describe(s, i, &b));
        FUZZ_CHECK(b.len > 5 && memcmp(desc, "line ", 5) == 0);
    }
    struct buf b;
    buf_init(&b, desc, sizeof(desc));
    FUZZ_CHECK(!redir_set_describe(s, redir_set_count(s), &b));

    /* the input itself, and its last bytes, as paths */
    if (size && text[0] == '/')
        try_path(s, text, size, false, small);
    const char *slash = size ? memchr(text, '/', size) : NULL;
    if (slash) {
        size_t n = size - (size_t)(slash - text);
        try_path(s, slash, n, small & 1, small);
    }
    try_path(s, "/", 1, false, small);
    try_path(s, "/", 1, true, small);
    redir_set_free(s);
    return 0;
}
