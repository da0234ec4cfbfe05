/* fuzz_path.c - request path decoding and confinement (path.c).
 *
 * Input: one byte choosing the output capacity, then the raw request path.
 * Checks, on exact-size buffers (ASan catches over-reads and -writes):
 *  - path_resolve() agrees with a straightforward reference implementation
 *    of path.h (decode once, refuse NUL, control bytes, backslash and %2f,
 *    apply "." and "..", refuse climbing above "/"): same result code, and
 *    on PATH_OK the same path and trailing_slash;
 *  - on PATH_OK the result starts with '/', is NUL-terminated at len < cap,
 *    and has no "//", "/./", "/../", trailing "/." or "/..", trailing '/'
 *    (except "/"), NUL, control byte or backslash;
 *  - path_relative() never starts with '/' (and is "." for "/");
 *  - path_is_hidden() matches "some segment starts with '.', except a
 *    first segment .well-known" on the result, and path_is_hidden() and
 *    path_extension() never read past len on the raw bytes either;
 *    path_extension() returns the text after the last '.' of the last
 *    segment, never empty, never a leading dot. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "fuzz_common.h"
#include "path.h"

static const size_t caps[] = {MH_URL_PATH_MAX, 1, 2, 3, 8, 16, 64, 4096};

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The reference: returns the code; on PATH_OK fills out (cap bytes). */
static enum path_result ref_resolve(const unsigned char *raw, size_t len, size_t cap,
                                    char *out, size_t *out_len, bool *dir)
{
    if (len == 0 || raw[0] != '/')
        return PATH_NOT_ABSOLUTE;
    if (cap < 2)
        return PATH_TOO_LONG;
    char *dec = malloc(len + 1);
    size_t n = 0;
    FUZZ_CHECK(dec != NULL);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = raw[i];
        bool enc = false;
        if (c == '%') {
            if (i + 2 >= len) {
                free(dec);
                return PATH_BAD_ESCAPE;
            }
            int hi = hexval(raw[i + 1]), lo = hexval(raw[i + 2]);
            if (hi < 0 || lo < 0) {
                free(dec);
                return PATH_BAD_ESCAPE;
            }
            c = (unsigned char)(hi * 16 + lo);
            enc = true;
            i += 2;
        }
        enum path_result bad = c == 0                  ? PATH_NUL
                               : c < 0x20 || c == 0x7f ? PATH_CONTROL
                               : c == '\\'             ? PATH_BACKSLASH
                               : c == '/' && enc       ? PATH_ENCODED_SLASH
                               : n + 1 >= cap          ? PATH_TOO_LONG
                                                       : PATH_OK;
        if (bad != PATH_OK) {
            free(dec);
            return bad;
        }
        dec[n++] = (char)c;
    }
    /* segments onto a stack of (start, length) in dec */
    size_t *seg = malloc(sizeof(size_t) * 2 * (n + 1)), depth = 0, i = 0;
    FUZZ_CHECK(seg != NULL);
    const char *last = NULL;
    size_t last_len = 0;
    while (i < n) {
        size_t b = i;
        while (i < n && dec[i] != '/')
            i++;
        size_t sl = i - b;
        if (i < n)
            i++; /* the '/' */
        if (sl == 0)
            continue;
        last = dec + b;
        last_len = sl;
        if (sl == 1 && dec[b] == '.')
            continue;
        if (sl == 2 && dec[b] == '.' && dec[b + 1] == '.') {
            if (depth == 0) {
                free(seg);
                free(dec);
                return PATH_ESCAPES_ROOT;
            }
            depth--;
            continue;
        }
        seg[2 * depth] = b;
        seg[2 * depth + 1] = sl;
        depth++;
    }
    size_t w = 0;
    for (size_t d = 0; d < depth; d++) {
        out[w++] = '/';
        memcpy(out + w, dec + seg[2 * d], seg[2 * d + 1]);
        w += seg[2 * d + 1];
    }
    if (w == 0)
        out[w++] = '/';
    out[w] = '\0';
    *out_len = w;
    bool dotseg = last && ((last_len == 1 && last[0] == '.') ||
                           (last_len == 2 && last[0] == '.' && last[1] == '.'));
    *dir = w == 1 || dec[n - 1] == '/' || dotseg;
    free(seg);
    free(dec);
    return PATH_OK;
}

static bool ref_hidden(const char *p, size_t len)
{
    size_t i = 0;
    bool first = true;
    while (i < len) {
        i++; /* the '/' */
        size_t b = i;
        while (i < len && p[i] != '/')
            i++;
        bool wk = first && i - b == 11 && !memcmp(p + b, ".well-known", 11);
        if (i > b && p[b] == '.' && !wk)
            return true;
        first = false;
    }
    return false;
}

static void check_extension(const char *p, size_t len)
{
    size_t ext_len = 12345;
    const char *ext = path_extension(p, len, &ext_len);
    if (!ext)
        return;
    FUZZ_CHECK(ext > p + 1 && ext < p + len);
    FUZZ_CHECK(ext_len > 0 && ext + ext_len == p + len);
    FUZZ_CHECK(ext[-1] == '.' && ext[-2] != '/');
    FUZZ_CHECK(!memchr(ext, '/', ext_len) && !memchr(ext, '.', ext_len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t cap = caps[data[0] % (sizeof(caps) / sizeof(caps[0]))];
    const char *raw = (const char *)data + 1;
    size_t len = size - 1;

    /* the raw bytes: no over-read whatever they are */
    (void)path_is_hidden(raw, len);
    check_extension(raw, len);

    char *buf = malloc(cap);
    char *ref = malloc(cap + 1);
    FUZZ_CHECK(buf && ref);
    struct path_out out = {.buf = buf, .cap = cap};
    enum path_result r = path_resolve(raw, len, &out);
    size_t ref_len = 0;
    bool ref_dir = false;
    enum path_result want =
        ref_resolve((const unsigned char *)raw, len, cap, ref, &ref_len, &ref_dir);
    FUZZ_CHECK(r == want);

    if (r == PATH_OK) {
        const char *p = out.buf;
        size_t n = out.len;
        FUZZ_CHECK(n >= 1 && n < cap && p[n] == '\0' && strlen(p) == n);
        FUZZ_CHECK(n == ref_len && !memcmp(p, ref, n));
        FUZZ_CHECK(out.trailing_slash == ref_dir);
        FUZZ_CHECK(p[0] == '/');
        FUZZ_CHECK(n == 1 || p[n - 1] != '/');
        FUZZ_CHECK(!strstr(p, "//") && !strstr(p, "/./") && !strstr(p, "/../"));
        FUZZ_CHECK(!(n >= 2 && !strcmp(p + n - 2, "/.")));
        FUZZ_CHECK(!(n >= 3 && !strcmp(p + n - 3, "/..")));
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)p[i];
            FUZZ_CHECK(c >= 0x20 && c != 0x7f && c != '\\');
        }
        const char *rel = path_relative(&out);
        FUZZ_CHECK(rel[0] != '/' && rel[0] != '\0');
        FUZZ_CHECK(n > 1 ? rel == p + 1 : !strcmp(rel, "."));

        /* exact-size copy of the result for the two scanners */
        char *copy = malloc(n);
        FUZZ_CHECK(copy != NULL);
        memcpy(copy, p, n);
        FUZZ_CHECK(!!path_is_hidden(copy, n) == ref_hidden(copy, n));
        check_extension(copy, n);
        free(copy);
    }
    free(ref);
    free(buf);
    return 0;
}
