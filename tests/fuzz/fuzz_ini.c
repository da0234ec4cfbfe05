/* fuzz_ini.c - ini_parse() on arbitrary config text.
 *
 * Checks: no crash or over-read (the text is an exact-size buffer without a
 * NUL); every callback gets NUL-terminated strings within the bounds of
 * bounds.h, a section name always, key and value both set or both NULL, key
 * and section made of name characters, no newline in a value; callback line
 * numbers strictly increase and never pass the number of lines; a key
 * "stop" stops the parse with INI_STOPPED; on success *err_line is 0, on an
 * error it is a line of the text; ini_strerror() always has a message.
 * Also ini_next_line() cuts the same text into lines that cover it exactly. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "fuzz_common.h"
#include "ini.h"

struct state {
    unsigned last_line, max_line, calls;
    bool stopped;
};

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= MH_CONFIG_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.+",
                s[i]))
            return false;
    return true;
}

/* "name" or "name argument": an argument is trimmed, with no control byte
 * and no ']' */
static bool section_ok(const char *s)
{
    const char *sp = strchr(s, ' ');
    if (!sp)
        return name_ok(s);
    char name[MH_CONFIG_NAME_MAX];
    size_t n = (size_t)(sp - s);
    if (n >= sizeof(name) || strlen(s) >= MH_CONFIG_SECTION_MAX)
        return false;
    memcpy(name, s, n);
    name[n] = '\0';
    const char *arg = sp + 1;
    size_t an = strlen(arg);
    if (!name_ok(name) || an == 0 || arg[0] == ' ' || arg[0] == '\t' ||
        arg[an - 1] == ' ' || arg[an - 1] == '\t' || arg[an - 1] == '\r')
        return false;
    for (size_t i = 0; i < an; i++)
        if ((unsigned char)arg[i] < 0x20)
            return false;
    return !strchr(arg, ']') && !strchr(arg, 0x7f);
}

static int on_entry(void *ctx, const char *section, const char *key, const char *value,
                    unsigned line)
{
    struct state *st = ctx;
    FUZZ_CHECK(!st->stopped);
    FUZZ_CHECK(section != NULL && section_ok(section));
    FUZZ_CHECK((key == NULL) == (value == NULL));
    FUZZ_CHECK(line > st->last_line && line <= st->max_line);
    st->last_line = line;
    st->calls++;
    if (key) {
        FUZZ_CHECK(name_ok(key));
        FUZZ_CHECK(strlen(value) <= MH_CONFIG_LINE_MAX);
        FUZZ_CHECK(!strchr(value, '\n'));
        if (!strcmp(key, "stop")) {
            st->stopped = true;
            return 1;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct state st = {0};

    /* lines: ini_next_line covers the text exactly, without the '\n's */
    size_t pos = 0, covered = 0, n;
    const char *line;
    while (ini_next_line(text, size, &pos, &line, &n)) {
        FUZZ_CHECK(line == text + covered);
        FUZZ_CHECK(!memchr(line, '\n', n));
        covered += n;
        FUZZ_CHECK(pos <= size);
        if (pos > covered) {
            FUZZ_CHECK(text[covered] == '\n');
            covered++;
        }
        FUZZ_CHECK(pos == covered);
        st.max_line++;
    }
    FUZZ_CHECK(covered == size);

    unsigned err_line = 12345;
    enum ini_result r = ini_parse(text, size, on_entry, &st, &err_line);
    const char *msg = ini_strerror(r);
    FUZZ_CHECK(msg && msg[0]);
    if (r == INI_OK) {
        FUZZ_CHECK(err_line == 0);
        FUZZ_CHECK(!st.stopped);
    } else {
        FUZZ_CHECK(err_line >= 1 && err_line <= st.max_line);
        FUZZ_CHECK(err_line >= st.last_line);
        FUZZ_CHECK((r == INI_STOPPED) == st.stopped);
        if (r == INI_STOPPED)
            FUZZ_CHECK(err_line == st.last_line);
    }
    return 0;
}
