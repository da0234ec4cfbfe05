/* libevent_check.h - refuse a libevent minihttpd was not checked on.
 *
 * The evhttp glue relies on behaviours of libevent 2.1 that its
 * documentation does not promise (docs/libevent.md), checked on 2.1.12;
 * 2.2 changed evhttp a lot.  CMake refuses other versions at configure
 * time, this file at compile time (the headers) and at start-up (the
 * library the process was linked with at run time). */
#ifndef MH_LIBEVENT_CHECK_H
#define MH_LIBEVENT_CHECK_H

#include <stdint.h>

#include "config.h"

/* The versions accepted, as event_get_version_number() gives them
 * (0xMMmmpp00): from 2.1.12 up to, not including, 2.2.0. */
#define MH_LIBEVENT_FIRST 0x02010c00u
#define MH_LIBEVENT_END   0x02020000u
#define MH_LIBEVENT_RANGE "2.1.12 to 2.1.x"

/* 0 when number is in that range; otherwise -1, with "minihttpd: libevent
 * NAME is not supported: ..." in err (name: the version as libevent spells
 * it, event_get_version()). */
int libevent_check_version(uint32_t number, const char *name, struct mh_error *err);

/* The same for the libevent this process runs with. */
int libevent_check(struct mh_error *err);

#endif
