/* fuzz_common.c - helpers shared by the fuzz targets (see fuzz_common.h). */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
    abort();
}

static char tmp_path[4096];
static pid_t tmp_owner;

static int remove_one(const char *path, const struct stat *st, int type,
                      struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_tmpdir(void)
{
    if (tmp_path[0] && getpid() == tmp_owner) /* not from a fork()ed child */
        nftw(tmp_path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_tmpdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    if (!base || !base[0])
        base = "/tmp";
    snprintf(tmp_path, sizeof(tmp_path), "%s/mh-fuzz-%s.XXXXXX", base, tag);
    if (!mkdtemp(tmp_path)) {
        perror(tmp_path);
        abort();
    }
    tmp_owner = getpid();
    atexit(remove_tmpdir);
    return tmp_path;
}

void fuzz_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}
