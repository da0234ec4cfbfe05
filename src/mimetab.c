/* mimetab.c - parse mime.types and answer extension lookups.
 *
 * Owns: the extension table and the rule that textual types carry a charset.
 * Strings live in one growing arena and entries hold offsets into it, so the
 * table is two allocations whatever its size.  No I/O: the caller reads the
 * file.  Lookup is a binary search over entries sorted by (extension, order). */
#define _GNU_SOURCE /* qsort_r */
#include "mimetab.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "ini.h"

static const char charset_param[] = "; charset=utf-8";

void mimetab_init(struct mimetab *t)
{
    memset(t, 0, sizeof(*t));
}

void mimetab_free(struct mimetab *t)
{
    free(t->entries);
    free(t->strings);
    mimetab_init(t);
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool type_char(char c)
{
    return c > ' ' && c < 0x7f && c != '"' && c != '\\';
}

int mimetab_is_textual(const char *type, size_t len)
{
    static const char *const textual[] = {
        "application/javascript", "application/xml",      "application/xhtml+xml",
        "application/rss+xml",    "application/atom+xml",
    };
    if (len >= 5 && strncmp(type, "text/", 5) == 0)
        return 1;
    for (size_t i = 0; i < sizeof(textual) / sizeof(textual[0]); i++) {
        size_t n = strlen(textual[i]);
        if (len >= n && strncmp(type, textual[i], n) == 0 &&
            (len == n || type[n] == ';' || type[n] == ' '))
            return 1;
    }
    return 0;
}

static bool has_charset(const char *type, size_t len)
{
    for (size_t i = 0; i + 8 <= len; i++)
        if (strncmp(type + i, "charset=", 8) == 0)
            return true;
    return false;
}

static enum mimetab_result arena_put(struct mimetab *t, const char *s, size_t n,
                                     bool fold, uint32_t *off)
{
    if (t->strings_len + n + 1 > t->strings_cap) {
        size_t cap = t->strings_cap ? t->strings_cap * 2 : 4096;
        while (cap < t->strings_len + n + 1)
            cap *= 2;
        char *p = realloc(t->strings, cap);
        if (!p)
            return MIMETAB_NOMEM;
        t->strings = p;
        t->strings_cap = cap;
    }
    *off = (uint32_t)t->strings_len;
    for (size_t i = 0; i < n; i++)
        t->strings[t->strings_len++] = fold ? lower(s[i]) : s[i];
    t->strings[t->strings_len++] = '\0';
    return MIMETAB_OK;
}

/* The offset of a type string in the arena, with a charset added if due. */
static enum mimetab_result put_type(struct mimetab *t, const char *type, size_t len,
                                    uint32_t *off)
{
    char full[MH_MIME_TYPE_MAX];
    const char *slash = memchr(type, '/', len);
    if (len == 0 || !slash || slash == type || slash == type + len - 1)
        return MIMETAB_BAD_TYPE;
    for (size_t i = 0; i < len; i++)
        if (!type_char(type[i]) && type[i] != ' ')
            return MIMETAB_BAD_TYPE;
    size_t n = len;
    if (mimetab_is_textual(type, len) && !has_charset(type, len))
        n += sizeof(charset_param) - 1;
    if (n >= sizeof(full))
        return MIMETAB_BAD_TYPE;
    memcpy(full, type, len);
    memcpy(full + len, charset_param, n - len);
    return arena_put(t, full, n, false, off);
}

static enum mimetab_result add_entry(struct mimetab *t, const char *ext, size_t ext_len,
                                     uint32_t type_off)
{
    if (ext_len == 0 || ext_len >= MH_MIME_EXT_MAX || ext[0] == '.')
        return MIMETAB_BAD_EXT;
    for (size_t i = 0; i < ext_len; i++)
        if (!type_char(ext[i]) || ext[i] == '/')
            return MIMETAB_BAD_EXT;
    if (t->n >= MH_MIME_ENTRIES_MAX)
        return MIMETAB_TOO_MANY;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct mimetab_entry *p = realloc(t->entries, cap * sizeof(*p));
        if (!p)
            return MIMETAB_NOMEM;
        t->entries = p;
        t->cap = cap;
    }
    struct mimetab_entry *e = &t->entries[t->n];
    enum mimetab_result r = arena_put(t, ext, ext_len, true, &e->ext);
    if (r != MIMETAB_OK)
        return r;
    e->type = type_off;
    e->seq = (uint32_t)t->n;
    t->n++;
    t->sorted = 0;
    return MIMETAB_OK;
}

enum mimetab_result mimetab_add(struct mimetab *t, const char *ext, size_t ext_len,
                                const char *type, size_t type_len)
{
    uint32_t off;
    enum mimetab_result r = put_type(t, type, type_len, &off);
    return r != MIMETAB_OK ? r : add_entry(t, ext, ext_len, off);
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* One mime.types line: "type ext ext ...". */
static enum mimetab_result parse_line(struct mimetab *t, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_ws(s[i]))
        i++;
    if (i == n || s[i] == '#')
        return MIMETAB_OK;
    size_t tb = i;
    while (i < n && !is_ws(s[i]))
        i++;
    size_t te = i;
    uint32_t type_off = 0;
    bool have_type = false;
    while (i < n) {
        while (i < n && is_ws(s[i]))
            i++;
        if (i == n || s[i] == '#')
            break;
        size_t eb = i;
        while (i < n && !is_ws(s[i]))
            i++;
        if (!have_type) { /* stored only when the type has extensions */
            enum mimetab_result r = put_type(t, s + tb, te - tb, &type_off);
            if (r != MIMETAB_OK)
                return r;
            have_type = true;
        }
        enum mimetab_result r = add_entry(t, s + eb, i - eb, type_off);
        if (r != MIMETAB_OK)
            return r;
    }
    return MIMETAB_OK;
}

enum mimetab_result mimetab_parse(struct mimetab *t, const char *text, size_t len,
                                  unsigned *err_line)
{
    unsigned line = 0;
    size_t pos = 0;
    const char *s;
    size_t n;
    while (ini_next_line(text, len, &pos, &s, &n)) {
        *err_line = ++line;
        if (n > MH_CONFIG_LINE_MAX)
            return MIMETAB_LINE_TOO_LONG;
        enum mimetab_result r = parse_line(t, s, n);
        if (r != MIMETAB_OK)
            return r;
    }
    *err_line = 0;
    return MIMETAB_OK;
}

/* Order by extension, then by insertion, so the first definition wins. */
static int cmp_entries(const void *a, const void *b, void *arena)
{
    const struct mimetab_entry *x = a, *y = b;
    int c = strcmp((const char *)arena + x->ext, (const char *)arena + y->ext);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void mimetab_sort(struct mimetab *t)
{
    if (t->n)
        qsort_r(t->entries, t->n, sizeof(t->entries[0]), cmp_entries, t->strings);
    t->sorted = 1;
}

const char *mimetab_lookup(const struct mimetab *t, const char *ext, size_t len)
{
    char key[MH_MIME_EXT_MAX];
    if (!t->sorted || len == 0 || len >= sizeof(key))
        return NULL;
    for (size_t i = 0; i < len; i++)
        key[i] = lower(ext[i]);
    key[len] = '\0';
    size_t lo = 0, hi = t->n; /* first entry >= key */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(t->strings + t->entries[mid].ext, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < t->n && strcmp(t->strings + t->entries[lo].ext, key) == 0)
        return t->strings + t->entries[lo].type;
    return NULL;
}

const char *mimetab_strerror(enum mimetab_result r)
{
    switch (r) {
    case MIMETAB_OK:
        return "no error";
    case MIMETAB_NOMEM:
        return "out of memory";
    case MIMETAB_BAD_TYPE:
        return "malformed media type, expected type/subtype";
    case MIMETAB_BAD_EXT:
        return "malformed file extension";
    case MIMETAB_TOO_MANY:
        return "too many extensions";
    case MIMETAB_LINE_TOO_LONG:
        return "line too long";
    }
    return "unknown error";
}
