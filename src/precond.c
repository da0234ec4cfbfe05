/* precond.c - format validators (ETag, Last-Modified, Date).
 *
 * Owns: the byte-exact form of HTTP dates and entity tags.  Formats by hand
 * (no strftime) so the output never depends on the locale.  Pure. */
#include "precond.h"

#include "buf.h"

static const char wdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

int httpdate_format(time_t t, char out[HTTPDATE_LEN])
{
    struct tm tm;
    struct buf b;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0)
        return -1;
    buf_init(&b, out, HTTPDATE_LEN);
    buf_append(&b, wdays[tm.tm_wday], 3);
    buf_puts(&b, ", ");
    buf_putu(&b, (uint64_t)tm.tm_mday, 2);
    buf_putc(&b, ' ');
    buf_puts(&b, buf_month_name(tm.tm_mon));
    buf_putc(&b, ' ');
    buf_putu(&b, (uint64_t)tm.tm_year + 1900, 4);
    buf_putc(&b, ' ');
    buf_put_hms(&b, &tm, true);
    buf_puts(&b, " GMT");
    return b.overflow ? -1 : 0;
}

void etag_format(uint64_t ino, uint64_t size, int64_t mtime_sec, long mtime_nsec,
                 char out[ETAG_LEN])
{
    struct buf b;
    buf_init(&b, out, ETAG_LEN);
    buf_putc(&b, '"');
    buf_puthex(&b, ino);
    buf_putc(&b, '-');
    buf_puthex(&b, size);
    buf_putc(&b, '-');
    buf_puthex(&b, (uint64_t)mtime_sec * 1000000000u + (uint64_t)mtime_nsec);
    buf_putc(&b, '"');
}
