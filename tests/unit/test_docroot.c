/* test_docroot.c - docroot.c: confinement on the file system, both ways it
 * can open (openat2 RESOLVE_BENEATH, and the walk used where openat2 is
 * missing, forced here with docroot_use_openat2(0)).  A temporary tree holds
 * a docroot with a file, a subdirectory, a FIFO and symlinks that stay
 * inside or point outside: absolute, climbing out with "..", to files and
 * directories, chains, loops, "a/b/../c" targets, dangling, a file in the
 * middle of a path, MH_DOCROOT_SYMLINKS_MAX links followed and one more;
 * the same table of requests must give the same status either way, and
 * where openat2 is here, the very same file.  The walk's own bounds
 * (MH_DOCROOT_DEPTH_MAX directories deep, and one more), a path of PATH_MAX,
 * running out of fds half-way, and no fd left open by any of it.
 * Listings, either way too: a directory holding a FIFO, a socket, symlinks
 * out of the docroot, to a FIFO, dangling and looping, names a request
 * cannot hold, _redirects and dotfiles lists exactly the entries a client
 * could fetch, a symlink with its target's type, size and mtime;
 * MH_AUTOINDEX_ENTRIES_MAX counts listed entries only.
 * path_name_servable() agrees with path_resolve() on every byte. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
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

/* www/w: symlinks the walk resolves itself; www/links: chains of
 * MH_DOCROOT_SYMLINKS_MAX links and one more; www/d/d/...: one directory
 * more than MH_DOCROOT_DEPTH_MAX deep, with a file f at the last two. */
static void setup_walk(void)
{
    char p[256], rel[64];
    make_dir("www/w");
    make_dir("www/w/d");
    link_to("../sub", "www/w/dirlink");
    link_to("../sub/", "www/w/slashdir");
    link_to("../index.html/", "www/w/slashfile");
    link_to("chain2", "www/w/chain1");
    link_to("chain3", "www/w/chain2");
    link_to("../sub/page.html", "www/w/chain3");
    link_to("chain_out2", "www/w/chain_out");
    link_to("../../secret.txt", "www/w/chain_out2");
    link_to("d/../../sub/page.html", "www/w/abc");
    link_to("../sub/../index.html", "www/w/abc2");
    link_to("./.././sub/./page.html", "www/w/dots");
    link_to("../../www/index.html", "www/w/out_in"); /* out, then back in */
    snprintf(p, sizeof(p), "%s/index.html", root);
    link_to(p, "www/w/abs_in"); /* absolute, though inside */
    link_to("nothing-here", "www/w/dangling");
    link_to("loop_b", "www/w/loop_a");
    link_to("loop_a", "www/w/loop_b");
    link_to("self_loop", "www/w/self_loop");
    link_to("dir_loop", "www/w/dir_loop");
    link_to("../index.html/page.html", "www/w/file_mid");
    link_to("../index.html", "www/w/link_mid");
    link_to("../fifo", "www/w/fifo_link");
    link_to("../../index.html", "www/w/d/up2");
    link_to("../../../secret.txt", "www/w/d/up3");
    link_to("..", "www/w/updir");
    make_dir("www/links");
    put("www/links/f", "end of the chain\n");
    for (int i = 0; i < MH_DOCROOT_SYMLINKS_MAX; i++) { /* a00 -> a01 ... -> f */
        char target[16];
        snprintf(rel, sizeof(rel), "www/links/a%02d", i);
        snprintf(target, sizeof(target), "a%02d", i + 1);
        link_to(i + 1 < MH_DOCROOT_SYMLINKS_MAX ? target : "f", rel);
    }
    for (int i = 0; i <= MH_DOCROOT_SYMLINKS_MAX; i++) { /* one link more */
        char target[16];
        snprintf(rel, sizeof(rel), "www/links/b%02d", i);
        snprintf(target, sizeof(target), "b%02d", i + 1);
        link_to(i < MH_DOCROOT_SYMLINKS_MAX ? target : "f", rel);
    }
    size_t n = strlen("www"); /* www/d/d/...: the deep tree */
    memcpy(p, "www", n + 1);
    for (int i = 1; i <= MH_DOCROOT_DEPTH_MAX + 1; i++) {
        assert_true(strlen(top) + n + sizeof("/d/d/f") < sizeof(p)); /* put() */
        memcpy(p + n, "/d", 3);
        n += 2;
        make_dir(p);
        if (i >= MH_DOCROOT_DEPTH_MAX) {
            memcpy(p + n, "/f", 3);
            put(p, "deep\n");
            p[n] = '\0';
        }
    }
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
    setup_walk();
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
    /* paths path.c never gives, as openat2 takes them */
    {"", 404, 0},
    {"/index.html", 404, 0}, /* absolute: refused, though inside */
    {"..", 404, 0},
    {"sub/../..", 404, 0},
    {"sub/..", 200, 1},
    {"sub/.", 200, 1},
    {"sub/", 200, 1},
    {"sub//page.html", 200, 0},
    {"./sub/./page.html", 200, 0},
    {"sub/../index.html", 200, 0},
    {"index.html/", 404, 0},
    {"in_link/", 404, 0},
    {"in_link/x", 404, 0},
    /* symlinks the walk resolves itself */
    {"w/dirlink", 200, 1},
    {"w/dirlink/", 200, 1},
    {"w/dirlink/page.html", 200, 0},
    {"w/dirlink/up_in", 200, 0}, /* a link in a linked directory */
    {"w/dirlink/..", 200, 1},    /* the docroot: sub's parent */
    {"w/slashdir", 200, 1},
    {"w/slashfile", 404, 0},
    {"w/chain1", 200, 0},
    {"w/chain_out", 404, 0},
    {"w/abc", 200, 0},
    {"w/abc2", 200, 0},
    {"w/dots", 200, 0},
    {"w/out_in", 404, 0}, /* ".." above the docroot, even to come back */
    {"w/abs_in", 404, 0}, /* absolute, even inside */
    {"w/dangling", 404, 0},
    {"w/loop_a", 403, 0},
    {"w/self_loop", 403, 0},
    {"w/dir_loop/x", 403, 0},
    {"w/file_mid", 404, 0},
    {"w/link_mid/x", 404, 0},
    {"w/fifo_link", 403, 0},
    {"w/d/up2", 200, 0},
    {"w/d/up3", 404, 0},
    {"w/updir", 200, 1},
    {"w/updir/sub/page.html", 200, 0},
    {"w/updir/w/updir/w/dirlink/page.html", 200, 0},
    {"w/updir/..", 404, 0},
    /* MH_DOCROOT_SYMLINKS_MAX links followed, and one more */
    {"links/a00", 200, 0},
    {"links/b00", 403, 0},
};

/* docroot_open() of rel, with openat2 or the walk: the status, and on 200
 * what was opened in *st (its fd closed, a file's bytes never the secret) */
static enum http_status open_way(int rootfd, const char *rel, int use_openat2,
                                 struct stat *st)
{
    int fd = -1;
    docroot_use_openat2(use_openat2);
    enum http_status s = docroot_open(rootfd, rel, &fd, st);
    if (s == HTTP_STATUS_OK) {
        assert_true(fd >= 0);
        if (S_ISREG(st->st_mode)) {
            char buf[16] = "";
            assert_true(read(fd, buf, sizeof(buf) - 1) >= 0);
            assert_null(strstr(buf, "SECRET"));
        }
        close(fd);
    }
    return s;
}

static void run_cases(int use_openat2)
{
    const char *how = use_openat2 ? "openat2" : "walk";
    int rootfd = docroot_open_root(root);
    assert_true(rootfd >= 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct stat st;
        enum http_status s = open_way(rootfd, cases[i].rel, use_openat2, &st);
        if ((int)s != cases[i].status)
            fail_msg("%s (%s): got %d, want %d", cases[i].rel, how, s, cases[i].status);
        if (s == HTTP_STATUS_OK && (S_ISDIR(st.st_mode) ? 1 : 0) != cases[i].is_dir)
            fail_msg("%s (%s): is_dir %d", cases[i].rel, how, !cases[i].is_dir);
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

/* Renames elsewhere on the system, as rsync publishing a site makes them,
 * make openat2(RESOLVE_BENEATH) fail with EAGAIN on a path with a ".."
 * (here a symlink to ../sub): such an open is tried again and then walked,
 * never answered 500.  A thread renames a file back and forth while the
 * path is opened 20,000 times (or for 5 s). */
struct renamer {
    char a[PATH_MAX], b[PATH_MAX];
    volatile int stop;
};

static void *rename_loop(void *arg)
{
    struct renamer *r = arg;
    while (!r->stop)
        if (rename(r->a, r->b) != 0 || rename(r->b, r->a) != 0)
            break;
    return NULL;
}

static void test_openat2_renames_elsewhere(void **state)
{
    (void)state;
    if (docroot_probe() != 0)
        skip();
    static struct renamer r;
    snprintf(r.a, sizeof(r.a), "%s/renamed-a", root);
    snprintf(r.b, sizeof(r.b), "%s/renamed-b", root);
    int fd = open(r.a, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    close(fd);
    r.stop = 0;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, rename_loop, &r), 0);
    int rootfd = docroot_open_root(root);
    assert_true(rootfd >= 0);
    docroot_use_openat2(1);
    unsigned bad = 0, n = 0;
    time_t end = time(NULL) + 5;
    for (; n < 20000 && time(NULL) < end; n++) {
        struct stat st;
        int f = -1;
        enum http_status s = docroot_open(rootfd, "w/dirlink/page.html", &f, &st);
        if (s != HTTP_STATUS_OK)
            bad++;
        else
            close(f);
    }
    r.stop = 1;
    pthread_join(t, NULL);
    close(rootfd);
    unlink(r.a);
    unlink(r.b);
    print_message("%u opens during renames, %u not 200\n", n, bad);
    assert_int_equal(bad, 0);
}

static void test_walk_fallback(void **state)
{
    (void)state;
    run_cases(0);
    docroot_use_openat2(docroot_probe() == 0);
}

/* rel both ways: the same status, and on 200 the very same file */
static void agree(int rootfd, const char *rel, const char *what)
{
    struct stat a, b;
    enum http_status walk = open_way(rootfd, rel, 0, &a);
    enum http_status o2 = open_way(rootfd, rel, 1, &b);
    if (walk != o2)
        fail_msg("%s: walk %d, openat2 %d", what, walk, o2);
    if (walk == HTTP_STATUS_OK && (a.st_dev != b.st_dev || a.st_ino != b.st_ino))
        fail_msg("%s: walk and openat2 opened different files", what);
}

/* Every case, and paths of PATH_MAX and names of NAME_MAX bytes and one
 * more: the walk gives what openat2 gives. */
static void test_ways_agree(void **state)
{
    (void)state;
    if (docroot_probe() != 0)
        skip();
    int rootfd = docroot_open_root(root);
    assert_true(rootfd >= 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        agree(rootfd, cases[i].rel, cases[i].rel);
    /* "sub///...///page.html" of PATH_MAX - 1 bytes and less (200), of
     * PATH_MAX and more (404: with its NUL, longer than openat2 takes) */
    char *rel = malloc(PATH_MAX + 2);
    assert_non_null(rel);
    for (size_t len = PATH_MAX + 1; len >= PATH_MAX - 2; len--) {
        size_t slashes = len - strlen("sub") - strlen("page.html");
        memcpy(rel, "sub", 3);
        memset(rel + 3, '/', slashes);
        memcpy(rel + 3 + slashes, "page.html", sizeof("page.html"));
        assert_int_equal(strlen(rel), len);
        struct stat st;
        enum http_status want = len < PATH_MAX ? 200 : 404;
        assert_int_equal(open_way(rootfd, rel, 0, &st), want);
        agree(rootfd, rel, "a path near PATH_MAX");
    }
    /* a name of NAME_MAX bytes (missing: 404) and one more (too long: 404) */
    for (size_t len = NAME_MAX; len <= NAME_MAX + 1; len++) {
        memset(rel, 'n', len);
        rel[len] = '\0';
        agree(rootfd, rel, "a name near NAME_MAX");
    }
    free(rel);
    close(rootfd);
    docroot_use_openat2(1);
}

/* "d/d/.../f": MH_DOCROOT_DEPTH_MAX directories deep, into (or onto) the
 * directory one deeper. */
static char *deep_path(int dirs, const char *last)
{
    char *p = malloc(2 * (size_t)dirs + strlen(last) + 1);
    assert_non_null(p);
    for (int i = 0; i < dirs; i++)
        memcpy(p + 2 * i, "d/", 2);
    strcpy(p + 2 * dirs, last);
    return p;
}

/* The walk passes through MH_DOCROOT_DEPTH_MAX directories, not one more
 * (404, where openat2 has no such bound); the deepest directory itself can
 * be opened. */
static void test_walk_depth(void **state)
{
    (void)state;
    int rootfd = docroot_open_root(root);
    assert_true(rootfd >= 0);
    int o2 = docroot_probe() == 0;
    struct stat st;
    char *at_max = deep_path(MH_DOCROOT_DEPTH_MAX, "f");
    char *over = deep_path(MH_DOCROOT_DEPTH_MAX + 1, "f");
    char *dir = deep_path(MH_DOCROOT_DEPTH_MAX, "d");
    assert_int_equal(open_way(rootfd, at_max, 0, &st), 200);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(open_way(rootfd, over, 0, &st), 404);
    assert_int_equal(open_way(rootfd, dir, 0, &st), 200);
    assert_true(S_ISDIR(st.st_mode));
    if (o2) {
        agree(rootfd, at_max, "MH_DOCROOT_DEPTH_MAX deep");
        agree(rootfd, dir, "the directory one deeper");
        assert_int_equal(open_way(rootfd, over, 1, &st), 200);
    }
    free(at_max);
    free(over);
    free(dir);
    close(rootfd);
    docroot_use_openat2(o2);
}

/* fds open in this process */
static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += de->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the directory's own */
}

/* The open-file limit that leaves exactly `spare` fds free (fds inherited
 * from whoever ran the test may be open above the lowest free one). */
static rlim_t limit_leaving(int spare)
{
    int fd = 0;
    for (int free_fds = 0; free_fds < spare; fd++)
        free_fds += fcntl(fd, F_GETFD) == -1 && errno == EBADF;
    return (rlim_t)fd;
}

/* Out of fds half-way down a path: 503, and every fd the walk took closed.
 * The walk holds each directory it passes through while it goes on. */
static void test_walk_no_fds(void **state)
{
    (void)state;
    struct rlimit old, low;
    int rootfd = docroot_open_root(root);
    assert_true(rootfd >= 0);
    char *rel = deep_path(10, "d"); /* 10 directories, then one opened */
    int before = count_fds();
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    for (int spare = 1; spare <= 11; spare++) {
        struct stat st;
        low = old;
        low.rlim_cur = limit_leaving(spare);
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
        enum http_status s = open_way(rootfd, rel, 0, &st);
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
        if ((int)s != (spare <= 10 ? 503 : 200))
            fail_msg("%d fds free: got %d", spare, s);
        assert_int_equal(count_fds(), before);
    }
    free(rel);
    close(rootfd);
    docroot_use_openat2(docroot_probe() == 0);
}

/* Every case, many times, both ways (where openat2 is here): not one fd
 * more open afterwards. */
static void test_no_fd_left_open(void **state)
{
    (void)state;
    int rootfd = docroot_open_root(root);
    assert_true(rootfd >= 0);
    int before = count_fds();
    char *over = deep_path(MH_DOCROOT_DEPTH_MAX + 1, "f");
    for (int way = 0; way <= 1; way++) {
        if (way && docroot_probe() != 0)
            break;
        for (int round = 0; round < 100; round++) {
            struct stat st;
            for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                open_way(rootfd, cases[i].rel, way, &st);
            open_way(rootfd, over, way, &st);
        }
        assert_int_equal(count_fds(), before);
    }
    free(over);
    close(rootfd);
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
    {"index.html", 0}, {"sub", 1}, {"in_link", 0}, {"list", 1},
    {"many", 1},       {"w", 1},   {"links", 1},   {"d", 1},
};

static const struct want list_want[] = {
    {"in_link", 0}, {"plain.txt", 0},    {"subdir", 1},         {"dir_link", 1},
    {"self", 1},    {"caf\xe9", 0},      {"_redirects.txt", 0}, {"sp ace%.txt", 0},
    {".hidden", 0}, {".hidden_link", 0},
};
enum { LIST_HIDDEN = 2 }; /* the last entries of list_want start with '.' */

static void run_listing(int use_openat2)
{
    const char *how = use_openat2 ? "openat2" : "walk";
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

static void test_listing_walk(void **state)
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
                         way ? "openat2" : "walk", s, refused[i].status);
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
 * entries missing.  The limit leaves exactly the fds a listing without
 * symlinks needs: one for the directory with openat2; the walk also holds
 * the directory it passes through (list) while it opens list/subdir. */
static void test_listing_no_fds(void **state)
{
    (void)state;
    struct rlimit old, low;
    int rootfd = docroot_open_root(root);
    assert_true(rootfd >= 0);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    for (int way = 0; way <= 1; way++) {
        if (way && docroot_probe() != 0)
            break;
        docroot_use_openat2(way);
        low = old;
        low.rlim_cur = limit_leaving(way ? 1 : 2);
        struct dirlist l, empty;
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
        enum http_status with_links = docroot_list(rootfd, "list", 1, &l);
        enum http_status without = docroot_list(rootfd, "list/subdir", 1, &empty);
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
        assert_int_equal(with_links, 503);
        assert_int_equal(l.n, 0);
        assert_int_equal(without, 200);
        assert_int_equal(empty.n, 0);
        docroot_list_free(&l);
        docroot_list_free(&empty);
    }
    close(rootfd);
    docroot_use_openat2(docroot_probe() == 0);
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
        /* opening, both ways */
        cmocka_unit_test(test_openat2),
        cmocka_unit_test(test_openat2_renames_elsewhere),
        cmocka_unit_test(test_walk_fallback),
        cmocka_unit_test(test_ways_agree),
        cmocka_unit_test(test_walk_depth),
        cmocka_unit_test(test_walk_no_fds),
        cmocka_unit_test(test_no_fd_left_open),
        cmocka_unit_test(test_status_table),
        /* listings */
        cmocka_unit_test(test_listing_openat2),
        cmocka_unit_test(test_listing_walk),
        cmocka_unit_test(test_listing_refused),
        cmocka_unit_test(test_listing_max),
        cmocka_unit_test(test_listing_no_fds),
        cmocka_unit_test(test_listing_rendered),
        cmocka_unit_test(test_name_servable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
