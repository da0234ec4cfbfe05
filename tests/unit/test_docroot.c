/* test_docroot.c - docroot.c: confinement on the file system, both ways it
 * can open (openat2 RESOLVE_BENEATH, and the realpath() fallback used where
 * openat2 is missing).  A temporary tree holds a docroot with a file, a
 * subdirectory, a FIFO and symlinks that stay inside or point outside; the
 * same table of requests must give the same status either way.  Listings,
 * either way too: a directory holding a FIFO, a socket, symlinks out of the
 * docroot, to a FIFO, dangling and looping, names a request cannot hold,
 * _redirects and dotfiles lists exactly the entries a client could fetch,
 * a symlink with its target's type, size and mtime; MH_AUTOINDEX_ENTRIES_MAX
 * counts listed entries only.  path_name_servable() agrees with
 * path_resolve() on every byte. */
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bounds.h"
#include "docroot.h"
#include "path.h"

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

static void make_fifo(const char *rel)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", top, rel);
    assert_int_equal(mkfifo(p, 0644), 0);
}

static void make_socket(const char *rel)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", top, rel);
    assert_true(n > 0 && (size_t)n < sizeof(sa.sun_path));
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(fd);
}

static void make_dir(const char *rel)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", top, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

/* when www/sub/page.html was last modified: far from now, so a symlink's
 * own mtime cannot pass for it */
#define PAGE_MTIME 1000000000

/* www/list: one of each kind of entry a listing must show or leave out */
static void setup_list(void)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/www/sub/page.html", top);
    struct timespec ts[2] = {{PAGE_MTIME, 0}, {PAGE_MTIME, 0}};
    assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
    make_dir("www/list");
    make_dir("www/list/subdir");
    put("www/list/plain.txt", "12345678");
    put("www/list/sp ace%.txt", "");
    put("www/list/caf\xe9", "latin-1 name");
    put("www/list/_redirects.txt", "listed: only _redirects itself is not");
    put("www/list/.hidden", "dot");
    put("www/list/_redirects", "/a /b\n");
    put("www/list/ctl\x01x", "");
    put("www/list/tab\tx", "");
    put("www/list/nl\n", "");
    put("www/list/del\x7f", "");
    put("www/list/back\\slash", "");
    make_fifo("www/list/fifo");
    make_socket("www/list/sock");
    link_to("/etc/passwd", "www/list/passwd");       /* outside */
    link_to("../../secret.txt", "www/list/up_out");  /* climbs out */
    link_to("../..", "www/list/up_dir");             /* a directory outside */
    link_to("../sub/page.html", "www/list/in_link"); /* inside: listed */
    link_to("../sub", "www/list/dir_link");          /* inside: a directory */
    link_to("plain.txt", "www/list/.hidden_link");   /* inside, but hidden */
    link_to("plain.txt", "www/list/bad\\link");      /* inside, bad name */
    link_to("no-such-file", "www/list/dangling");
    link_to("loop", "www/list/loop");
    link_to("fifo", "www/list/fifo_link"); /* to a FIFO inside */
    link_to("sock", "www/list/sock_link"); /* to a socket inside */
    link_to("../list", "www/list/self");   /* the directory itself */
}

/* www/many: MH_AUTOINDEX_ENTRIES_MAX files listed, and entries that are not */
static void setup_many(void)
{
    char rel[64];
    make_dir("www/many");
    for (int i = 0; i < MH_AUTOINDEX_ENTRIES_MAX; i++) {
        snprintf(rel, sizeof(rel), "www/many/f%05d", i);
        put(rel, "");
    }
    put("www/many/_redirects", "");
    put("www/many/.dot", "");
    put("www/many/a\\b", "");
    make_fifo("www/many/fifo");
    link_to("/etc/passwd", "www/many/passwd");
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
    setup_list();
    setup_many();
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

struct want {
    const char *name;
    int is_dir;
};

/* l lists exactly the entries of w, each with its type; returns the index
 * in l of w[0]. */
static size_t expect_listing(const struct dirlist *l, const struct want *w, size_t n,
                             const char *what)
{
    size_t first = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t k = 0;
        while (k < n && strcmp(l->entries[i].name, w[k].name) != 0)
            k++;
        if (k == n)
            fail_msg("%s: listed %s, which it must not", what, l->entries[i].name);
        if (l->entries[i].is_dir != w[k].is_dir)
            fail_msg("%s: %s has is_dir %d", what, w[k].name, l->entries[i].is_dir);
        if (k == 0)
            first = i;
    }
    if (l->n != n)
        fail_msg("%s: %zu entries listed, want %zu", what, l->n, n);
    return first;
}

static const struct want root_want[] = {
    {"index.html", 0}, {"sub", 1}, {"in_link", 0}, {"list", 1}, {"many", 1},
};

static const struct want list_want[] = {
    {"in_link", 0}, {"plain.txt", 0},    {"subdir", 1},         {"dir_link", 1},
    {"self", 1},    {"caf\xe9", 0},      {"_redirects.txt", 0}, {"sp ace%.txt", 0},
    {".hidden", 0}, {".hidden_link", 0},
};
enum { LIST_HIDDEN = 2 }; /* the last entries of list_want start with '.' */

static void run_listing(int use_openat2)
{
    const char *how = use_openat2 ? "openat2" : "realpath";
    docroot_use_openat2(use_openat2);
    int rootfd = docroot_open_root(root);
    assert_true(rootfd >= 0);
    struct dirlist l;
    assert_int_equal(docroot_list(rootfd, ".", 1, &l), 200);
    expect_listing(&l, root_want, sizeof(root_want) / sizeof(root_want[0]), how);
    docroot_list_free(&l);

    size_t n = sizeof(list_want) / sizeof(list_want[0]);
    for (int hide = 0; hide <= 1; hide++) {
        assert_int_equal(docroot_list(rootfd, "list", hide, &l), 200);
        size_t i = expect_listing(&l, list_want, hide ? n - LIST_HIDDEN : n, how);
        /* in_link -> ../sub/page.html: the page's size and mtime */
        assert_int_equal(l.entries[i].size, 5);
        assert_int_equal(l.entries[i].mtime, PAGE_MTIME);
        docroot_list_free(&l);
    }
    /* the same directory reached through a symlink and a longer path */
    assert_int_equal(docroot_list(rootfd, "list/self", 1, &l), 200);
    expect_listing(&l, list_want, n - LIST_HIDDEN, how);
    docroot_list_free(&l);
    assert_int_equal(docroot_list(rootfd, "sub", 1, &l), 200);
    assert_int_equal(l.n, 2); /* page.html, and up_in -> ../index.html */
    docroot_list_free(&l);
    close(rootfd);
}

static void test_listing_openat2(void **state)
{
    (void)state;
    if (docroot_probe() != 0)
        skip();
    run_listing(1);
}

static void test_listing_realpath(void **state)
{
    (void)state;
    run_listing(0);
    docroot_use_openat2(docroot_probe() == 0);
}

/* What cannot be listed: the status, and an empty list to free. */
static void test_listing_refused(void **state)
{
    (void)state;
    static const struct {
        const char *rel;
        int status;
    } refused[] = {
        {"missing", 404}, {"index.html", 404},  {"in_link", 404}, {"dir_out", 404},
        {"etc", 404},     {"list/up_dir", 404}, {"fifo", 403},    {"list/loop", 403},
    };
    for (int way = 0; way <= 1; way++) {
        if (way && docroot_probe() != 0)
            break;
        docroot_use_openat2(way);
        int rootfd = docroot_open_root(root);
        assert_true(rootfd >= 0);
        for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
            struct dirlist l;
            enum http_status s = docroot_list(rootfd, refused[i].rel, 0, &l);
            if ((int)s != refused[i].status)
                fail_msg("%s (%s): got %d, want %d", refused[i].rel,
                         way ? "openat2" : "realpath", s, refused[i].status);
            assert_int_equal(l.n, 0);
            assert_null(l.entries);
            docroot_list_free(&l);
        }
        close(rootfd);
    }
    docroot_use_openat2(docroot_probe() == 0);
}

/* MH_AUTOINDEX_ENTRIES_MAX listed entries are fine, whatever is left out
 * besides; one more is 500. */
static void test_listing_max(void **state)
{
    (void)state;
    int rootfd = docroot_open_root(root);
    assert_true(rootfd >= 0);
    struct dirlist l;
    assert_int_equal(docroot_list(rootfd, "many", 1, &l), 200);
    assert_int_equal(l.n, MH_AUTOINDEX_ENTRIES_MAX);
    docroot_list_free(&l);
    put("www/many/one-more", "");
    assert_int_equal(docroot_list(rootfd, "many", 1, &l), 500);
    assert_int_equal(l.n, 0);
    docroot_list_free(&l);
    close(rootfd);
}

/* Out of fds while a symlink's target is opened: 503, not a listing with
 * entries missing.  The limit leaves exactly one fd, for the directory. */
static void test_listing_no_fds(void **state)
{
    (void)state;
    struct rlimit old, low;
    int rootfd = docroot_open_root(root);
    assert_true(rootfd >= 0);
    int next = dup(rootfd); /* the lowest free fd */
    assert_true(next > rootfd);
    close(next);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t)next + 1;
    struct dirlist l, empty;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    enum http_status with_links = docroot_list(rootfd, "list", 1, &l);
    enum http_status without = docroot_list(rootfd, "list/subdir", 1, &empty);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    close(rootfd);
    assert_int_equal(with_links, 503);
    assert_int_equal(l.n, 0);
    assert_int_equal(without, 200);
    assert_int_equal(empty.n, 0);
    docroot_list_free(&l);
    docroot_list_free(&empty);
}

/* The listing as the handler renders it: the JSON form leaves out the name
 * that is not UTF-8, the HTML form links it. */
static void test_listing_rendered(void **state)
{
    (void)state;
    int rootfd = docroot_open_root(root);
    assert_true(rootfd >= 0);
    struct dirlist l;
    assert_int_equal(docroot_list(rootfd, "list", 1, &l), 200);
    close(rootfd);
    size_t cap = autoindex_json_bound(l.entries, l.n);
    char *mem = malloc(cap);
    assert_non_null(mem);
    struct buf b;
    buf_init(&b, mem, cap);
    assert_int_equal(autoindex_render_json(l.entries, l.n, &b), 0);
    assert_non_null(strstr(mem,
                           "{\"name\": \"in_link\", \"type\": \"file\", \"size\": 5, "
                           "\"mtime\": \"2001-09-09T01:46:40Z\"}"));
    assert_non_null(strstr(mem, "{\"name\": \"dir_link\", \"type\": \"directory\", "));
    assert_null(strstr(mem, "caf"));
    free(mem);
    cap = autoindex_bound(l.entries, l.n, strlen("/list/"));
    mem = malloc(cap);
    assert_non_null(mem);
    buf_init(&b, mem, cap);
    assert_int_equal(autoindex_render("/list/", l.entries, l.n, &b), 0);
    assert_non_null(strstr(mem, "<a href=\"./caf%E9\">"));
    assert_null(strstr(mem, "passwd"));
    free(mem);
    docroot_list_free(&l);
}

/* A name is servable exactly when a request for it resolves: every byte,
 * sent percent-encoded, between two others. */
static void test_name_servable(void **state)
{
    (void)state;
    static const char hex[] = "0123456789ABCDEF";
    for (int c = 0; c < 256; c++) {
        char name[3] = {'a', (char)c, 'b'},
             raw[6] = {'/', 'a', '%', hex[c >> 4], hex[c & 15], 'b'};
        char out[16];
        struct path_out po = {.buf = out, .cap = sizeof(out)};
        bool ok = path_resolve(raw, sizeof(raw), &po) == PATH_OK;
        if (path_name_servable(name, sizeof(name)) != ok)
            fail_msg("byte 0x%02x: servable %d, path_resolve ok %d", c, !ok, ok);
        if (ok) /* and the request names that very file */
            assert_memory_equal(out + 1, name, sizeof(name));
    }
    assert_false(path_name_servable("", 0));
    assert_false(path_name_servable(".", 1));
    assert_false(path_name_servable("..", 2));
    assert_false(path_name_servable("a\0b", 3));
    assert_false(path_name_servable("a/b", 3));
    assert_false(path_name_servable("a\\b", 3));
    assert_true(path_name_servable("...", 3));
    assert_true(path_name_servable(".x", 2));
    assert_true(path_name_servable("..x", 3));
    assert_true(path_name_servable("_redirects", 10)); /* path.c has no policy */
    assert_true(path_name_servable("caf\xe9", 4));
    assert_true(path_name_servable("a\0b", 1)); /* only len bytes count */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openat2),
        cmocka_unit_test(test_realpath_fallback),
        cmocka_unit_test(test_status_table),
        cmocka_unit_test(test_listing_openat2),
        cmocka_unit_test(test_listing_realpath),
        cmocka_unit_test(test_listing_refused),
        cmocka_unit_test(test_listing_max),
        cmocka_unit_test(test_listing_no_fds),
        cmocka_unit_test(test_listing_rendered),
        cmocka_unit_test(test_name_servable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
