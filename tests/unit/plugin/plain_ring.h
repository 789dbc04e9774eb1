/*
 * plain_ring.h - a strategy written the way one outside libsbuf is: against
 * the public headers only (plain_ring.c is compiled without impl/ on its
 * include path), registered at run time.  The strategy suites (conformance,
 * model, stress) register it before they walk the registry, so it is held
 * to the same contract as the built-ins, and test-registry adds and removes
 * it.
 */
#ifndef SBT_PLAIN_RING_H
#define SBT_PLAIN_RING_H

#include "sbuf/sbuf.h"

/* Its ops table: "plain_ring", a lock-free SPSC ring of exactly the
 * capacity asked, with no optional op (the generic paths serve it). */
extern const struct sbuf_ops sbt_plain_ring_ops;

/* sbuf_registry_add(&sbt_plain_ring_ops), stopping the program if that
 * fails (a suite that silently lost a strategy would prove nothing). */
void sbt_plain_ring_register(void);

#endif
