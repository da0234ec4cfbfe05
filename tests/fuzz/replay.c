/* replay.c - run a fuzz target's corpus without libFuzzer (any compiler).
 *
 * Usage: replay_<target> FILE|DIR...  Each file (and each file of each
 * directory, in name order, dotfiles skipped) is passed to
 * LLVMFuzzerTestOneInput() in a child process of its own, so a crash, a
 * failed invariant, a sanitizer report or a leak fails that file alone.
 * Prints cmocka-style lines ([ RUN ], [ OK ], [ FAILED ], [ PASSED ]) that
 * tests/summarize.py counts; exits 1 when any file failed. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz_common.h"

/* seconds: one input may take this long before it counts as a hang */
#define REPLAY_TIMEOUT 60

static unsigned run, failed;

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *data = NULL;
    size_t cap = 0, n = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            unsigned char *p = realloc(data, cap);
            if (!p) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = p;
        }
        size_t r = fread(data + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    /* an exact-size copy, so ASan sees reads past the input */
    unsigned char *exact = malloc(n ? n : 1);
    if (exact && n)
        memcpy(exact, data, n);
    free(data);
    *len = n;
    return exact;
}

/* "dir/name" with only the last directory of path, for short names. */
static const char *short_name(const char *path, char *out, size_t cap)
{
    const char *end = strrchr(path, '/');
    const char *start = path;
    if (end) {
        const char *p = end;
        while (p > path && p[-1] != '/')
            p--;
        start = p;
    }
    snprintf(out, cap, "%s", start);
    return out;
}

static void one(const char *path)
{
    char name[512];
    short_name(path, name, sizeof(name));
    printf("[ RUN      ] %s\n", name);
    fflush(stdout);
    run++;
    pid_t pid = fork();
    if (pid == 0) {
        size_t len = 0;
        unsigned char *data = slurp(path, &len);
        if (!data) {
            fprintf(stderr, "%s: %s\n", path, strerror(errno));
            _exit(2);
        }
        alarm(REPLAY_TIMEOUT);
        LLVMFuzzerTestOneInput(data, len);
        free(data);
        exit(0); /* exit(), not _exit(): LeakSanitizer checks at exit */
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
        WEXITSTATUS(st) != 0) {
        failed++;
        if (pid > 0 && WIFSIGNALED(st))
            fprintf(stderr, "%s: killed by signal %d%s\n", path, WTERMSIG(st),
                    WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
        else if (pid > 0 && WIFEXITED(st))
            fprintf(stderr, "%s: exit status %d\n", path, WEXITSTATUS(st));
        printf("[  FAILED  ] %s\n", name);
    } else {
        printf("[       OK ] %s\n", name);
    }
    fflush(stdout);
}

static int skip_dots(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    printf("[==========] Running %s\n", argv[0]);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            printf("[ RUN      ] %s\n[  FAILED  ] %s\n", argv[i], argv[i]);
            run++;
            failed++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            one(argv[i]);
            continue;
        }
        struct dirent **list;
        int n = scandir(argv[i], &list, skip_dots, alphasort);
        if (n < 0) {
            perror(argv[i]);
            printf("[ RUN      ] %s\n[  FAILED  ] %s\n", argv[i], argv[i]);
            run++;
            failed++;
            continue;
        }
        for (int k = 0; k < n; k++) {
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], list[k]->d_name);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
                one(path);
            free(list[k]);
        }
        free(list);
    }
    printf("[==========] %u test(s) run.\n", run);
    printf("[  PASSED  ] %u test(s).\n", run - failed);
    if (failed)
        printf("[  FAILED  ] %u test(s).\n", failed);
    return failed || !run ? 1 : 0;
}
