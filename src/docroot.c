/* docroot.c - open files beneath the docroot.
 *
 * Owns: confinement on the file system.  Every open goes through openat2()
 * with RESOLVE_BENEATH from the docroot's directory fd, so the kernel refuses
 * any resolution that leaves it: "..", absolute symlinks and symlinks that
 * climb out, whatever path.c let through.  Where openat2() is missing (Linux
 * before 5.6, valgrind, which does not know the call, or a seccomp filter
 * such as systemd's RestrictSUIDSGID=yes, which makes it fail with ENOSYS),
 * docroot_probe() says so, the server logs it, and opens walk the path
 * instead, as RESOLVE_BENEATH does: one component at a time with openat()
 * from the docroot's fd, never following a symlink with the kernel but
 * reading it and resolving its target the same way (an absolute target and
 * a ".." above the docroot refused), never opening anything by an absolute
 * path; so a directory swapped for a symlink while a request is resolved
 * leads nowhere outside.  Also owns the errno -> status table, and which
 * entries a listing shows: only those a client could then fetch
 * (docroot_list() in docroot.h).  Never reads file contents. */
#define _GNU_SOURCE
#include "docroot.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
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

/* The fallback where openat2() is missing: what RESOLVE_BENEATH does, in
 * user space.  The directories passed through are a stack of O_PATH fds
 * from the docroot's (fds[0], the caller's) down, so ".." goes back to the
 * very directory it came from, and is refused at the docroot.  Each
 * component is opened with O_NOFOLLOW relative to the top of the stack:
 * a symlink yields an fd of the link itself, whose target is read from that
 * fd (not by name, which may have changed since) and put in front of the
 * rest of the path, to be walked from the directory the link is in.  What
 * is left to walk lies at the end of path[], so a target is put in front of
 * it without moving it. */
_Static_assert(MH_DOCROOT_WALK_PATH_MAX > PATH_MAX, "a request path fits the walk");

struct walk {
    int fds[MH_DOCROOT_DEPTH_MAX + 1]; /* fds[0]: the docroot, not ours */
    int depth;                         /* directories below it held */
    int links;                         /* symlinks followed */
    size_t at;                         /* where what is left starts in path */
    char path[MH_DOCROOT_WALK_PATH_MAX];
};

/* Follow the symlink lfd: its target goes in front of what is left (which
 * starts at w->at).  0 or an errno. */
static int walk_follow(struct walk *w, int lfd)
{
    char target[PATH_MAX];
    if (++w->links > MH_DOCROOT_SYMLINKS_MAX)
        return ELOOP;
    ssize_t n = readlinkat(lfd, "", target, sizeof(target));
    if (n < 0)
        return errno;
    if ((size_t)n == sizeof(target))
        return ENAMETOOLONG;
    if (n == 0)
        return ENOENT; /* as the kernel does for an empty target */
    if (target[0] == '/')
        return EXDEV; /* as RESOLVE_BENEATH does for an absolute target */
    if ((size_t)n > w->at)
        return ENAMETOOLONG;
    w->at -= (size_t)n;
    memcpy(w->path + w->at, target, (size_t)n);
    return 0;
}

/* Walk one component of what is left: 0 to go on, with *fd the file when
 * the last component was opened (with flags), or an errno. */
static int walk_step(struct walk *w, int flags, int *fd)
{
    int dir = w->fds[w->depth];
    const char *p = w->path + w->at;
    while (*p == '/')
        p++;
    size_t start = (size_t)(p - w->path), n = strcspn(p, "/");
    bool final = p[n] == '\0'; /* not before a '/': that needs a directory */
    char name[NAME_MAX + 1];
    struct stat st;
    w->at = start + n;
    if (n == 0) { /* all walked: the directory we are in */
        *fd = openat(dir, ".", flags);
        return *fd < 0 ? errno : 0;
    }
    if (n > NAME_MAX)
        return ENAMETOOLONG;
    memcpy(name, p, n);
    name[n] = '\0';
    if (!strcmp(name, "."))
        return 0;
    if (!strcmp(name, "..")) {
        if (w->depth == 0)
            return EXDEV; /* as RESOLVE_BENEATH: never above the docroot */
        close(w->fds[w->depth--]);
        return 0;
    }
    if (final) {
        *fd = openat(dir, name, flags | O_NOFOLLOW);
        if (*fd >= 0 || errno != ELOOP)
            return *fd < 0 ? errno : 0;
        /* a symlink: followed below, from an fd of the link itself */
    }
    int f = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (f < 0)
        return errno;
    int err = 0;
    if (fstat(f, &st) != 0)
        err = errno;
    else if (S_ISLNK(st.st_mode))
        err = walk_follow(w, f);
    else if (final) { /* a symlink a moment ago: again, at most as often as links */
        w->at = start;
        if (++w->links > MH_DOCROOT_SYMLINKS_MAX)
            err = ELOOP;
    } else if (!S_ISDIR(st.st_mode))
        err = ENOTDIR;
    else if (w->depth == MH_DOCROOT_DEPTH_MAX)
        err = ENAMETOOLONG;
    else {
        w->fds[++w->depth] = f;
        return 0;
    }
    close(f);
    return err;
}

/* Open rel beneath rootfd with flags, as openat2(RESOLVE_BENEATH) would:
 * the fd, or -1 with errno. */
static int open_by_walk(int rootfd, const char *rel, int flags)
{
    struct walk w;
    size_t len = strlen(rel);
    int fd = -1, err = 0;
    if (len == 0)
        err = ENOENT;
    else if (rel[0] == '/')
        err = EXDEV;
    else if (len >= PATH_MAX)
        err = ENAMETOOLONG;
    if (err) {
        errno = err;
        return -1;
    }
    w.fds[0] = rootfd;
    w.depth = 0;
    w.links = 0;
    w.at = sizeof(w.path) - 1 - len;
    memcpy(w.path + w.at, rel, len + 1);
    while (fd < 0 && !err)
        err = walk_step(&w, flags, &fd);
    while (w.depth > 0)
        close(w.fds[w.depth--]);
    if (fd < 0)
        errno = err;
    return fd;
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

/* openat2() with RESOLVE_BENEATH fails with EAGAIN when a rename anywhere
 * on the system raced with a ".." of the path (a symlink to "../x"): try
 * again, MH_OPENAT2_RETRIES times, then walk the path, which no rename
 * upsets and which confines as well.  Never a 500 for a busy machine. */
static int open_beneath(int rootfd, const char *rel, int flags)
{
    if (!use_openat2)
        return open_by_walk(rootfd, rel, flags);
    for (int i = 0; i < MH_OPENAT2_RETRIES; i++) {
        int f = openat2_beneath(rootfd, rel, flags);
        if (f >= 0 || errno != EAGAIN)
            return f;
    }
    return open_by_walk(rootfd, rel, flags);
}

enum http_status docroot_open(int rootfd, const char *rel, int *fd, struct stat *st)
{
    int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
    int f = open_beneath(rootfd, rel, flags);
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
