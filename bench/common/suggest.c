/* suggest.c - nearest-name suggestions for unknown keys and values. */
#include <stdio.h>
#include <string.h>

#include "suggest.h"

size_t sb_edit_distance(const char *a, const char *b)
{
    /* Two rows of the classic DP table; names here are short, longer input
     * is compared on its first 127 characters, which still ranks fine. */
    enum { MAXN = 128 };
    size_t la = strnlen(a, MAXN - 1), lb = strnlen(b, MAXN - 1);
    size_t prev[MAXN], cur[MAXN];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
    }
    return prev[lb];
}

const char *sb_nearest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = sb_edit_distance(word, names[i]);
        if (d < bestd) {
            bestd = d;
            best = names[i];
        }
    }
    return best;
}

const char *sb_join(const char *const *names, size_t n, const char *sep, char *buf, size_t len)
{
    size_t at = 0;
    if (len == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + at, len - at, "%s%s", i ? sep : "", names[i]);
        if (w < 0 || (size_t)w >= len - at) {
            if (len >= 4)
                strcpy(buf + len - 4, "...");
            return buf;
        }
        at += (size_t)w;
    }
    return buf;
}

const char *sb_did_you_mean(const char *word, const char *const *names, size_t n, char *buf,
                            size_t len)
{
    char all[256];
    if (len)
        snprintf(buf, len, "did you mean '%s'? valid: %s", n ? sb_nearest(word, names, n) : "",
                 sb_join(names, n, ", ", all, sizeof(all)));
    return buf;
}
