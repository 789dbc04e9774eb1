/*
 * crc.c - the slicing-by-8 tables behind sb_crc32_8 (crc.h).
 *
 * sb_crc32_tab[0][b] is the CRC-32 (reflected 0xEDB88320, no pre- or
 * post-inversion) of byte b; sb_crc32_tab[k][b] that of byte b followed by
 * k zero bytes.  Filled once before main() (a constructor: this unit is
 * linked whenever crc.h's sb_crc32_8 is used), read-only after.
 */
#include "crc.h"

uint32_t sb_crc32_tab[8][256];

__attribute__((constructor)) static void crc_tab_init(void)
{
    for (unsigned b = 0; b < 256; b++) {
        uint32_t c = b;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        sb_crc32_tab[0][b] = c;
    }
    for (unsigned b = 0; b < 256; b++)
        for (int k = 1; k < 8; k++) {
            uint32_t prev = sb_crc32_tab[k - 1][b];
            sb_crc32_tab[k][b] = (prev >> 8) ^ sb_crc32_tab[0][prev & 0xff];
        }
}
