/* reloadparse.c - parse the reload outcome file (reloadstate.h).
 *
 * Owns: the file's syntax on the reading side.  Pure: no I/O, no
 * allocation; in the core library so that unit tests link it alone. */
#include <stdint.h>
#include <string.h>

#include "reloadstate.h"

bool reloadstate_parse(const char *text, size_t len, uint64_t *gen, bool *ok, char *msg,
                       size_t cap)
{
    size_t i = 0;
    uint64_t g = 0;
    if (i == len || text[i] < '0' || text[i] > '9')
        return false;
    for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
        uint64_t d = (uint64_t)(text[i] - '0');
        if (g > (UINT64_MAX - d) / 10)
            return false;
        g = g * 10 + d;
    }
    static const char okw[] = " ok\n", failw[] = " failed\n";
    bool is_ok = len - i >= sizeof(okw) - 1 && !memcmp(text + i, okw, sizeof(okw) - 1);
    bool is_fail =
        len - i >= sizeof(failw) - 1 && !memcmp(text + i, failw, sizeof(failw) - 1);
    if (!is_ok && !is_fail)
        return false;
    i += is_ok ? sizeof(okw) - 1 : sizeof(failw) - 1;
    const char *nl = memchr(text + i, '\n', len - i);
    if (!nl)
        return false;
    size_t n = (size_t)(nl - (text + i));
    if (cap == 0)
        return false;
    if (n > cap - 1)
        n = cap - 1;
    memcpy(msg, text + i, n);
    msg[n] = '\0';
    *gen = g;
    *ok = is_ok;
    return true;
}
