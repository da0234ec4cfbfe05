/* test_docroot.c - docroot.c: confinement on the file system, both ways it
 * can open (openat2 RESOLVE_BENEATH, and the realpath() fallback used where
 * openat2 is missing).  A temporary tree holds a docroot with a file, a
 * subdirectory, a FIFO and symlinks that stay inside or point outside; the
 * same table of requests must give the same status either way. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docroot.h"

static char top[64], root[128];

static void put(const char *rel, const char *text)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", top, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void link_to(const char *target, const char *rel)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", top, rel);
    assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
    (void)state;
    char p[256];
    snprintf(top, sizeof(top), "/tmp/mh-test-docroot-XXXXXX");
    assert_non_null(mkdtemp(top));
    snprintf(root, sizeof(root), "%s/www", top);
    assert_int_equal(mkdir(root, 0755), 0);
    snprintf(p, sizeof(p), "%s/www/sub", top);
    assert_int_equal(mkdir(p, 0755), 0);
    put("secret.txt", "SECRET\n");
    put("www/index.html", "hi\n");
    put("www/sub/page.html", "page\n");
    snprintf(p, sizeof(p), "%s/www/fifo", top);
    assert_int_equal(mkfifo(p, 0644), 0);
    snprintf(p, sizeof(p), "%s/secret.txt", top);
    link_to(p, "www/abs_out");                 /* absolute, outside */
    link_to("../secret.txt", "www/rel_out");   /* relative, outside */
    link_to("..", "www/dir_out");              /* a directory outside */
    link_to("index.html", "www/in_link");      /* stays inside */
    link_to("../index.html", "www/sub/up_in"); /* climbs, but stays inside */
    link_to("/etc", "www/etc");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
    return system(cmd);
}

struct open_case {
    const char *rel;
    int status;
    int is_dir;
};

static const struct open_case cases[] = {
    {".", 200, 1},
    {"index.html", 200, 0},
    {"sub", 200, 1},
    {"sub/page.html", 200, 0},
    {"in_link", 200, 0},
    {"sub/up_in", 200, 0},
    {"missing.html", 404, 0},
    {"sub/missing", 404, 0},
    {"index.html/x", 404, 0},
    {"abs_out", 404, 0},
    {"rel_out", 404, 0},
    {"dir_out/secret.txt", 404, 0},
    {"dir_out", 404, 0},
    {"etc/passwd", 404, 0},
    {"../secret.txt", 404, 0},
    {"sub/../../secret.txt", 404, 0},
    {"fifo", 403, 0},
};

static void run_cases(int use_openat2)
{
    docroot_use_openat2(use_openat2);
    int rootfd = docroot_open_root(root);
    assert_true(rootfd >= 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int fd = -1;
        struct stat st;
        enum http_status s = docroot_open(rootfd, cases[i].rel, &fd, &st);
        if ((int)s != cases[i].status)
            fail_msg("%s (%s): got %d, want %d", cases[i].rel,
                     use_openat2 ? "openat2" : "realpath", s, cases[i].status);
        if (s == HTTP_STATUS_OK) {
            assert_int_equal(S_ISDIR(st.st_mode) ? 1 : 0, cases[i].is_dir);
            char buf[16] = "";
            if (!cases[i].is_dir) { /* never the secret */
                ssize_t n = read(fd, buf, sizeof(buf) - 1);
                assert_true(n > 0);
                assert_null(strstr(buf, "SECRET"));
            }
            close(fd);
        }
    }
    close(rootfd);
}

static void test_openat2(void **state)
{
    (void)state;
    if (docroot_probe() != 0)
        skip(); /* this kernel or tool has no openat2: the fallback runs */
    run_cases(1);
}

static void test_realpath_fallback(void **state)
{
    (void)state;
    run_cases(0);
    docroot_use_openat2(docroot_probe() == 0);
}

static void test_status_table(void **state)
{
    (void)state;
    assert_int_equal(docroot_status(ENOENT), 404);
    assert_int_equal(docroot_status(ENOTDIR), 404);
    assert_int_equal(docroot_status(EXDEV), 404);
    assert_int_equal(docroot_status(EACCES), 403);
    assert_int_equal(docroot_status(ELOOP), 403);
    assert_int_equal(docroot_status(EMFILE), 503);
    assert_int_equal(docroot_status(EIO), 500);
}

static void test_listing(void **state)
{
    (void)state;
    int fd = open(root, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    struct dirlist l;
    assert_int_equal(docroot_list(fd, 0, &l), 200);
    close(fd);
    /* index.html sub fifo in_link abs_out rel_out dir_out etc: all listed
     * but "." and ".." */
    assert_int_equal(l.n, 8);
    int seen_sub = 0;
    for (size_t i = 0; i < l.n; i++) {
        assert_string_not_equal(l.entries[i].name, ".");
        assert_string_not_equal(l.entries[i].name, "..");
        if (!strcmp(l.entries[i].name, "sub"))
            seen_sub = l.entries[i].is_dir;
    }
    assert_true(seen_sub);
    docroot_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openat2),
        cmocka_unit_test(test_realpath_fallback),
        cmocka_unit_test(test_status_table),
        cmocka_unit_test(test_listing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
