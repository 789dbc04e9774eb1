/* opt.c - helpers for plug-in scenario keys (opt.h). */
#include <stdio.h>
#include <string.h>

#include "opt.h"
#include "suggest.h"
#include "units.h"

int sb_opt_choose(const char *v, const char *const *names, size_t n, size_t *idx, char *why,
                  size_t len)
{
    *idx = 0; /* defined on every path: gcc -O3 cannot tell the refusal always returns */
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0) {
            *idx = i;
            return 0;
        }
    char hint[320];
    snprintf(why, len, "unknown '%s' (%s)", v, sb_did_you_mean(v, names, n, hint, sizeof(hint)));
    return -1;
}

int sb_opt_set_str(char *dst, size_t cap, const char *s, char *why, size_t len)
{
    size_t n = strlen(s);
    if (n >= cap) {
        snprintf(why, len, "longer than %zu characters", cap - 1);
        return -1;
    }
    memcpy(dst, s, n + 1);
    return 0;
}

int sb_opt_parse_baud(const char *v, uint32_t *out, char *why, size_t len)
{
    uint64_t n;
    if (sb_parse_count(v, &n) < 0 || n == 0 || n > 100000000)
        return -1;
    if (n == 1200) {
        snprintf(why, len, "1200 baud resets nRF52840 boards into the bootloader");
        return -1;
    }
    *out = (uint32_t)n;
    return 0;
}
