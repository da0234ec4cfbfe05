/* compress.c - the three encoders, from an fd to an fd.
 *
 * Owns: zlib (gzip), libbrotlienc and libzstd, and the levels a copy is
 * made with.  Streams: reads MH_COMPRESS_CHUNK bytes at a time with
 * pread(), writes what the encoder gives, so memory stays bounded whatever
 * the file's size.  Runs on the compression threads only (zcache.c): it
 * must never run on an event loop, and it never touches libevent, never
 * logs (errors go back as text) and keeps no state between calls. */
#define _GNU_SOURCE
#include "compress.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include "bounds.h"
#include "encoding.h"

struct compress_level compress_level_for(int enc, uint64_t size)
{
    struct compress_level l = {0, 0};
    switch (enc) {
    case ENC_I_GZIP:
        l.level = MH_COMPRESS_GZIP_LEVEL;
        break;
    case ENC_I_BR:
        if (size <= MH_COMPRESS_SMALL) {
            l.level = MH_COMPRESS_BR_SMALL_QUALITY;
            l.window = MH_COMPRESS_BR_SMALL_WINDOW;
        } else if (size <= MH_COMPRESS_MEDIUM) {
            l.level = MH_COMPRESS_BR_MEDIUM_QUALITY;
            l.window = MH_COMPRESS_BR_MEDIUM_WINDOW;
        } else {
            l.level = MH_COMPRESS_BR_LARGE_QUALITY;
            l.window = MH_COMPRESS_BR_LARGE_WINDOW;
        }
        break;
    case ENC_I_ZSTD:
        l.level = size <= MH_COMPRESS_MEDIUM ? MH_COMPRESS_ZSTD_LEVEL
                                             : MH_COMPRESS_ZSTD_LARGE_LEVEL;
        break;
    }
    return l;
}

/* The state of one compression: the source, the sink, the buffers. */
struct job {
    int in_fd, out_fd;
    uint64_t size, done, out_len;
    uint32_t crc;
    unsigned char *in, *out;
    const atomic_bool *cancel;
    char *why;
    size_t why_cap;
};

static int fail(struct job *j, const char *what, const char *detail)
{
    snprintf(j->why, j->why_cap, "%s%s%s", what, detail ? ": " : "",
             detail ? detail : "");
    return -1;
}

/* The next chunk of the source into j->in: its length (0 at the end), or
 * -1 (the file shrank, or a read error). */
static ssize_t next_chunk(struct job *j)
{
    if (j->cancel && atomic_load_explicit(j->cancel, memory_order_relaxed))
        return fail(j, "the server is stopping", NULL);
    uint64_t left = j->size - j->done;
    size_t want = left < MH_COMPRESS_CHUNK ? (size_t)left : MH_COMPRESS_CHUNK;
    size_t got = 0;
    while (got < want) {
        ssize_t r = pread(j->in_fd, j->in + got, want - got, (off_t)(j->done + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return fail(j, "cannot read the file", strerror(errno));
        if (r == 0)
            return fail(j, "the file shrank while it was compressed", NULL);
        got += (size_t)r;
    }
    j->done += got;
    return (ssize_t)got;
}

static int put(struct job *j, const unsigned char *p, size_t n)
{
    j->crc = (uint32_t)crc32(j->crc, p, (uInt)n);
    j->out_len += n;
    while (n > 0) {
        ssize_t w = write(j->out_fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return fail(j, "cannot write the copy", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int run_gzip(struct job *j, struct compress_level l)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    /* windowBits 15 + 16: a gzip header and trailer; memLevel 9 as gzip -9 */
    if (deflateInit2(&z, l.level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return fail(j, "zlib", "cannot initialise");
    int rc = 0, flush = Z_NO_FLUSH;
    while (rc == 0) {
        if (z.avail_in == 0 && flush != Z_FINISH) {
            ssize_t n = next_chunk(j);
            if (n < 0) {
                rc = -1;
                break;
            }
            z.next_in = j->in;
            z.avail_in = (uInt)n;
            if (j->done == j->size)
                flush = Z_FINISH;
        }
        z.next_out = j->out;
        z.avail_out = MH_COMPRESS_CHUNK;
        int r = deflate(&z, flush);
        if (r == Z_STREAM_ERROR) {
            rc = fail(j, "zlib", "stream error");
            break;
        }
        if (put(j, j->out, MH_COMPRESS_CHUNK - z.avail_out) != 0)
            rc = -1;
        else if (r == Z_STREAM_END)
            break;
    }
    deflateEnd(&z);
    return rc;
}

static int run_brotli(struct job *j, struct compress_level l)
{
    BrotliEncoderState *s = BrotliEncoderCreateInstance(NULL, NULL, NULL);
    if (!s)
        return fail(j, "brotli", "out of memory");
    BrotliEncoderSetParameter(s, BROTLI_PARAM_QUALITY, (uint32_t)l.level);
    BrotliEncoderSetParameter(s, BROTLI_PARAM_LGWIN, (uint32_t)l.window);
    BrotliEncoderSetParameter(s, BROTLI_PARAM_SIZE_HINT,
                              j->size > (1u << 30) ? (1u << 30) : (uint32_t)j->size);
    int rc = 0;
    size_t avail_in = 0;
    const uint8_t *next_in = NULL;
    BrotliEncoderOperation op = BROTLI_OPERATION_PROCESS;
    while (rc == 0) {
        if (avail_in == 0 && op != BROTLI_OPERATION_FINISH) {
            ssize_t n = next_chunk(j);
            if (n < 0) {
                rc = -1;
                break;
            }
            next_in = j->in;
            avail_in = (size_t)n;
            if (j->done == j->size)
                op = BROTLI_OPERATION_FINISH;
        }
        size_t avail_out = MH_COMPRESS_CHUNK;
        uint8_t *next_out = j->out;
        if (!BrotliEncoderCompressStream(s, op, &avail_in, &next_in, &avail_out,
                                         &next_out, NULL)) {
            rc = fail(j, "brotli", "encoder error");
            break;
        }
        if (put(j, j->out, MH_COMPRESS_CHUNK - avail_out) != 0)
            rc = -1;
        else if (op == BROTLI_OPERATION_FINISH && BrotliEncoderIsFinished(s))
            break;
    }
    BrotliEncoderDestroyInstance(s);
    return rc;
}

static int run_zstd(struct job *j, struct compress_level l)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    if (!c)
        return fail(j, "zstd", "out of memory");
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, l.level);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setPledgedSrcSize(c, j->size);
    int rc = 0;
    ZSTD_inBuffer in = {NULL, 0, 0};
    ZSTD_EndDirective mode = ZSTD_e_continue;
    while (rc == 0) {
        if (in.pos == in.size && mode != ZSTD_e_end) {
            ssize_t n = next_chunk(j);
            if (n < 0) {
                rc = -1;
                break;
            }
            in = (ZSTD_inBuffer){j->in, (size_t)n, 0};
            if (j->done == j->size)
                mode = ZSTD_e_end;
        }
        ZSTD_outBuffer out = {j->out, MH_COMPRESS_CHUNK, 0};
        size_t r = ZSTD_compressStream2(c, &out, &in, mode);
        if (ZSTD_isError(r)) {
            rc = fail(j, "zstd", ZSTD_getErrorName(r));
            break;
        }
        if (put(j, j->out, out.pos) != 0)
            rc = -1;
        else if (mode == ZSTD_e_end && r == 0)
            break;
    }
    ZSTD_freeCCtx(c);
    return rc;
}

int compress_fd(int enc, int in_fd, uint64_t size, int out_fd, uint64_t *out_len,
                uint32_t *crc, const atomic_bool *cancel, char *why, size_t cap)
{
    struct job j = {.in_fd = in_fd,
                    .out_fd = out_fd,
                    .size = size,
                    .crc = (uint32_t)crc32(0, NULL, 0),
                    .in = malloc(MH_COMPRESS_CHUNK),
                    .out = malloc(MH_COMPRESS_CHUNK),
                    .cancel = cancel,
                    .why = why,
                    .why_cap = cap};
    int rc;
    struct compress_level l = compress_level_for(enc, size);
    if (!j.in || !j.out)
        rc = fail(&j, "out of memory", NULL);
    else if (enc == ENC_I_GZIP)
        rc = run_gzip(&j, l);
    else if (enc == ENC_I_BR)
        rc = run_brotli(&j, l);
    else if (enc == ENC_I_ZSTD)
        rc = run_zstd(&j, l);
    else
        rc = fail(&j, "unknown coding", NULL);
    free(j.in);
    free(j.out);
    if (rc == 0) {
        *out_len = j.out_len;
        *crc = j.crc;
    }
    return rc;
}
