/* suggest.h - "did you mean": the nearest name by edit distance, and name lists. */
#ifndef SB_SUGGEST_H
#define SB_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance between a and b (case-sensitive). */
size_t sb_edit_distance(const char *a, const char *b);
/* The name in names[0..n) closest to word (first one on ties); NULL if n == 0. */
const char *sb_nearest(const char *word, const char *const *names, size_t n);
/* names joined by sep into buf (truncated with "..." if it does not fit); returns buf. */
const char *sb_join(const char *const *names, size_t n, const char *sep, char *buf, size_t len);
/* "did you mean 'NEAREST'? valid: a, b, c" for word among names, into buf; returns buf. */
const char *sb_did_you_mean(const char *word, const char *const *names, size_t n, char *buf,
                            size_t len);

#endif
