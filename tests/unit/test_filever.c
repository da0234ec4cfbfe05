/* test_filever.c - filever.c: what "changed" means for the open-file cache,
 * the small-file copies and the libmagic cache.  Each change a deploy or an
 * editor makes to a file is a new version: a rewrite of the same size, a
 * touch, a chmod, a rename over it, a truncate; a second stat of an
 * untouched file is the same version. */
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

#include "filever.h"

static char dir[] = "/tmp/test_filever.XXXXXX";
static char path[64], other[64];

static void put(const char *p, const char *text)
{
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void stat_of(const char *p, struct stat *st)
{
    assert_int_equal(stat(p, st), 0);
}

/* Ensure the next change gets a different timestamp on file systems with
 * coarse times. */
static void later(void)
{
    usleep(20000);
}

static void test_changes(void **state)
{
    struct stat a, b;
    struct file_version v;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/f", dir);
    snprintf(other, sizeof(other), "%s/g", dir);
    put(path, "version one\n");
    stat_of(path, &a);
    stat_of(path, &b);
    assert_true(file_stat_same(&a, &b));
    file_version_of(&a, &v);
    assert_true(file_version_same(&v, &b));

    later(); /* same size, new bytes */
    put(path, "version two\n");
    stat_of(path, &b);
    assert_false(file_stat_same(&a, &b));

    later(); /* permissions only: ctime */
    stat_of(path, &a);
    assert_int_equal(chmod(path, 0600), 0);
    stat_of(path, &b);
    assert_false(file_stat_same(&a, &b));

    later(); /* mtime set back by hand (touch -d, tar -x): ctime still moves */
    stat_of(path, &a);
    struct timespec times[2] = {a.st_atim, a.st_mtim};
    later();
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
    stat_of(path, &b);
    assert_false(file_stat_same(&a, &b));

    /* replaced by a rename: another inode */
    stat_of(path, &a);
    put(other, "version two\n");
    assert_int_equal(rename(other, path), 0);
    stat_of(path, &b);
    assert_false(file_stat_same(&a, &b));

    later(); /* truncated */
    stat_of(path, &a);
    assert_int_equal(truncate(path, 3), 0);
    stat_of(path, &b);
    assert_false(file_stat_same(&a, &b));

    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
