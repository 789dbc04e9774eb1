#!/bin/sh
# build.sh - build the bare-metal nRF52840 DK loopback firmware: fw.elf and
# fw.hex in OUT_DIR (default: build-firmware/ at the top of the tree).
#
#   firmware/baremetal/build.sh [OUT_DIR]
#   BAUD=1000000 HWFC=0 firmware/baremetal/build.sh /tmp/fw
#
# BAUD: 115200 by default (any rate nrf52840.h lists, up to 1000000).
# HWFC: 1 (default) uses RTS/CTS to the J-Link, 0 does not.
# CROSS: the toolchain prefix, arm-none-eabi- by default.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
out=${1:-$src/build-firmware}
cross=${CROSS:-arm-none-eabi-}
baud=${BAUD:-115200}
hwfc=${HWFC:-1}

cpu="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"
# -ffunction-sections + --gc-sections: sbuf.c's by-name create refers to the
# registry, which is not built here; unused, it is dropped.
cflags="-std=c11 $cpu -DSBUF_FREESTANDING -DFW_BAUD=$baud -DFW_HWFC=$hwfc -Os -g
        -Wall -Wextra -Werror -ffunction-sections -fdata-sections"
ldflags="$cpu --specs=nano.specs --specs=nosys.specs -nostartfiles
         -Wl,--gc-sections -Wl,-T,$here/nrf52840.ld -Wl,-Map,$out/fw.map"
includes="-I$src/impl/include -I$src/impl"

mkdir -p "$out"
objs=""
for f in "$here/startup.c" "$here/main.c" "$here/fwproto.c" "$src/impl/ring_spsc.c" "$src/impl/sbuf.c" \
         "$src/impl/errors.c" "$src/impl/alloc.c"; do
    o="$out/$(basename "$f" .c).o"
    "${cross}gcc" $cflags $includes -c "$f" -o "$o"
    objs="$objs $o"
done
"${cross}gcc" $ldflags $objs -o "$out/fw.elf"
"${cross}objcopy" -O ihex "$out/fw.elf" "$out/fw.hex"
echo "$out/fw.elf, $out/fw.hex: UARTE0 at $baud baud, hwfc=$hwfc"
