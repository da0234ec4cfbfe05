/* ini.h - tokenizer for the INI dialect of minihttpd.conf.
 *
 * `[section]` headers, `key = value` lines, blank lines, comments that start
 * with `#` or `;` at the start of a line or after white space outside quotes,
 * values optionally in double quotes.  No continuation lines, no escapes. */
#ifndef MH_INI_H
#define MH_INI_H

#include <stddef.h>

enum ini_result {
    INI_OK = 0,
    INI_LINE_TOO_LONG,      /* a line over MH_CONFIG_LINE_MAX */
    INI_NUL_BYTE,           /* a NUL byte in the text */
    INI_BAD_SECTION,        /* `[` without `]`, empty or bad name, junk after `]` */
    INI_NO_EQUALS,          /* a line that is neither section, comment nor key=value */
    INI_BAD_KEY,            /* empty key, or a character not allowed in keys */
    INI_KEY_BEFORE_SECTION, /* key = value before any [section] */
    INI_BAD_QUOTE,          /* unterminated quote, or text after the closing quote */
    INI_STOPPED,            /* the callback returned non-zero */
};

/* Called for each `[section]` header with key and value NULL, then for each
 * `key = value` in it.  Strings are NUL-terminated and live until the
 * callback returns.  Return 0 to go on, non-zero to stop. */
typedef int (*ini_callback)(void *ctx, const char *section, const char *key,
                            const char *value, unsigned line);

/* Tokenize `len` bytes of `text`.  On an error, *err_line is its line (1-based). */
enum ini_result ini_parse(const char *text, size_t len, ini_callback cb, void *ctx,
                          unsigned *err_line);

/* The next line of text[*pos, len) without its '\n': sets *line and *n and
 * advances *pos.  Returns 0 at the end of the text.  Shared with mimetab.c. */
int ini_next_line(const char *text, size_t len, size_t *pos, const char **line,
                  size_t *n);

/* A short English description of a result, for error messages. */
const char *ini_strerror(enum ini_result r);

#endif
