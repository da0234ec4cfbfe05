/* docroot.c - open files beneath the docroot.
 *
 * Owns: confinement on the file system.  Every open goes through openat2()
 * with RESOLVE_BENEATH from the docroot's directory fd, so the kernel refuses
 * any resolution that leaves it: "..", absolute symlinks and symlinks that
 * climb out, whatever path.c let through.  Where openat2() is missing (Linux
 * before 5.6, or valgrind, which does not know the call), docroot_probe()
 * says so, the server logs it, and opens go through the realpath() of the
 * request checked against the realpath() of the docroot instead.  Also owns
 * the errno -> status table.  Never reads file contents. */
#define _GNU_SOURCE
#include "docroot.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bounds.h"

static int openat2_beneath(int dirfd, const char *path, int flags)
{
    struct open_how how = {
        .flags = (unsigned long long)flags,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* Decided once by docroot_probe() before any worker starts. */
static int use_openat2 = 1;

int docroot_probe(void)
{
    int fd = openat2_beneath(AT_FDCWD, ".", O_PATH | O_CLOEXEC);
    if (fd < 0) {
        use_openat2 = 0;
        return errno;
    }
    close(fd);
    use_openat2 = 1;
    return 0;
}

void docroot_use_openat2(int on)
{
    use_openat2 = on;
}

/* The fallback: resolve root + "/" + rel with realpath() and open the result
 * only when it is the root or below it. */
static int open_by_realpath(int rootfd, const char *rel, int flags)
{
    char link[64], root[PATH_MAX], full[PATH_MAX], real[PATH_MAX];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", rootfd);
    ssize_t n = readlink(link, root, sizeof(root) - 1);
    if (n <= 0)
        return -1;
    root[n] = '\0';
    int len = snprintf(full, sizeof(full), "%s/%s", root, rel);
    if (len < 0 || (size_t)len >= sizeof(full)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (!realpath(full, real))
        return -1;
    size_t rn = (size_t)n;
    bool inside = !strncmp(real, root, rn) &&
                  (real[rn] == '\0' || real[rn] == '/' || (rn == 1 && root[0] == '/'));
    if (!inside) {
        errno = EXDEV;
        return -1;
    }
    return open(real, flags | O_NOFOLLOW);
}

int docroot_open_root(const char *path)
{
    return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

enum http_status docroot_status(int err)
{
    switch (err) {
    case ENOENT:
    case ENOTDIR:
    case EXDEV: /* resolution tried to leave the docroot */
    case ENAMETOOLONG:
        return HTTP_STATUS_NOT_FOUND;
    case EACCES:
    case EPERM:
    case ELOOP:
        return HTTP_STATUS_FORBIDDEN;
    case EMFILE:
    case ENFILE:
    case ENOMEM:
        return HTTP_STATUS_UNAVAILABLE;
    default:
        return HTTP_STATUS_INTERNAL;
    }
}

enum http_status docroot_open(int rootfd, const char *rel, int *fd, struct stat *st)
{
    int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
    int f = use_openat2 ? openat2_beneath(rootfd, rel, flags)
                        : open_by_realpath(rootfd, rel, flags);
    if (f < 0)
        return docroot_status(errno);
    if (fstat(f, st) != 0) {
        int e = errno;
        close(f);
        return docroot_status(e);
    }
    if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode)) {
        close(f);
        return HTTP_STATUS_FORBIDDEN;
    }
    *fd = f;
    return HTTP_STATUS_OK;
}

void docroot_list_free(struct dirlist *l)
{
    free(l->entries);
    free(l->names);
    memset(l, 0, sizeof(*l));
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

enum http_status docroot_list(int dir, int hide_dot, struct dirlist *out)
{
    size_t cap = 0, names_len = 0, names_cap = 0;
    size_t *offs = NULL; /* name offsets; pointers are fixed up at the end */
    int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    memset(out, 0, sizeof(*out));
    if (fd < 0)
        return docroot_status(errno);
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return docroot_status(errno);
    }
    enum http_status st = HTTP_STATUS_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
            (hide_dot && de->d_name[0] == '.'))
            continue;
        struct stat sb;
        if (fstatat(dirfd(d), de->d_name, &sb, 0) != 0)
            continue; /* vanished, or a dangling symlink: not listed */
        size_t len = strlen(de->d_name) + 1;
        if (out->n == MH_AUTOINDEX_ENTRIES_MAX) {
            st = HTTP_STATUS_INTERNAL;
            break;
        }
        size_t ocap = cap;
        if (grow((void **)&out->entries, &cap, out->n + 1, sizeof(*out->entries)) ||
            grow((void **)&offs, &ocap, out->n + 1, sizeof(*offs)) ||
            grow((void **)&out->names, &names_cap, names_len + len, 1)) {
            st = HTTP_STATUS_UNAVAILABLE;
            break;
        }
        memcpy(out->names + names_len, de->d_name, len);
        offs[out->n] = names_len;
        names_len += len;
        out->entries[out->n].is_dir = S_ISDIR(sb.st_mode);
        out->entries[out->n].size = (uint64_t)sb.st_size;
        out->entries[out->n].mtime = sb.st_mtime;
        out->n++;
    }
    closedir(d);
    for (size_t i = 0; i < out->n; i++)
        out->entries[i].name = out->names + offs[i];
    free(offs);
    if (st != HTTP_STATUS_OK)
        docroot_list_free(out);
    return st;
}
