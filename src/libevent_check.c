/* libevent_check.c - the libevent we run with is one the code was checked on.
 *
 * Owns: the supported range of libevent versions (libevent_check.h) and the
 * message that names it.  main() calls libevent_check() before anything
 * else touches libevent; the range and its reasons are in docs/libevent.md,
 * and CMakeLists.txt asks pkg-config for the same range. */
#include "libevent_check.h"

#include <stdio.h>

#include <event2/event.h>

#if LIBEVENT_VERSION_NUMBER < MH_LIBEVENT_FIRST ||                                     \
    LIBEVENT_VERSION_NUMBER >= MH_LIBEVENT_END
#error "libevent headers outside 2.1.12 to 2.1.x: see docs/libevent.md"
#endif

int libevent_check_version(uint32_t number, const char *name, struct mh_error *err)
{
    if (number >= MH_LIBEVENT_FIRST && number < MH_LIBEVENT_END)
        return 0;
    snprintf(err->msg, sizeof(err->msg),
             "minihttpd: libevent %.64s is not supported: built for " MH_LIBEVENT_RANGE
             " (see docs/libevent.md)",
             name ? name : "(unknown version)");
    return -1;
}

int libevent_check(struct mh_error *err)
{
    return libevent_check_version(event_get_version_number(), event_get_version(), err);
}
