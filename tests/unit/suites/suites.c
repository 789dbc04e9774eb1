/* suites.c - the list `serbench check` walks (sbt_suites.h). */
#include "sbt_suites.h"

const struct sbt_suite *const sbt_suites[] = {&sbt_conformance, &sbt_model, &sbt_stress, NULL};
