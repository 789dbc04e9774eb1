/* errors.c - sbuf_strerror: one line per SBUF_E* code. */
#include "sbuf/sbuf.h"

const char *sbuf_strerror(int err)
{
    switch (err) {
    case SBUF_OK: return "success";
    case SBUF_EINVAL: return "invalid argument";
    case SBUF_ENOMEM: return "out of memory";
    case SBUF_ERANGE: return "size out of range";
    case SBUF_EIO: return "system call failed";
    case SBUF_EFORMAT: return "backing file truncated or not an sbuf file";
    case SBUF_EDOUBLE: return "block returned to its pool twice";
    case SBUF_EFOREIGN: return "block does not belong to this pool";
    case SBUF_ENOTSUP: return "not supported by this strategy";
    case SBUF_ENOENT: return "no such strategy or pool";
    case SBUF_EEXHAUSTED: return "pool exhausted";
    case SBUF_EAGAIN: return "no complete line yet";
    case SBUF_EABI: return "strategy built for another sbuf ABI version";
    case SBUF_EEXIST: return "a strategy by that name is already registered";
    case SBUF_ENOLIB: return "a shared library the plugin needs is missing";
    default: return "unknown error";
    }
}
