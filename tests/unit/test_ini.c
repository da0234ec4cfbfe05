/* test_ini.c - ini.c: the config tokenizer.  Sections, keys and values with
 * trimming, quoting and comments (`#`/`;` at line start or after white space
 * only), CRLF, blank lines, a last line without newline, exact line numbers
 * for the callback and for every error kind, the MH_CONFIG_LINE_MAX
 * boundary, and a callback that stops the parse. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "ini.h"

#define MAX_SEEN 16

/* What the callback saw: key = value calls and [section] header calls
 * (key and value NULL) apart. */
struct seen {
    unsigned n; /* key = value calls */
    char section[MAX_SEEN][MH_CONFIG_SECTION_MAX];
    char key[MAX_SEEN][MH_CONFIG_NAME_MAX];
    char value[MAX_SEEN][MH_CONFIG_LINE_MAX + 1];
    unsigned line[MAX_SEEN];
    unsigned n_sec; /* section header calls */
    char sec[MAX_SEEN][MH_CONFIG_SECTION_MAX];
    unsigned sec_line[MAX_SEEN];
    unsigned calls;   /* all calls */
    unsigned stop_at; /* return non-zero on this call (1-based), 0: never */
};

static int record(void *ctx, const char *section, const char *key, const char *value,
                  unsigned line)
{
    struct seen *s = ctx;
    s->calls++;
    assert_non_null(section);
    if (!key) {
        assert_null(value);
        assert_true(s->n_sec < MAX_SEEN);
        snprintf(s->sec[s->n_sec], sizeof(s->sec[0]), "%s", section);
        s->sec_line[s->n_sec] = line;
        s->n_sec++;
        return s->stop_at && s->calls == s->stop_at;
    }
    assert_non_null(value);
    assert_true(s->n < MAX_SEEN);
    snprintf(s->section[s->n], sizeof(s->section[0]), "%s", section);
    snprintf(s->key[s->n], sizeof(s->key[0]), "%s", key);
    snprintf(s->value[s->n], sizeof(s->value[0]), "%s", value);
    s->line[s->n] = line;
    s->n++;
    return s->stop_at && s->calls == s->stop_at;
}

static struct seen *parse(const char *text, size_t len, enum ini_result want,
                          unsigned want_line)
{
    static struct seen storage;
    struct seen *s = &storage;
    unsigned line = 12345;
    memset(s, 0, sizeof(*s));
    enum ini_result r = ini_parse(text, len, record, s, &line);
    if (r != want || line != want_line)
        print_error("got %d (%s) at line %u, want %d at line %u\n", (int)r,
                    ini_strerror(r), line, (int)want, want_line);
    assert_int_equal(r, want);
    assert_int_equal(line, want_line);
    return s;
}

static void expect(const struct seen *s, unsigned i, const char *section,
                   const char *key, const char *value, unsigned line)
{
    assert_true(i < s->n);
    assert_string_equal(s->section[i], section);
    assert_string_equal(s->key[i], key);
    assert_string_equal(s->value[i], value);
    assert_int_equal(s->line[i], line);
}

static void expect_section(const struct seen *s, unsigned i, const char *name,
                           unsigned line)
{
    assert_true(i < s->n_sec);
    assert_string_equal(s->sec[i], name);
    assert_int_equal(s->sec_line[i], line);
}

static void test_sections_keys_values(void **state)
{
    (void)state;
    const char *t = "[server]\n"       /* 1 */
                    "port = 8080\n"    /* 2 */
                    "listen=::\n"      /* 3 */
                    "\n"               /* 4 */
                    "[log]\n"          /* 5 */
                    "access_log = -\n" /* 6 */
                    "[mime]\n"         /* 7 */
                    "tar.gz = x/y\n"   /* 8 */
                    "a-b_C+d = 1\n"    /* 9 */
                    "empty =\n";       /* 10 */
    struct seen *s = parse(t, strlen(t), INI_OK, 0);
    assert_int_equal(s->n, 6);
    expect(s, 0, "server", "port", "8080", 2);
    expect(s, 1, "server", "listen", "::", 3);
    expect(s, 2, "log", "access_log", "-", 6);
    expect(s, 3, "mime", "tar.gz", "x/y", 8);
    expect(s, 4, "mime", "a-b_C+d", "1", 9);
    expect(s, 5, "mime", "empty", "", 10);
    assert_int_equal(s->n_sec, 3);
    expect_section(s, 0, "server", 1);
    expect_section(s, 1, "log", 5);
    expect_section(s, 2, "mime", 7);
    assert_int_equal(s->calls, 9);
}

/* "[name argument]": the section is "name argument", the argument trimmed
 * and joined by one space; up to MH_CONFIG_SECTION_MAX - 1 bytes. */
static void test_section_argument(void **state)
{
    (void)state;
    const char *t = "[access /team-a/]\n"
                    "allow = ::1\n"
                    "[ access \t /a b/  ]  ; comment\n"
                    "realm = x\n";
    struct seen *s = parse(t, strlen(t), INI_OK, 0);
    assert_int_equal(s->n_sec, 2);
    expect_section(s, 0, "access /team-a/", 1);
    expect_section(s, 1, "access /a b/", 3);
    expect(s, 0, "access /team-a/", "allow", "::1", 2);
    expect(s, 1, "access /a b/", "realm", "x", 4);
    char text[MH_CONFIG_SECTION_MAX + 16];
    size_t arg = MH_CONFIG_SECTION_MAX - 1 - strlen("access ");
    memcpy(text, "[access ", 8);
    memset(text + 8, 'a', arg);
    memcpy(text + 8 + arg, "]\n", 3);
    parse(text, 8 + arg + 2, INI_OK, 0); /* N - 1 bytes and the NUL: fits */
    memset(text + 8, 'a', arg + 1);
    memcpy(text + 8 + arg + 1, "]\n", 3);
    parse(text, 8 + arg + 3, INI_BAD_SECTION, 1);
}

static void test_whitespace_trimmed(void **state)
{
    (void)state;
    const char *t = "  [ server ]  \n"
                    "\t port \t=\t 80 \t\n"
                    "index =  a.html   b.html  \n";
    struct seen *s = parse(t, strlen(t), INI_OK, 0);
    assert_int_equal(s->n, 2);
    expect(s, 0, "server", "port", "80", 2);
    expect(s, 1, "server", "index", "a.html   b.html", 3);
    assert_int_equal(s->n_sec, 1);
    expect_section(s, 0, "server", 1); /* "[ server ]" is trimmed */
}

static void test_comments(void **state)
{
    (void)state;
    const char *t = "# a comment\n"                            /* 1 */
                    "; another\n"                              /* 2 */
                    "   # indented comment\n"                  /* 3 */
                    "[server] ; section comment\n"             /* 4 */
                    "port = 80 ; the web port\n"               /* 5 */
                    "listen = ::1 # hash comment\n"            /* 6 */
                    "index = a#b.html\n"                       /* 7 */
                    "user = x;y\n"                             /* 8 */
                    "[mime]\n"                                 /* 9 */
                    "md = text/markdown; charset=utf-8\n"      /* 10 */
                    "md2 = text/markdown; charset=utf-8 ; c\n" /* 11 */
                    "k = ;only comment\n"                      /* 12 */
                    "[log]# not a comment start\n";            /* 13 */
    struct seen *s = parse(t, strlen(t), INI_BAD_SECTION, 13);
    assert_int_equal(s->n, 7);
    expect(s, 0, "server", "port", "80", 5);
    expect(s, 1, "server", "listen", "::1", 6);
    expect(s, 2, "server", "index", "a#b.html", 7);
    expect(s, 3, "server", "user", "x;y", 8);
    expect(s, 4, "mime", "md", "text/markdown; charset=utf-8", 10);
    expect(s, 5, "mime", "md2", "text/markdown; charset=utf-8", 11);
    expect(s, 6, "mime", "k", "", 12);
    assert_int_equal(s->n_sec, 2); /* the bad [log] header is not reported */
    expect_section(s, 0, "server", 4);
    expect_section(s, 1, "mime", 9);
}

static void test_quoted_values(void **state)
{
    (void)state;
    const char *t = "[s]\n"
                    "a = \"x ; y # z\"\n"
                    "b = \"  spaced  \"\n"
                    "c = \"\"\n"
                    "d = \"q\" ; comment after quote\n"
                    "e = \"q\"   \n"
                    "f = \"with = equals\"\n"
                    "g = un\"quoted\n";
    struct seen *s = parse(t, strlen(t), INI_OK, 0);
    assert_int_equal(s->n, 7);
    expect(s, 0, "s", "a", "x ; y # z", 2);
    expect(s, 1, "s", "b", "  spaced  ", 3);
    expect(s, 2, "s", "c", "", 4);
    expect(s, 3, "s", "d", "q", 5);
    expect(s, 4, "s", "e", "q", 6);
    expect(s, 5, "s", "f", "with = equals", 7);
    expect(s, 6, "s", "g", "un\"quoted", 8);
}

static void test_crlf_and_blank_lines(void **state)
{
    (void)state;
    const char *t = "\r\n"
                    "[server]\r\n"
                    "   \r\n"
                    "\t\r\n"
                    "port = 80\r\n"
                    "q = \"v\"\r\n"
                    "c = 1 ; x\r\n"
                    "\n"
                    "last = no newline";
    struct seen *s = parse(t, strlen(t), INI_OK, 0);
    assert_int_equal(s->n, 4);
    expect(s, 0, "server", "port", "80", 5);
    expect(s, 1, "server", "q", "v", 6);
    expect(s, 2, "server", "c", "1", 7);
    expect(s, 3, "server", "last", "no newline", 9);
    assert_int_equal(s->n_sec, 1);
    expect_section(s, 0, "server", 2);
}

static void test_empty_input(void **state)
{
    (void)state;
    struct seen *s = parse("", 0, INI_OK, 0);
    assert_int_equal(s->n, 0);
    s = parse("\n\n# x\n", 6, INI_OK, 0);
    assert_int_equal(s->n, 0);
}

static void test_len_not_nul(void **state)
{
    (void)state;
    /* only the first len bytes are read */
    const char *t = "[s]\na = 1\nb = 2\n";
    struct seen *s = parse(t, 9, INI_OK, 0);
    assert_int_equal(s->n, 1);
    expect(s, 0, "s", "a", "1", 2);
}

struct err_case {
    const char *text;
    size_t len; /* 0: strlen */
    enum ini_result want;
    unsigned line;
};

static void test_errors(void **state)
{
    (void)state;
    static const struct err_case cases[] = {
        {"[s]\n[server\n", 0, INI_BAD_SECTION, 2},
        {"[s]\n\n[]\n", 0, INI_BAD_SECTION, 3},
        {"[  ]\n", 0, INI_BAD_SECTION, 1},
        {"[a\tb\x01]\n", 0, INI_BAD_SECTION, 1},
        {"[a/b c]\n", 0, INI_BAD_SECTION, 1},
        {"[s] junk\n", 0, INI_BAD_SECTION, 1},
        {"[s]x\n", 0, INI_BAD_SECTION, 1},
        {"[s/t]\n", 0, INI_BAD_SECTION, 1},
        {"[s]\na = 1\njust words\n", 0, INI_NO_EQUALS, 3},
        {"[s]\nport\n", 0, INI_NO_EQUALS, 2},
        {"[s]\n= value\n", 0, INI_BAD_KEY, 2},
        {"[s]\n\n\nbad key = 1\n", 0, INI_BAD_KEY, 4},
        {"[s]\nk/ey = 1\n", 0, INI_BAD_KEY, 2},
        {"[s]\n\"k\" = 1\n", 0, INI_BAD_KEY, 2},
        {"# c\nport = 80\n", 0, INI_KEY_BEFORE_SECTION, 2},
        {"k = v\n[s]\n", 0, INI_KEY_BEFORE_SECTION, 1},
        {"[s]\na = \"open\n", 0, INI_BAD_QUOTE, 2},
        {"[s]\na = \"x\" junk\n", 0, INI_BAD_QUOTE, 2},
        {"[s]\na = \"x\"y\n", 0, INI_BAD_QUOTE, 2},
        {"[s]\na = \"x\";c\n", 0, INI_BAD_QUOTE, 2},
        {"[s]\na = 1\nb = \0\n", 16, INI_NUL_BYTE, 3},
        {"\0", 1, INI_NUL_BYTE, 1},
        {"[s]\n# comment \0 too\n", 20, INI_NUL_BYTE, 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct err_case *c = &cases[i];
        print_message("error case %zu\n", i);
        parse(c->text, c->len ? c->len : strlen(c->text), c->want, c->line);
    }
}

static void test_name_length(void **state)
{
    (void)state;
    char t[256];
    char name[MH_CONFIG_NAME_MAX + 1];
    /* a name of MH_CONFIG_NAME_MAX - 1 bytes fits the NUL-terminated buffer */
    memset(name, 'k', MH_CONFIG_NAME_MAX - 1);
    name[MH_CONFIG_NAME_MAX - 1] = '\0';
    snprintf(t, sizeof(t), "[s]\n%s = v\n", name);
    struct seen *s = parse(t, strlen(t), INI_OK, 0);
    assert_int_equal(s->n, 1);
    assert_string_equal(s->key[0], name);
    memset(name, 'k', MH_CONFIG_NAME_MAX);
    name[MH_CONFIG_NAME_MAX] = '\0';
    snprintf(t, sizeof(t), "[s]\n%s = v\n", name);
    parse(t, strlen(t), INI_BAD_KEY, 2);
    snprintf(t, sizeof(t), "[%s]\n", name);
    parse(t, strlen(t), INI_BAD_SECTION, 1);
}

/* "[s]\n" then "k = vvv...v\n" of exactly `linelen` bytes before the newline */
static char *long_line_text(size_t linelen, size_t *len)
{
    char *t = malloc(linelen + 16);
    assert_non_null(t);
    memcpy(t, "[s]\nk = ", 8);
    memset(t + 8, 'v', linelen - 4);
    t[4 + linelen] = '\n';
    memcpy(t + 5 + linelen, "z = 1\n", 6);
    *len = 11 + linelen;
    return t;
}

static void test_line_max_boundary(void **state)
{
    (void)state;
    size_t len;
    char *t = long_line_text(MH_CONFIG_LINE_MAX, &len);
    struct seen *s = parse(t, len, INI_OK, 0);
    assert_int_equal(s->n, 2);
    assert_int_equal(strlen(s->value[0]), MH_CONFIG_LINE_MAX - 4);
    assert_int_equal(s->line[0], 2);
    expect(s, 1, "s", "z", "1", 3);
    free(t);

    t = long_line_text(MH_CONFIG_LINE_MAX + 1, &len);
    struct seen *s2 = parse(t, len, INI_LINE_TOO_LONG, 2);
    assert_int_equal(s2->n, 0);
    free(t);

    /* a long last line without a newline is refused too */
    t = long_line_text(MH_CONFIG_LINE_MAX + 1, &len);
    parse(t, 4 + MH_CONFIG_LINE_MAX + 1, INI_LINE_TOO_LONG, 2);
    free(t);
}

static void test_callback_stop(void **state)
{
    (void)state;
    const char *t = "[s]\na = 1\n\nb = 2\n[u]\nc = 3\n";
    static struct seen storage;
    struct seen *s = &storage;
    unsigned line = 0;

    /* calls: [s] 1, a 2, b 3, [u] 4, c 5 */
    memset(s, 0, sizeof(*s));
    s->stop_at = 3;
    assert_int_equal(ini_parse(t, strlen(t), record, s, &line), INI_STOPPED);
    assert_int_equal(line, 4);
    assert_int_equal(s->n, 2);
    expect(s, 1, "s", "b", "2", 4);

    /* stopping on a section header */
    memset(s, 0, sizeof(*s));
    s->stop_at = 4;
    assert_int_equal(ini_parse(t, strlen(t), record, s, &line), INI_STOPPED);
    assert_int_equal(line, 5);
    assert_int_equal(s->n, 2);
    assert_int_equal(s->n_sec, 2);
    expect_section(s, 1, "u", 5);

    memset(s, 0, sizeof(*s));
    s->stop_at = 1;
    assert_int_equal(ini_parse(t, strlen(t), record, s, &line), INI_STOPPED);
    assert_int_equal(line, 1);
    assert_int_equal(s->n, 0);
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(ini_strerror(INI_OK), "no error");
    assert_string_equal(ini_strerror(INI_NO_EQUALS),
                        "malformed line, expected key = value");
    for (int r = INI_OK; r <= INI_STOPPED; r++) {
        assert_non_null(ini_strerror((enum ini_result)r));
        assert_string_not_equal(ini_strerror((enum ini_result)r), "unknown error");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sections_keys_values),
        cmocka_unit_test(test_section_argument),
        cmocka_unit_test(test_whitespace_trimmed),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_quoted_values),
        cmocka_unit_test(test_crlf_and_blank_lines),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_len_not_nul),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_name_length),
        cmocka_unit_test(test_line_max_boundary),
        cmocka_unit_test(test_callback_stop),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
