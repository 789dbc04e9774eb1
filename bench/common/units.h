/*
 * units.h - the quantities scenario files are written in.  Every parser
 * takes the whole string (no trailing junk), returns 0 or -1, and never
 * overflows silently.
 *
 *   sizes      64, 4k, 4K, 4KiB, 1MiB, 2G (powers of 1024); 4kB, 1MB, 1GB (powers of 1000)
 *   counts     1000, 10k, 2M, 1G (powers of 1000)
 *   durations  0, 250ns, 20us, 100ms, 1.5s, 2m (or 2min), 1h; a unit is required
 *   rates      max, 2000/s, 2k/s, 5/ms, 600/min (messages per unit of time)
 */
#ifndef SB_UNITS_H
#define SB_UNITS_H

#include <stddef.h>
#include <stdint.h>

int sb_parse_u64(const char *s, uint64_t *out);      /* decimal, or 0x hex */
int sb_parse_count(const char *s, uint64_t *out);
int sb_parse_size(const char *s, uint64_t *out);
int sb_parse_duration(const char *s, uint64_t *ns);
int sb_parse_rate(const char *s, double *per_s);      /* max gives 0 */

/* Short human forms for listings: "1.5s", "100ms", "4KiB", "2000/s". */
void sb_format_duration(uint64_t ns, char *buf, size_t len);
void sb_format_size(uint64_t bytes, char *buf, size_t len);
void sb_format_rate(double per_s, char *buf, size_t len);
/* A wall-clock estimate: "45s", "1m23s", "2h05m". */
void sb_format_hms(double s, char *buf, size_t len);
/* A latency: "812 ns", "1.23 us", "4.5 ms", "2.1 s"; "-" for 0. */
void sb_format_ns(double ns, char *buf, size_t len);

#endif
