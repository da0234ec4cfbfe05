/* fuzz_common.h - what the fuzz targets share: the libFuzzer entry point,
 * an invariant check that survives NDEBUG, and a per-process scratch
 * directory removed at exit. */
#ifndef MH_FUZZ_COMMON_H
#define MH_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point each fuzz_<target>.c defines; replay.c calls it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with the failed condition: libFuzzer (and replay.c) report a crash. */
#define FUZZ_CHECK(cond)                                                               \
    do {                                                                               \
        if (!(cond))                                                                   \
            fuzz_fail(__FILE__, __LINE__, #cond);                                      \
    } while (0)

_Noreturn void fuzz_fail(const char *file, int line, const char *what);

/* A new directory under $TMPDIR (or /tmp), removed with all it holds when
 * the process exits normally.  Aborts when it cannot be made. */
const char *fuzz_tmpdir(const char *tag);

/* Write len bytes to path (created or truncated); aborts on error. */
void fuzz_write_file(const char *path, const void *data, size_t len);

#endif
