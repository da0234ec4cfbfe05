/* authcheck.c - verifying Basic credentials, off the event loop.
 *
 * Owns: the verifier threads (one per two CPUs, at most
 * MH_AUTH_THREADS_MAX, shared by the workers and started with the first),
 * their bounded queue (MH_AUTH_QUEUE_MAX), each worker's memory of
 * verified credentials and its view of the auth files.
 *
 * A credential is remembered by a SHA-256 of (a secret drawn at start, the
 * file, its version, user, password), never by the password; a
 * good one for MH_AUTH_CACHE_SEC, a wrong one for MH_AUTH_FAIL_CACHE_SEC.
 * An unknown user is hashed against another user's hash, so it costs what
 * a wrong password costs; hashes and keys are compared in constant time.
 * Never runs crypt_r() on an event loop, never touches a request: it
 * hands the pointer back through resume(). */
#define _GNU_SOURCE
#include "authcheck.h"

#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "htpasswd.h"
#include "log.h"

#define KEY_LEN 32 /* a cache key: SHA-256 */
#define SECRET_LEN                                                                     \
    16         /* its secret: 128 bits, so that a typical credential                   \
                  hashes in one SHA-256 block */
#define WAYS 4 /* the cache is MH_AUTH_CACHE_MAX / WAYS sets of WAYS */

/* A hash to spend the time of a check on when the user is unknown and
 * the file has no other (bcrypt, cost 10: htpasswd -B's default). */
static const char dummy_hash[] =
    "$2y$10$jSdlCtZgYYwK0n8VrHgGE.1VQtv4nLVbDSnPHb6BnKqVbhLVuyhLq";

struct job {
    struct auth_worker *w; /* whose inbox the result goes to */
    void *req;
    unsigned file, gen; /* the file version it was checked against */
    uint8_t key[KEY_LEN];
    char hash[MH_AUTH_HASH_MAX + 1];
    char pass[MH_AUTH_PASSWORD_MAX + 1];
    bool known; /* the user is in the file (else the result is no) */
    bool ok;
    struct job *next;
};

struct cached {
    uint8_t key[KEY_LEN];
    time_t until; /* 0: empty */
    time_t at;    /* when verified: the oldest of a set goes first */
    bool ok;
};

struct file_view {
    struct htpasswd *own; /* a copy newer than the config's, or NULL */
    struct stat sig;      /* the version in use */
    unsigned gen;         /* changes with it: part of every key */
    struct stat bad;      /* a version that failed to load (logged once) */
    bool missing_logged;  /* the file is gone: said once */
};

struct auth_worker {
    const struct mh_config *cfg;
    struct file_view files[MH_AUTH_FILES_MAX];
    struct cached cache[MH_AUTH_CACHE_MAX];
    EVP_MD_CTX *sha; /* SHA-256, set up once: a fetch and a context per key
                        would cost more than the hashing (bench/access) */
    EVP_MD *sha256;
    auth_resume_fn resume;
    void *arg;
    int efd;            /* eventfd: a result is in the inbox */
    struct event *wake; /* on it, on the worker's loop */
    struct job *done;   /* the inbox, under pool.lock */
    unsigned running;   /* its jobs being hashed now, under pool.lock */
};

/* The verifier threads and their queue: the one shared state. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t work, idle;
    struct job *head, *tail;
    unsigned queued, refs, n_threads;
    bool stop;
    pthread_t threads[MH_AUTH_THREADS_MAX];
    uint8_t secret[SECRET_LEN];
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER,
          .work = PTHREAD_COND_INITIALIZER,
          .idle = PTHREAD_COND_INITIALIZER};

/* What the workers have said about each auth file (by its index in
 * [access]): a missing or broken version is logged by the first worker to
 * see it, not once per worker. */
static struct {
    pthread_mutex_t lock;
    struct said {
        uint64_t path;   /* FNV-1a of the path: the same index may name
                            another file after a reload */
        int err;         /* errno of a failed stat(); 0: the version below */
        struct stat bad; /* a version that did not parse */
    } file[MH_AUTH_FILES_MAX];
} said = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t path_hash(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* --- the verifier threads --- */

/* The constant-time verdict of pass against hash. */
static bool verify(const char *pass, const char *hash, struct crypt_data *cd)
{
    memset(cd, 0, sizeof(*cd));
    const char *out = crypt_r(pass, hash, cd);
    size_t n = strlen(hash);
    bool ok =
        out && out[0] != '*' && strlen(out) == n && CRYPTO_memcmp(out, hash, n) == 0;
    explicit_bzero(cd, sizeof(*cd));
    return ok;
}

static void *verifier(void *arg)
{
    struct crypt_data *cd = arg;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (!pool.head && !pool.stop)
            pthread_cond_wait(&pool.work, &pool.lock);
        if (pool.stop)
            break;
        struct job *j = pool.head;
        pool.head = j->next;
        if (!pool.head)
            pool.tail = NULL;
        pool.queued--;
        j->w->running++;
        pthread_mutex_unlock(&pool.lock);
        bool ok = verify(j->pass, j->hash, cd);
        explicit_bzero(j->pass, sizeof(j->pass));
        j->ok = ok && j->known;
        pthread_mutex_lock(&pool.lock);
        struct auth_worker *w = j->w;
        j->next = w->done;
        w->done = j;
        w->running--;
        uint64_t one = 1;
        if (write(w->efd, &one, sizeof(one)) < 0) /* a full counter still wakes */
            (void)0;
        pthread_cond_broadcast(&pool.idle);
    }
    pthread_mutex_unlock(&pool.lock);
    free(cd);
    return NULL;
}

/* Start the threads with the first worker (under pool.lock). */
static bool pool_start(void)
{
    if (pool.refs++ > 0)
        return true;
    if (RAND_bytes(pool.secret, sizeof(pool.secret)) != 1) {
        log_msg(MH_LOG_ERROR, "authentication: no random bytes for the credential key");
        pool.refs--;
        return false;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned want = cpus > 1 ? (unsigned)(cpus / 2) : 1;
    if (want > MH_AUTH_THREADS_MAX)
        want = MH_AUTH_THREADS_MAX;
    pool.stop = false;
    for (pool.n_threads = 0; pool.n_threads < want; pool.n_threads++) {
        struct crypt_data *cd = calloc(1, sizeof(*cd));
        int e = cd ? pthread_create(&pool.threads[pool.n_threads], NULL, verifier, cd)
                   : ENOMEM;
        if (e) {
            free(cd);
            log_msg(MH_LOG_ERROR, "authentication: cannot start a verifier thread: %s",
                    strerror(e));
            break;
        }
    }
    if (pool.n_threads == 0) {
        pool.refs--;
        return false;
    }
    return true;
}

/* Stop them with the last (under pool.lock, which it drops and takes). */
static void pool_release(void)
{
    if (--pool.refs > 0)
        return;
    pool.stop = true;
    pthread_cond_broadcast(&pool.work);
    unsigned n = pool.n_threads;
    pool.n_threads = 0;
    pthread_mutex_unlock(&pool.lock);
    for (unsigned i = 0; i < n; i++)
        pthread_join(pool.threads[i], NULL);
    pthread_mutex_lock(&pool.lock);
    explicit_bzero(pool.secret, sizeof(pool.secret));
}

/* --- a worker's side --- */

static void on_wake(evutil_socket_t fd, short what, void *arg);

/* SHA-256, fetched once, and a context to hash with: false when OpenSSL
 * cannot (then w has neither). */
static bool new_sha(struct auth_worker *w)
{
    w->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    w->sha = w->sha256 ? EVP_MD_CTX_new() : NULL;
    if (w->sha)
        return true;
    EVP_MD_free(w->sha256);
    w->sha256 = NULL;
    return false;
}

struct auth_worker *auth_worker_new(struct event_base *base,
                                    const struct mh_config *cfg, auth_resume_fn resume,
                                    void *arg)
{
    struct auth_worker *w = calloc(1, sizeof(*w));
    if (!w) {
        log_msg(MH_LOG_ERROR, "authentication: out of memory");
        return NULL;
    }
    w->resume = resume;
    w->arg = arg;
    w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->efd >= 0)
        w->wake = event_new(base, w->efd, EV_READ | EV_PERSIST, on_wake, w);
    if (!w->wake || event_add(w->wake, NULL) != 0) {
        log_msg(MH_LOG_ERROR, "authentication: cannot make a wake-up event: %s",
                strerror(errno));
        if (w->wake)
            event_free(w->wake);
        if (w->efd >= 0)
            close(w->efd);
        free(w);
        return NULL;
    }
    pthread_mutex_lock(&pool.lock);
    bool started = pool_start();
    pthread_mutex_unlock(&pool.lock);
    bool hashing = started && new_sha(w);
    if (!hashing) {
        if (started) {
            log_msg(MH_LOG_ERROR, "authentication: cannot set up SHA-256");
            pthread_mutex_lock(&pool.lock);
            pool_release();
            pthread_mutex_unlock(&pool.lock);
        }
        event_free(w->wake);
        close(w->efd);
        free(w);
        return NULL;
    }
    auth_worker_use_config(w, cfg);
    return w;
}

static void free_jobs(struct job *j)
{
    while (j) {
        struct job *next = j->next;
        explicit_bzero(j, sizeof(*j));
        free(j);
        j = next;
    }
}

void auth_worker_free(struct auth_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&pool.lock);
    struct job **pp = &pool.head, *mine = NULL;
    pool.tail = NULL;
    while (*pp) { /* take w's jobs out of the queue */
        struct job *j = *pp;
        if (j->w == w) {
            *pp = j->next;
            j->next = mine;
            mine = j;
            pool.queued--;
        } else {
            pool.tail = j;
            pp = &j->next;
        }
    }
    while (w->running > 0) /* one being hashed comes back to w->done */
        pthread_cond_wait(&pool.idle, &pool.lock);
    free_jobs(w->done);
    w->done = NULL;
    pool_release();
    pthread_mutex_unlock(&pool.lock);
    free_jobs(mine);
    event_free(w->wake);
    close(w->efd);
    EVP_MD_CTX_free(w->sha);
    EVP_MD_free(w->sha256);
    for (unsigned i = 0; i < MH_AUTH_FILES_MAX; i++)
        htpasswd_free(w->files[i].own);
    explicit_bzero(w->cache, sizeof(w->cache));
    free(w);
}

void auth_worker_use_config(struct auth_worker *w, const struct mh_config *cfg)
{
    w->cfg = cfg;
    for (unsigned i = 0; i < MH_AUTH_FILES_MAX; i++) {
        struct file_view *f = &w->files[i];
        htpasswd_free(f->own);
        f->own = NULL;
        unsigned gen = f->gen + 1;
        memset(f, 0, sizeof(*f));
        f->gen = gen;
        if (i < cfg->access.n_auth)
            f->sig = cfg->auth_sig[i];
    }
    memset(w->cache, 0, sizeof(w->cache));
}

static bool same_version(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
           a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
           a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Whether this worker is the first to find auth file i (path) missing
 * (err) or in this broken version (bad, err 0); a good version (both NULL
 * and 0) clears what was said, so the next failure is said again. */
static bool first_to_say(unsigned i, const char *path, int err, const struct stat *bad)
{
    uint64_t h = path_hash(path);
    pthread_mutex_lock(&said.lock);
    struct said *f = &said.file[i];
    bool first = false;
    if (!err && !bad) {
        f->path = 0;
    } else if (f->path != h || f->err != err || (bad && !same_version(&f->bad, bad))) {
        f->path = h;
        f->err = err;
        if (bad)
            f->bad = *bad;
        first = true;
    }
    pthread_mutex_unlock(&said.lock);
    return first;
}

void auth_worker_tick(struct auth_worker *w, time_t now)
{
    (void)now;
    for (unsigned i = 0; i < w->cfg->access.n_auth; i++) {
        struct file_view *f = &w->files[i];
        const char *path = w->cfg->access.auth_files[i];
        struct stat st;
        if (stat(path, &st) != 0) {
            int e = errno;
            if (!f->missing_logged && first_to_say(i, path, e, NULL))
                log_msg(MH_LOG_ERROR, "%s: %s; still using the version read before",
                        path, strerror(e));
            f->missing_logged = true;
            continue;
        }
        if (f->missing_logged) /* back: its next absence is said again */
            first_to_say(i, path, 0, NULL);
        f->missing_logged = false;
        if (same_version(&st, &f->sig) || same_version(&st, &f->bad))
            continue;
        struct mh_error err;
        struct htpasswd *set = NULL;
        if (config_read_htpasswd(path, &set, &st, &err) != 0) {
            if (first_to_say(i, path, 0, &st))
                log_msg(MH_LOG_ERROR, "%s; still using the version read before",
                        err.msg);
            f->bad = st;
            continue;
        }
        first_to_say(i, path, 0, NULL);
        htpasswd_free(f->own);
        f->own = set;
        f->sig = st;
        memset(&f->bad, 0, sizeof(f->bad));
        f->gen++; /* what was verified against the old version is forgotten */
    }
}

static const struct htpasswd *file_set(const struct auth_worker *w, unsigned file)
{
    return w->files[file].own ? w->files[file].own : w->cfg->auth_sets[file];
}

/* The cache key of c for file: SHA-256 of the secret drawn at start, the
 * file and its version, the user and the password (a keyed hash: without
 * the secret it says nothing of the password).  False when hashing fails
 * (then nothing is remembered or looked up). */
static bool make_key(const struct auth_worker *w, unsigned file,
                     const struct basic_cred *c, uint8_t key[KEY_LEN])
{
    uint8_t msg[SECRET_LEN + 8 + MH_AUTH_USER_MAX + 1 + MH_AUTH_PASSWORD_MAX];
    uint32_t head[2] = {file, w->files[file].gen};
    size_t n = 0;
    memcpy(msg, pool.secret, SECRET_LEN);
    n += SECRET_LEN;
    memcpy(msg + n, head, sizeof(head));
    n += sizeof(head);
    memcpy(msg + n, c->user, c->user_len + 1); /* its NUL separates the two */
    n += c->user_len + 1;
    memcpy(msg + n, c->pass, c->pass_len);
    n += c->pass_len;
    unsigned len = 0;
    bool ok = EVP_DigestInit_ex2(w->sha, w->sha256, NULL) &&
              EVP_DigestUpdate(w->sha, msg, n) &&
              EVP_DigestFinal_ex(w->sha, key, &len) && len == KEY_LEN;
    explicit_bzero(msg, n);
    return ok;
}

static struct cached *cache_set(struct auth_worker *w, const uint8_t key[KEY_LEN])
{
    uint32_t h;
    memcpy(&h, key, sizeof(h));
    return &w->cache[(h % (MH_AUTH_CACHE_MAX / WAYS)) * WAYS];
}

static const struct cached *cache_find(struct auth_worker *w,
                                       const uint8_t key[KEY_LEN], time_t now)
{
    struct cached *set = cache_set(w, key);
    for (int i = 0; i < WAYS; i++)
        if (set[i].until > now && CRYPTO_memcmp(set[i].key, key, KEY_LEN) == 0)
            return &set[i];
    return NULL;
}

/* Remember key's verdict.  A wrong one never pushes out a good one (a storm
 * of guesses must not make the users' passwords be hashed again): it takes
 * an empty, expired or wrong slot, or is not kept. */
static void cache_put(struct auth_worker *w, const uint8_t key[KEY_LEN], bool ok,
                      time_t now)
{
    struct cached *set = cache_set(w, key), *victim = NULL;
    for (int i = 0; i < WAYS; i++) {
        struct cached *e = &set[i];
        if (e->until <= now || CRYPTO_memcmp(e->key, key, KEY_LEN) == 0) {
            victim = e;
            break;
        }
        if (!ok && e->ok)
            continue;
        if (!victim || (victim->ok && !e->ok) ||
            (victim->ok == e->ok && e->at < victim->at))
            victim = e; /* a wrong one first, then the oldest */
    }
    if (!victim)
        return;
    memcpy(victim->key, key, KEY_LEN);
    victim->ok = ok;
    victim->at = now;
    victim->until = now + (ok ? MH_AUTH_CACHE_SEC : MH_AUTH_FAIL_CACHE_SEC);
}

bool auth_known_good(struct auth_worker *w, unsigned file, const struct basic_cred *c,
                     time_t now)
{
    uint8_t key[KEY_LEN];
    const struct cached *e = make_key(w, file, c, key) ? cache_find(w, key, now) : NULL;
    return e && e->ok;
}

enum auth_verdict auth_check(struct auth_worker *w, unsigned file,
                             const struct basic_cred *c, time_t now, void *req)
{
    uint8_t key[KEY_LEN];
    if (!make_key(w, file, c, key)) {
        log_msg(MH_LOG_ERROR, "authentication: SHA-256 failed");
        return AUTH_BUSY;
    }
    const struct cached *e = cache_find(w, key, now);
    if (e)
        return e->ok ? AUTH_YES : AUTH_NO;
    const struct htpasswd *set = file_set(w, file);
    const struct htpw_entry *u = htpasswd_find(set, c->user, c->user_len);
    struct job *j = calloc(1, sizeof(*j));
    if (!j)
        return AUTH_BUSY;
    *j = (struct job){.w = w,
                      .req = req,
                      .file = file,
                      .gen = w->files[file].gen,
                      .known = u != NULL};
    memcpy(j->key, key, KEY_LEN);
    const char *hash = u ? u->hash : set->n ? set->e[0].hash : dummy_hash;
    memcpy(j->hash, hash, strlen(hash) + 1);
    memcpy(j->pass, c->pass, c->pass_len + 1);
    pthread_mutex_lock(&pool.lock);
    bool full = pool.queued >= MH_AUTH_QUEUE_MAX;
    if (!full) {
        if (pool.tail)
            pool.tail->next = j;
        else
            pool.head = j;
        pool.tail = j;
        pool.queued++;
        pthread_cond_signal(&pool.work);
    }
    pthread_mutex_unlock(&pool.lock);
    if (full) {
        explicit_bzero(j, sizeof(*j));
        free(j);
        return AUTH_BUSY;
    }
    return AUTH_PENDING;
}

/* Results in: remember each, then resume its request (the order matters:
 * the request, run again, finds its credential remembered). */
static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    struct auth_worker *w = arg;
    uint64_t n;
    (void)what;
    if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
        log_msg(MH_LOG_ERROR, "authentication: reading the wake-up: %s",
                strerror(errno));
    pthread_mutex_lock(&pool.lock);
    struct job *j = w->done;
    w->done = NULL;
    pthread_mutex_unlock(&pool.lock);
    time_t now = time(NULL);
    while (j) {
        struct job *next = j->next;
        if (j->gen == w->files[j->file].gen) /* else: checked against an old file */
            cache_put(w, j->key, j->ok, now);
        w->resume(j->req, w->arg);
        explicit_bzero(j, sizeof(*j));
        free(j);
        j = next;
    }
}
