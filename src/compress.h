/* compress.h - gzip, brotli and zstd from one file to another. */
#ifndef MH_COMPRESS_H
#define MH_COMPRESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The levels a copy of a file of `size` bytes is made with (bounds.h's
 * MH_COMPRESS_* tiers): near the best ratio, yet a file of
 * MH_COMPRESS_READY_SIZE bytes is done within MH_COMPRESS_READY_SEC on one
 * core. */
struct compress_level {
    int level;  /* zlib 1..9, brotli quality 0..11, zstd 1..19 */
    int window; /* brotli: log2 of the window; else 0 (the coding's default) */
};
struct compress_level compress_level_for(int enc, uint64_t size);

/* Compress the first `size` bytes of in_fd (read with pread(), so the
 * offset of a shared fd is not moved) in coding enc (ENC_I_*) and append
 * them to out_fd, in bounded memory (buffers of MH_COMPRESS_CHUNK bytes
 * plus the encoder's own state).  0 with *out_len and *crc (zlib's CRC-32
 * of the bytes written), or -1 with why (cap bytes) saying what failed:
 * the file shrank, a read or write error, the encoder, or *cancel set
 * (checked before each chunk is read: the server is stopping). */
int compress_fd(int enc, int in_fd, uint64_t size, int out_fd, uint64_t *out_len,
                uint32_t *crc, const atomic_bool *cancel, char *why, size_t cap);

#endif
