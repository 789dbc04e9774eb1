/* pool.c - placeholder: generic pool wrappers land with the pools. */
#include "sbuf_internal.h"
