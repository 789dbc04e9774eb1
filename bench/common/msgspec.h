/*
 * msgspec.h - the `message` key: how big each message is.
 *   fixed:64                              every message 64 bytes
 *   uniform:16-512                        uniformly from 16 to 512 bytes
 *   lognormal:mean=64,sd=32,max=1024      lognormal with that mean and sd of
 *                                         the sizes themselves, clamped to max
 *   replay:FILE                           sizes from FILE, one a line, cycled
 */
#ifndef SB_MSGSPEC_H
#define SB_MSGSPEC_H

#include <stddef.h>

#include "run.h"

#define SB_REPLAY_MAX 10000000u /* sizes in a replay file */

/*
 * Parses value (sizes 1 B .. SB_FRAME_MAX_PAYLOAD, 16 MiB).  A replay file
 * is read now (relative to the directory of relto); its table is malloc'ed into *owned for the caller to keep and free.
 * -1 with why set.
 */
int sb_msgspec_parse(const char *value, const char *relto, struct sb_msg_spec *out,
                     uint32_t **owned, char *why, size_t len);
#endif
