#!/bin/sh
# build.sh - the nRF52840 (Cortex-M4F) freestanding build of the strategies
# that must run without an MMU or a heap: compile them and a small firmware
# main, link with newlib-nano and no syscalls, and check that malloc was not
# linked in.  Run by CTest as cross-nrf52840.
#
#   build.sh <arm-none-eabi-gcc> <arm-none-eabi-nm> <source dir> <output dir>
#
# Exit 77 (CTest's SKIP_RETURN_CODE) when the toolchain is not installed:
# skipped, not passed.  scripts/deps installs gcc-arm-none-eabi.
set -eu

cc=$1 nm=$2 src=$3 out=$4

if [ ! -x "$cc" ] || [ ! -x "$nm" ]; then
    echo "cross-nrf52840: arm-none-eabi-gcc not found (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi): skipped"
    exit 77
fi

# -ffunction-sections + --gc-sections: the by-name creates (sbuf_create,
# sbuf_pool_create) refer to registry.c, which lists host-only strategies and
# is not built here; unused, their sections are dropped with the reference.
cpu="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"
cflags="-std=c11 $cpu -DSBUF_FREESTANDING -Os -Wall -Wextra -Werror -ffunction-sections -fdata-sections"
ldflags="$cpu --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections"
includes="-I$src/impl/include -I$src/impl"

# What must build freestanding: the strategies, pool_fixed, pool_local and what they use.
units="ring_spsc bip pool_fixed pool_local pool pool_fallback blockset sbuf errors alloc"

mkdir -p "$out"
objs=""
for u in $units; do
    "$cc" $cflags $includes -c "$src/impl/$u.c" -o "$out/$u.o"
    objs="$objs $out/$u.o"
done
"$cc" $cflags $includes -c "$src/tests/cross/nrf52840_main.c" -o "$out/main.o"
"$cc" $ldflags "$out/main.o" $objs -o "$out/nrf52840.elf"

# Any of these means a heap came along.
heap='^_?(malloc|_malloc_r|free|_free_r|calloc|_calloc_r|realloc|_realloc_r|_sbrk|_sbrk_r)$'

uses_heap() {
    "$nm" "$1" | awk '{ print $NF }' | grep -Eq "$heap"
}

# The check must be able to fail: a program that does call malloc is caught.
printf '#include <stdlib.h>\nint main(void) { void *p = malloc(16); free(p); return p == 0; }\n' \
    > "$out/probe.c"
"$cc" -std=c11 $cpu -c "$out/probe.c" -o "$out/probe.o"
"$cc" $ldflags "$out/probe.o" -o "$out/probe.elf"
if ! uses_heap "$out/probe.elf"; then
    echo "cross-nrf52840: the malloc check does not see malloc in a program that calls it" >&2
    exit 1
fi

if uses_heap "$out/nrf52840.elf"; then
    echo "cross-nrf52840: heap functions linked in:" >&2
    "$nm" "$out/nrf52840.elf" | awk '{ print $NF }' | grep -E "$heap" >&2
    exit 1
fi

size=$(dirname "$cc")/arm-none-eabi-size
if [ -x "$size" ]; then
    "$size" "$out/nrf52840.elf" $objs
fi
echo "cross-nrf52840: $units built for Cortex-M4F, linked without malloc"
