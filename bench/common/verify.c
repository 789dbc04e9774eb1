/*
 * verify.c - the slow paths of sequence tracking (see verify.h).
 *
 * The window is a ring of bits indexed by seq % SB_SEQ_WINDOW that covers
 * [next - WINDOW, next).  Moving next forward reuses the bits of the
 * sequence numbers that leave the window, so they are written for every
 * number passed over: set for the one that arrived, clear for the skipped.
 */
#include <string.h>

#include "verify.h"

static inline uint64_t *word_of(struct sb_seqtrack *t, uint64_t seq)
{
    return &t->seen[(seq % SB_SEQ_WINDOW) / 64];
}

static inline uint64_t bit_of(uint64_t seq)
{
    return (uint64_t)1 << (seq % 64);
}

void sb_seqtrack_reset(struct sb_seqtrack *t)
{
    if (t)
        memset(t, 0, sizeof(*t));
}

void sb_seqtrack_note_slow(struct sb_seqtrack *t, uint64_t seq)
{
    if (seq >= t->next) {
        uint64_t missing = seq - t->next;
        t->gaps += missing;
        if (missing >= SB_SEQ_WINDOW) {
            memset(t->seen, 0, sizeof(t->seen));
        } else {
            for (uint64_t s = t->next; s < seq; s++)
                *word_of(t, s) &= ~bit_of(s);
        }
        *word_of(t, seq) |= bit_of(seq);
        t->next = seq + 1;
        return;
    }
    if (t->next - seq > SB_SEQ_WINDOW) {
        /* Too old to tell whether it came before: no correct stream does this. */
        t->duplicates++;
        return;
    }
    uint64_t *w = word_of(t, seq);
    if (*w & bit_of(seq)) {
        t->duplicates++;
        return;
    }
    *w |= bit_of(seq);
    t->reordered++;
    t->gaps--; /* it was counted missing when a later number overtook it */
}

void sb_verify_reset(struct sb_verify *v)
{
    if (!v)
        return;
    sb_seqtrack_reset(&v->seq);
    v->msgs = v->bytes = 0;
    v->warmup_msgs = v->warmup_bytes = 0;
    v->bad_payload = 0;
    v->first_ns = v->last_ns = v->first_bytes = 0;
    sb_hist_reset(&v->hist);
    sb_hist_reset(&v->hist_int);
    v->paced = 0;
}
