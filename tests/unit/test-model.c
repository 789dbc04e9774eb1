/*
 * test-model.c - the model suite (suites/model.c) over every registered
 * strategy, plain_ring included: a strategy from outside libsbuf is held
 * to the same model.
 */
#include "plain_ring.h"
#include "sbt.h"
#include "sbt_suites.h"

int main(void)
{
    sbt_plain_ring_register();
    return sbt_run_suite(&sbt_model, NULL, 0);
}
