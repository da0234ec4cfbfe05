/* filever.c - when a file has changed.
 *
 * Owns: the one comparison the open-file cache, the small-file copies and
 * the libmagic cache all use to decide that what they hold still describes
 * the file.  Pure. */
#include "filever.h"

void file_version_of(const struct stat *st, struct file_version *v)
{
    v->dev = st->st_dev;
    v->ino = st->st_ino;
    v->size = st->st_size;
    v->mode = st->st_mode;
    v->mtime = st->st_mtim;
    v->ctime = st->st_ctim;
}

bool file_version_same(const struct file_version *v, const struct stat *st)
{
    return v->dev == st->st_dev && v->ino == st->st_ino && v->size == st->st_size &&
           v->mode == st->st_mode && v->mtime.tv_sec == st->st_mtim.tv_sec &&
           v->mtime.tv_nsec == st->st_mtim.tv_nsec &&
           v->ctime.tv_sec == st->st_ctim.tv_sec &&
           v->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

bool file_stat_same(const struct stat *a, const struct stat *b)
{
    struct file_version v;
    file_version_of(a, &v);
    return file_version_same(&v, b);
}
