/* test_config.c - config.c: loading and validating minihttpd.conf.  Uses a
 * mkdtemp fixture (docroot, a regular file, a types file, a log directory)
 * and config files written by the tests.  Covers built-in defaults, every
 * key, command-line overrides winning over the file, every error with its
 * exact "FILE:LINE: ..." text, config_check_user and config_mime_lookup, a
 * log that is a FIFO (never a blocking open), text from the file escaped in
 * messages (control bytes, invalid UTF-8, the cut of a long one), the keys a
 * reload cannot change (config_restart_key), the headers [headers] may not
 * add (headers.h), and that every key of the table is documented in
 * minihttpd.conf(5), conf/minihttpd.conf and tests/fuzz/config.dict. */
#define _GNU_SOURCE /* nftw with FTW_DEPTH | FTW_PHYS */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "headers.h"

static char dir[64];      /* the fixture root */
static char docroot[128]; /* DIR/www */
static char afile[128];   /* DIR/afile, a regular file */
static char types[128];   /* DIR/types */
static char logs[128];    /* DIR/logs */
static char conf[128];    /* DIR/c.conf, rewritten by each test */
static struct mh_error err;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "%s", "/tmp/mh-test-config-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(docroot, sizeof(docroot), "%s/www", dir);
    snprintf(afile, sizeof(afile), "%s/afile", dir);
    snprintf(types, sizeof(types), "%s/types", dir);
    snprintf(logs, sizeof(logs), "%s/logs", dir);
    snprintf(conf, sizeof(conf), "%s/c.conf", dir);
    if (mkdir(docroot, 0755) || mkdir(logs, 0755))
        return -1;
    write_file(afile, "not a directory\n");
    write_file(types, "# test types\n"
                      "text/plain\ttxt\n"
                      "text/x-markdown md markdown\n"
                      "text/css css\n"
                      "image/png png\n");
    return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    (void)state;
    return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write `text` as the config file and load it with overrides ov. */
static struct mh_config *load(const char *text, const struct mh_overrides *ov)
{
    write_file(conf, text);
    memset(&err, 0, sizeof(err));
    return config_load(conf, ov, &err);
}

/* The same with -r DOCROOT, so the docroot check passes. */
static struct mh_config *load_r(const char *text)
{
    struct mh_overrides ov = {.docroot = docroot};
    return load(text, &ov);
}

static void expect_defaults(const struct mh_config *c)
{
    assert_string_equal(c->listen, "0.0.0.0");
    assert_int_equal(c->port, 8080);
    assert_string_equal(c->docroot, docroot);
    assert_int_equal(c->n_index, 1);
    assert_string_equal(c->index[0], "index.html");
    assert_false(c->autoindex);
    assert_int_equal(c->error_level, 2); /* notice (log.h) */
    assert_int_equal(c->workers, 0);
    assert_string_equal(c->user, "");
    assert_int_equal(c->user_line, 0);
    assert_string_equal(c->pid_file, "/run/minihttpd.pid");
    assert_int_equal(c->keepalive_timeout, 15);
    assert_int_equal(c->request_timeout, 30);
    assert_int_equal(c->max_connections, 10000);
    assert_string_equal(c->access_log, "-");
    assert_string_equal(c->error_log, "-");
    assert_string_equal(c->types_file, "/etc/mime.types");
    assert_string_equal(c->default_type, "application/octet-stream");
}

static void test_defaults_empty_file(void **state)
{
    (void)state;
    struct mh_config *c = load_r("");
    if (!c)
        print_error("%s\n", err.msg);
    assert_non_null(c);
    expect_defaults(c);
    assert_string_equal(c->source, conf);
    assert_string_equal(config_name(c), conf);
    assert_int_equal(c->overrides.n, 0);
    config_free(c);

    /* comments and blank lines only: the same */
    c = load_r("# nothing here\n\n; really\n[server]\n");
    assert_non_null(c);
    expect_defaults(c);
    config_free(c);
}

static void test_defaults_no_file(void **state)
{
    (void)state;
    struct stat st;
    if (stat(MH_DEFAULT_CONFIG, &st) == 0) {
        print_message(MH_DEFAULT_CONFIG " exists: skipped\n");
        skip();
    }
    struct mh_overrides ov = {.docroot = docroot};
    struct mh_config *c = config_load(NULL, &ov, &err);
    if (!c)
        print_error("%s\n", err.msg);
    assert_non_null(c);
    expect_defaults(c);
    assert_string_equal(c->source, "");
    assert_string_equal(config_name(c), "(built-in defaults)");
    config_free(c);
}

static void test_every_key(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof(text),
             "[server]\n"                               /* 1 */
             "listen = ::1\n"                           /* 2 */
             "port = 9090\n"                            /* 3 */
             "docroot = \"%s\"\n"                       /* 4 */
             "index = index.htm   default.html\tx.y\n"  /* 5 */
             "autoindex = on\n"                         /* 6 */
             "workers = 4\n"                            /* 7 */
             "user = root\n"                            /* 8 */
             "pid_file = %s/mh.pid\n"                   /* 9 */
             "keepalive_timeout = 5\n"                  /* 10 */
             "request_timeout = 7\n"                    /* 11 */
             "send_timeout = 9\n"                       /* 12 */
             "max_connections = 123\n"                  /* 13 */
             "[log]\n"                                  /* 14 */
             "access_log = %s/access.log ; a comment\n" /* 15 */
             "error_log = %s/new/error.log\n"           /* 16 */
             "[mime]\n"                                 /* 17 */
             "types_file = %s\n"                        /* 18 */
             "default_type = text/plain\n"              /* 19 */
             "md = text/markdown; charset=utf-8\n",     /* 20 */
             docroot, dir, logs, logs, types);
    struct mh_config *c = load(text, NULL);
    if (!c)
        print_error("%s\n", err.msg);
    assert_non_null(c);
    char want[256];
    assert_string_equal(c->listen, "::1");
    assert_int_equal(c->port, 9090);
    assert_string_equal(c->docroot, docroot);
    assert_int_equal(c->n_index, 3);
    assert_string_equal(c->index[0], "index.htm");
    assert_string_equal(c->index[1], "default.html");
    assert_string_equal(c->index[2], "x.y");
    assert_true(c->autoindex);
    assert_int_equal(c->workers, 4);
    assert_string_equal(c->user, "root");
    assert_int_equal(c->user_line, 8);
    snprintf(want, sizeof(want), "%s/mh.pid", dir);
    assert_string_equal(c->pid_file, want);
    assert_int_equal(c->keepalive_timeout, 5);
    assert_int_equal(c->request_timeout, 7);
    assert_int_equal(c->send_timeout, 9);
    assert_int_equal(c->max_connections, 123);
    snprintf(want, sizeof(want), "%s/access.log", logs);
    assert_string_equal(c->access_log, want);
    snprintf(want, sizeof(want), "%s/new/error.log", logs);
    assert_string_equal(c->error_log, want);
    assert_string_equal(c->types_file, types);
    assert_string_equal(c->default_type, "text/plain");
    assert_int_equal(c->overrides.n, 1);
    config_free(c);
}

struct value_case {
    const char *section, *key, *value;
    int ok;
};

/* Accepted and refused values, each at its bounds. */
static void test_error_level(void **state)
{
    (void)state;
    static const char *const words[] = {"error", "warn", "notice", "info", "debug"};
    for (unsigned i = 0; i < 5; i++) {
        char text[64];
        snprintf(text, sizeof(text), "[log]\nerror_level = %s\n", words[i]);
        struct mh_config *c = load_r(text);
        assert_non_null(c);
        assert_int_equal(c->error_level, i); /* the order of enum mh_log_level */
        config_free(c);
    }
}

static void test_values(void **state)
{
    (void)state;
    static const struct value_case cases[] = {
        {"server", "port", "1", 1},
        {"server", "port", "65535", 1},
        {"server", "port", "0", 0},
        {"server", "port", "65536", 0},
        {"server", "port", "70000", 0},
        {"server", "port", "abc", 0},
        {"server", "port", "-1", 0},
        {"server", "port", "8080x", 0},
        {"server", "port", "", 0},
        {"server", "port", "99999999999999999999999", 0},
        {"server", "workers", "auto", 1},
        {"server", "workers", "1", 1},
        {"server", "workers", "256", 1},
        {"server", "workers", "257", 0},
        {"server", "workers", "0", 0},
        {"server", "workers", "banana", 0},
        {"server", "autoindex", "off", 1},
        {"server", "autoindex", "on", 1},
        {"server", "autoindex", "maybe", 0},
        {"server", "autoindex", "On", 1},
        {"server", "autoindex", "OFF", 1},
        {"server", "autoindex", "oFf", 1},
        {"server", "autoindex", "yes", 0},
        {"server", "autoindex", "no", 0},
        {"server", "autoindex", "true", 0},
        {"server", "autoindex", "false", 0},
        {"server", "autoindex", "1", 0},
        {"server", "autoindex", "0", 0},
        {"server", "autoindex", "", 0},
        {"log", "error_level", "error", 1},
        {"log", "error_level", "warn", 1},
        {"log", "error_level", "notice", 1},
        {"log", "error_level", "info", 1},
        {"log", "error_level", "debug", 1},
        {"log", "error_level", "Debug", 0},
        {"log", "error_level", "warning", 0},
        {"log", "error_level", "5", 0},
        {"log", "error_level", "", 0},
        {"server", "hide_dotfiles", "ON", 1},
        {"server", "hide_dotfiles", "yes", 0},
        {"server", "hide_dotfiles", "0", 0},
        {"server", "listen", "::", 1},
        {"server", "listen", "127.0.0.1", 1},
        {"server", "listen", "fe80::1", 1},
        {"server", "listen", "not an address", 0},
        {"server", "listen", "localhost", 0},
        {"server", "listen", "1.2.3.256", 0},
        {"server", "keepalive_timeout", "86400", 1},
        {"server", "keepalive_timeout", "86401", 0},
        {"server", "keepalive_timeout", "0", 0},
        {"server", "request_timeout", "1", 1},
        {"server", "request_timeout", "86401", 0},
        {"server", "max_connections", "1000000", 1},
        {"server", "max_connections", "1000001", 0},
        {"server", "index", "a b c d e f g h", 1},
        {"server", "index", "a b c d e f g h i", 0},
        {"server", "index", "../x.html", 0},
        {"server", "index", "..", 0},
        {"server", "index", "", 0},
        {"server", "index", "index.html, index.htm", 0},
        {"server", "index", "index.html,index.htm", 0},
        {"server", "index", "a,", 0},
        {"log", "access_log", "off", 1},
        {"log", "access_log", "-", 1},
        {"log", "error_log", "-", 1},
        {"log", "error_log", "off", 0},
        {"log", "access_log", "", 0},
        {"mime", "default_type", "text/plain", 1},
        {"mime", "default_type", "nonsense", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct value_case *v = &cases[i];
        char text[256];
        snprintf(text, sizeof(text), "[%s]\n%s = \"%s\"\n", v->section, v->key,
                 v->value);
        struct mh_config *c = load_r(text);
        if ((c != NULL) != v->ok)
            print_error("%s = \"%s\": %s\n", v->key, v->value,
                        c ? "accepted" : err.msg);
        config_free(c);
        assert_int_equal(c != NULL, v->ok);
        if (!v->ok) {
            char prefix[512];
            snprintf(prefix, sizeof(prefix), "%s:2: %s = \"%s\": ", conf, v->key,
                     v->value);
            assert_memory_equal(err.msg, prefix, strlen(prefix));
        }
    }
}

struct err_case {
    const char *text;
    const char *want; /* after "FILE:" */
};

/* Each case's text is refused with exactly its message. */
static void expect_errors(const struct err_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct mh_config *c = load_r(cases[i].text);
        char want[MH_ERROR_MAX];
        snprintf(want, sizeof(want), "%s:%s", conf, cases[i].want);
        if (c || strcmp(err.msg, want))
            print_error("case %zu: got \"%s\"\n", i, c ? "(accepted)" : err.msg);
        config_free(c);
        assert_null(c);
        assert_string_equal(err.msg, want);
    }
}

static void test_errors(void **state)
{
    (void)state;
    static const struct err_case cases[] = {
        {"[server]\nfoo = 1\n", "2: unknown key \"foo\" in [server]"},
        {"[log]\nport = 80\n", "2: unknown key \"port\" in [log]"},
        {"[server]\nport = 80\n\nport = 81\n",
         "4: duplicate key \"port\" (first set on line 2)"},
        {"[server]\nport\n", "2: malformed line, expected key = value"},
        {"port = 80\n", "1: key outside of a [section]"},
        {"[server\n",
         "1: malformed section header, expected [name] or [name argument]"},
        {"[server]\nindex = \"a.html\n",
         "2: unterminated quote or text after closing quote"},
        {"[server]\n\n\nport = 0\n",
         "4: port = \"0\": must be a port number from 1 to 65535"},
        {"[server]\nport = 70000\n",
         "2: port = \"70000\": must be a port number from 1 to 65535"},
        {"[server]\nport = abc\n",
         "2: port = \"abc\": must be a port number from 1 to 65535"},
        {"[server]\nworkers = banana\n",
         "2: workers = \"banana\": must be auto or a number of workers from 1 to 256"},
        {"[server]\nworkers = 0\n",
         "2: workers = \"0\": must be auto or a number of workers from 1 to 256"},
        {"[server]\nworkers = 257\n",
         "2: workers = \"257\": must be auto or a number of workers from 1 to 256"},
        {"[server]\nautoindex = maybe\n",
         "2: autoindex = \"maybe\": must be on or off"},
        {"[server]\nautoindex = yes\n", "2: autoindex = \"yes\": must be on or off"},
        {"[log]\nerror_level = verbose\n",
         "2: error_level = \"verbose\": must be error, warn, notice, info or debug"},
        {"[server]\n\nhide_dotfiles = true\n",
         "3: hide_dotfiles = \"true\": must be on or off"},
        {"[server]\nindex = index.html, index.htm\n",
         "2: index = \"index.html, index.htm\": index names are separated by spaces, "
         "not commas"},
        {"[server]\nkeepalive_timeout = 0\n",
         "2: keepalive_timeout = \"0\": must be a whole number from 1 to 86400"},
        {"[server]\nmax_connections = 1000001\n",
         "2: max_connections = \"1000001\": must be a whole number from 1 to 1000000"},
        {"[headers]\nX-Content-Type-Options = nosniff\n",
         "2: X-Content-Type-Options is set by minihttpd itself"},
        {"[headers]\ncache-control = no-store\n",
         "2: cache-control is set by minihttpd itself; use cache_control in [server]"},
        {"[server]\nlisten = not an address\n",
         "2: listen = \"not an address\": must be an IPv4 or IPv6 address, like "
         "0.0.0.0 or ::"},
        {"[log]\nerror_log = off\n",
         "2: error_log = \"off\": cannot be off; use a path or - for stderr"},
        {"[mime]\nmd = text/markdown\nmd = text/plain\n",
         "3: duplicate extension \"md\" in [mime]"},
        {"[mime]\nmd = text/markdown\nMD = text/plain\n",
         "3: duplicate extension \"MD\" in [mime]"},
        {"[mime]\nmd = nonsense\n",
         "2: md: malformed media type, expected type/subtype"},
    };
    expect_errors(cases, sizeof(cases) / sizeof(cases[0]));
}

/* minihttpd.conf(5): an unknown section is an error naming FILE:LINE, never
 * silently ignored; the line is that of the [section] header. */
static void test_unknown_section(void **state)
{
    (void)state;
    char want[MH_ERROR_MAX];
    struct mh_config *c = load_r("[server]\nport = 80\n[sever]\nport = 81\n");
    snprintf(want, sizeof(want), "%s:3: unknown section [sever]", conf);
    if (c || strcmp(err.msg, want))
        print_error("with a key: got \"%s\"\n", c ? "(accepted)" : err.msg);
    config_free(c);
    assert_null(c);
    assert_string_equal(err.msg, want);

    c = load_r("[server]\nport = 80\n\n[logs]\n");
    snprintf(want, sizeof(want), "%s:4: unknown section [logs]", conf);
    if (c || strcmp(err.msg, want))
        print_error("without keys: got \"%s\"\n", c ? "(accepted)" : err.msg);
    config_free(c);
    assert_null(c);
    assert_string_equal(err.msg, want);
}

static void test_path_errors(void **state)
{
    (void)state;
    char text[512], want[MH_ERROR_MAX];

    /* docroot missing */
    snprintf(text, sizeof(text), "[server]\nport = 80\ndocroot = %s/nope\n", dir);
    assert_null(load(text, NULL));
    snprintf(want, sizeof(want), "%s:3: docroot: %s/nope: No such file or directory",
             conf, dir);
    assert_string_equal(err.msg, want);

    /* docroot is a file */
    snprintf(text, sizeof(text), "[server]\ndocroot = %s\n", afile);
    assert_null(load(text, NULL));
    snprintf(want, sizeof(want), "%s:2: docroot: %s: not a directory", conf, afile);
    assert_string_equal(err.msg, want);

    /* types_file missing */
    snprintf(text, sizeof(text), "[mime]\n\ntypes_file = %s/none.types\n", dir);
    assert_null(load_r(text));
    snprintf(want, sizeof(want),
             "%s:3: types_file: cannot read %s/none.types: No such file or directory",
             conf, dir);
    assert_string_equal(err.msg, want);

    /* a log whose directory and parent do not exist */
    snprintf(text, sizeof(text), "[log]\naccess_log = %s/a/b/access.log\n", dir);
    assert_null(load_r(text));
    snprintf(want, sizeof(want),
             "%s:2: access_log: cannot create %s/a/b/access.log: its directory does "
             "not exist",
             conf, dir);
    assert_string_equal(err.msg, want);

    /* a log path that is a directory */
    snprintf(text, sizeof(text), "[log]\n\nerror_log = %s\n", logs);
    assert_null(load_r(text));
    snprintf(want, sizeof(want), "%s:3: error_log: cannot open %s: Is a directory",
             conf, logs);
    assert_string_equal(err.msg, want);

    /* a types file with an error names its own FILE:LINE */
    char badtypes[160];
    snprintf(badtypes, sizeof(badtypes), "%s/bad.types", dir);
    write_file(badtypes, "text/plain txt\n# c\nbad ext\n");
    snprintf(text, sizeof(text), "[mime]\ntypes_file = %s\n", badtypes);
    assert_null(load_r(text));
    snprintf(want, sizeof(want), "%s:3: malformed media type, expected type/subtype",
             badtypes);
    assert_string_equal(err.msg, want);
}

/* [errors]: "/404.html" is one page that must exist; "404.html" the
 * nearest one, which need not exist anywhere yet. */
static void test_error_page_forms(void **state)
{
    (void)state;
    struct mh_config *c = load_r("[errors]\n404 = 404.html\n403 = errors/403.html\n");
    assert_non_null(c);
    const struct mh_error_page *p = config_error_page(c, 404);
    assert_non_null(p);
    assert_true(p->nearest);
    assert_string_equal(p->path, "/404.html");
    p = config_error_page(c, 403);
    assert_true(p->nearest);
    assert_string_equal(p->path, "/errors/403.html");
    assert_null(config_error_page(c, 500));
    assert_true(c->clean_urls);
    assert_true(c->redirects);
    config_free(c);
    static const char *const bad[] = {"../404.html", "x/../../404.html", "dir/",
                                      ".",           "a\\b.html",        "%2e%2e/x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[128];
        snprintf(text, sizeof(text), "[errors]\n404 = %s\n", bad[i]);
        c = load_r(text);
        if (c)
            fail_msg("404 = %s accepted", bad[i]);
        assert_non_null(strstr(err.msg, ":2: 404 = "));
    }
    c = load_r("[errors]\n404 = /absent.html\n"); /* the fixed form must exist */
    assert_null(c);
    assert_non_null(strstr(err.msg, "/absent.html: No such file or directory"));
    c = load_r("[server]\nclean_urls = off\nredirects = OFF\n");
    assert_non_null(c);
    assert_false(c->clean_urls);
    assert_false(c->redirects);
    config_free(c);
}

static void test_missing_explicit_file(void **state)
{
    (void)state;
    char path[160], want[MH_ERROR_MAX];
    snprintf(path, sizeof(path), "%s/missing.conf", dir);
    struct mh_overrides ov = {.docroot = docroot};
    assert_null(config_load(path, &ov, &err));
    snprintf(want, sizeof(want), "minihttpd: cannot read %s: No such file or directory",
             path);
    assert_string_equal(err.msg, want);

    /* a directory is not a config file either */
    assert_null(config_load(dir, &ov, &err));
    assert_memory_equal(err.msg, "minihttpd: cannot read ", 23);
}

static void test_overrides_win(void **state)
{
    (void)state;
    char text[512];
    snprintf(text, sizeof(text),
             "[server]\nport = 9000\nlisten = 127.0.0.1\ndocroot = %s/nope\n", dir);
    struct mh_overrides ov = {.docroot = docroot, .port = "8081", .listen = "::"};
    struct mh_config *c = load(text, &ov);
    if (!c)
        print_error("%s\n", err.msg);
    assert_non_null(c);
    assert_int_equal(c->port, 8081);
    assert_string_equal(c->listen, "::");
    assert_string_equal(c->docroot, docroot);
    config_free(c);

    /* NULL fields leave the file's values */
    struct mh_overrides only_r = {.docroot = docroot};
    c = load(text, &only_r);
    assert_non_null(c);
    assert_int_equal(c->port, 9000);
    assert_string_equal(c->listen, "127.0.0.1");
    config_free(c);
}

static void test_bad_overrides(void **state)
{
    (void)state;
    static const struct {
        struct mh_overrides ov;
        const char *want;
    } cases[] = {
        {{.port = "0"}, "minihttpd: -p 0: must be a port number from 1 to 65535"},
        {{.port = "http"}, "minihttpd: -p http: must be a port number from 1 to 65535"},
        {{.listen = "nowhere"},
         "minihttpd: -l nowhere: must be an IPv4 or IPv6 address, like 0.0.0.0 or ::"},
        {{.docroot = ""}, "minihttpd: -r : needs a path"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mh_config *c = load("[server]\nport = 80\n", &cases[i].ov);
        config_free(c);
        assert_null(c);
        assert_string_equal(err.msg, cases[i].want);
    }

    /* a missing -r docroot is named as coming from the command line */
    char nope[160], want[MH_ERROR_MAX];
    snprintf(nope, sizeof(nope), "%s/nope", dir);
    struct mh_overrides ov = {.docroot = nope};
    assert_null(load("", &ov));
    snprintf(want, sizeof(want),
             "minihttpd: command line: docroot: %s: No such file or directory", nope);
    assert_string_equal(err.msg, want);
}

static void test_relative_paths_made_absolute(void **state)
{
    (void)state;
    int here = open(".", O_RDONLY | O_DIRECTORY);
    assert_true(here >= 0);
    assert_int_equal(chdir(dir), 0);
    struct mh_overrides ov = {.docroot = "www"};
    struct mh_config *c =
        load("[server]\npid_file = run/mh.pid\n[log]\naccess_log = logs/a.log\n", &ov);
    int back = fchdir(here);
    close(here);
    assert_int_equal(back, 0);
    if (!c)
        print_error("%s\n", err.msg);
    assert_non_null(c);
    char want[256];
    assert_string_equal(c->docroot, docroot);
    snprintf(want, sizeof(want), "%s/run/mh.pid", dir);
    assert_string_equal(c->pid_file, want);
    snprintf(want, sizeof(want), "%s/a.log", logs);
    assert_string_equal(c->access_log, want);
    config_free(c);
}

static void test_check_user(void **state)
{
    (void)state;
    struct mh_config *c = load_r("[server]\nport = 80\n\nuser = no-such-user-mh42\n");
    assert_non_null(c);
    assert_int_equal(c->user_line, 4);
    assert_int_equal(config_check_user(c, &err), -1);
    char want[256];
    snprintf(want, sizeof(want), "%s:4: user \"no-such-user-mh42\"", conf);
    assert_memory_equal(err.msg, want, strlen(want));
    config_free(c);

    c = load_r("[server]\nuser = root\n");
    assert_non_null(c);
    assert_int_equal(config_check_user(c, &err), 0);
    config_free(c);

    c = load_r("");
    assert_non_null(c);
    assert_int_equal(config_check_user(c, &err), 0);
    config_free(c);
}

static void test_mime_lookup(void **state)
{
    (void)state;
    char text[512];
    snprintf(text, sizeof(text),
             "[mime]\ntypes_file = %s\nmd = text/markdown; charset=utf-8\n"
             "LOG = text/plain\nwebp = image/webp\n",
             types);
    struct mh_config *c = load_r(text);
    if (!c)
        print_error("%s\n", err.msg);
    assert_non_null(c);
    static const struct {
        const char *ext, *want;
    } cases[] = {
        {"md", "text/markdown; charset=utf-8"}, /* override wins */
        {"MD", "text/markdown; charset=utf-8"},
        {"markdown", "text/x-markdown; charset=utf-8"}, /* types file */
        {"txt", "text/plain; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"png", "image/png"},
        {"log", "text/plain; charset=utf-8"}, /* override key folded */
        {"webp", "image/webp"},
        {"js", NULL}, /* not in this types file */
        {"types_file", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = config_mime_lookup(c, cases[i].ext, strlen(cases[i].ext));
        if (cases[i].want) {
            assert_non_null(got);
            assert_string_equal(got, cases[i].want);
        } else {
            assert_null(got);
        }
    }
    config_free(c);
}

/* A log that is a FIFO: with no reader the check fails at once (a blocking
 * open would hang -t, start-up and SIGHUP) and names FILE:LINE and the key;
 * with a reader it passes.  A config or types file that is a FIFO is
 * refused at once. */
static void test_log_fifo(void **state)
{
    (void)state;
    char fifo[160], text[512], want[MH_ERROR_MAX];
    snprintf(fifo, sizeof(fifo), "%s/log.fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);

    snprintf(text, sizeof(text), "[log]\naccess_log = %s\n", fifo);
    assert_null(load_r(text));
    snprintf(want, sizeof(want),
             "%s:2: access_log: cannot open %s: no process is reading this FIFO", conf,
             fifo);
    assert_string_equal(err.msg, want);
    snprintf(text, sizeof(text), "[log]\n\nerror_log = %s\n", fifo);
    assert_null(load_r(text));
    snprintf(want, sizeof(want),
             "%s:3: error_log: cannot open %s: no process is reading this FIFO", conf,
             fifo);
    assert_string_equal(err.msg, want);

    int reader = open(fifo, O_RDONLY | O_NONBLOCK);
    assert_true(reader >= 0);
    snprintf(text, sizeof(text), "[log]\naccess_log = %s\nerror_log = %s\n", fifo,
             fifo);
    struct mh_config *c = load_r(text);
    close(reader);
    if (!c)
        print_error("%s\n", err.msg);
    assert_non_null(c);
    assert_string_equal(c->access_log, fifo);
    config_free(c);

    /* the config and types files are read whole, at each reload too: a FIFO
     * is refused at once, never waited on for a writer */
    snprintf(text, sizeof(text), "[mime]\ntypes_file = %s\n", fifo);
    assert_null(load_r(text));
    snprintf(want, sizeof(want),
             "%s:2: types_file: cannot read %s: a FIFO or socket, not a file", conf,
             fifo);
    assert_string_equal(err.msg, want);
    struct mh_overrides ov = {.docroot = docroot};
    assert_null(config_load(fifo, &ov, &err));
    snprintf(want, sizeof(want),
             "minihttpd: cannot read %s: a FIFO or socket, not a file", fifo);
    assert_string_equal(err.msg, want);
    /* /dev/null is an empty config (minihttpd(8) uses it), not an error */
    c = config_load("/dev/null", &ov, &err);
    assert_non_null(c);
    config_free(c);
    assert_int_equal(unlink(fifo), 0);
}

/* Text from the file is escaped in every message: control bytes, '"', '\\'
 * and invalid UTF-8 as \xHH; valid UTF-8 is kept. */
static void test_messages_escaped(void **state)
{
    (void)state;
    static const struct err_case cases[] = {
        {"[server]\nport = \x1b[31m\x07\n",
         "2: port = \"\\x1B[31m\\x07\": must be a port number from 1 to 65535"},
        {"[server]\nlisten = a\"b\\c\xff\xc2\x9b\xc3\xa9\n",
         "2: listen = \"a\\x22b\\x5Cc\\xFF\\xC2\\x9B\xc3\xa9\": must be an IPv4 or "
         "IPv6 address, like 0.0.0.0 or ::"},
        {"[server]\nindex = a/\x1b\n",
         "2: index = \"a/\\x1B\": index names must be plain file names"},
        {"[errors]\n404 = /\x1b]0;pwned\x07\n",
         "2: 404 = \"/\\x1B]0;pwned\\x07\": must be a file path inside the docroot, "
         "like /404.html (that page) or 404.html (the nearest one)"},
        {"[server]\ncache_control = \x9b\n",
         "2: cache_control = \"\\x9B\": must be printable ASCII text of at most 1023 "
         "bytes"},
        {"[server]\nbogus = \x1b\n", "2: unknown key \"bogus\" in [server]"},
        {"[server]\nbo\x1bgus = 1\n", "2: malformed key name"},
        {"[x\x1b]\n",
         "1: malformed section header, expected [name] or [name argument]"},
    };
    expect_errors(cases, sizeof(cases) / sizeof(cases[0]));

    /* paths, and the user */
    char text[512], want[MH_ERROR_MAX];
    snprintf(text, sizeof(text), "[server]\ndocroot = %s/\x1b[2J\n", dir);
    assert_null(load(text, NULL));
    snprintf(want, sizeof(want),
             "%s:2: docroot: %s/\\x1B[2J: No such file or directory", conf, dir);
    assert_string_equal(err.msg, want);
    snprintf(text, sizeof(text), "[log]\naccess_log = %s/x/\x07/a.log\n", dir);
    assert_null(load_r(text));
    snprintf(want, sizeof(want),
             "%s:2: access_log: cannot create %s/x/\\x07/a.log: its directory does not "
             "exist",
             conf, dir);
    assert_string_equal(err.msg, want);
    struct mh_config *c = load_r("[server]\nuser = \x1b[31mroot\n");
    assert_non_null(c);
    assert_int_equal(config_check_user(c, &err), -1);
    snprintf(want, sizeof(want), "%s:2: user \"\\x1B[31mroot\": ", conf);
    assert_memory_equal(err.msg, want, strlen(want));
    config_free(c);

    /* a command-line value too */
    struct mh_overrides ov = {.port = "\x1b[31m"};
    assert_null(load("", &ov));
    assert_string_equal(
        err.msg, "minihttpd: -p \\x1B[31m: must be a port number from 1 to 65535");
}

/* Valid UTF-8 from s[0, n), no byte below 0x20, no DEL, no C1 control. */
static bool terminal_safe(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t len = *p < 0x80                  ? 1
                     : *p >= 0xc2 && *p <= 0xdf ? 2
                     : *p >= 0xe0 && *p <= 0xef ? 3
                     : *p >= 0xf0 && *p <= 0xf4 ? 4
                                                : 0;
        if (!len || *p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] < 0xa0))
            return false;
        for (size_t i = 1; i < len; i++)
            if ((p[i] & 0xc0) != 0x80)
                return false;
        p += len;
    }
    return true;
}

/* A message longer than MH_ERROR_MAX is cut with "..." at its end, never
 * inside a UTF-8 character: here a config file and a docroot, both with
 * long names in two-byte characters, each cut to its own share first. */
static void test_message_cut_keeps_utf8(void **state)
{
    (void)state;
    char path[MH_FS_PATH_MAX], name[241], text[MH_CONFIG_LINE_MAX];
    for (size_t i = 0; i < 240; i += 2)
        memcpy(name + i, "\xc3\xa9", 2); /* "é" */
    name[240] = '\0';
    int n = snprintf(path, sizeof(path), "%s", dir);
    for (int d = 0; d < 10; d++) { /* 2.4 KiB of directories */
        n += snprintf(path + n, sizeof(path) - (size_t)n, "/%s", name);
        assert_true(mkdir(path, 0755) == 0);
    }
    snprintf(path + n, sizeof(path) - (size_t)n, "/c.conf");

    for (int odd = 0; odd < 2; odd++) { /* the cut falls on either byte */
        int t = snprintf(text, sizeof(text), "[server]\ndocroot = /%s", odd ? "x" : "");
        for (int k = 0; k < 12; k++)
            t += snprintf(text + t, sizeof(text) - (size_t)t, "%s", name);
        snprintf(text + t, sizeof(text) - (size_t)t, "\n");
        write_file(path, text);
        assert_null(config_load(path, NULL, &err));
        size_t len = strlen(err.msg);
        if (!terminal_safe(err.msg))
            print_error("odd %d: not safe: \"%s\"\n", odd, err.msg);
        assert_true(terminal_safe(err.msg));
        assert_true(len >= MH_ERROR_MAX - 4 && len < MH_ERROR_MAX);
        assert_memory_equal(err.msg + len - 3, "...", 3);
    }
}

/* Every header the server sets itself (headers.h) is refused in [headers],
 * in any case: it would go out twice.  Others are added. */
static void test_server_set_headers_refused(void **state)
{
    (void)state;
    size_t n = 0;
    for (const char *const *h = headers_server_set; *h; h++, n++) {
        char text[256], want[MH_ERROR_MAX];
        for (int lower = 0; lower < 2; lower++) {
            char name[64];
            snprintf(name, sizeof(name), "%s", *h);
            for (char *p = name; lower && *p; p++)
                *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
            snprintf(text, sizeof(text), "[headers]\n%s = x\n", name);
            struct mh_config *c = load_r(text);
            if (c)
                print_error("[headers] %s accepted\n", name);
            config_free(c);
            assert_null(c);
            snprintf(want, sizeof(want), "%s:2: %s is set by minihttpd itself", conf,
                     name);
            assert_memory_equal(err.msg, want, strlen(want));
            assert_true(headers_server_sets(name));
        }
    }
    assert_true(n >= 17); /* Date, Server, X-Content-Type-Options, the rest */
    assert_true(headers_server_sets("X-Content-Type-Options"));
    assert_false(headers_server_sets("X-Frame-Options"));
    assert_false(headers_server_sets("Content"));
    struct mh_config *c = load_r("[headers]\nX-Frame-Options = DENY\n"
                                 "Strict-Transport-Security = max-age=60\n");
    if (!c)
        print_error("%s\n", err.msg);
    assert_non_null(c);
    assert_int_equal(c->n_headers, 2);
    config_free(c);
}

/* config_restart_key() names the first restart-only key (the table's
 * column) that differs between two configs: listen, port, workers, user,
 * pid_file, max_connections; every other key reloads. */
/* [access] and [access /prefix/]: keys left out come from [access], the
 * longest prefix first, "/" last; auth files read, shared by path. */
static void test_access_sections(void **state)
{
    (void)state;
    char pw[160], pw2[160], text[1024];
    snprintf(pw, sizeof(pw), "%s/pw", dir);
    snprintf(pw2, sizeof(pw2), "%s/pw2", dir);
    write_file(pw,
               "alice:$2y$05$KC.BnPlrhW/5l39eRDC2d.1bPz3D0dbX7dOFaRX8O698rGLRjlSXO\n");
    write_file(pw2, "# none yet\n");
    snprintf(text, sizeof(text),
             "[access /team-a/]\n"
             "allow = 10.1.0.0/16\n"
             "auth_file = %s\n"
             "[access]\n"
             "allow = 10.0.0.0/8 ::1\n"
             "realm = Docs\n"
             "trusted_proxies = 127.0.0.1\n"
             "auth_file = %s\n"
             "[access /team-a/open/]\n"
             "auth_file = off\n"
             "[access /b/]\n"
             "realm = B\n"
             "auth_file = %s\n",
             pw2, pw, pw);
    struct mh_config *c = load_r(text);
    if (!c)
        print_error("%s\n", err.msg);
    assert_non_null(c);
    const struct access_rules *a = &c->access;
    assert_true(a->on);
    assert_int_equal(a->n, 4);
    assert_string_equal(a->rule[0].prefix, "/team-a/open/");
    assert_string_equal(a->rule[3].prefix, "/");
    assert_int_equal(a->n_auth, 2);
    const struct access_rule *open = access_rule_for(a, "/team-a/open/x", 14);
    const struct access_rule *ta = access_rule_for(a, "/team-a/x", 9);
    const struct access_rule *b = access_rule_for(a, "/b/", 3);
    const struct access_rule *root = access_rule_for(a, "/x", 2);
    assert_int_equal(open->auth, -1);   /* off */
    assert_false(open->allow_any);      /* inherited from [access]: */
    assert_int_equal(open->allow_n, 2); /* not team-a's */
    assert_int_equal(ta->allow_n, 1);
    assert_string_equal(c->access.auth_files[ta->auth], pw2);
    assert_string_equal(c->access.auth_files[root->auth], pw);
    assert_int_equal(b->auth, root->auth); /* the same file once */
    assert_string_equal(b->realm, "B");
    assert_string_equal(ta->realm, "Docs");
    assert_int_equal(a->trusted_n, 1);
    assert_non_null(c->auth_sets[root->auth]);
    assert_int_equal(c->auth_sets[root->auth]->n, 1);
    config_free(c);
    /* only a prefix section: the rest is open, realm "Documentation" */
    snprintf(text, sizeof(text), "[access /t/]\nauth_file = %s\n", pw);
    c = load_r(text);
    assert_non_null(c);
    assert_int_equal(c->access.n, 2);
    assert_true(access_rule_for(&c->access, "/x", 2)->allow_any);
    assert_int_equal(access_rule_for(&c->access, "/x", 2)->auth, -1);
    assert_string_equal(access_rule_for(&c->access, "/t/", 3)->realm, "Documentation");
    config_free(c);
    /* none: off, and no cost */
    c = load_r("[server]\n");
    assert_non_null(c);
    assert_false(c->access.on);
    assert_null(access_rule_for(&c->access, "/x", 2));
    config_free(c);
}

static void test_access_errors(void **state)
{
    (void)state;
    char pw[160], weak[160], text[512];
    snprintf(pw, sizeof(pw), "%s/pw", dir);
    snprintf(weak, sizeof(weak), "%s/weak", dir);
    write_file(pw,
               "alice:$2y$05$KC.BnPlrhW/5l39eRDC2d.1bPz3D0dbX7dOFaRX8O698rGLRjlSXO\n");
    write_file(weak, "# ok\nbob:$apr1$x$0123456789abcdefghijkl\n");
    static const struct err_case cases[] = {
        {"[access]\nallow = 10.0.0.0/33\n",
         "2: allow = \"10.0.0.0/33\": 10.0.0.0/33: the prefix length is not a number "
         "from 0 to 32 (IPv4) or 128 (IPv6)"},
        {"[access]\nallow = 10.1.2.3/8\n",
         "2: allow = \"10.1.2.3/8\": 10.1.2.3/8: bits are set past the prefix length"},
        {"[access]\nallow = 10.0.0.0/8, ::1\n",
         "2: allow = \"10.0.0.0/8, ::1\": addresses are separated by spaces, not "
         "commas"},
        {"[access]\nallow =\n", "2: allow = \"\": needs addresses or CIDR blocks, like "
                                "10.0.0.0/8 ::1, or any"},
        {"[access]\nallow = any\nallow = any\n",
         "3: duplicate key \"allow\" (first set on line 2)"},
        {"[access]\nusers = x\n",
         "2: unknown key \"users\" in [access]; it takes allow, auth_file, realm and "
         "trusted_proxies"},
        {"[access /a/]\ntrusted_proxies = 127.0.0.1\n",
         "2: trusted_proxies = \"127.0.0.1\": holds for the whole server: set it in "
         "[access]"},
        {"[access]\ntrusted_proxies = any\n",
         "2: trusted_proxies = \"any\": any: not an IPv4 or IPv6 address"},
        {"[access]\nrealm = a\"b\n", "2: realm = \"a\\x22b\": must be printable ASCII "
                                     "of at most 128 bytes, without \" "
                                     "or \\"},
        {"[access /a]\n",
         "1: [access /a]: the prefix must be a URL path that starts and ends with '/', "
         "like /team-a/, with no %, . or .. parts"},
        {"[access /a/../b/]\n", "1: [access /a/../b/]: the prefix must be a URL path "
                                "that starts and ends with "
                                "'/', like /team-a/, with no %, . or .. parts"},
        {"[access /%61/]\n",
         "1: [access /%61/]: the prefix must be a URL path that starts and ends with "
         "'/', like /team-a/, with no %, . or .. parts"},
        {"[access /a//b/]\n",
         "1: [access /a//b/]: the prefix must be a URL path that starts and ends with "
         "'/', like /team-a/, with no %, . or .. parts"},
        {"[access /a/]\n[access /a/]\n", "2: [access /a/] is there twice"},
        {"[access]\n[access]\n", "2: [access] is there twice"},
        {"[access]\nauth_file = /nonexistent/pw\n",
         "2: auth_file: /nonexistent/pw: cannot read it: No such file or directory"},
    };
    expect_errors(cases, sizeof(cases) / sizeof(cases[0]));
    /* a weak hash: the htpasswd file's own FILE:LINE after the config's */
    snprintf(text, sizeof(text), "[access]\n\nauth_file = %s\n", weak);
    struct mh_config *c = load_r(text);
    assert_null(c);
    char want[MH_ERROR_MAX];
    snprintf(want, sizeof(want),
             "%s:3: auth_file: %s:2: an MD5 hash ($apr1$, $1$) is too weak: make it "
             "again with htpasswd -B",
             conf, weak);
    assert_string_equal(err.msg, want);
    /* MH_REALM_MAX bytes of realm, not one more */
    char realm[MH_REALM_MAX + 2];
    memset(realm, 'r', MH_REALM_MAX + 1);
    realm[MH_REALM_MAX] = '\0';
    snprintf(text, sizeof(text), "[access]\nrealm = %s\n", realm);
    c = load_r(text);
    assert_non_null(c);
    config_free(c);
    realm[MH_REALM_MAX] = 'r';
    realm[MH_REALM_MAX + 1] = '\0';
    snprintf(text, sizeof(text), "[access]\nrealm = %s\n", realm);
    assert_null(load_r(text));
    assert_non_null(strstr(err.msg, "at most 128 bytes"));
    /* MH_AUTH_FILES_MAX different auth files, not one more */
    for (int extra = 0; extra < 2; extra++) {
        size_t cap = (MH_AUTH_FILES_MAX + 2) * 200, n = 0;
        char *many = malloc(cap);
        assert_non_null(many);
        for (int i = 0; i < MH_AUTH_FILES_MAX + extra; i++) {
            char f[160];
            snprintf(f, sizeof(f), "%s/pw%d", dir, i);
            write_file(
                f,
                "alice:$2y$05$KC.BnPlrhW/5l39eRDC2d.1bPz3D0dbX7dOFaRX8O698rGLRjlSXO\n");
            n += (size_t)snprintf(many + n, cap - n, "[access /p%d/]\nauth_file = %s\n",
                                  i, f);
        }
        c = load_r(many);
        free(many);
        if (!extra) {
            assert_non_null(c);
            assert_int_equal(c->access.n_auth, MH_AUTH_FILES_MAX);
            config_free(c);
        } else {
            assert_null(c);
            assert_non_null(strstr(err.msg, "more than 16 different auth files"));
        }
    }
    /* MH_CIDRS_MAX addresses in all lists, not one more: 256 a section (a
     * line holds MH_CONFIG_LINE_MAX bytes) */
    for (int extra = 0; extra < 2; extra++) {
        size_t cap = (MH_CIDRS_MAX + 2) * 20 + 64 * (MH_CIDRS_MAX / 256 + 2), n = 0;
        char *many = malloc(cap);
        assert_non_null(many);
        for (int i = 0; i < MH_CIDRS_MAX + extra; i++) {
            if (i % 256 == 0)
                n += (size_t)snprintf(many + n, cap - n,
                                      "%s[access /c%d/]\nallow =", i ? "\n" : "",
                                      i / 256);
            n +=
                (size_t)snprintf(many + n, cap - n, " 10.%d.%d.0/24", i / 256, i % 256);
        }
        snprintf(many + n, cap - n, "\n");
        c = load_r(many);
        free(many);
        if (!extra) {
            assert_non_null(c);
            assert_int_equal(c->access.n_cidrs, MH_CIDRS_MAX);
            config_free(c);
        } else {
            assert_null(c);
            assert_non_null(
                strstr(err.msg, "more than 4096 addresses in all lists together"));
        }
    }
    /* MH_ACCESS_RULES_MAX prefix sections, not one more */
    size_t cap = (MH_ACCESS_RULES_MAX + 2) * 24 + 16, n = 0;
    char *many = malloc(cap);
    assert_non_null(many);
    n += (size_t)snprintf(many + n, cap - n, "[access]\n");
    for (int i = 0; i < MH_ACCESS_RULES_MAX; i++)
        n += (size_t)snprintf(many + n, cap - n, "[access /p%d/]\n", i);
    c = load_r(many);
    assert_non_null(c);
    assert_int_equal(c->access.n, MH_ACCESS_RULES_MAX + 1);
    config_free(c);
    snprintf(many + n, cap - n, "[access /one-more/]\n");
    assert_null(load_r(many));
    snprintf(want, sizeof(want), "%s:%d: more than %d [access /prefix/] sections", conf,
             MH_ACCESS_RULES_MAX + 2, MH_ACCESS_RULES_MAX);
    assert_string_equal(err.msg, want);
    free(many);
}

static void test_restart_keys(void **state)
{
    (void)state;
    static const struct {
        const char *key, *line; /* a [server] line changing the key */
    } cases[] = {
        {"listen", "listen = 127.0.0.1"},
        {"port", "port = 9091"},
        {"workers", "workers = 3"},
        {"user", "user = root"},
        {"pid_file", "pid_file = /tmp/other.pid"},
        {"max_connections", "max_connections = 77"},
        {"cache_size", "[compress]\ncache_size = 1M"},
        {"cache_dir", "[compress]\ncache_dir = /tmp"},
        {NULL, "[compress]\nencodings = zstd"},
        {NULL, "[compress]\nmin_size = 1"},
        {NULL, "[compress]\ntypes = text/css"},
        {NULL, "keepalive_timeout = 3"},
        {NULL, "request_timeout = 4"},
        {NULL, "send_timeout = 5"},
        {NULL, "index = a.html b.html"},
        {NULL, "autoindex = on"},
        {NULL, "hide_dotfiles = off"},
        {NULL, "cache_control = max-age=1"},
    };
    struct mh_config *a = load_r("");
    assert_non_null(a);
    assert_null(config_restart_key(a, a));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text), "[server]\n%s\n", cases[i].line);
        struct mh_config *b = load_r(text);
        if (!b)
            print_error("%s: %s\n", cases[i].line, err.msg);
        assert_non_null(b);
        const char *got = config_restart_key(a, b);
        if (cases[i].key) {
            assert_non_null(got);
            assert_string_equal(got, cases[i].key);
            assert_string_equal(config_restart_key(b, a), cases[i].key);
        } else {
            if (got)
                print_error("%s: refused for %s\n", cases[i].line, got);
            assert_null(got);
        }
        config_free(b);
    }
    /* the same value set explicitly is no change; a [log] or [mime] key
     * reloads */
    char text[512];
    snprintf(text, sizeof(text),
             "[server]\nport = 8080\nmax_connections = 10000\n[log]\n"
             "access_log = %s/a.log\n[mime]\ndefault_type = text/plain\n",
             logs);
    struct mh_config *b = load_r(text);
    assert_non_null(b);
    assert_null(config_restart_key(a, b));
    config_free(b);
    config_free(a);

    /* [tls]: the section itself and its port need a restart, the rest not */
    struct mh_config *t0 = load_r("[tls]\n");
    struct mh_config *t1 = load_r("[tls]\nport = 9443\n");
    struct mh_config *t2 = load_r("[tls]\nredirect_http = on\nhsts = max-age=60\n"
                                  "certificate = /x.pem\nkey = /x.key\n");
    struct mh_config *none = load_r("");
    assert_true(t0 && t1 && t2 && none);
    assert_true(t0->tls && !none->tls);
    assert_string_equal(config_restart_key(none, t0), "[tls]");
    assert_string_equal(config_restart_key(t0, none), "[tls]");
    assert_string_equal(config_restart_key(t0, t1), "port");
    assert_null(config_restart_key(t0, t2));
    assert_string_equal(t2->tls_hsts, "max-age=60");
    assert_string_equal(t0->tls_hsts, "");
    config_free(t0);
    config_free(t1);
    config_free(t2);
    config_free(none);
    assert_null(load_r("[tls]\nport = 8080\n")); /* [server]'s */
    assert_non_null(strstr(err.msg, ":2: port = 8080: is also the port of [server]"));
    assert_null(load_r("[tls]\nhsts = max-age=1\n[headers]\n"
                       "Strict-Transport-Security = max-age=2\n"));
    assert_non_null(strstr(err.msg, ":2: hsts: "));

    /* the table's column, as documented */
    size_t restart = 0;
    for (size_t i = 0; i < config_key_count(); i++) {
        struct mh_key_info k = config_key_at(i);
        bool listed = false;
        for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++)
            listed |= cases[j].key && !strcmp(cases[j].key, k.key);
        if (k.restart != listed)
            print_error("%s: restart-only %d, expected %d\n", k.key, k.restart, listed);
        assert_int_equal(k.restart, listed);
        restart += k.restart;
    }
    assert_int_equal(restart, 9); /* [tls] port too */
}

/* --- the documentation and the shipped files name every key --- */

/* The source tree: $MH_SOURCE_DIR, else where this file was compiled from
 * (CMake passes the compiler its absolute path). */
static void source_path(char *out, size_t cap, const char *rel)
{
    const char *top = getenv("MH_SOURCE_DIR");
    static const char self[] = "tests/unit/test_config.c";
    size_t n = strlen(__FILE__);
    if (top)
        snprintf(out, cap, "%s/%s", top, rel);
    else if (n > sizeof(self) - 1 && !strcmp(&__FILE__[n - (sizeof(self) - 1)], self))
        snprintf(out, cap, "%.*s%s", (int)(n - (sizeof(self) - 1)), __FILE__, rel);
    else
        snprintf(out, cap, "%s", rel); /* run from the top of the tree */
}

/* bytes: the most of a documentation file read (each is far smaller). */
#define DOC_MAX (256 * 1024)

/* The whole of a file of the source tree, in one of four static buffers. */
static const char *slurp(const char *rel)
{
    static char bufs[4][DOC_MAX + 1];
    static unsigned next;
    char path[MH_FS_PATH_MAX];
    source_path(path, sizeof(path), rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        print_error("cannot open %s (set MH_SOURCE_DIR to the source tree)\n", path);
    assert_non_null(f);
    char *text = bufs[next++ % 4];
    size_t n = fread(text, 1, DOC_MAX + 1, f);
    fclose(f);
    assert_true(n <= DOC_MAX); /* all of it */
    text[n] = '\0';
    return text;
}

/* [b, e): the text of a man page from `start` to the next line that starts
 * with one of the macros in `ends` (".SH", ".TP"...), or NULL. */
static const char *man_part(const char *page, const char *start,
                            const char *const *ends, const char **e)
{
    const char *b = strstr(page, start);
    if (!b)
        return NULL;
    *e = b + strlen(b);
    for (const char *const *m = ends; *m; m++) {
        const char *x = strstr(b + strlen(start), *m);
        if (x && x < *e)
            *e = x;
    }
    return b;
}

/* Whether [b, e) holds word, not as part of a longer name. */
static bool has_word(const char *b, const char *e, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = b; p + n <= e; p++) {
        if (memcmp(p, word, n))
            continue;
        bool before = p > b && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z'));
        bool after = p + n < e && (p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z'));
        if (!before && !after)
            return true;
    }
    return false;
}

static bool has_text(const char *b, const char *e, const char *text)
{
    size_t n = strlen(text);
    for (const char *p = b; p + n <= e; p++)
        if (!memcmp(p, text, n))
            return true;
    return false;
}

/* A line of the shipped config that sets `key`, commented out or not. */
static bool conf_sets(const char *text, const char *key)
{
    size_t n = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        while (*l == ';' || *l == '#' || *l == ' ' || *l == '\t')
            l++;
        if (strncmp(l, key, n))
            continue;
        const char *p = l + n;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '=' || (key[0] == '[' && n > 0))
            return true;
    }
    return false;
}

static void test_keys_documented(void **state)
{
    (void)state;
    const char *man = slurp("docs/minihttpd.conf.5");
    const char *man8 = slurp("docs/minihttpd.8");
    const char *shipped = slurp("conf/minihttpd.conf");
    const char *dict = slurp("tests/fuzz/config.dict");
    static const char *const entry_end[] = {"\n.TP", "\n.PP", "\n.SH", NULL};
    static const char *const section_end[] = {"\n.SH", NULL};
    static const char *const item_end[] = {"\n.TP", "\n.SH", NULL};
    const char *b, *e;
    char want[256];
    size_t bad = 0;

    for (size_t i = 0; config_section_at(i); i++) {
        const char *s = config_section_at(i);
        snprintf(want, sizeof(want), ".SH \"SECTION [%s]\"", s);
        if (!strstr(man, want))
            bad++, print_error("minihttpd.conf(5) lacks %s\n", want);
        snprintf(want, sizeof(want), "[%s]", s);
        if (!conf_sets(shipped, want))
            bad++, print_error("conf/minihttpd.conf lacks %s\n", want);
        snprintf(want, sizeof(want), "\n\"[%s]\"\n", s);
        if (!strstr(dict, want))
            bad++, print_error("config.dict lacks \"[%s]\"\n", s);
    }
    /* the keys a reload cannot change, as minihttpd.conf(5) and minihttpd(8)
     * list them */
    const char *rb, *re, *sb, *se;
    rb = man_part(man, "\n.SH RELOAD\n", section_end, &re);
    sb = man_part(man8, "\n.B SIGHUP\n", item_end, &se);
    if (!rb)
        bad++, print_error("minihttpd.conf(5) has no RELOAD section\n");
    if (!sb)
        bad++, print_error("minihttpd(8) has no SIGHUP entry\n");
    for (size_t i = 0; i < config_key_count(); i++) {
        struct mh_key_info k = config_key_at(i);
        snprintf(want, sizeof(want), ".SH \"SECTION [%s]\"", k.section);
        const char *sec = man_part(man, want, section_end, &e);
        snprintf(want, sizeof(want), "\n.TP\n.B %s\n", k.key);
        b = sec ? strstr(sec, want) : NULL;
        if (!b || b > e) {
            bad++, print_error("minihttpd.conf(5) [%s] has no entry for %s\n",
                               k.section, k.key);
        } else {
            man_part(b, want, entry_end, &e);
            bool says = has_text(b, e, "needs a restart");
            if (says != k.restart)
                bad++, print_error("minihttpd.conf(5) %s: says %s a restart\n", k.key,
                                   says ? "it needs" : "nothing about");
        }
        if (rb && has_word(rb, re, k.key) != k.restart)
            bad++, print_error("minihttpd.conf(5) RELOAD: %s %s\n", k.key,
                               k.restart ? "missing" : "listed");
        if (sb && has_word(sb, se, k.key) != k.restart)
            bad++, print_error("minihttpd(8) SIGHUP: %s %s\n", k.key,
                               k.restart ? "missing" : "listed");
        if (!conf_sets(shipped, k.key))
            bad++, print_error("conf/minihttpd.conf does not set %s\n", k.key);
        snprintf(want, sizeof(want), "\n\"%s\"\n", k.key);
        if (!strstr(dict, want))
            bad++, print_error("config.dict lacks \"%s\"\n", k.key);
    }
    /* the headers [headers] may not set, as minihttpd.conf(5) lists them */
    b = man_part(man, ".SH \"SECTION [headers]\"", section_end, &e);
    for (const char *const *h = headers_server_set; b && *h; h++)
        if (!has_word(b, e, *h))
            bad++, print_error("minihttpd.conf(5) [headers] does not list %s\n", *h);
    assert_non_null(b);
    assert_int_equal(bad, 0);
}

/* [compress]: the keys' defaults, values at their bounds (N and N+1) and
 * errors naming the line. */
static void test_compress_keys(void **state)
{
    (void)state;
    struct mh_config *c = load_r("");
    assert_non_null(c);
    assert_int_equal(c->compress_encodings.n, 2);
    assert_int_equal(c->compress_encodings.order[0], ENC_I_BR);
    assert_int_equal(c->compress_encodings.order[1], ENC_I_GZIP);
    assert_int_equal(c->compress_types.n, 9);
    assert_true(config_compress_type(c, "text/html; charset=utf-8"));
    assert_true(config_compress_type(c, "Application/JSON"));
    assert_true(config_compress_type(c, "image/svg+xml"));
    assert_false(config_compress_type(c, "image/png"));
    assert_false(config_compress_type(c, "text/htm"));
    assert_int_equal(c->compress_min_size, 1024);
    assert_string_equal(c->cache_dir, ""); /* a private one at start */
    assert_int_equal(c->cache_dir_line, 0);
    assert_true(c->cache_size == 256ULL * 1024 * 1024);
    config_free(c);

    char text[MH_FS_PATH_MAX + 256];
    snprintf(text, sizeof(text),
             "[compress]\nencodings = zstd gzip br\ntypes = TEXT/X-Foo\n"
             "min_size = 0\ncache_dir = %s/zc\ncache_size = 64K\n",
             dir);
    c = load_r(text);
    if (!c)
        print_error("%s\n", err.msg);
    assert_non_null(c);
    assert_int_equal(c->compress_encodings.n, 3);
    assert_int_equal(c->compress_encodings.order[0], ENC_I_ZSTD);
    assert_int_equal(c->compress_encodings.order[2], ENC_I_BR);
    assert_true(config_compress_type(c, "text/x-foo"));
    assert_int_equal(c->compress_min_size, 0);
    assert_int_equal(c->cache_dir_line, 5);
    assert_true(c->cache_size == MH_ZCACHE_SIZE_MIN);
    char where[512];
    config_cache_dir_where(c, where, sizeof(where));
    assert_non_null(strstr(where, "c.conf:5: cache_dir"));
    config_free(c);

    c = load_r("[compress]\nencodings = off\ncache_size = 1G\nmin_size = 67108864\n");
    assert_non_null(c);
    assert_int_equal(c->compress_encodings.n, 0);
    assert_true(c->cache_size == 1024ULL * 1024 * 1024);
    config_free(c);
    c = load_r("[compress]\ncache_size = 1024G\n");
    assert_non_null(c);
    assert_true(c->cache_size == MH_ZCACHE_SIZE_MAX);
    config_free(c);
    c = load_r("[compress]\ncache_size = 65536\ntypes =\n");
    assert_non_null(c);
    assert_int_equal(c->compress_types.n, 0);
    config_free(c);

    static const struct err_case cases[] = {
        {"[compress]\nencodings = deflate\n",
         "2: encodings = \"deflate\": must be off, or some of br, gzip and zstd in "
         "order of preference"},
        {"[compress]\nencodings = br br\n",
         "2: encodings = \"br br\": names a coding twice"},
        {"[compress]\nencodings = off br\n",
         "2: encodings = \"off br\": must be off, or some of br, gzip and zstd in "
         "order of preference"},
        {"[compress]\nencodings =\n",
         "2: encodings = \"\": must be off, or some of br, gzip and zstd"},
        {"[compress]\ntypes = text/html text\n",
         "2: types = \"text/html text\": must be media types like text/html, "
         "separated by spaces, without parameters"},
        {"[compress]\ntypes = text/html;charset=utf-8\n",
         "2: types = \"text/html;charset=utf-8\": must be media types like text/html, "
         "separated by spaces, without parameters"},
        {"[compress]\nmin_size = 67108865\n",
         "2: min_size = \"67108865\": must be a whole number from 0 to 67108864"},
        {"[compress]\ncache_size = 65535\n",
         "2: cache_size = \"65535\": must be a size from 64K to 1024G: bytes, or a "
         "number with K, M or G"},
        {"[compress]\ncache_size = 1025G\n",
         "2: cache_size = \"1025G\": must be a size from 64K to 1024G: bytes, or a "
         "number with K, M or G"},
        {"[compress]\ncache_size = 10T\n",
         "2: cache_size = \"10T\": must be a size from 64K to 1024G: bytes, or a "
         "number with K, M or G"},
        {"[compress]\ncache_size = M\n",
         "2: cache_size = \"M\": must be a size from 64K to 1024G: bytes, or a "
         "number with K, M or G"},
        {"[compress]\ncache_dir =\n", "2: cache_dir = \"\": needs a path"},
        {"[compress]\nlevel = 9\n", "2: unknown key \"level\" in [compress]"},
    };
    expect_errors(cases, sizeof(cases) / sizeof(cases[0]));

    /* 33 types: one too many */
    char many[MH_COMPRESS_TYPES_MAX * 16 + 64];
    struct buf b;
    buf_init(&b, many, sizeof(many));
    buf_puts(&b, "[compress]\ntypes =");
    for (int i = 0; i <= MH_COMPRESS_TYPES_MAX; i++) {
        buf_puts(&b, " text/x");
        buf_putu(&b, (uint64_t)i, 2);
        if (i == MH_COMPRESS_TYPES_MAX - 1) {
            buf_putc(&b, '\n');
            c = load_r(many); /* 32: fine */
            assert_non_null(c);
            assert_int_equal(c->compress_types.n, MH_COMPRESS_TYPES_MAX);
            config_free(c);
            b.len--;
            many[b.len] = '\0';
        }
    }
    buf_putc(&b, '\n');
    assert_null(load_r(many));
    assert_non_null(strstr(err.msg, ":2: types = "));
    assert_non_null(strstr(err.msg, "at most 32 media types"));
}

/* cache_dir must be usable at load (and so at -t): a file, an unwritable
 * directory or a missing parent is an error naming the line. */
static void test_cache_dir_checked(void **state)
{
    (void)state;
    char text[MH_FS_PATH_MAX + 64];
    snprintf(text, sizeof(text), "[server]\n[compress]\ncache_dir = %s\n", afile);
    assert_null(load_r(text));
    assert_non_null(strstr(err.msg, "c.conf:3: cache_dir = "));
    assert_non_null(strstr(err.msg, "afile: not a directory"));
    snprintf(text, sizeof(text), "[compress]\ncache_dir = %s/none/zc\n", dir);
    assert_null(load_r(text));
    assert_non_null(strstr(err.msg, "c.conf:2: cache_dir = "));
    assert_non_null(strstr(err.msg, "cannot be created"));
    /* a relative path is made absolute */
    struct mh_overrides ov = {.docroot = docroot, .cwd = dir};
    struct mh_config *c = load("[compress]\ncache_dir = zc2\n", &ov);
    assert_non_null(c);
    char want[MH_FS_PATH_MAX];
    snprintf(want, sizeof(want), "%s/zc2", dir);
    assert_string_equal(c->cache_dir, want);
    config_free(c);
    if (geteuid() == 0) /* root may write anywhere: the rest needs a user */
        return;
    char ro[MH_FS_PATH_MAX];
    snprintf(ro, sizeof(ro), "%s/ro", dir);
    assert_int_equal(mkdir(ro, 0555), 0);
    snprintf(text, sizeof(text), "[compress]\ncache_dir = %s\n", ro);
    assert_null(load_r(text));
    assert_non_null(strstr(err.msg, "c.conf:2: cache_dir = "));
    assert_non_null(strstr(err.msg, "Permission denied"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compress_keys),
        cmocka_unit_test(test_cache_dir_checked),
        cmocka_unit_test(test_defaults_empty_file),
        cmocka_unit_test(test_defaults_no_file),
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_error_level),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_unknown_section),
        cmocka_unit_test(test_path_errors),
        cmocka_unit_test(test_error_page_forms),
        cmocka_unit_test(test_missing_explicit_file),
        cmocka_unit_test(test_overrides_win),
        cmocka_unit_test(test_bad_overrides),
        cmocka_unit_test(test_relative_paths_made_absolute),
        cmocka_unit_test(test_check_user),
        cmocka_unit_test(test_mime_lookup),
        cmocka_unit_test(test_log_fifo),
        cmocka_unit_test(test_messages_escaped),
        cmocka_unit_test(test_message_cut_keeps_utf8),
        cmocka_unit_test(test_server_set_headers_refused),
        cmocka_unit_test(test_access_sections),
        cmocka_unit_test(test_access_errors),
        cmocka_unit_test(test_restart_keys),
        cmocka_unit_test(test_keys_documented),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
