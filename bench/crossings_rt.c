/* crossings_rt.c - the run-time half of bench/crossings: a trace of every
 * call into and return from an instrumented function of minihttpd.
 *
 * Owns: __cyg_profile_func_enter/exit, which gcc -finstrument-functions calls
 * at the entry and exit of every function of src/ (bench/crossings builds the
 * server so).  Each thread keeps its own depth (the height of its shadow stack
 * of instrumented functions) and appends one 32-byte record per event to its
 * own buffer: CLOCK_MONOTONIC nanoseconds, the function's address, the call
 * site (the return address into the caller: inside the caller's body for a
 * direct call, elsewhere for a callback from libevent or libc), the depth
 * before the event, and the kind (0 enter, 1 exit, 2 header).  The buffer goes
 * to $MH_CROSSINGS_DIR/trace.PID.TID when full, when its thread ends and at
 * process exit.  The first record of a file is a header: the executable's load
 * address (dladdr) and the thread id, so the script can map addresses to the
 * symbols nm lists.  Without MH_CROSSINGS_DIR nothing is recorded.
 *
 * Never: instrumented itself (no_instrument_function throughout, and built
 * without -finstrument-functions), a call into minihttpd, a lock on the
 * recording path (one buffer per thread), output anywhere but that directory.
 * A measuring aid only: never linked into a shipped build.
 *
 *   cc -std=c11 -O2 -c bench/crossings_rt.c -o crossings_rt.o
 *   (bench/crossings compiles it and links it in with CMAKE_EXE_LINKER_FLAGS)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOINSTR __attribute__((no_instrument_function))

/* records per thread buffer: 128 KiB, one write() when full */
#define RT_RECORDS 4096

struct rec {
    uint64_t ns;    /* CLOCK_MONOTONIC */
    uint64_t fn;    /* the function entered or left (header: the load address) */
    uint64_t site;  /* its call site (header: the thread id) */
    uint32_t depth; /* instrumented frames on the thread's stack before the event */
    uint32_t kind;  /* 0 enter, 1 exit, 2 header */
};

struct tbuf {
    int fd; /* -1: not recording (no MH_CROSSINGS_DIR) */
    uint32_t depth;
    unsigned n;
    struct tbuf *next; /* every thread's buffer, for the flush at exit */
    struct rec r[RT_RECORDS];
};

static __thread struct tbuf *tb;
static __thread int in_setup;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tbuf *reg;
static pthread_key_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

void __cyg_profile_func_enter(void *fn, void *site) NOINSTR;
void __cyg_profile_func_exit(void *fn, void *site) NOINSTR;

static NOINSTR void flush(struct tbuf *b)
{
    size_t len = b->n * sizeof b->r[0], off = 0;
    while (b->fd >= 0 && off < len) {
        ssize_t w = write(b->fd, (const char *)b->r + off, len - off);
        if (w <= 0) {
            /* a trace with a hole would give a wrong count: stop here */
            static const char msg[] = "crossings_rt: write failed\n";
            (void)!write(2, msg, sizeof msg - 1);
            abort();
        }
        off += (size_t)w;
    }
    b->n = 0;
}

static NOINSTR void on_thread_end(void *arg)
{
    struct tbuf *b = arg;
    pthread_mutex_lock(&reg_lock);
    flush(b);
    pthread_mutex_unlock(&reg_lock);
}

static NOINSTR void make_key(void)
{
    (void)pthread_key_create(&key, on_thread_end);
}

static NOINSTR void put(struct tbuf *b, uint64_t fn, uint64_t site, uint32_t kind)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    struct rec *r = &b->r[b->n++];
    r->ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    r->fn = fn;
    r->site = site;
    r->depth = b->depth;
    r->kind = kind;
    if (b->n == RT_RECORDS) {
        pthread_mutex_lock(&reg_lock);
        flush(b);
        pthread_mutex_unlock(&reg_lock);
    }
}

/* The calling thread's buffer, made at its first event; NULL while it is
 * being made (calls made by the setup itself are not recorded). */
static NOINSTR struct tbuf *thread_buf(void *fn)
{
    if (tb || in_setup)
        return tb;
    in_setup = 1;
    struct tbuf *b = calloc(1, sizeof *b);
    if (!b)
        abort(); /* a trace with a hole would give a wrong count */
    b->fd = -1;
    const char *dir = getenv("MH_CROSSINGS_DIR");
    Dl_info info;
    if (dir && dladdr(fn, &info) && info.dli_fbase) {
        char path[PATH_MAX];
        int n = snprintf(path, sizeof path, "%s/trace.%ld.%ld", dir, (long)getpid(),
                         (long)gettid());
        if (n < 0 || (size_t)n >= sizeof path)
            abort();
        b->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (b->fd < 0) {
            perror(path);
            abort();
        }
        put(b, (uint64_t)(uintptr_t)info.dli_fbase, (uint64_t)gettid(), 2);
    }
    pthread_once(&key_once, make_key);
    (void)pthread_setspecific(key, b);
    pthread_mutex_lock(&reg_lock);
    b->next = reg;
    reg = b;
    pthread_mutex_unlock(&reg_lock);
    tb = b;
    in_setup = 0;
    return b;
}

void __cyg_profile_func_enter(void *fn, void *site)
{
    struct tbuf *b = thread_buf(fn);
    if (!b)
        return;
    if (b->fd >= 0)
        put(b, (uint64_t)(uintptr_t)fn, (uint64_t)(uintptr_t)site, 0);
    b->depth++;
}

void __cyg_profile_func_exit(void *fn, void *site)
{
    struct tbuf *b = tb;
    if (!b)
        return;
    if (b->depth)
        b->depth--;
    if (b->fd >= 0)
        put(b, (uint64_t)(uintptr_t)fn, (uint64_t)(uintptr_t)site, 1);
}

/* At exit: what every thread still holds (the main thread's above all). */
static NOINSTR __attribute__((destructor)) void flush_all(void)
{
    pthread_mutex_lock(&reg_lock);
    for (struct tbuf *b = reg; b; b = b->next)
        flush(b);
    pthread_mutex_unlock(&reg_lock);
}
