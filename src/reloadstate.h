/* reloadstate.h - the outcome of the last reload, in a file that the
 * command which asked for the reload (`minihttpd --reload PID`, the unit's
 * ExecReload=, the init script) reads to succeed or fail with it. */
#ifndef MH_RELOADSTATE_H
#define MH_RELOADSTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/* The file is "$RUNTIME_DIRECTORY/reload" (systemd's RuntimeDirectory=,
 * or what the init script sets): "GENERATION ok|failed\nMESSAGE\n".  The
 * directory in out (MH_FS_PATH_MAX bytes); false when the variable is
 * unset or empty (the first of a ':' list is taken). */
bool reloadstate_dir(char *out, size_t cap);

/* Write the outcome of reload number gen, atomically (a temp file renamed
 * into place).  0, or -1 with err filled. */
int reloadstate_write(const char *dir, uint64_t gen, bool ok, const char *msg,
                      struct mh_error *err);

/* Read it: 1 with *gen, *ok and msg (cap bytes) filled; 0 when there is no
 * file yet; -1 with err filled when it cannot be read or parsed. */
int reloadstate_read(const char *dir, uint64_t *gen, bool *ok, char *msg, size_t cap,
                     struct mh_error *err);

/* Parse the file's text[0, len): true with the fields filled (msg cut to
 * cap - 1 bytes, never past its line). */
bool reloadstate_parse(const char *text, size_t len, uint64_t *gen, bool *ok, char *msg,
                       size_t cap);

#endif
