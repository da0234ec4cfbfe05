/* test_body.c - body.c: a cached file's bytes as responses queue them.  A
 * small file is a snapshot in memory (at MH_SMALL_FILE_MAX and one byte
 * over it, where it becomes a file segment; likewise at the room the cache
 * offers and one byte over it); a range of either comes out of
 * an evbuffer byte for byte; the bytes stay valid while a buffer holds them
 * after the cache let go; an empty file has no body. */
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

#include <event2/buffer.h>

#include "body.h"
#include "bounds.h"

static char dir[] = "/tmp/test_body.XXXXXX";

/* A file of n bytes (byte i is 'a' + i % 26), open; *st its fstat. */
static int make_file(const char *name, size_t n, struct stat *st, char **bytes)
{
    char path[64];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    char *b = malloc(n + 1);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++)
        b[i] = (char)('a' + i % 26);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, st), 0);
    *bytes = b;
    return fd;
}

/* Queue [off, off + len) of the body and compare what comes out. */
static void check_range(struct body *b, const char *bytes, uint64_t off, uint64_t len)
{
    struct evbuffer *out = evbuffer_new();
    assert_non_null(out);
    assert_int_equal(body_add(out, b, off, len), 0);
    assert_int_equal(evbuffer_get_length(out), len);
    char *got = malloc(len + 1);
    assert_int_equal(evbuffer_remove(out, got, len), (int)len);
    assert_memory_equal(got, bytes + off, len);
    free(got);
    evbuffer_free(out);
}

/* A file of n bytes wrapped with room to keep; in memory or not. */
static void at_size(size_t n, uint64_t room, int in_memory)
{
    struct stat st;
    char *bytes;
    uint64_t held = 7;
    int fd = make_file("f", n, &st, &bytes);
    struct body *b = body_wrap(fd, &st, room, &held);
    assert_non_null(b);
    assert_int_equal(held, in_memory ? n : 0);
    assert_int_equal(body_bytes(b) != NULL, in_memory);
    check_range(b, bytes, 0, n);
    check_range(b, bytes, 1, n - 2);
    check_range(b, bytes, n - 1, 1);
    /* a buffer keeps the bytes after the cache's reference is gone */
    struct evbuffer *out = evbuffer_new();
    assert_int_equal(body_add(out, b, 0, n), 0);
    body_unwrap(b);
    char *got = malloc(n);
    assert_int_equal(evbuffer_remove(out, got, n), (int)n);
    assert_memory_equal(got, bytes, n);
    free(got);
    evbuffer_free(out);
    free(bytes);
}

static void test_small_is_a_snapshot(void **state)
{
    (void)state;
    at_size(2, MH_FILE_CACHE_HELD_MAX, 1);
    at_size(MH_SMALL_FILE_MAX, MH_FILE_CACHE_HELD_MAX, 1);
    at_size(MH_SMALL_FILE_MAX, MH_SMALL_FILE_MAX, 1); /* room for exactly it */
}

static void test_large_is_a_segment(void **state)
{
    (void)state;
    at_size(MH_SMALL_FILE_MAX + 1, MH_FILE_CACHE_HELD_MAX, 0);
    at_size(1 << 20, MH_FILE_CACHE_HELD_MAX, 0);
}

/* The cache's memory is full: a small file is sent from the file. */
static void test_no_room_is_a_segment(void **state)
{
    (void)state;
    at_size(100, 99, 0);
    at_size(MH_SMALL_FILE_MAX, MH_SMALL_FILE_MAX - 1, 0);
    at_size(100, 0, 0);
}

static void test_empty_has_no_body(void **state)
{
    struct stat st;
    char *bytes;
    uint64_t held = 7;
    (void)state;
    int fd = make_file("empty", 0, &st, &bytes);
    assert_null(body_wrap(fd, &st, MH_FILE_CACHE_HELD_MAX, &held));
    assert_int_equal(held, 0);
    close(fd); /* not taken */
    free(bytes);
}

static void test_refs(void **state)
{
    struct stat st;
    char *bytes;
    uint64_t held;
    (void)state;
    int fd = make_file("r", 100, &st, &bytes);
    struct body *b = body_wrap(fd, &st, MH_FILE_CACHE_HELD_MAX, &held);
    assert_ptr_equal(body_ref(b), b);
    body_unwrap(b); /* the cache's */
    check_range(b, bytes, 0, 100);
    body_unref(b); /* the last: closes fd */
    assert_int_equal(fcntl(fd, F_GETFD), -1);
    body_unref(NULL);
    free(bytes);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[64];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Over TLS (no sendfile): a feed keeps less than 2 x MH_TLS_FEED_CHUNK of
 * the file in the buffer, refills it as it drains, and the bytes that come
 * out are the range's, in order; a file that shrinks under it fails. */
static void test_feed(void **state)
{
    (void)state;
    struct stat st;
    char *bytes;
    size_t n = 5 * MH_TLS_FEED_CHUNK + 123;
    int fd = make_file("feed", n, &st, &bytes);
    uint64_t held;
    struct body *b = body_wrap(fd, &st, MH_FILE_CACHE_HELD_MAX, &held);
    assert_non_null(b);
    struct evbuffer *out = evbuffer_new();
    struct body_feed *f = NULL;
    uint64_t off = 1000, len = n - 2000;
    assert_int_equal(body_add_no_sendfile(out, b, off, len, &f), 0);
    assert_non_null(f);
    body_unwrap(b); /* the feed holds its own reference */
    char *got = malloc(len);
    size_t have = 0, most = 0;
    while (evbuffer_get_length(out) > 0) {
        size_t l = evbuffer_get_length(out);
        most = l > most ? l : most;
        /* take less than a chunk at a time, as a socket would */
        int r = evbuffer_remove(out, got + have, 10000);
        assert_true(r > 0);
        have += (size_t)r;
    }
    assert_int_equal(have, len);
    assert_memory_equal(got, bytes + off, len);
    assert_true(most < 2 * MH_TLS_FEED_CHUNK); /* refilled below one chunk */
    assert_int_equal(body_feed_left(f), 0);
    assert_false(body_feed_failed(f));
    body_feed_free(f);
    evbuffer_free(out);

    /* a file cut short while fed: the feed fails, never blocks or loops */
    char path[64];
    snprintf(path, sizeof(path), "%s/feed", dir);
    out = evbuffer_new();
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    b = body_wrap(fd, &st, MH_FILE_CACHE_HELD_MAX, &held);
    f = body_feed_new(out, b, 0, (uint64_t)n);
    assert_non_null(f);
    assert_int_equal(truncate(path, 2 * MH_TLS_FEED_CHUNK), 0);
    while (evbuffer_get_length(out) > 0)
        evbuffer_drain(out, 4096);
    assert_true(body_feed_failed(f));
    assert_int_equal(body_feed_left(f), 0);
    body_feed_free(f);
    body_unwrap(b);
    evbuffer_free(out);

    /* a small file (a snapshot in memory) needs no feed */
    free(bytes);
    fd = make_file("small", 100, &st, &bytes);
    b = body_wrap(fd, &st, MH_FILE_CACHE_HELD_MAX, &held);
    out = evbuffer_new();
    assert_int_equal(body_add_no_sendfile(out, b, 0, 100, &f), 0);
    assert_null(f);
    assert_int_equal(evbuffer_get_length(out), 100);
    evbuffer_free(out);
    body_unwrap(b);
    free(bytes);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_is_a_snapshot),
        cmocka_unit_test(test_large_is_a_segment),
        cmocka_unit_test(test_no_room_is_a_segment),
        cmocka_unit_test(test_empty_has_no_body),
        cmocka_unit_test(test_refs),
        cmocka_unit_test(test_feed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
