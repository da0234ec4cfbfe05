/* response.h - the head of an HTTP response: status line and headers. */
#ifndef MH_RESPONSE_H
#define MH_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* bytes kept in front of the headers for the status line:
 * "HTTP/1.1 NNN " + the longest reason phrase of status.c + CRLF. */
#define RESPONSE_LINE_MAX 64

/* A head being built in the caller's memory.  Headers are appended in the
 * order given; response_finish() puts the status line in front of them and
 * the empty line after, so the whole head is one contiguous run of bytes. */
struct response {
    char *mem;  /* the caller's buffer */
    size_t cap; /* its size, RESPONSE_LINE_MAX included */
    size_t len; /* bytes of header lines, from mem + RESPONSE_LINE_MAX */
    bool bad;   /* a header did not fit or was refused: the head is unusable */
};

/* cap must be more than RESPONSE_LINE_MAX + 2, else every head is bad. */
void response_init(struct response *r, char *mem, size_t cap);
/* Forget the headers, keep the memory. */
void response_reset(struct response *r);
/* Append "name: value\r\n".  A name that is not an RFC 9110 token, or a
 * value with CR or LF (which would split the head), is refused; so is one
 * that does not fit.  Either way `bad` is set and false returned. */
bool response_header(struct response *r, const char *name, const char *value);
/* The same with a decimal number as the value. */
bool response_header_u(struct response *r, const char *name, uint64_t value);
/* Header lines already formatted by response_header() into another
 * struct response (each "Name: value\r\n"), appended as they are. */
bool response_lines(struct response *r, const char *lines, size_t n);
/* Close the head: status line, headers, empty line.  Returns its first byte
 * and sets *len, or NULL when `bad` is set or the status line is too long. */
const char *response_finish(struct response *r, int status, const char *reason,
                            size_t *len);

#endif
