/* redirects.h - _redirects files (Netlify, GitLab Pages, Cloudflare Pages).
 *
 * A file holds lines "from  to  [status]" (minihttpd(8), "_redirects
 * files").  It is parsed once per version into a rule set, which then
 * answers "the first rule matching this path" without allocating.  Paths
 * here are relative to the file's directory and start with '/': the
 * caller strips the directory from the request and puts it before a
 * local target.
 *
 * from:   a path: '/', then segments.  A segment ":name" (':', a letter or
 *         '_', then letters, digits, '_') matches one non-empty segment of
 *         the request; a last segment "*" matches the rest (possibly empty).
 *         Other segments are literal, percent-decoded once ("%3A" and "%2A"
 *         are a literal ':' and '*'); raw bytes >= 0x80 are literal too.
 *         A trailing '/' is ignored, so "/old/" is "/old".
 * to:     a local path ("/...", not "//...") or an http:// or https:// URL,
 *         in URL form, with ":name" and ":splat" replaced by what the
 *         placeholder (or the '*') matched: ':' and a name is a placeholder
 *         wherever it stands ("/a-:b" uses :b; ":8080" is none).  It may
 *         hold "?query" and "#fragment".
 * status: 301 (the default), 302, 303, 307, 308; 200 (rewrite) and 404
 *         (the page served with 404) need a local target; "!" after it
 *         forces the rule ("301!").
 * '#' at the start of a field begins a comment; blank lines are ignored;
 * a '\r' ending a line is ignored (CRLF files). */
#ifndef MH_REDIRECTS_H
#define MH_REDIRECTS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum redir_error {
    REDIR_OK = 0,
    REDIR_BLANK,           /* blank or comment line: no rule, no error */
    REDIR_LINE_TOO_LONG,   /* over MH_REDIRECTS_LINE_MAX bytes */
    REDIR_BAD_BYTE,        /* NUL, control byte or backslash (in from, %-encoded too) */
    REDIR_NO_TARGET,       /* only one field */
    REDIR_EXTRA_FIELD,     /* more than three fields */
    REDIR_BAD_FROM,        /* from does not start with '/' */
    REDIR_FROM_QUERY,      /* '?' or '#' in from */
    REDIR_FROM_NOT_NORMAL, /* an empty, "." or ".." segment in from */
    REDIR_ENCODED_SLASH,   /* %2F in from */
    REDIR_BAD_ESCAPE,      /* '%' without two hex digits */
    REDIR_BAD_SPLAT,       /* '*' other than as the whole last segment */
    REDIR_BAD_PLACEHOLDER, /* ":..." segment that is not a name, or ":splat" */
    REDIR_DUP_PLACEHOLDER, /* a name twice in from */
    REDIR_TOO_MANY_PLACEHOLDERS,   /* over MH_REDIRECTS_PLACEHOLDERS_MAX */
    REDIR_BAD_TARGET,              /* to neither "/..." nor http(s)://host... */
    REDIR_UNDEFINED_PLACEHOLDER,   /* to uses :name (or :splat) from lacks */
    REDIR_BAD_STATUS,              /* not one of the statuses above */
    REDIR_ABSOLUTE_NEEDS_REDIRECT, /* 200 or 404 with an http(s) target */
    REDIR_TOO_MANY_RULES,          /* set only: the first rule past the bound */
    REDIR_FILE_TOO_LARGE,          /* set only: the first line past the bound */
};

/* A short English text for e, without the line ("unknown status ..."). */
const char *redir_error_text(enum redir_error e);

/* One line as written: the strings point into the line. */
struct redir_rule {
    const char *from; /* the from field as written */
    size_t from_len;
    const char *to; /* the to field as written */
    size_t to_len;
    int status;            /* 200, 301, 302, 303, 307, 308 or 404 */
    bool forced;           /* "!" after the status */
    bool absolute;         /* to is an http:// or https:// URL */
    bool splat;            /* from ends with '*' */
    unsigned placeholders; /* in from, the '*' included */
};

/* Parse one line (without its '\n').  Pure: no I/O, no allocation, no
 * logging.  REDIR_OK fills *r; REDIR_BLANK for a blank or comment line;
 * anything else is a bad line (*r is then unspecified). */
enum redir_error redir_parse_line(const char *line, size_t len, struct redir_rule *r);

/* Called for each bad line of a file, in file order (lines count from 1). */
typedef void (*redir_bad_fn)(void *arg, unsigned line, enum redir_error e);

struct redir_set;

/* The rules of a file's text, parsed once; the set owns a copy of what it
 * needs (text may be freed after).  bad(arg, line, error) is called for
 * each bad line (bad may be NULL); the good lines still apply.  Past
 * MH_REDIRECTS_FILE_MAX bytes (the caller reads at most one more) the first
 * line not wholly within them is reported as REDIR_FILE_TOO_LARGE and the
 * rest ignored; the first rule past MH_REDIRECTS_RULES_MAX is reported as
 * REDIR_TOO_MANY_RULES and the rest of the file ignored.  NULL only when
 * out of memory. */
struct redir_set *redir_set_new(const char *text, size_t len, redir_bad_fn bad,
                                void *arg);
void redir_set_free(struct redir_set *s);
/* Rules kept (good lines). */
size_t redir_set_count(const struct redir_set *s);
/* Whether any rule is forced: when not, a forced_only match is a miss. */
bool redir_set_has_forced(const struct redir_set *s);

enum redir_match {
    REDIR_NO_MATCH = 0,
    REDIR_MATCH,
    REDIR_MATCH_TOO_LONG, /* a rule matched, its target did not fit in `to` */
};

struct redir_hit {
    int status;      /* as in struct redir_rule */
    bool forced;     /* the rule had '!' */
    bool absolute;   /* the target is an http(s) URL: no directory before it */
    bool has_query;  /* the target has a '?' (before any '#') */
    size_t query_at; /* where a request's query goes when !has_query: the offset
                      * of the target's '#', or its length, from the start of
                      * what was appended to `to` */
    unsigned line;   /* the rule's line in the file */
};

/* The first rule, in file order, matching path[0, len): decoded and
 * normalised (path_resolve()), relative to the file's directory, starting
 * with '/'; one trailing '/' is ignored.  forced_only: only rules with '!'
 * (O(1) when there is none).  On a match, appends the target to `to` in URL
 * form: the to text as written (bytes that may not appear in a URL, such
 * as raw UTF-8, percent-encoded) with each value percent-encoded by
 * buf_put_urlenc() ('/' of a :splat kept), fills *hit and returns
 * REDIR_MATCH.  A local target never starts with "//".  REDIR_MATCH_TOO_LONG:
 * the target did not fit; `to` is then as before, with overflow set, and
 * *hit filled.  No allocation, no I/O; a set is safe to match from several
 * threads at once. */
enum redir_match redir_set_match(const struct redir_set *s, const char *path,
                                 size_t len, bool forced_only, struct buf *to,
                                 struct redir_hit *hit);

/* Rule i (0 <= i < count) as understood, for --check-redirects:
 * "line 3: /api/:v/intro -> /api/:v/start 302", from normalised (literal bytes
 * re-encoded where ambiguous), the status with '!' when forced and
 * " (rewrite)" after 200, " (not found)" after 404.  False on overflow. */
bool redir_set_describe(const struct redir_set *s, size_t i, struct buf *b);

#endif
