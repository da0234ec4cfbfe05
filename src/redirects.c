/* redirects.c - parse _redirects files, index their rules, match paths.
 *
 * Owns: what a _redirects line means (redirects.h) and which rule answers
 * a path.  A file is parsed once into a set: `from` compiled to a pattern
 * string (literal segments decoded; a placeholder as SEG_NAME + name, the
 * '*' as SEG_SPLAT, bytes no decoded segment can hold), `to` kept as
 * written.  Placeholder-free rules go in a hash table keyed by their path
 * (first rule, first forced rule); the others are tried in file order
 * after a prefix compare, only those before the exact hit.  So a match
 * costs a hash and a few compares whatever the number of rules.
 *
 * Never does I/O or logs (the caller reports bad lines), never allocates
 * outside redir_set_new, never writes past a buf: a target that does not
 * fit is an error, never cut. */
#include "redirects.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"

#define SEG_NAME  '\x01' /* a ":name" segment in a compiled pattern */
#define SEG_SPLAT '\x02' /* the final "*" */
#define NONE      UINT32_MAX

#define R_FORCED   1u
#define R_ABSOLUTE 2u
#define R_PATTERN  4u /* has placeholders: not in the hash table */

struct rule {
    uint32_t pat, pat_len; /* the compiled from, in s->text */
    uint32_t prefix_len;   /* literal bytes before the first placeholder segment */
    uint32_t to, to_len;   /* to as written, in s->text */
    uint32_t line;
    uint16_t status;
    uint8_t flags;
};

struct slot {
    uint32_t hash;
    uint32_t any;    /* the first rule with this key; NONE: empty slot */
    uint32_t forced; /* the first forced one, or NONE */
};

/* A patterned rule in a list: its first literal bytes at hand, so most
 * rules are rejected with one compare and no other memory touched. */
struct pat_entry {
    uint64_t head, mask; /* up to 8 first bytes of the prefix, and which */
    uint32_t rule;
};

struct redir_set {
    struct rule *rules;
    size_t n, cap;
    char *text; /* compiled froms and tos */
    size_t text_len, text_cap;
    struct pat_entry *pat_all, *pat_forced; /* patterned rules, in file order */
    size_t npat, npat_forced;
    struct slot *table; /* power-of-two size, at most half full */
    size_t mask;
    size_t nforced;
};

/* A placeholder's value while matching. */
struct capture {
    const char *name, *val;
    size_t name_len, val_len;
};

/* A field of a line. */
struct field {
    const char *s;
    size_t n;
};

/* What compile_from learnt of from, for checking to. */
struct from_info {
    struct field names[MH_REDIRECTS_PLACEHOLDERS_MAX];
    unsigned nnames; /* ":name" segments */
    unsigned n;      /* placeholders, the '*' included */
    bool splat;
};

static const char *const error_texts[] = {
    [REDIR_OK] = "ok",
    [REDIR_BLANK] = "blank or comment line",
    [REDIR_LINE_TOO_LONG] = "line too long",
    [REDIR_BAD_BYTE] = "a control byte, NUL or backslash (raw, or %-encoded in from)",
    [REDIR_NO_TARGET] = "no target: a rule is \"from to [status]\"",
    [REDIR_EXTRA_FIELD] = "more than three fields (conditions and query matching are "
                          "not supported)",
    [REDIR_BAD_FROM] = "from must start with '/'",
    [REDIR_FROM_QUERY] = "'?' or '#' in from (query and fragment matching are not "
                         "supported)",
    [REDIR_FROM_NOT_NORMAL] = "from has an empty, '.' or '..' segment",
    [REDIR_ENCODED_SLASH] = "an encoded '/' (%2F) in from",
    [REDIR_BAD_ESCAPE] = "a '%' not followed by two hex digits",
    [REDIR_BAD_SPLAT] = "'*' must be the whole last segment of from (as in /blog/*)",
    [REDIR_BAD_PLACEHOLDER] = "a placeholder is a whole segment ':name' (a letter or "
                              "'_', then letters, digits or '_'; not :splat)",
    [REDIR_DUP_PLACEHOLDER] = "a placeholder name appears twice in from",
    [REDIR_TOO_MANY_PLACEHOLDERS] = "too many placeholders in from",
    [REDIR_BAD_TARGET] = "to must be a local path ('/', not '//') or an http:// or "
                         "https:// URL",
    [REDIR_UNDEFINED_PLACEHOLDER] = "to uses a placeholder that from does not have "
                                    "(:splat needs a '*')",
    [REDIR_BAD_STATUS] = "unknown status (301, 302, 303, 307, 308, 200 or 404, then "
                         "an optional '!')",
    [REDIR_ABSOLUTE_NEEDS_REDIRECT] = "a rewrite (200) or 404 needs a local target",
    [REDIR_TOO_MANY_RULES] = "too many rules; this one and the rest are ignored",
    [REDIR_FILE_TOO_LARGE] = "file too large; this line and the rest are ignored",
};

const char *redir_error_text(enum redir_error e)
{
    if ((size_t)e >= sizeof(error_texts) / sizeof(error_texts[0]) || !error_texts[e])
        return "unknown error";
    return error_texts[e];
}

/* --- characters --- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

/* A byte no path or URL in a rule may hold. */
static bool is_bad_byte(unsigned char c)
{
    return c < 0x20 || c == 0x7f || c == '\\';
}

static bool is_escape(const char *s, size_t n, size_t i)
{
    return i + 2 < n && buf_hex_digit(s[i + 1]) >= 0 && buf_hex_digit(s[i + 2]) >= 0;
}

/* The length of the placeholder name after the ':' at s[i], 0 if none. */
static size_t placeholder_at(const char *s, size_t n, size_t i)
{
    size_t j = i + 1;
    if (j >= n || !is_name_start(s[j]))
        return 0;
    while (j < n && is_name_char(s[j]))
        j++;
    return j - i - 1;
}

static bool field_is(struct field f, const char *s)
{
    size_t n = strlen(s);
    return f.n == n && memcmp(f.s, s, n) == 0;
}

/* --- one line --- */

/* Split a line into fields; a field starting with '#' ends it.  At most 4
 * are looked at (a 4th is one too many). */
static unsigned split_fields(const char *line, size_t len, struct field f[4])
{
    unsigned nf = 0;
    size_t i = 0;
    while (nf < 4) {
        while (i < len && is_blank(line[i]))
            i++;
        if (i == len || line[i] == '#')
            break;
        size_t b = i;
        while (i < len && !is_blank(line[i]))
            i++;
        f[nf].s = line + b;
        f[nf++].n = i - b;
    }
    return nf;
}

/* One literal segment of from, decoded into out. */
static enum redir_error literal_segment(const char *s, size_t n, char *out,
                                        size_t *out_n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '*')
            return REDIR_BAD_SPLAT;
        if (c == '%') {
            if (!is_escape(s, n, i))
                return REDIR_BAD_ESCAPE;
            c = (unsigned char)(buf_hex_digit(s[i + 1]) * 16 + buf_hex_digit(s[i + 2]));
            i += 2;
            if (c == '/')
                return REDIR_ENCODED_SLASH;
        }
        if (is_bad_byte(c))
            return REDIR_BAD_BYTE;
        out[w++] = (char)c;
    }
    if ((w == 1 && out[0] == '.') || (w == 2 && out[0] == '.' && out[1] == '.'))
        return REDIR_FROM_NOT_NORMAL;
    *out_n = w;
    return REDIR_OK;
}

/* A ":name" segment: checked against the names before it. */
static enum redir_error name_segment(struct field seg, struct from_info *fi)
{
    struct field name = {seg.s + 1, seg.n - 1};
    if (name.n == 0 || placeholder_at(seg.s, seg.n, 0) != name.n ||
        field_is(name, "splat"))
        return REDIR_BAD_PLACEHOLDER;
    for (unsigned k = 0; k < fi->nnames; k++)
        if (fi->names[k].n == name.n && memcmp(fi->names[k].s, name.s, name.n) == 0)
            return REDIR_DUP_PLACEHOLDER;
    if (fi->n == MH_REDIRECTS_PLACEHOLDERS_MAX)
        return REDIR_TOO_MANY_PLACEHOLDERS;
    fi->names[fi->nnames++] = name;
    fi->n++;
    return REDIR_OK;
}

/* One segment of from (s[0, n), between slashes) compiled into out. */
static enum redir_error from_segment(struct field seg, bool last, char *out, size_t *w,
                                     struct from_info *fi)
{
    out[(*w)++] = '/';
    if (seg.n == 0)
        return REDIR_FROM_NOT_NORMAL;
    if (seg.n == 1 && seg.s[0] == '*') {
        if (!last)
            return REDIR_BAD_SPLAT;
        if (fi->n == MH_REDIRECTS_PLACEHOLDERS_MAX)
            return REDIR_TOO_MANY_PLACEHOLDERS;
        fi->n++;
        fi->splat = true;
        out[(*w)++] = SEG_SPLAT;
        return REDIR_OK;
    }
    if (seg.s[0] != ':') {
        size_t n;
        enum redir_error e = literal_segment(seg.s, seg.n, out + *w, &n);
        *w += n;
        return e;
    }
    enum redir_error e = name_segment(seg, fi);
    if (e == REDIR_OK) {
        out[(*w)++] = SEG_NAME;
        memcpy(out + *w, seg.s + 1, seg.n - 1);
        *w += seg.n - 1;
    }
    return e;
}

/* Check from and compile it into out (room for f.n bytes): "/" for the
 * root, else "/seg" per segment, one trailing '/' dropped. */
static enum redir_error compile_from(struct field f, char *out, size_t *out_len,
                                     struct from_info *fi)
{
    const char *s = f.s;
    size_t n = f.n;
    fi->n = fi->nnames = 0;
    fi->splat = false;
    if (s[0] != '/')
        return REDIR_BAD_FROM;
    if (memchr(s, '?', n) || memchr(s, '#', n))
        return REDIR_FROM_QUERY;
    if (n > 2 && s[n - 1] == '/')
        n--;
    size_t w = 0;
    if (n == 1) {
        out[w++] = '/';
    } else {
        for (size_t i = 1, j; i <= n; i = j + 1) {
            const char *slash = memchr(s + i, '/', n - i);
            j = slash ? (size_t)(slash - s) : n;
            struct field seg = {s + i, j - i};
            enum redir_error e = from_segment(seg, j == n, out, &w, fi);
            if (e != REDIR_OK)
                return e;
        }
    }
    *out_len = w;
    return REDIR_OK;
}

static bool starts_with_nocase(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != prefix[i])
            return false;
    }
    return true;
}

/* The length of "http://" or "https://" at the start of s, or 0. */
static size_t scheme_len(const char *s, size_t n)
{
    if (starts_with_nocase(s, n, "http://"))
        return 7;
    if (starts_with_nocase(s, n, "https://"))
        return 8;
    return 0;
}

static bool placeholder_defined(struct field name, const struct from_info *fi)
{
    if (field_is(name, "splat"))
        return fi->splat;
    for (unsigned k = 0; k < fi->nnames; k++)
        if (fi->names[k].n == name.n && memcmp(fi->names[k].s, name.s, name.n) == 0)
            return true;
    return false;
}

/* "/path" (never "//host"), or http(s):// and a host. */
static bool target_form(struct field f, bool *absolute)
{
    size_t sl = scheme_len(f.s, f.n);
    *absolute = sl > 0;
    if (sl > 0)
        return sl < f.n && f.s[sl] != '/';
    return f.s[0] == '/' && (f.n == 1 || f.s[1] != '/');
}

/* Check to: its form, its escapes and its placeholders. */
static enum redir_error check_to(struct field f, const struct from_info *fi,
                                 bool *absolute)
{
    if (!target_form(f, absolute))
        return REDIR_BAD_TARGET;
    for (size_t i = 0; i < f.n; i++) {
        if (f.s[i] == '%' && !is_escape(f.s, f.n, i))
            return REDIR_BAD_ESCAPE;
        size_t nl = f.s[i] == ':' ? placeholder_at(f.s, f.n, i) : 0;
        if (nl && !placeholder_defined((struct field){f.s + i + 1, nl}, fi))
            return REDIR_UNDEFINED_PLACEHOLDER;
        i += nl;
    }
    return REDIR_OK;
}

static enum redir_error parse_status(struct field f, int *status, bool *forced)
{
    static const int known[] = {200, 301, 302, 303, 307, 308, 404};
    *forced = f.n == 4 && f.s[3] == '!';
    if (f.n != 3 + (size_t)*forced)
        return REDIR_BAD_STATUS;
    int v = 0;
    for (size_t i = 0; i < 3; i++) {
        if (f.s[i] < '0' || f.s[i] > '9')
            return REDIR_BAD_STATUS;
        v = v * 10 + (f.s[i] - '0');
    }
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (v == known[i]) {
            *status = v;
            return REDIR_OK;
        }
    return REDIR_BAD_STATUS;
}

static bool fields_clean(const struct field *f, unsigned nf)
{
    for (unsigned k = 0; k < nf; k++)
        for (size_t i = 0; i < f[k].n; i++)
            if (is_bad_byte((unsigned char)f[k].s[i]))
                return false;
    return true;
}

/* redir_parse_line, compiling from into out (room for len bytes). */
static enum redir_error parse(const char *line, size_t len, struct redir_rule *r,
                              char *out, size_t *out_len)
{
    if (len && line[len - 1] == '\r')
        len--;
    if (len > MH_REDIRECTS_LINE_MAX)
        return REDIR_LINE_TOO_LONG;
    struct field f[4];
    unsigned nf = split_fields(line, len, f);
    if (nf == 0)
        return REDIR_BLANK;
    if (nf == 1)
        return REDIR_NO_TARGET;
    if (nf == 4)
        return REDIR_EXTRA_FIELD;
    if (!fields_clean(f, nf))
        return REDIR_BAD_BYTE;
    struct from_info fi;
    enum redir_error e = compile_from(f[0], out, out_len, &fi);
    r->status = 301; /* when no status is given */
    r->forced = false;
    if (e == REDIR_OK && nf == 3)
        e = parse_status(f[2], &r->status, &r->forced);
    if (e == REDIR_OK)
        e = check_to(f[1], &fi, &r->absolute);
    if (e == REDIR_OK && r->absolute && (r->status == 200 || r->status == 404))
        e = REDIR_ABSOLUTE_NEEDS_REDIRECT;
    r->from = f[0].s;
    r->from_len = f[0].n;
    r->to = f[1].s;
    r->to_len = f[1].n;
    r->splat = fi.splat;
    r->placeholders = fi.n;
    return e;
}

enum redir_error redir_parse_line(const char *line, size_t len, struct redir_rule *r)
{
    char out[MH_REDIRECTS_LINE_MAX];
    size_t out_len;
    return parse(line, len, r, out, &out_len);
}

/* --- the set --- */

static uint32_t hash_path(const char *s, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

/* The literal bytes before the first placeholder segment ("/api" for
 * "/api/:v/x"); the whole pattern when it has none. */
static size_t literal_prefix(const char *pat, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (pat[i] == SEG_NAME || pat[i] == SEG_SPLAT)
            return i - 1;
    return n;
}

/* Parse one line into s: its error, or -1 when out of memory. */
static int add_line(struct redir_set *s, const char *line, size_t len, unsigned no)
{
    if (!grow((void **)&s->text, &s->text_cap, s->text_len + len + 1, 1) ||
        !grow((void **)&s->rules, &s->cap, s->n + 1, sizeof(struct rule)))
        return -1;
    struct redir_rule r;
    size_t pat_len;
    enum redir_error e = parse(line, len, &r, s->text + s->text_len, &pat_len);
    if (e != REDIR_OK)
        return (int)e;
    struct rule *o = &s->rules[s->n++];
    const char *pat = s->text + s->text_len;
    o->pat = (uint32_t)s->text_len;
    o->pat_len = (uint32_t)pat_len;
    o->prefix_len = (uint32_t)literal_prefix(pat, pat_len);
    memcpy(s->text + s->text_len + pat_len, r.to, r.to_len);
    o->to = (uint32_t)(s->text_len + pat_len);
    o->to_len = (uint32_t)r.to_len;
    s->text_len += pat_len + r.to_len;
    o->line = no;
    o->status = (uint16_t)r.status;
    o->flags = (uint8_t)((r.forced ? R_FORCED : 0) | (r.absolute ? R_ABSOLUTE : 0) |
                         (o->prefix_len < pat_len ? R_PATTERN : 0));
    s->nforced += r.forced;
    return REDIR_OK;
}

/* The slot for key: the one holding it, or the empty one it would go in. */
static struct slot *find_slot(const struct redir_set *s, const char *key, size_t n,
                              uint32_t h)
{
    for (size_t i = h & s->mask;; i = (i + 1) & s->mask) {
        struct slot *t = &s->table[i];
        if (t->any == NONE)
            return t;
        const struct rule *r = &s->rules[t->any];
        if (t->hash == h && r->pat_len == n && memcmp(s->text + r->pat, key, n) == 0)
            return t;
    }
}

static bool build_table(struct redir_set *s, size_t nexact)
{
    size_t size = 8;
    while (size < 2 * nexact)
        size *= 2;
    s->table = malloc(size * sizeof(*s->table));
    if (!s->table)
        return false;
    s->mask = size - 1;
    for (size_t i = 0; i < size; i++)
        s->table[i] = (struct slot){0, NONE, NONE};
    for (size_t i = 0; i < s->n; i++) {
        const struct rule *r = &s->rules[i];
        if (r->flags & R_PATTERN)
            continue;
        uint32_t h = hash_path(s->text + r->pat, r->pat_len);
        struct slot *t = find_slot(s, s->text + r->pat, r->pat_len, h);
        if (t->any == NONE)
            *t = (struct slot){h, (uint32_t)i, NONE};
        if ((r->flags & R_FORCED) && t->forced == NONE)
            t->forced = (uint32_t)i;
    }
    return true;
}

/* The first 8 bytes of s[0, n), zero-padded. */
static uint64_t head8(const char *s, size_t n)
{
    uint64_t h = 0;
    memcpy(&h, s, n < 8 ? n : 8);
    return h;
}

static struct pat_entry pat_entry(const struct redir_set *s, size_t i)
{
    const struct rule *r = &s->rules[i];
    size_t k = r->prefix_len < 8 ? r->prefix_len : 8;
    struct pat_entry e = {head8(s->text + r->pat, k), 0, (uint32_t)i};
    memset(&e.mask, 0xff, k);
    return e;
}

/* The indexes: hash table of exact rules, lists of patterned ones. */
static bool build_index(struct redir_set *s)
{
    s->pat_all = malloc((s->n + 1) * sizeof(*s->pat_all));
    s->pat_forced = malloc((s->nforced + 1) * sizeof(*s->pat_forced));
    if (!s->pat_all || !s->pat_forced)
        return false;
    for (size_t i = 0; i < s->n; i++) {
        const struct rule *r = &s->rules[i];
        if (!(r->flags & R_PATTERN))
            continue;
        s->pat_all[s->npat++] = pat_entry(s, i);
        if (r->flags & R_FORCED)
            s->pat_forced[s->npat_forced++] = pat_entry(s, i);
    }
    return build_table(s, s->n - s->npat);
}

/* Reading a file's lines into a set. */
struct loader {
    struct redir_set *s;
    redir_bad_fn bad;
    void *arg;
    unsigned line; /* the line number of the last line looked at */
    bool full;     /* a rule past MH_REDIRECTS_RULES_MAX was seen */
};

static void report(const struct loader *ld, enum redir_error e)
{
    if (ld->bad)
        ld->bad(ld->arg, ld->line, e);
}

/* One line once the set is full: the first rule ends the file. */
static void past_bound(struct loader *ld, const char *line, size_t len)
{
    struct redir_rule r;
    enum redir_error e = redir_parse_line(line, len, &r);
    if (e == REDIR_OK) {
        report(ld, REDIR_TOO_MANY_RULES);
        ld->full = true;
    } else if (e != REDIR_BLANK) {
        report(ld, e);
    }
}

/* Parse the lines of text[0, end); false when out of memory. */
static bool add_lines(struct loader *ld, const char *text, size_t end)
{
    for (size_t i = 0; i < end && !ld->full;) {
        const char *nl = memchr(text + i, '\n', end - i);
        size_t j = nl ? (size_t)(nl - text) : end;
        ld->line++;
        if (ld->s->n == MH_REDIRECTS_RULES_MAX) {
            past_bound(ld, text + i, j - i);
        } else {
            int e = add_line(ld->s, text + i, j - i, ld->line);
            if (e < 0)
                return false;
            if (e != REDIR_OK && e != REDIR_BLANK)
                report(ld, (enum redir_error)e);
        }
        i = j + 1;
    }
    return true;
}

struct redir_set *redir_set_new(const char *text, size_t len, redir_bad_fn bad,
                                void *arg)
{
    struct loader ld = {calloc(1, sizeof(struct redir_set)), bad, arg, 0, false};
    if (!ld.s)
        return NULL;
    size_t end = len;
    if (len > MH_REDIRECTS_FILE_MAX) /* whole lines within the bound */
        for (end = MH_REDIRECTS_FILE_MAX; end > 0 && text[end - 1] != '\n';)
            end--;
    if (!add_lines(&ld, text, end) || !build_index(ld.s)) {
        redir_set_free(ld.s);
        return NULL;
    }
    if (len > MH_REDIRECTS_FILE_MAX && !ld.full) {
        ld.line++; /* the first line not read */
        report(&ld, REDIR_FILE_TOO_LARGE);
    }
    return ld.s;
}

void redir_set_free(struct redir_set *s)
{
    if (!s)
        return;
    free(s->rules);
    free(s->text);
    free(s->pat_all);
    free(s->pat_forced);
    free(s->table);
    free(s);
}

size_t redir_set_count(const struct redir_set *s)
{
    return s ? s->n : 0;
}

bool redir_set_has_forced(const struct redir_set *s)
{
    return s && s->nforced > 0;
}

/* --- matching --- */

/* The first exact rule for path (forced ones only if asked), or NONE. */
static uint32_t exact_rule(const struct redir_set *s, const char *path, size_t len,
                           bool forced_only)
{
    if (s->npat == s->n)
        return NONE;
    const struct slot *t = find_slot(s, path, len, hash_path(path, len));
    return forced_only ? t->forced : t->any;
}

/* Whether path[0, len) matches the patterned rule r; its values in caps. */
static bool pattern_match(const struct redir_set *s, const struct rule *r,
                          const char *path, size_t len, struct capture *caps,
                          unsigned *ncap)
{
    const char *pat = s->text + r->pat;
    size_t plen = r->pat_len, pi = r->prefix_len, pp = pi;
    unsigned nc = 0;
    if (len < pi || memcmp(pat, path, pi) != 0)
        return false;
    while (pi < plen) { /* pat[pi] is the '/' before a segment */
        const char *pslash = memchr(pat + pi + 1, '/', plen - pi - 1);
        size_t ps = pi + 1, pe = pslash ? (size_t)(pslash - pat) : plen;
        if (pat[ps] == SEG_SPLAT) {
            bool empty = pp == len;
            if (!empty && (path[pp] != '/' || (pp + 1 < len && path[pp + 1] == '/')))
                return false; /* not at a segment, or "//": not a normalised path */
            caps[nc++] = (struct capture){"splat", empty ? path : path + pp + 1, 5,
                                          empty ? 0 : len - pp - 1};
            break;
        }
        if (pp >= len || path[pp] != '/')
            return false;
        const char *sslash = memchr(path + pp + 1, '/', len - pp - 1);
        size_t ss = pp + 1, se = sslash ? (size_t)(sslash - path) : len;
        if (pat[ps] == SEG_NAME) {
            if (se == ss)
                return false;
            caps[nc++] =
                (struct capture){pat + ps + 1, path + ss, pe - ps - 1, se - ss};
        } else if (se - ss != pe - ps || memcmp(pat + ps, path + ss, se - ss) != 0) {
            return false;
        }
        pi = pe;
        pp = se;
        if (pi == plen && pp != len)
            return false;
    }
    *ncap = nc;
    return true;
}

/* A byte that may stand in a URL as it is. */
static bool url_safe(unsigned char c)
{
    switch (c) {
    case '"':
    case '<':
    case '>':
    case '\\':
    case '^':
    case '`':
    case '{':
    case '|':
    case '}':
        return false;
    default:
        return c > 0x20 && c < 0x7f;
    }
}

static bool put_url_byte(struct buf *b, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    if (url_safe(c))
        return buf_putc(b, (char)c);
    char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
    return buf_append(b, esc, 3);
}

static const struct capture *find_capture(const struct capture *caps, unsigned n,
                                          const char *name, size_t len)
{
    for (unsigned k = 0; k < n; k++)
        if (caps[k].name_len == len && memcmp(caps[k].name, name, len) == 0)
            return &caps[k];
    return NULL;
}

/* How put_to writes a target, and what it saw. */
struct to_out {
    const struct capture *caps; /* NULL: placeholders kept as written */
    unsigned ncap;
    bool local;      /* never start with "//" */
    bool has_query;  /* a '?' before any '#' */
    size_t query_at; /* offset of the first '#' from start, or SIZE_MAX */
};

/* A byte of a target copied as it is, in runs. */
static bool plain_byte(char c)
{
    return url_safe((unsigned char)c) && c != ':' && c != '#' && c != '?' && c != '/';
}

/* The target t[0, n) into b. */
static bool put_to(struct buf *b, const char *t, size_t n, struct to_out *o)
{
    size_t start = b->len;
    o->has_query = false;
    o->query_at = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t run = 0;
        while (i + run < n && plain_byte(t[i + run]))
            run++;
        if (run) {
            if (!buf_append(b, t + i, run))
                return false;
            i += run - 1;
            continue;
        }
        size_t nl = t[i] == ':' ? placeholder_at(t, n, i) : 0;
        if (nl && o->caps) {
            const struct capture *c = find_capture(o->caps, o->ncap, t + i + 1, nl);
            if (c && !buf_put_urlenc(b, c->val, c->val_len))
                return false;
            i += nl;
            continue;
        }
        if (t[i] == '#' && o->query_at == SIZE_MAX)
            o->query_at = b->len - start;
        if (t[i] == '?' && o->query_at == SIZE_MAX)
            o->has_query = true;
        if (t[i] == '/' && o->local && o->caps && b->len - start == 1)
            continue; /* "/" + an empty :splat + "/": no "//host" */
        if (!put_url_byte(b, (unsigned char)t[i]))
            return false;
    }
    if (o->query_at == SIZE_MAX)
        o->query_at = b->len - start;
    return !b->overflow;
}

static enum redir_match emit(const struct redir_set *s, const struct rule *r,
                             const struct capture *caps, unsigned ncap, struct buf *to,
                             struct redir_hit *hit)
{
    struct to_out o = {caps, ncap, !(r->flags & R_ABSOLUTE), false, 0};
    size_t start = to->len;
    bool ok = !to->overflow && put_to(to, s->text + r->to, r->to_len, &o);
    hit->status = r->status;
    hit->forced = (r->flags & R_FORCED) != 0;
    hit->absolute = (r->flags & R_ABSOLUTE) != 0;
    hit->has_query = o.has_query;
    hit->query_at = o.query_at;
    hit->line = r->line;
    if (ok)
        return REDIR_MATCH;
    to->len = start; /* no half target */
    if (to->cap > start)
        to->data[start] = '\0';
    to->overflow = true;
    return REDIR_MATCH_TOO_LONG;
}

enum redir_match redir_set_match(const struct redir_set *s, const char *path,
                                 size_t len, bool forced_only, struct buf *to,
                                 struct redir_hit *hit)
{
    if (len > 1 && path[len - 1] == '/')
        len--;
    if (!s || len == 0 || path[0] != '/' || (forced_only && s->nforced == 0))
        return REDIR_NO_MATCH;
    uint32_t best = exact_rule(s, path, len, forced_only);
    const struct pat_entry *list = forced_only ? s->pat_forced : s->pat_all;
    size_t n = forced_only ? s->npat_forced : s->npat;
    struct capture caps[MH_REDIRECTS_PLACEHOLDERS_MAX];
    unsigned ncap = 0;
    uint64_t head = head8(path, len);
    for (size_t k = 0; k < n && list[k].rule < best; k++) {
        if ((head & list[k].mask) != list[k].head)
            continue;
        if (pattern_match(s, &s->rules[list[k].rule], path, len, caps, &ncap)) {
            best = list[k].rule;
            break;
        }
    }
    if (best == NONE)
        return REDIR_NO_MATCH;
    return emit(s, &s->rules[best], caps, ncap, to, hit);
}

/* --- describing --- */

/* A literal segment of from, encoded so that it reads back the same. */
static bool put_literal(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || strchr("-._~!$&'()+,;=@", c) ||
                    (c == ':' && i > 0);
        char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
        if (!(keep && c ? buf_putc(b, (char)c) : buf_append(b, esc, 3)))
            return false;
    }
    return true;
}

static bool put_from(struct buf *b, const char *pat, size_t n)
{
    if (n == 1)
        return buf_putc(b, '/');
    for (size_t i = 0; i < n;) { /* pat[i] == '/' */
        const char *slash = memchr(pat + i + 1, '/', n - i - 1);
        size_t e = slash ? (size_t)(slash - pat) : n;
        buf_putc(b, '/');
        if (pat[i + 1] == SEG_SPLAT)
            buf_putc(b, '*');
        else if (pat[i + 1] == SEG_NAME) {
            buf_putc(b, ':');
            buf_append(b, pat + i + 2, e - i - 2);
        } else
            put_literal(b, pat + i + 1, e - i - 1);
        i = e;
    }
    return !b->overflow;
}

bool redir_set_describe(const struct redir_set *s, size_t i, struct buf *b)
{
    if (!s || i >= s->n)
        return false;
    const struct rule *r = &s->rules[i];
    struct to_out o = {NULL, 0, false, false, 0};
    buf_puts(b, "line ");
    buf_putu(b, r->line, 0);
    buf_puts(b, ": ");
    put_from(b, s->text + r->pat, r->pat_len);
    buf_puts(b, " -> ");
    put_to(b, s->text + r->to, r->to_len, &o);
    buf_putc(b, ' ');
    buf_putu(b, r->status, 0);
    if (r->flags & R_FORCED)
        buf_putc(b, '!');
    if (r->status == 200)
        buf_puts(b, " (rewrite)");
    else if (r->status == 404)
        buf_puts(b, " (not found)");
    return !b->overflow;
}
