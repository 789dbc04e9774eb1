/*
 * test-stress.c - the stress suite (suites/stress.c) over every registered
 * strategy, plain_ring included: a strategy from outside libsbuf is
 * stressed the same way.
 */
#include "plain_ring.h"
#include "sbt.h"
#include "sbt_suites.h"

int main(void)
{
    sbt_plain_ring_register();
    return sbt_run_suite(&sbt_stress, NULL, 0);
}
