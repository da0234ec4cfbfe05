/* ini.c - the config file tokenizer.
 *
 * Owns: INI syntax (lines, sections, keys, quoting, comments) and exact line
 * numbers.  Knows nothing of what keys mean: config.c does.  Pure: no I/O, no
 * allocation (lines are copied into stack buffers bounded by bounds.h). */
#include "ini.h"

#include <stdbool.h>
#include <string.h>

#include "bounds.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.' || c == '+';
}

static bool is_comment_start(const char *s, size_t i)
{
    return (s[i] == '#' || s[i] == ';') && (i == 0 || is_space(s[i - 1]));
}

/* Trim white space at both ends of s[*b, *e). */
static void trim(const char *s, size_t *b, size_t *e)
{
    while (*b < *e && is_space(s[*b]))
        (*b)++;
    while (*e > *b && is_space(s[*e - 1]))
        (*e)--;
}

static bool copy_name(char *dst, const char *s, size_t b, size_t e)
{
    if (e == b || e - b >= MH_CONFIG_NAME_MAX)
        return false;
    for (size_t i = b; i < e; i++)
        if (!is_name_char(s[i]))
            return false;
    memcpy(dst, s + b, e - b);
    dst[e - b] = '\0';
    return true;
}

/* "[name]" or "[name argument]" ("[access /team-a/]"): the section is
 * "name" or "name argument", the argument trimmed, any bytes but control
 * ones and ']'. */
static enum ini_result parse_section(const char *s, size_t n, char *section,
                                     ini_callback cb, void *ctx, unsigned line)
{
    size_t close = 1;
    while (close < n && s[close] != ']')
        close++;
    if (close == n)
        return INI_BAD_SECTION;
    size_t b = 1, e = close;
    trim(s, &b, &e);
    size_t ne = b;
    while (ne < e && is_name_char(s[ne]))
        ne++;
    if (!copy_name(section, s, b, ne))
        return INI_BAD_SECTION;
    if (ne < e) { /* an argument */
        if (!is_space(s[ne]))
            return INI_BAD_SECTION;
        size_t ab = ne;
        trim(s, &ab, &e);
        size_t len = strlen(section);
        if (len + 1 + (e - ab) >= MH_CONFIG_SECTION_MAX)
            return INI_BAD_SECTION;
        for (size_t i = ab; i < e; i++)
            if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                return INI_BAD_SECTION;
        section[len] = ' ';
        memcpy(section + len + 1, s + ab, e - ab);
        section[len + 1 + (e - ab)] = '\0';
    }
    for (size_t i = close + 1; i < n; i++) {
        if (is_comment_start(s, i))
            break;
        if (!is_space(s[i]))
            return INI_BAD_SECTION;
    }
    return cb(ctx, section, NULL, NULL, line) ? INI_STOPPED : INI_OK;
}

/* Value from s[b, n): quoted or bare, comments stripped, trimmed. */
static enum ini_result parse_value(const char *s, size_t b, size_t n, char *value)
{
    while (b < n && is_space(s[b]))
        b++;
    size_t e;
    if (b < n && s[b] == '"') {
        size_t q = b + 1;
        while (q < n && s[q] != '"')
            q++;
        if (q == n)
            return INI_BAD_QUOTE;
        for (size_t i = q + 1; i < n; i++) {
            if (is_comment_start(s, i))
                break;
            if (!is_space(s[i]))
                return INI_BAD_QUOTE;
        }
        b++;
        e = q;
    } else {
        e = b;
        while (e < n && !is_comment_start(s, e))
            e++;
        trim(s, &b, &e);
    }
    memcpy(value, s + b, e - b);
    value[e - b] = '\0';
    return INI_OK;
}

static enum ini_result parse_line(const char *s, size_t n, char *section,
                                  ini_callback cb, void *ctx, unsigned line)
{
    char key[MH_CONFIG_NAME_MAX];
    char value[MH_CONFIG_LINE_MAX + 1];
    size_t b = 0, e = n;

    trim(s, &b, &e);
    if (b == e || s[b] == '#' || s[b] == ';')
        return INI_OK;
    if (s[b] == '[')
        return parse_section(s + b, e - b, section, cb, ctx, line);

    size_t eq = b;
    while (eq < e && s[eq] != '=')
        eq++;
    if (eq == e)
        return INI_NO_EQUALS;
    size_t kb = b, ke = eq;
    trim(s, &kb, &ke);
    if (!copy_name(key, s, kb, ke))
        return INI_BAD_KEY;
    if (section[0] == '\0')
        return INI_KEY_BEFORE_SECTION;
    enum ini_result r = parse_value(s, eq + 1, n, value);
    if (r != INI_OK)
        return r;
    return cb(ctx, section, key, value, line) ? INI_STOPPED : INI_OK;
}

int ini_next_line(const char *text, size_t len, size_t *pos, const char **line,
                  size_t *n)
{
    if (*pos >= len)
        return 0;
    const char *nl = memchr(text + *pos, '\n', len - *pos);
    *line = text + *pos;
    *n = nl ? (size_t)(nl - *line) : len - *pos;
    *pos += *n + (nl ? 1 : 0);
    return 1;
}

enum ini_result ini_parse(const char *text, size_t len, ini_callback cb, void *ctx,
                          unsigned *err_line)
{
    char section[MH_CONFIG_SECTION_MAX] = "";
    unsigned line = 0;
    size_t pos = 0;

    const char *s;
    size_t n;
    while (ini_next_line(text, len, &pos, &s, &n)) {
        *err_line = ++line;
        if (n > MH_CONFIG_LINE_MAX)
            return INI_LINE_TOO_LONG;
        if (memchr(s, '\0', n))
            return INI_NUL_BYTE;
        enum ini_result r = parse_line(s, n, section, cb, ctx, line);
        if (r != INI_OK)
            return r;
    }
    *err_line = 0;
    return INI_OK;
}

const char *ini_strerror(enum ini_result r)
{
    switch (r) {
    case INI_OK:
        return "no error";
    case INI_LINE_TOO_LONG:
        return "line too long";
    case INI_NUL_BYTE:
        return "NUL byte in line";
    case INI_BAD_SECTION:
        return "malformed section header, expected [name] or [name argument]";
    case INI_NO_EQUALS:
        return "malformed line, expected key = value";
    case INI_BAD_KEY:
        return "malformed key name";
    case INI_KEY_BEFORE_SECTION:
        return "key outside of a [section]";
    case INI_BAD_QUOTE:
        return "unterminated quote or text after closing quote";
    case INI_STOPPED:
        return "stopped";
    }
    return "unknown error";
}
