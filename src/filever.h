/* filever.h - what "the same version of a file" means. */
#ifndef MH_FILEVER_H
#define MH_FILEVER_H

#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

/* The fields of a struct stat that tell one version of a file from
 * another. */
struct file_version {
    dev_t dev;
    ino_t ino;
    off_t size;
    mode_t mode;
    struct timespec mtime, ctime;
};

void file_version_of(const struct stat *st, struct file_version *v);

/* Same file (device, inode), same type and permissions, same size, and
 * neither its contents (mtime) nor its inode (ctime: chmod, link count,
 * a write that kept mtime) touched since, to the nanosecond. */
bool file_version_same(const struct file_version *v, const struct stat *st);

/* The same for two stats. */
bool file_stat_same(const struct stat *a, const struct stat *b);

#endif
