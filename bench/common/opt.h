/*
 * opt.h - a scenario key that belongs to a plug-in (a transport or a peer),
 * as fio's ioengines carry their own options.  The runner's key table
 * (runner/scenario_keys.c) lists its own keys and then every key the
 * transport and peer tables name, so a new transport or peer brings its
 * keys, their defaults and their documentation with it.
 *
 * A key's parser sets one field of struct sb_link_params.  A key several
 * plug-ins read (write_size: pty and serial) is one object that each of
 * their tables points to; the runner lists it once.
 */
#ifndef SB_OPT_H
#define SB_OPT_H

#include <stddef.h>

#include "run.h"

struct sb_opt {
    const char *name;
    const char *group;   /* how `serbench help scenario` groups it: transport, serial, device */
    const char *accepts; /* the accepted forms, shown in errors and docs */
    const char *dflt;    /* the default, as a scenario would write it ("-": none) */
    const char *doc;     /* what it does, and which plug-ins read it */
    /* 0, or -1 with a reason in why (or why left empty: "expected <accepts>"). */
    int (*parse)(struct sb_link_params *lp, const char *value, char *why, size_t len);
};

/* One of names[] (n of them) -> *idx; -1 with "unknown 'v' (did you mean ...)" in why. */
int sb_opt_choose(const char *v, const char *const *names, size_t n, size_t *idx, char *why,
                  size_t len);
/* Copies s into a char array of cap bytes; -1 with why if it does not fit. */
int sb_opt_set_str(char *dst, size_t cap, const char *s, char *why, size_t len);

/* A baud rate, 1 to 100,000,000; never 1200 (it resets nRF52840 boards). -1 with why. */
int sb_opt_parse_baud(const char *v, uint32_t *out, char *why, size_t len);

#endif
