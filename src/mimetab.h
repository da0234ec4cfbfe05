/* mimetab.h - the file extension -> Content-Type table.
 *
 * Built once from mime.types text (and [mime] overrides) at start or reload,
 * then read-only and shared by every worker.  Lookups never allocate. */
#ifndef MH_MIMETAB_H
#define MH_MIMETAB_H

#include <stddef.h>
#include <stdint.h>

enum mimetab_result {
    MIMETAB_OK = 0,
    MIMETAB_NOMEM,         /* allocation failed */
    MIMETAB_BAD_TYPE,      /* not type/subtype, or too long */
    MIMETAB_BAD_EXT,       /* empty, too long, or has '/' or '.' at the start */
    MIMETAB_TOO_MANY,      /* more than MH_MIME_ENTRIES_MAX entries */
    MIMETAB_LINE_TOO_LONG, /* a mime.types line over MH_CONFIG_LINE_MAX */
};

struct mimetab_entry {
    uint32_t ext;  /* offset of the lower-case extension in strings */
    uint32_t type; /* offset of the Content-Type value in strings */
    uint32_t seq;  /* insertion order: the first entry for an ext wins */
};

struct mimetab {
    struct mimetab_entry *entries;
    size_t n, cap;
    char *strings;
    size_t strings_len, strings_cap;
    int sorted;
};

void mimetab_init(struct mimetab *t);
void mimetab_free(struct mimetab *t);

/* Add the lines of a mime.types file ("type ext ext ..."; '#' comments).
 * On error *err_line is the offending line. */
enum mimetab_result mimetab_parse(struct mimetab *t, const char *text, size_t len,
                                  unsigned *err_line);

/* Add one ext -> type pair.  A textual type without a charset parameter gets
 * "; charset=utf-8" (minihttpd.conf(5), [mime]: text types carry a charset). */
enum mimetab_result mimetab_add(struct mimetab *t, const char *ext, size_t ext_len,
                                const char *type, size_t type_len);

/* Sort for lookup; call once after the last add. */
void mimetab_sort(struct mimetab *t);

/* The type for an extension (case-insensitive), or NULL. */
const char *mimetab_lookup(const struct mimetab *t, const char *ext, size_t len);

/* 1 if a Content-Type is text a browser renders with a charset. */
int mimetab_is_textual(const char *type, size_t len);

const char *mimetab_strerror(enum mimetab_result r);

#endif
