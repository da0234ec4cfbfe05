/* test_mime.c - mime.c: a file's Content-Type.  With a config loaded from a
 * temporary file (so the tables are real): the extension table answers
 * without libmagic, [mime] overrides come first, files without a known
 * extension are sniffed (PNG, plain text, HTML that is never promoted to
 * text/html, empty files get default_type), and libmagic's answers are
 * cached per file version. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mime.h"

static char dir[64];
static char docroot[128];
static char types[128];
static char conf[128];
static struct mh_config *cfg;
static struct mime_ctx *ctx;

/* a 1x1 PNG: signature, IHDR chunk with its CRC */
static const unsigned char png[] = {
    0x89, 'P',  'N',  'G',  '\r', '\n', 0x1a, '\n', 0x00, 0x00, 0x00,
    0x0d, 'I',  'H',  'D',  'R',  0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89,
};

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void write_text(const char *path, const char *text)
{
    write_bytes(path, text, strlen(text));
}

static int setup(void **state)
{
    (void)state;
    struct mh_error err;
    char text[512];
    strcpy(dir, "/tmp/mh-test-mime-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(docroot, sizeof(docroot), "%s/www", dir);
    snprintf(types, sizeof(types), "%s/types", dir);
    snprintf(conf, sizeof(conf), "%s/c.conf", dir);
    if (mkdir(docroot, 0755))
        return -1;
    write_text(types, "text/css css\n"
                      "text/plain txt\n"
                      "image/png png\n"
                      "text/x-markdown md\n");
    snprintf(text, sizeof(text),
             "[server]\n"
             "docroot = %s\n"
             "[mime]\n"
             "types_file = %s\n"
             "default_type = application/x-default\n"
             "md = text/markdown; charset=utf-8\n"
             "dat = application/x-test-data\n",
             docroot, types);
    write_text(conf, text);
    cfg = config_load(conf, NULL, &err);
    if (!cfg) {
        print_error("%s\n", err.msg);
        return -1;
    }
    ctx = mime_ctx_new(&err);
    if (!ctx) {
        print_error("%s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const files[] = {
        "style.css", "image",  "notes",    "page", "empty",     "x.dat",
        "README.md", "change", "fake.css", "blob", "notes.zzz", "image.bin2"};
    char path[256];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", docroot, files[i]);
        unlink(path);
    }
    unlink(types);
    unlink(conf);
    rmdir(docroot);
    rmdir(dir);
    mime_ctx_free(ctx);
    config_free(cfg);
    return 0;
}

/* The type of docroot/name, as the handler asks for it. */
static const char *type_of(const char *name, char *out, size_t cap)
{
    char path[256], url[256];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", docroot, name);
    snprintf(url, sizeof(url), "/%s", name);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    const char *t = mime_type(ctx, cfg, url, strlen(url), fd, &st);
    close(fd);
    assert_non_null(t);
    snprintf(out, cap, "%s", t);
    return out;
}

static void put(const char *name, const void *data, size_t n)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", docroot, name);
    write_bytes(path, data, n);
}

static void test_table_without_libmagic(void **state)
{
    (void)state;
    char t[128];
    uint64_t before = mime_magic_calls(ctx);
    put("style.css", "body{}\n", 7);
    assert_string_equal(type_of("style.css", t, sizeof(t)), "text/css; charset=utf-8");
    /* the extension wins even over the content */
    put("fake.css", png, sizeof(png));
    assert_string_equal(type_of("fake.css", t, sizeof(t)), "text/css; charset=utf-8");
    assert_int_equal(mime_magic_calls(ctx), before);
}

static void test_override(void **state)
{
    (void)state;
    char t[128];
    uint64_t before = mime_magic_calls(ctx);
    put("README.md", "# hi\n", 5);
    assert_string_equal(type_of("README.md", t, sizeof(t)),
                        "text/markdown; charset=utf-8");
    put("x.dat", "abc", 3);
    assert_string_equal(type_of("x.dat", t, sizeof(t)), "application/x-test-data");
    assert_int_equal(mime_magic_calls(ctx), before);
}

struct sniff_case {
    const char *name;
    const void *data;
    size_t len;
    const char *want;
    int magic_runs; /* libmagic calls expected */
};

static void test_sniffed(void **state)
{
    (void)state;
    static const char html[] = "<html><body>hi</body></html>\n";
    static const char ascii[] = "Just some plain ASCII text.\nSecond line.\n";
    static const unsigned char blob[] = {0x00, 0x01, 0x02, 0xfe, 0xff, 0x00,
                                         0x13, 0x37, 0x80, 0x81, 0x00, 0x00,
                                         0x9c, 0xab, 0xcd, 0xef};
    const struct sniff_case cases[] = {
        {"image", png, sizeof(png), "image/png", 1},
        {"notes", ascii, sizeof(ascii) - 1, "text/plain; charset=utf-8", 1},
        {"notes.zzz", ascii, sizeof(ascii) - 1, "text/plain; charset=utf-8", 1},
        {"image.bin2", png, sizeof(png), "image/png", 1},
        {"page", html, sizeof(html) - 1, "text/plain; charset=utf-8", 1},
        {"empty", "", 0, "application/x-default", 0},
        {"blob", blob, sizeof(blob), "application/x-default", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char t[128];
        put(cases[i].name, cases[i].data, cases[i].len);
        uint64_t before = mime_magic_calls(ctx);
        type_of(cases[i].name, t, sizeof(t));
        if (strcmp(t, cases[i].want))
            print_error("%s: got \"%s\"\n", cases[i].name, t);
        assert_string_equal(t, cases[i].want);
        assert_int_equal(mime_magic_calls(ctx) - before, cases[i].magic_runs);
    }
}

static void test_cache(void **state)
{
    (void)state;
    char t[128], path[256];
    static const char text[] = "plain words, nothing else\n";
    snprintf(path, sizeof(path), "%s/change", docroot);
    put("change", text, sizeof(text) - 1);
    struct timespec old[2] = {{1700000000, 0}, {1700000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);

    uint64_t c0 = mime_magic_calls(ctx);
    assert_string_equal(type_of("change", t, sizeof(t)), "text/plain; charset=utf-8");
    assert_int_equal(mime_magic_calls(ctx), c0 + 1);
    /* unchanged: answered from the cache */
    assert_string_equal(type_of("change", t, sizeof(t)), "text/plain; charset=utf-8");
    assert_string_equal(type_of("change", t, sizeof(t)), "text/plain; charset=utf-8");
    assert_int_equal(mime_magic_calls(ctx), c0 + 1);

    /* new content and mtime, same inode: sniffed again */
    struct stat st1, st2;
    assert_int_equal(stat(path, &st1), 0);
    int fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, png, sizeof(png)), (ssize_t)sizeof(png));
    close(fd);
    struct timespec newer[2] = {{1700000100, 5}, {1700000100, 5}};
    assert_int_equal(utimensat(AT_FDCWD, path, newer, 0), 0);
    assert_int_equal(stat(path, &st2), 0);
    assert_int_equal(st1.st_ino, st2.st_ino);
    assert_string_equal(type_of("change", t, sizeof(t)), "image/png");
    assert_int_equal(mime_magic_calls(ctx), c0 + 2);
    assert_string_equal(type_of("change", t, sizeof(t)), "image/png");
    assert_int_equal(mime_magic_calls(ctx), c0 + 2);

    /* only the mtime changes (nanoseconds): sniffed again */
    struct timespec ns[2] = {{1700000100, 6}, {1700000100, 6}};
    assert_int_equal(utimensat(AT_FDCWD, path, ns, 0), 0);
    assert_string_equal(type_of("change", t, sizeof(t)), "image/png");
    assert_int_equal(mime_magic_calls(ctx), c0 + 3);

    /* a reset forgets every answer */
    mime_ctx_reset(ctx);
    assert_string_equal(type_of("change", t, sizeof(t)), "image/png");
    assert_int_equal(mime_magic_calls(ctx), c0 + 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_without_libmagic),
        cmocka_unit_test(test_override),
        cmocka_unit_test(test_sniffed),
        cmocka_unit_test(test_cache),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
