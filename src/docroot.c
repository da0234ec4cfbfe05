/* docroot.c - open files beneath the docroot.
 *
 * Owns: confinement on the file system.  Every open goes through openat2()
 * with RESOLVE_BENEATH from the docroot's directory fd, so the kernel refuses
 * any resolution that leaves it: "..", absolute symlinks and symlinks that
 * climb out, whatever path.c let through.  Where openat2() is missing (Linux
 * before 5.6, or valgrind, which does not know the call), docroot_probe()
 * says so, the server logs it, and opens go through the realpath() of the
 * request checked against the realpath() of the docroot instead.  Also owns
 * the errno -> status table, and which entries a listing shows: only those
 * a client could then fetch (docroot_list() in docroot.h).  Never reads file
 * contents. */
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
#include "buf.h"
#include "path.h"

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

/* A name a listing may show: one a request can name (path.c), not the
 * rules file, and with hide_dot not a dotfile. */
static bool listable_name(const char *name, int hide_dot)
{
    return path_name_servable(name, strlen(name)) && strcmp(name, "_redirects") != 0 &&
           !(hide_dot && name[0] == '.');
}

/* A symlink in the directory rel, as a client would get it: opened by
 * docroot_open(), so only when it resolves beneath the docroot to a regular
 * file or directory; *sb is then what it leads to.  A target that is not a
 * regular file or directory (FIFO, device), or missing, is refused by a
 * stat before anything is opened.  1 when it can be fetched, 0 when not,
 * -1 when out of fds or memory (the listing would be incomplete). */
static int link_fetchable(int rootfd, const char *rel, int dfd, const char *name,
                          struct stat *sb)
{
    char mem[PATH_MAX + NAME_MAX + 2];
    struct buf b;
    int fd;
    if (fstatat(dfd, name, sb, 0) != 0 ||
        !(S_ISREG(sb->st_mode) || S_ISDIR(sb->st_mode)))
        return 0; /* dangling, a loop, or leads to a FIFO or device */
    buf_init(&b, mem, sizeof(mem));
    if (strcmp(rel, ".") != 0) {
        buf_puts(&b, rel);
        buf_putc(&b, '/');
    }
    if (!buf_puts(&b, name)) /* longer than any path an open takes */
        return 0;
    enum http_status st = docroot_open(rootfd, mem, &fd, sb);
    if (st == HTTP_STATUS_UNAVAILABLE)
        return -1;
    if (st != HTTP_STATUS_OK)
        return 0; /* leads out of the docroot, or cannot be opened */
    close(fd);
    return 1;
}

/* Whether the entry `name` of the directory rel (open as dfd) can be
 * fetched, as link_fetchable(); *sb is then what a client gets (a symlink's
 * target). */
static int entry_fetchable(int rootfd, const char *rel, int dfd, const char *name,
                           struct stat *sb)
{
    if (fstatat(dfd, name, sb, AT_SYMLINK_NOFOLLOW) != 0)
        return 0; /* vanished */
    if (S_ISLNK(sb->st_mode))
        return link_fetchable(rootfd, rel, dfd, name, sb);
    return S_ISREG(sb->st_mode) || S_ISDIR(sb->st_mode);
}

/* The directory rel beneath rootfd, open for readdir(), or NULL with *st. */
static DIR *open_dir(int rootfd, const char *rel, enum http_status *st)
{
    int fd;
    struct stat sb;
    if ((*st = docroot_open(rootfd, rel, &fd, &sb)) != HTTP_STATUS_OK)
        return NULL;
    if (!S_ISDIR(sb.st_mode)) {
        close(fd);
        *st = docroot_status(ENOTDIR);
        return NULL;
    }
    DIR *d = fdopendir(fd);
    if (!d) {
        *st = docroot_status(errno);
        close(fd);
    }
    return d;
}

/* Growing arrays of a listing being read; offs[i] is entry i's name in
 * names until the end, when the pointers are set (names may move). */
struct list_build {
    struct dirlist *out;
    size_t cap, ocap, names_len, names_cap;
    size_t *offs;
};

/* Append one entry: 200, 500 past MH_AUTOINDEX_ENTRIES_MAX, 503 on ENOMEM. */
static enum http_status list_add(struct list_build *lb, const char *name,
                                 const struct stat *sb)
{
    struct dirlist *out = lb->out;
    size_t len = strlen(name) + 1;
    if (out->n == MH_AUTOINDEX_ENTRIES_MAX)
        return HTTP_STATUS_INTERNAL;
    if (grow((void **)&out->entries, &lb->cap, out->n + 1, sizeof(*out->entries)) ||
        grow((void **)&lb->offs, &lb->ocap, out->n + 1, sizeof(*lb->offs)) ||
        grow((void **)&out->names, &lb->names_cap, lb->names_len + len, 1))
        return HTTP_STATUS_UNAVAILABLE;
    memcpy(out->names + lb->names_len, name, len);
    lb->offs[out->n] = lb->names_len;
    lb->names_len += len;
    out->entries[out->n].is_dir = S_ISDIR(sb->st_mode);
    out->entries[out->n].size = (uint64_t)sb->st_size;
    out->entries[out->n].mtime = sb->st_mtime;
    out->n++;
    return HTTP_STATUS_OK;
}

enum http_status docroot_list(int rootfd, const char *rel, int hide_dot,
                              struct dirlist *out)
{
    struct list_build lb = {.out = out};
    enum http_status st;
    memset(out, 0, sizeof(*out));
    DIR *d = open_dir(rootfd, rel, &st);
    if (!d)
        return st;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        struct stat sb;
        if (!de) {
            if (errno)
                st = docroot_status(errno);
            break;
        }
        int ok = listable_name(de->d_name, hide_dot)
                     ? entry_fetchable(rootfd, rel, dirfd(d), de->d_name, &sb)
                     : 0;
        if (ok < 0)
            st = HTTP_STATUS_UNAVAILABLE;
        else if (ok)
            st = list_add(&lb, de->d_name, &sb);
        if (st != HTTP_STATUS_OK)
            break;
    }
    closedir(d);
    for (size_t i = 0; i < out->n; i++)
        out->entries[i].name = out->names + lb.offs[i];
    free(lb.offs);
    if (st != HTTP_STATUS_OK)
        docroot_list_free(out);
    return st;
}
