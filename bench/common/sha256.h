/*
 * sha256.h - SHA-256 (FIPS 180-4), for naming a file by its contents: the
 * hash of a plugin's shared object in runs.csv and env.json, so results say
 * exactly which build of a strategy they measured (compare with
 * `sha256sum FILE`).
 */
#ifndef SB_SHA256_H
#define SB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SB_SHA256_HEX 65 /* 64 hex digits and the NUL */

struct sb_sha256 {
    uint32_t h[8];
    uint64_t len; /* bytes so far */
    uint8_t buf[64];
    size_t nbuf;
};

void sb_sha256_init(struct sb_sha256 *s);
void sb_sha256_update(struct sb_sha256 *s, const void *data, size_t n);
/* The digest as lowercase hex into hex (SB_SHA256_HEX bytes). */
void sb_sha256_hex(struct sb_sha256 *s, char hex[SB_SHA256_HEX]);
/* The hash of a whole file: 0, or -1 with errno set (hex is then ""). */
int sb_sha256_file(const char *path, char hex[SB_SHA256_HEX]);

#endif
