/*
 * test-verify.c - per-frame verification (sequence gaps, duplicates,
 * reordering, payload, warmup split, latency) and the pacing schedules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

#include "pace.h"
#include "verify.h"

static void note_all(struct sb_seqtrack *t, const uint64_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_seqtrack_note(t, s[i]);
}

static void test_in_order(void **state)
{
    (void)state;
    struct sb_seqtrack t;
    sb_seqtrack_reset(&t);
    for (uint64_t s = 0; s < 5000; s++)
        sb_seqtrack_note(&t, s);
    assert_int_equal(t.gaps + t.duplicates + t.reordered, 0);
    assert_int_equal(t.next, 5000);
}

static void test_gap_then_late_arrival(void **state)
{
    (void)state;
    struct sb_seqtrack t;
    sb_seqtrack_reset(&t);
    static const uint64_t s1[] = {0, 1, 3, 4};
    note_all(&t, s1, 4);
    assert_int_equal(t.gaps, 1);
    sb_seqtrack_note(&t, 2); /* late: fills the gap */
    assert_int_equal(t.gaps, 0);
    assert_int_equal(t.reordered, 1);
    sb_seqtrack_note(&t, 2); /* again: a duplicate */
    sb_seqtrack_note(&t, 4);
    assert_int_equal(t.duplicates, 2);
    assert_int_equal(t.reordered, 1);
}

static void test_window_edges(void **state)
{
    (void)state;
    struct sb_seqtrack t;
    sb_seqtrack_reset(&t);
    sb_seqtrack_note(&t, 0);
    sb_seqtrack_note(&t, 5000); /* a jump wider than the window */
    assert_int_equal(t.gaps, 4999);
    sb_seqtrack_note(&t, 4999); /* inside the window, never seen: late */
    assert_int_equal(t.reordered, 1);
    assert_int_equal(t.gaps, 4998);
    sb_seqtrack_note(&t, 10); /* behind the window: cannot tell, counted duplicate */
    assert_int_equal(t.duplicates, 1);
    /* bits reused across the wrap of the window: no stale "seen" */
    sb_seqtrack_reset(&t);
    for (uint64_t s = 0; s < 3 * SB_SEQ_WINDOW; s++)
        if (s != 2 * SB_SEQ_WINDOW + 7)
            sb_seqtrack_note(&t, s);
    sb_seqtrack_note(&t, 2 * SB_SEQ_WINDOW + 7);
    assert_int_equal(t.reordered, 1);
    assert_int_equal(t.duplicates, 0);
    assert_int_equal(t.gaps, 0);
}

static void test_verify_frame(void **state)
{
    (void)state;
    struct sb_verify *v = malloc(sizeof(*v));
    assert_non_null(v);
    sb_verify_reset(v);
    uint8_t payload[64];
    for (uint64_t s = 0; s < 10; s++) {
        sb_payload_fill(s, payload, 64);
        struct sb_frame f = {.seq = s, .send_ns = 1000, .len = 64, .payload = payload};
        assert_int_equal(sb_verify_frame(v, &f, 1000 + 100 * (s + 1), 4), 1);
    }
    assert_int_equal(v->warmup_msgs, 4);
    assert_int_equal(v->warmup_bytes, 4 * sb_frame_size(64));
    assert_int_equal(v->msgs, 6);
    assert_int_equal(v->bytes, 6 * sb_frame_size(64));
    assert_int_equal(v->hist.count, 6);
    assert_int_equal(v->hist.min, 500);
    assert_int_equal(v->hist.max, 1000);
    /* a payload that is not its sequence number's: refused, not counted */
    sb_payload_fill(3, payload, 64);
    struct sb_frame bad = {.seq = 10, .send_ns = 0, .len = 64, .payload = payload};
    assert_int_equal(sb_verify_frame(v, &bad, 5000, 4), 0);
    assert_int_equal(v->bad_payload, 1);
    assert_int_equal(v->msgs, 6);
    free(v);
}

static void test_pacer(void **state)
{
    (void)state;
    struct sb_pacer p;
    sb_pacer_init(&p, 1000, 1000.0, 0, 0); /* 1000/s: one every 1 ms */
    for (uint64_t k = 0; k < 5000; k++)
        assert_int_equal(sb_pacer_next(&p), 1000 + k * 1000000);
    sb_pacer_init(&p, 0, 3.0, 0, 0); /* a period that is not whole ns: no drift */
    uint64_t last = 0;
    for (uint64_t k = 0; k <= 3000; k++)
        last = sb_pacer_next(&p);
    assert_true(last >= 999999999999u && last <= 1000000000000u); /* k = 3000 at 1000 s */
    sb_pacer_init(&p, 0, 0, 50, 100000000); /* 50 @ 100 ms */
    for (uint64_t k = 0; k < 500; k++)
        assert_int_equal(sb_pacer_next(&p), (k / 50) * 100000000);
    sb_pacer_init(&p, 7, 0, 0, 0); /* max: always due */
    assert_int_equal(sb_pacer_next(&p), 7);
}

static void test_staller_windows(void **state)
{
    (void)state;
    struct sb_staller s;
    atomic_int abort_flag;
    atomic_init(&abort_flag, 1); /* any real sleep returns -1 at once */
    sb_staller_init(&s, 0, 5, 10);
    /* inside the first window: it would sleep (aborted here) and move on */
    assert_int_equal(sb_staller_check(&s, 2, &abort_flag), -1);
    assert_int_equal(s.at, 10);
    assert_int_equal(sb_staller_check(&s, 7, &abort_flag), 0); /* before the next window */
    /* long busy: windows that ended are skipped, not made up */
    assert_int_equal(sb_staller_check(&s, 37, &abort_flag), 0);
    assert_int_equal(s.at, 40);
    assert_int_equal(sb_staller_check(&s, 42, &abort_flag), -1);
    assert_int_equal(s.at, 50);
    sb_staller_init(&s, 0, 0, 0); /* no stalls */
    assert_int_equal(sb_staller_check(&s, 123, &abort_flag), 0);
}

static void test_sleep_until(void **state)
{
    (void)state;
    atomic_int abort_flag;
    atomic_init(&abort_flag, 0);
    uint64_t t = sb_now_ns() + 2000000; /* 2 ms */
    assert_int_equal(sb_sleep_until(t, &abort_flag), 0);
    assert_true(sb_now_ns() >= t);
    assert_int_equal(sb_sleep_until(0, NULL), 0);
    atomic_store(&abort_flag, 1);
    assert_int_equal(sb_sleep_until(sb_now_ns() + 60000000000u, &abort_flag), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_gap_then_late_arrival),
        cmocka_unit_test(test_window_edges),
        cmocka_unit_test(test_verify_frame),
        cmocka_unit_test(test_pacer),
        cmocka_unit_test(test_staller_windows),
        cmocka_unit_test(test_sleep_until),
    };
    return cmocka_run_group_tests_name("verify", tests, NULL, NULL);
}
