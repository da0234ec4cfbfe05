/* zcache.c - the compressed-copy cache: a directory, an index, a queue
 * and a pool of compression threads.
 *
 * Owns: cache_dir and every file in it, the compression threads and their
 * queue.  A worker asks for the copy of one version of a file (zcache_get):
 * a copy that is ready is opened, checked against its trailer and handed
 * over as an fd (fcache.c keeps it); otherwise the version is queued once,
 * with its path, and the worker sends the file as it is.  The thread opens
 * the file beneath the docroot (docroot.c) and makes sure it is that
 * version.  A
 * thread compresses into a temporary file, appends the trailer (zentry.h),
 * checks that the file did not change meanwhile and renames the copy into
 * place, so a copy under its final name is always whole; then it removes
 * the least recently used copies past cache_size.  Copies found at start
 * are checked in full (their checksum) by a thread before first use.
 * Must never: block a worker on compression or on a thread (the lock is
 * held for index updates only, never across I/O), touch
 * libevent or evhttp, or serve a copy whose key or length is not checked. */
#define _GNU_SOURCE
#include "zcache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "bounds.h"
#include "buf.h"
#include "compress.h"
#include "docroot.h"
#include "encoding.h"
#include "filever.h"
#include "log.h"
#include "status.h"
#include "zentry.h"

/* One thing for a thread to do: make the copy of a version (the file rel
 * beneath the directory root, whose fstat was st), or check a copy found
 * at start.  A waiting job holds no fd: the thread opens the file itself,
 * confined to the docroot as a request's open is (docroot.c). */
struct zjob {
    struct zkey key;
    char *root, *rel; /* make: owned copies; check: NULL */
    struct stat st;
    bool check;
};

static void job_free(struct zjob *j)
{
    free(j->root);
    free(j->rel);
    j->root = j->rel = NULL;
}

/* The file of job, open, if it is still the version the job was made for:
 * its fd, or -1 with why. */
static int open_source(const struct zjob *job, char *why, size_t cap)
{
    struct stat now;
    int fd = -1;
    int root = docroot_open_root(job->root);
    if (root < 0) {
        snprintf(why, cap, "cannot open the docroot: %s", strerror(errno));
        return -1;
    }
    enum http_status st = docroot_open(root, job->rel, &fd, &now);
    close(root);
    if (st != HTTP_STATUS_OK) {
        snprintf(why, cap, "the file is gone (%d)", (int)st);
        return -1;
    }
    if (!S_ISREG(now.st_mode) || !file_stat_same(&job->st, &now)) {
        close(fd);
        snprintf(why, cap, "the file changed before it was compressed");
        return -1;
    }
    return fd;
}

struct zcache {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int dirfd;
    char dir[MH_FS_PATH_MAX];
    bool private_dir; /* made at start, removed at exit */
    uint64_t cap;
    struct zindex *idx;
    struct zjob queue[MH_ZCACHE_QUEUE_MAX];
    size_t qhead, qlen;
    pthread_t threads[MH_ZCACHE_THREADS];
    unsigned nthreads;
    bool stop;
    atomic_bool cancel;  /* stopping: a copy being made is given up */
    atomic_uint tmp_seq; /* temporary names */
    struct zcache_stats stats;
};

static void count(atomic_ullong *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static void key_of(const struct stat *st, int enc, struct zkey *k)
{
    memset(k, 0, sizeof(*k));
    k->dev = (uint64_t)st->st_dev;
    k->ino = (uint64_t)st->st_ino;
    k->size = (uint64_t)st->st_size;
    k->mtime_sec = (int64_t)st->st_mtim.tv_sec;
    k->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
    k->enc = (uint8_t)enc;
}

/* --- copies on disk --- */

/* Open the copy named for k and check its length and trailer: the fd
 * (with *st and *len, the coded bytes), or -1 when it is missing or not
 * k's whole copy. */
static int open_copy(const struct zcache *z, const struct zkey *k, struct stat *st,
                     uint64_t *len, uint32_t *crc)
{
    char name[ZKEY_NAME_MAX];
    unsigned char t[ZTRAILER_LEN];
    struct zkey got;
    if (zkey_name(k, name, sizeof(name)) != 0)
        return -1;
    int fd = openat(z->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_size < ZTRAILER_LEN ||
        pread(fd, t, sizeof(t), st->st_size - ZTRAILER_LEN) != ZTRAILER_LEN ||
        ztrailer_parse(t, sizeof(t), &got, len, crc) != ZTRAILER_OK ||
        !zkey_equal(&got, k) || *len != (uint64_t)st->st_size - ZTRAILER_LEN) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Whether the coded bytes of the copy open as fd have the checksum crc. */
static bool payload_ok(int fd, uint64_t len, uint32_t crc)
{
    unsigned char *buf = malloc(MH_COMPRESS_CHUNK);
    uLong c = crc32(0, NULL, 0);
    uint64_t off = 0;
    while (buf && off < len) {
        size_t want =
            len - off < MH_COMPRESS_CHUNK ? (size_t)(len - off) : MH_COMPRESS_CHUNK;
        ssize_t r = pread(fd, buf, want, (off_t)off);
        if (r <= 0)
            break;
        c = crc32(c, buf, (uInt)r);
        off += (uint64_t)r;
    }
    free(buf);
    return off == len && (uint32_t)c == crc;
}

static void unlink_key(const struct zcache *z, const struct zkey *k)
{
    char name[ZKEY_NAME_MAX];
    if (zkey_name(k, name, sizeof(name)) == 0)
        unlinkat(z->dirfd, name, 0);
}

/* With the lock held: take the copies past cache_size out of the index,
 * their keys into out (at most n); how many. */
static size_t take_victims(struct zcache *z, struct zkey *out, size_t n)
{
    size_t k = 0;
    struct zentry *e;
    while (k < n && (e = zindex_victim(z->idx))) {
        out[k++] = e->key;
        zindex_remove(z->idx, e);
        count(&z->stats.evicted);
    }
    atomic_store_explicit(&z->stats.bytes, zindex_bytes(z->idx), memory_order_relaxed);
    return k;
}

/* Remove copies until the cache is within cache_size (lock not held). */
static void evict(struct zcache *z)
{
    struct zkey victims[16];
    size_t n;
    do {
        pthread_mutex_lock(&z->mu);
        n = take_victims(z, victims, sizeof(victims) / sizeof(victims[0]));
        pthread_mutex_unlock(&z->mu);
        for (size_t i = 0; i < n; i++)
            unlink_key(z, &victims[i]);
    } while (n > 0);
}

/* --- the threads --- */

/* The entry for k settles: READY with bytes on disk, USELESS, or (forget)
 * gone from the index: a version whose file changed or vanished is not
 * kept, so such entries do not pile up over deploys. */
static void settle(struct zcache *z, const struct zkey *k, bool ready, uint64_t bytes,
                   bool forget)
{
    pthread_mutex_lock(&z->mu);
    struct zentry *e = zindex_find(z->idx, k);
    if (e && forget) {
        zindex_remove(z->idx, e);
    } else if (e) {
        e->queued = false;
        if (ready) {
            zindex_set_ready(z->idx, e, bytes);
            e->checked = true;
        } else {
            zindex_set_useless(z->idx, e);
        }
    }
    atomic_store_explicit(&z->stats.bytes, zindex_bytes(z->idx), memory_order_relaxed);
    pthread_mutex_unlock(&z->mu);
}

/* Make the copy of job's version. */
static void make(struct zcache *z, struct zjob *job)
{
    char tmp[64], name[ZKEY_NAME_MAX], why[256] = "";
    struct stat now;
    uint64_t len = 0;
    uint32_t crc = 0;
    bool kept = false, useless = false;
    int out = -1, in = -1;
    bool changed = false; /* the version is gone: nothing to say */
    snprintf(tmp, sizeof(tmp), ".tmp-%ld-%u", (long)getpid(),
             atomic_fetch_add(&z->tmp_seq, 1));
    if (zkey_name(&job->key, name, sizeof(name)) != 0)
        snprintf(why, sizeof(why), "bad key");
    else if ((in = open_source(job, why, sizeof(why))) < 0)
        changed = true; /* or gone: a new version comes with a new key */
    else if ((out = openat(z->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                           0640)) < 0)
        snprintf(why, sizeof(why), "cannot create %s in the cache directory: %s", tmp,
                 strerror(errno));
    else if (compress_fd(job->key.enc, in, job->key.size, out, &len, &crc, &z->cancel,
                         why, sizeof(why)) != 0)
        ; /* why says it */
    else if (fstat(in, &now) != 0 || !file_stat_same(&job->st, &now)) {
        snprintf(why, sizeof(why), "the file changed while it was compressed");
        changed = true;
    } else if (len >= job->key.size || len + ZTRAILER_LEN > z->cap)
        useless = true; /* no smaller, or larger than the whole cache */
    else {
        unsigned char t[ZTRAILER_LEN];
        ztrailer_format(&job->key, len, crc, t);
        ssize_t w = write(out, t, sizeof(t));
        if (w != (ssize_t)sizeof(t))
            snprintf(why, sizeof(why), "cannot write %s in the cache directory: %s",
                     tmp, w < 0 ? strerror(errno) : "short write");
        else if (renameat(z->dirfd, tmp, z->dirfd, name) != 0)
            snprintf(why, sizeof(why), "cannot rename %s in the cache directory: %s",
                     tmp, strerror(errno));
        else
            kept = true;
    }
    if (out >= 0) {
        close(out);
        if (!kept)
            unlinkat(z->dirfd, tmp, 0);
    }
    if (in >= 0)
        close(in);
    job_free(job);
    if (kept)
        count(&z->stats.made);
    else if (useless)
        count(&z->stats.useless);
    else if (atomic_load(&z->cancel)) {
        ; /* stopping: not a failure, and nothing to log */
    } else {
        count(&z->stats.failed);
        if (!changed)
            log_msg(MH_LOG_WARN, "no %s copy of inode %llu (%llu bytes): %s",
                    encoding_name(job->key.enc), (unsigned long long)job->key.ino,
                    (unsigned long long)job->key.size, why);
    }
    /* a version that failed otherwise is not tried again (its disk fails,
     * or the server is stopping) */
    settle(z, &job->key, kept, len + ZTRAILER_LEN, changed);
    if (kept)
        evict(z);
}

/* Check a copy found at start in full; remove it if it is damaged. */
static void check(struct zcache *z, struct zjob *job)
{
    struct stat st;
    uint64_t len;
    uint32_t crc;
    int fd = open_copy(z, &job->key, &st, &len, &crc);
    bool ok = fd >= 0 && payload_ok(fd, len, crc);
    if (fd >= 0)
        close(fd);
    pthread_mutex_lock(&z->mu);
    struct zentry *e = zindex_find(z->idx, &job->key);
    if (e) {
        e->queued = false;
        e->checked = ok;
        if (!ok)
            zindex_remove(z->idx, e);
    }
    atomic_store_explicit(&z->stats.bytes, zindex_bytes(z->idx), memory_order_relaxed);
    pthread_mutex_unlock(&z->mu);
    if (!ok) {
        count(&z->stats.corrupt);
        unlink_key(z, &job->key);
    }
}

static void *thread_main(void *arg)
{
    struct zcache *z = arg;
    pthread_mutex_lock(&z->mu);
    for (;;) {
        while (!z->stop && z->qlen == 0)
            pthread_cond_wait(&z->cv, &z->mu);
        if (z->stop)
            break;
        struct zjob job = z->queue[z->qhead];
        z->qhead = (z->qhead + 1) % MH_ZCACHE_QUEUE_MAX;
        z->qlen--;
        pthread_mutex_unlock(&z->mu);
        if (job.check)
            check(z, &job);
        else
            make(z, &job);
        pthread_mutex_lock(&z->mu);
    }
    pthread_mutex_unlock(&z->mu);
    return NULL;
}

/* With the lock held: queue job; false when the queue is full. */
static bool push(struct zcache *z, const struct zjob *job)
{
    if (z->qlen == MH_ZCACHE_QUEUE_MAX)
        return false;
    z->queue[(z->qhead + z->qlen) % MH_ZCACHE_QUEUE_MAX] = *job;
    z->qlen++;
    pthread_cond_signal(&z->cv);
    return true;
}

/* --- the workers' side --- */

/* With the lock held: a job for k, a new version of the file rel beneath
 * root (st its fstat). */
static enum zcache_answer queue_make(struct zcache *z, const struct zkey *k,
                                     const char *root, const char *rel,
                                     const struct stat *st)
{
    if (z->qlen == MH_ZCACHE_QUEUE_MAX) {
        count(&z->stats.dropped);
        return ZCACHE_NONE;
    }
    struct zjob job = {.key = *k, .st = *st, .check = false};
    job.root = strdup(root);
    job.rel = strdup(rel);
    struct zentry *e =
        job.root && job.rel ? zindex_add(z->idx, k, ZSTATE_PENDING, 0) : NULL;
    if (!e) { /* out of memory, or MH_ZCACHE_ENTRIES_MAX versions known */
        job_free(&job);
        return ZCACHE_NONE;
    }
    push(z, &job);
    e->queued = true;
    count(&z->stats.queued);
    return ZCACHE_PENDING;
}

enum zcache_answer zcache_get(struct zcache *z, const char *root, const char *rel,
                              const struct stat *st, int enc, int *copy_fd,
                              struct stat *copy_st, uint64_t *len)
{
    struct zkey k;
    key_of(st, enc, &k);
    pthread_mutex_lock(&z->mu);
    struct zentry *e = zindex_find(z->idx, &k);
    enum zcache_answer a = ZCACHE_NONE;
    bool ready = false;
    if (!e)
        a = queue_make(z, &k, root, rel, st);
    else if (e->state == ZSTATE_PENDING)
        a = ZCACHE_PENDING;
    else if (e->state == ZSTATE_READY && !e->checked) {
        struct zjob job = {.key = k, .check = true};
        if (!e->queued && push(z, &job))
            e->queued = true;
        a = ZCACHE_PENDING;
    } else if (e->state == ZSTATE_READY) {
        zindex_touch(z->idx, e);
        ready = true;
    }
    pthread_mutex_unlock(&z->mu);
    if (!ready)
        return a;
    uint32_t crc;
    *copy_fd = open_copy(z, &k, copy_st, len, &crc);
    if (*copy_fd >= 0)
        return ZCACHE_READY;
    /* gone or damaged since it was checked: forget it, make it again */
    pthread_mutex_lock(&z->mu);
    e = zindex_find(z->idx, &k);
    if (e && e->state == ZSTATE_READY) {
        zindex_remove(z->idx, e);
        count(&z->stats.corrupt);
    }
    pthread_mutex_unlock(&z->mu);
    unlink_key(z, &k);
    return ZCACHE_NONE;
}

void zcache_touch(struct zcache *z, const struct stat *st, int enc)
{
    struct zkey k;
    key_of(st, enc, &k);
    pthread_mutex_lock(&z->mu);
    struct zentry *e = zindex_find(z->idx, &k);
    if (e)
        zindex_touch(z->idx, e);
    pthread_mutex_unlock(&z->mu);
}

const char *zcache_dir(const struct zcache *z)
{
    return z->dir;
}

const struct zcache_stats *zcache_stats(const struct zcache *z)
{
    return &z->stats;
}

/* --- start and stop --- */

/* A copy found on disk at start. */
struct found {
    struct zkey key;
    uint64_t bytes;
    struct timespec mtime;
};

static int by_mtime(const void *a, const void *b)
{
    const struct found *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1
                                               : x->mtime.tv_nsec > y->mtime.tv_nsec;
}

/* Index the copies in the directory, oldest first (the newest are evicted
 * last); remove temporary files nobody has written for
 * MH_ZCACHE_TEMP_STALE_SEC (another minihttpd on the same directory, an
 * old one handing over, may be writing the newer ones) and copies whose
 * length or trailer is wrong.  Files of other names are left alone. */
static int scan(struct zcache *z)
{
    int dfd = openat(z->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return -1;
    }
    size_t n = 0, cap = 0;
    struct found *all = NULL;
    struct dirent *de;
    while ((de = readdir(d))) {
        struct zkey k;
        enum zname_result r = zkey_parse_name(de->d_name, strlen(de->d_name), &k);
        if (r == ZNAME_TEMP) { /* left by a crash; not another server's */
            struct stat tst;
            if (fstatat(z->dirfd, de->d_name, &tst, AT_SYMLINK_NOFOLLOW) == 0 &&
                tst.st_mtime + MH_ZCACHE_TEMP_STALE_SEC < time(NULL))
                unlinkat(z->dirfd, de->d_name, 0);
            continue;
        }
        if (r != ZNAME_OK)
            continue;
        struct stat st;
        uint64_t len;
        uint32_t crc;
        int fd = open_copy(z, &k, &st, &len, &crc);
        if (fd < 0) {
            count(&z->stats.corrupt);
            unlinkat(z->dirfd, de->d_name, 0);
            continue;
        }
        close(fd);
        if (n == MH_ZCACHE_ENTRIES_MAX) { /* more than we track: not kept */
            unlinkat(z->dirfd, de->d_name, 0);
            continue;
        }
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 256;
            struct found *m = realloc(all, ncap * sizeof(*all));
            if (!m)
                break;
            all = m;
            cap = ncap;
        }
        all[n++] = (struct found){k, (uint64_t)st.st_size, st.st_mtim};
    }
    closedir(d);
    if (n)
        qsort(all, n, sizeof(*all), by_mtime);
    for (size_t i = 0; i < n; i++)
        if (zindex_add(z->idx, &all[i].key, ZSTATE_READY, all[i].bytes))
            count(&z->stats.found);
    free(all);
    evict(z);
    return 0;
}

/* Whether this process can create files in the directory. */
static int probe_writable(struct zcache *z)
{
    char tmp[64];
    snprintf(tmp, sizeof(tmp), ".tmp-%ld-probe", (long)getpid());
    int fd = openat(z->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    close(fd);
    unlinkat(z->dirfd, tmp, 0);
    return 0;
}

/* Open (making it when missing) the directory; 0, or -1 with err. */
static int open_dir(struct zcache *z, const struct mh_config *cfg, struct mh_error *err)
{
    char where[MH_ERROR_MAX / 2], d[MH_ERROR_MAX / 4];
    if (!cfg->cache_dir[0]) {
        const char *tmpdir = getenv("TMPDIR");
        if (!tmpdir || tmpdir[0] != '/')
            tmpdir = "/tmp";
        struct buf b;
        buf_init(&b, z->dir, sizeof(z->dir));
        buf_puts(&b, tmpdir);
        buf_puts(&b, "/minihttpd-XXXXXX");
        if (b.overflow || !mkdtemp(z->dir)) {
            int e = b.overflow ? ENAMETOOLONG : errno;
            mh_error_set(err, "minihttpd: cannot create a cache directory in %s: %s",
                         buf_escape_str(d, sizeof(d), tmpdir), strerror(e));
            return -1;
        }
        z->private_dir = true;
    } else {
        snprintf(z->dir, sizeof(z->dir), "%s", cfg->cache_dir);
        if (mkdir(z->dir, 0750) != 0 && errno != EEXIST) {
            int e = errno;
            config_cache_dir_where(cfg, where, sizeof(where));
            mh_error_set(err, "%s = %s: cannot create it: %s", where,
                         buf_escape_str(d, sizeof(d), z->dir), strerror(e));
            return -1;
        }
    }
    z->dirfd = open(z->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (z->dirfd < 0 || probe_writable(z) != 0) {
        int e = errno;
        config_cache_dir_where(cfg, where, sizeof(where));
        mh_error_set(err, "%s = %s: %s%s", where, buf_escape_str(d, sizeof(d), z->dir),
                     strerror(e),
                     geteuid() == getuid() ? "" : " (as the server's user)");
        return -1;
    }
    return 0;
}

struct zcache *zcache_open(const struct mh_config *cfg, struct mh_error *err)
{
    struct zcache *z = calloc(1, sizeof(*z));
    if (!z) {
        mh_error_set(err, "minihttpd: out of memory");
        return NULL;
    }
    z->dirfd = -1;
    z->cap = cfg->cache_size;
    atomic_init(&z->cancel, false);
    atomic_init(&z->tmp_seq, 0);
    pthread_mutex_init(&z->mu, NULL);
    pthread_cond_init(&z->cv, NULL);
    z->idx = zindex_new(z->cap, MH_ZCACHE_ENTRIES_MAX);
    if (!z->idx) {
        mh_error_set(err, "minihttpd: out of memory");
        zcache_free(z);
        return NULL;
    }
    if (open_dir(z, cfg, err) != 0) {
        zcache_free(z);
        return NULL;
    }
    if (scan(z) != 0) {
        char where[MH_ERROR_MAX / 2], d[MH_ERROR_MAX / 4];
        config_cache_dir_where(cfg, where, sizeof(where));
        mh_error_set(err, "%s = %s: cannot read it: %s", where,
                     buf_escape_str(d, sizeof(d), z->dir), strerror(errno));
        zcache_free(z);
        return NULL;
    }
    for (unsigned i = 0; i < MH_ZCACHE_THREADS; i++) {
        if (pthread_create(&z->threads[i], NULL, thread_main, z) != 0) {
            mh_error_set(err, "minihttpd: cannot start a compression thread");
            zcache_free(z);
            return NULL;
        }
        z->nthreads++;
    }
    return z;
}

/* Remove a private directory and what is in it. */
static void remove_private(struct zcache *z)
{
    int dfd = openat(z->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            unlinkat(z->dirfd, de->d_name, 0);
    if (d)
        closedir(d);
    else if (dfd >= 0)
        close(dfd);
    if (rmdir(z->dir) != 0)
        log_msg(MH_LOG_WARN, "cannot remove the cache directory %s: %s", z->dir,
                strerror(errno));
}

void zcache_free(struct zcache *z)
{
    if (!z)
        return;
    atomic_store(&z->cancel, true); /* a big file would hold the exit */
    pthread_mutex_lock(&z->mu);
    z->stop = true;
    pthread_cond_broadcast(&z->cv);
    pthread_mutex_unlock(&z->mu);
    for (unsigned i = 0; i < z->nthreads; i++)
        pthread_join(z->threads[i], NULL);
    for (size_t i = 0; i < z->qlen; i++)
        job_free(&z->queue[(z->qhead + i) % MH_ZCACHE_QUEUE_MAX]);
    if (z->dirfd >= 0) {
        if (z->private_dir)
            remove_private(z);
        close(z->dirfd);
    }
    zindex_free(z->idx);
    pthread_cond_destroy(&z->cv);
    pthread_mutex_destroy(&z->mu);
    free(z);
}
