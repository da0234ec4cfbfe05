/* test_fcache.c - fcache.c: the per-worker open-file cache.  Time is passed
 * in explicitly, so freshness is tested exactly: a hit within the same
 * second, an in-place rewrite seen at once (fstat) unless the body is a
 * snapshot (then within MH_FILE_CACHE_VALID_SEC), a rename, a deletion and
 * a new sidecar seen once MH_FILE_CACHE_VALID_SEC has passed, never before;
 * bodies are wrapped once and released when replaced.  A file replaced by
 * rename or deleted is seen at once too: unlinking changes the old inode's
 * ctime, which the per-hit fstat() notices. */
#define _GNU_SOURCE
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

#include "fcache.h"

static char root[64];
static int rootfd = -1;
static int wrapped, unwrapped;

static int snapshots;   /* wrap() says its bodies are snapshots */
#define ROOM (1u << 20) /* what the caches of most tests may keep in memory */

/* As body.c's: a snapshot keeps the file's bytes in memory, when they fit
 * in the room the cache offers. */
static void *wrap(int fd, const struct stat *st, uint64_t room, uint64_t *held)
{
    wrapped++;
    *held = snapshots && (uint64_t)st->st_size <= room ? (uint64_t)st->st_size : 0;
    return (void *)(intptr_t)(fd + 1); /* owns fd, as a file segment would */
}

static void unwrap(void *body)
{
    unwrapped++;
    close((int)(intptr_t)body - 1);
}

static void put(const char *rel, const char *text, time_t mtime)
{
    char p[256], tmp[300];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    snprintf(tmp, sizeof(tmp), "%s.tmp", p);
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
    assert_int_equal(utimensat(AT_FDCWD, tmp, ts, 0), 0);
    assert_int_equal(rename(tmp, p), 0); /* a new inode, as deploys do */
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/mh-test-fcache-XXXXXX");
    assert_non_null(mkdtemp(root));
    rootfd = open(root, O_PATH | O_DIRECTORY);
    assert_true(rootfd >= 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    close(rootfd);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    return system(cmd);
}

static void test_hit_and_rename(void **state)
{
    (void)state;
    struct fcache *c = fcache_new(64, ROOM, wrap, unwrap);
    assert_non_null(c);
    put("a.txt", "one\n", 1000);
    wrapped = unwrapped = 0;
    struct fcache_file *f = fcache_get(c, rootfd, "a.txt", 100);
    assert_int_equal(f->status, 200);
    assert_int_equal(f->file.st.st_size, 4);
    char etag1[ETAG_LEN];
    strcpy(etag1, f->file.etag);
    assert_string_equal(f->file.lastmod, "Thu, 01 Jan 1970 00:16:40 GMT");
    assert_int_equal(wrapped, 1);

    /* same second: the same entry, nothing reopened */
    assert_ptr_equal(fcache_get(c, rootfd, "a.txt", 100), f);
    assert_int_equal(wrapped, 1);

    /* replaced by rename: the old inode's ctime changed, so it is seen at once */
    put("a.txt", "two, longer\n", 1000);
    f = fcache_get(c, rootfd, "a.txt", 100);
    assert_int_equal(f->file.st.st_size, 12);
    assert_string_not_equal(f->file.etag, etag1);
    assert_int_equal(wrapped, 2);
    assert_int_equal(unwrapped, 1);
    fcache_free(c);
    assert_int_equal(unwrapped, 2);
}

/* Cache rel at `now`, keep its ETag in etag, then rewrite the file in
 * place: same inode, same size, new mtime. */
static void cache_then_rewrite(struct fcache *c, const char *rel, time_t now,
                               char etag[ETAG_LEN])
{
    put(rel, "same size\n", 2000);
    struct fcache_file *f = fcache_get(c, rootfd, rel, now);
    strcpy(etag, f->file.etag);
    assert_int_equal(f->file.snapshot, snapshots);
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    FILE *w = fopen(p, "w");
    assert_non_null(w);
    fputs("SAME SIZE\n", w);
    fclose(w);
}

static void test_in_place_rewrite_seen_at_once(void **state)
{
    (void)state;
    struct fcache *c = fcache_new(64, ROOM, wrap, unwrap);
    char etag1[ETAG_LEN];
    cache_then_rewrite(c, "b.txt", 200, etag1);
    struct fcache_file *f = fcache_get(c, rootfd, "b.txt", 200); /* same second */
    assert_string_not_equal(f->file.etag, etag1);
    fcache_free(c);
}

/* A snapshot (a copy of the bytes, made by the caller) is trusted for the
 * whole interval: the old bytes with the old validators, then the new; a
 * deleted file likewise is gone once the interval is over. */
static void test_snapshot_trusted_for_the_interval(void **state)
{
    (void)state;
    snapshots = 1;
    struct fcache *c = fcache_new(64, ROOM, wrap, unwrap);
    char etag1[ETAG_LEN], p[256];
    cache_then_rewrite(c, "s.txt", 500, etag1);
    snprintf(p, sizeof(p), "%s/s.txt", root);
    int before = wrapped;
    struct fcache_file *f =
        fcache_get(c, rootfd, "s.txt", 500 + MH_FILE_CACHE_VALID_SEC - 1);
    assert_string_equal(f->file.etag, etag1); /* not looked at: the old copy */
    assert_int_equal(wrapped, before);
    f = fcache_get(c, rootfd, "s.txt", 500 + MH_FILE_CACHE_VALID_SEC);
    assert_string_not_equal(f->file.etag, etag1);
    assert_int_equal(wrapped, before + 1);
    /* deleted: the copy is served out its second, never longer */
    assert_int_equal(unlink(p), 0);
    time_t t = 500 + 2 * MH_FILE_CACHE_VALID_SEC - 1;
    assert_int_equal(fcache_get(c, rootfd, "s.txt", t)->status, 200);
    assert_int_equal(fcache_get(c, rootfd, "s.txt", t + 1)->status, 404);
    fcache_free(c);
    snapshots = 0;
}

static void test_deleted_and_negative(void **state)
{
    (void)state;
    struct fcache *c = fcache_new(64, ROOM, wrap, unwrap);
    char p[256];
    put("c.txt", "c\n", 3000);
    assert_int_equal(fcache_get(c, rootfd, "c.txt", 300)->status, 200);
    snprintf(p, sizeof(p), "%s/c.txt", root);
    unlink(p);
    assert_int_equal(fcache_get(c, rootfd, "c.txt", 300)->status, 404);
    /* a missing file is cached as missing for as long */
    put("c.txt", "back\n", 3000);
    assert_int_equal(fcache_get(c, rootfd, "c.txt", 300)->status, 404);
    assert_int_equal(fcache_get(c, rootfd, "c.txt", 301)->status, 200);
    assert_int_equal(fcache_get(c, rootfd, "../x", 302)->status, 404);
    fcache_free(c);
}

static void test_sidecars(void **state)
{
    (void)state;
    struct fcache *c = fcache_new(64, ROOM, wrap, unwrap);
    put("s.css", "body{}\n", 4000);
    struct fcache_file *f = fcache_get(c, rootfd, "s.css", 400);
    assert_false(f->has_sidecar[FCACHE_GZ]);
    put("s.css.gz", "gz", 4000); /* same mtime: not older, so usable */
    put("s.css.br", "br", 3999); /* older: not used */
    f = fcache_get(c, rootfd, "s.css", 400);
    assert_false(f->has_sidecar[FCACHE_GZ]); /* not seen before the interval */
    f = fcache_get(c, rootfd, "s.css", 401);
    assert_true(f->has_sidecar[FCACHE_GZ]);
    assert_false(f->has_sidecar[FCACHE_BR]);
    assert_int_equal(f->sidecar[FCACHE_GZ].st.st_size, 2);
    assert_string_not_equal(f->sidecar[FCACHE_GZ].etag, f->file.etag);
    fcache_free(c);
}

/* .zst sidecars, and a compressed copy kept with its file: its ETag is the
 * file's with the coding added, it is never checked again while the file
 * is unchanged, and it goes (closed) when the file changes. */
static void test_zst_and_copies(void **state)
{
    (void)state;
    struct fcache *c = fcache_new(64, ROOM, wrap, unwrap);
    put("z.js", "let x = 1;\n", 5000);
    put("z.js.zst", "zst", 5000);
    struct fcache_file *f = fcache_get(c, rootfd, "z.js", 500);
    assert_true(f->has_sidecar[FCACHE_ZST]);
    assert_int_equal(f->sidecar[FCACHE_ZST].st.st_size, 3);
    put("c.html", "<p>hello</p>\n", 5000);
    f = fcache_get(c, rootfd, "c.html", 500);
    assert_false(f->has_copy[ENC_I_BR]);
    char p[256];
    snprintf(p, sizeof(p), "%s/c.html", root);
    int fd = open(p, O_RDONLY); /* any file will do as the copy */
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    int before = unwrapped;
    fcache_set_copy(c, f, ENC_I_BR, fd, &st, 7);
    assert_true(f->has_copy[ENC_I_BR]);
    assert_int_equal(f->copy_len[ENC_I_BR], 7);
    size_t n = strlen(f->file.etag);
    assert_memory_equal(f->copy[ENC_I_BR].etag, f->file.etag, n - 1);
    assert_string_equal(f->copy[ENC_I_BR].etag + n - 1, "-br\"");
    assert_string_equal(f->copy[ENC_I_BR].lastmod, f->file.lastmod);
    f = fcache_get(c, rootfd, "c.html", 500); /* a hit keeps it */
    assert_true(f->has_copy[ENC_I_BR]);
    f = fcache_get(c, rootfd, "c.html", 502); /* unchanged: kept */
    assert_true(f->has_copy[ENC_I_BR]);
    put("c.html", "<p>hello!</p>\n", 5001);
    f = fcache_get(c, rootfd, "c.html", 504); /* changed: the copy goes */
    assert_false(f->has_copy[ENC_I_BR]);
    assert_true(unwrapped >= before + 2); /* the old file's body and the copy's */
    fcache_free(c);
}

/* The bodies keep at most held_max bytes in memory: files that fit up to
 * exactly the bound are snapshots, the next one (one byte over) is sent
 * from the file and checked on every hit; a replaced file gives its room
 * back. */
static void test_held_within_bound(void **state)
{
    (void)state;
    snapshots = 1;
    struct fcache *c = fcache_new(64, 30, wrap, unwrap);
    put("h1", "0123456789", 6000);           /* 10 bytes */
    put("h2", "01234567890123456789", 6000); /* 20 bytes */
    put("h3", "x", 6000);
    assert_true(fcache_get(c, rootfd, "h1", 600)->file.snapshot);
    assert_true(fcache_get(c, rootfd, "h2", 600)->file.snapshot);
    assert_int_equal(fcache_held(c), 30); /* at the bound */
    struct fcache_file *f = fcache_get(c, rootfd, "h3", 600);
    assert_false(f->file.snapshot); /* one byte over it */
    assert_int_equal(f->file.held, 0);
    assert_int_equal(fcache_held(c), 30);
    put("h1", "012345678", 6001); /* replaced: 9 bytes now */
    f = fcache_get(c, rootfd, "h1", 602);
    assert_true(f->file.snapshot);
    assert_int_equal(fcache_held(c), 29);
    fcache_flush(c);
    assert_int_equal(fcache_held(c), 0);
    fcache_free(c);
    snapshots = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_and_rename),
        cmocka_unit_test(test_in_place_rewrite_seen_at_once),
        cmocka_unit_test(test_snapshot_trusted_for_the_interval),
        cmocka_unit_test(test_deleted_and_negative),
        cmocka_unit_test(test_sidecars),
        cmocka_unit_test(test_zst_and_copies),
        cmocka_unit_test(test_held_within_bound),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
