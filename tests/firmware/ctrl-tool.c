/*
 * ctrl-tool.c - serbench's own control-frame code (bench/device/devstats.c)
 * for the firmware tests in other languages:
 *
 *   ctrl-tool request        writes serbench's stats request to stdout
 *   ctrl-tool decode FILE    decodes the control frame in FILE with
 *                            sb_ctrl_decode: "kind K", "count N" (as sent),
 *                            then "c<i> <value>" for each counter serbench knows
 *
 * Exit 0, 1 when sb_ctrl_decode refuses the frame, 2 on bad usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "devstats.h"

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "request") == 0) {
        uint8_t req[SB_FRAME_OVERHEAD];
        size_t n = sb_ctrl_encode_request(req, sizeof(req));
        return n && fwrite(req, 1, n, stdout) == n ? 0 : 1;
    }
    if (argc != 3 || strcmp(argv[1], "decode") != 0) {
        fprintf(stderr, "usage: ctrl-tool request | ctrl-tool decode FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        perror(argv[2]);
        return 2;
    }
    uint8_t buf[SB_CTRL_MAX_FRAME + 1];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    unsigned kind;
    struct sb_dev_counters c;
    if (sb_ctrl_decode(buf, n, &kind, &c) != 0) {
        fprintf(stderr, "sb_ctrl_decode refuses the %zu-byte frame\n", n);
        return 1;
    }
    printf("kind %u\n", kind);
    if (n >= SB_FRAME_HEADER + 4)
        printf("count %" PRIu32 "\n",
               (uint32_t)buf[SB_FRAME_HEADER] | (uint32_t)buf[SB_FRAME_HEADER + 1] << 8 |
                   (uint32_t)buf[SB_FRAME_HEADER + 2] << 16 |
                   (uint32_t)buf[SB_FRAME_HEADER + 3] << 24);
    uint64_t v[SB_DEV_NCOUNTERS];
    memcpy(v, &c, sizeof(v));
    for (size_t i = 0; i < SB_DEV_NCOUNTERS; i++)
        printf("c%zu %" PRIu64 "\n", i, v[i]);
    return 0;
}
