/*
 * test-wakeup.c - the block/notify handshake's own counts (wakeup.h): a
 * wait that runs out its timeout is counted, and counted as missed only
 * when the condition held afterwards with no notify sent.  Each case is
 * scripted through the ready() callback, which the waiter calls before
 * announcing itself, after, and after waking: no second thread, no timing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sbuf/sbuf.h"
#include "wakeup.h"

#define SHORT_NS 2000000u /* 2 ms: the timeout a case that must time out waits */

struct script {
    struct sb_wakeup *w;
    int calls;
    int true_from;  /* ready() returns 1 from this call on (0: never) */
    int notify_at;  /* on this call, a notifier publishes and notifies (0: never) */
};

static int scripted(void *arg)
{
    struct script *s = arg;
    s->calls++;
    if (s->calls == s->notify_at)
        sb_wakeup_notify(s->w);
    return s->true_from && s->calls >= s->true_from;
}

static struct sb_wakeup run(int true_from, int notify_at, int *ok)
{
    struct sb_wakeup w;
    assert_int_equal(sb_wakeup_init(&w), SBUF_OK);
    struct script s = {&w, 0, true_from, notify_at};
    *ok = sb_wakeup_await(&w, scripted, &s, SHORT_NS);
    sb_wakeup_destroy(&w);
    return w;
}

/* Nothing happens: one timeout, nothing missed (a safety net doing its job). */
static void test_idle_timeout(void **state)
{
    (void)state;
    int ok;
    struct sb_wakeup w = run(0, 0, &ok);
    assert_false(ok);
    assert_int_equal(w.timeouts, 1);
    assert_int_equal(w.missed, 0);
}

/* The condition comes true while the waiter sleeps and nobody notifies: the
 * wait runs out its timeout and finds it true: missed. */
static void test_unnotified_is_missed(void **state)
{
    (void)state;
    int ok;
    struct sb_wakeup w = run(3, 0, &ok);
    assert_true(ok);
    assert_int_equal(w.timeouts, 1);
    assert_int_equal(w.missed, 1);
}

/* A notify between the check and the sleep wakes it at once: no timeout. */
static void test_notified_wakes(void **state)
{
    (void)state;
    int ok;
    struct sb_wakeup w = run(3, 2, &ok);
    assert_true(ok);
    assert_int_equal(w.timeouts, 0);
    assert_int_equal(w.missed, 0);
}

/* Ready before sleeping: no wait at all. */
static void test_ready_at_once(void **state)
{
    (void)state;
    int ok;
    struct sb_wakeup w = run(1, 0, &ok);
    assert_true(ok);
    assert_int_equal(w.timeouts, 0);
    w = run(2, 0, &ok);
    assert_true(ok);
    assert_int_equal(w.timeouts, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_unnotified_is_missed),
        cmocka_unit_test(test_notified_wakes),
        cmocka_unit_test(test_ready_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
