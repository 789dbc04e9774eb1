#!/bin/sh
# firmware_baremetal.sh - build firmware/baremetal (the nRF52840 DK UARTE0
# loopback) and check the image: it links, no heap functions are in it, the
# vector table starts with an initial SP inside RAM and an odd (Thumb) reset
# vector inside flash.  Nothing runs it: there is no board in CI.  Run by
# CTest as firmware-baremetal.
#
#   firmware_baremetal.sh <arm-none-eabi-gcc> <source dir> <output dir>
#
# Exit 77 (CTest's SKIP_RETURN_CODE) without the toolchain.
set -eu

cc=$1 src=$2 out=$3
bin=$(dirname "$cc")
if [ ! -x "$cc" ] || [ ! -x "$bin/arm-none-eabi-nm" ] || [ ! -x "$bin/arm-none-eabi-objcopy" ]; then
    echo "firmware-baremetal: arm-none-eabi-gcc not found (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi): skipped"
    exit 77
fi

CROSS=$bin/arm-none-eabi- sh "$src/firmware/baremetal/build.sh" "$out"
elf=$out/fw.elf
# 1 Mbaud must build too (its BAUDRATE value comes from the same table).
CROSS=$bin/arm-none-eabi- BAUD=1000000 sh "$src/firmware/baremetal/build.sh" "$out/1M" >/dev/null

heap='^_?(malloc|_malloc_r|free|_free_r|calloc|_calloc_r|realloc|_realloc_r|_sbrk|_sbrk_r)$'
if "$bin/arm-none-eabi-nm" "$elf" | awk '{ print $NF }' | grep -E "$heap"; then
    echo "firmware-baremetal: heap functions linked in (above)" >&2
    exit 1
fi

# word N (0-based) of a little-endian binary file, as a decimal number
word() {
    od -An -tu1 -j $(($2 * 4)) -N4 "$1" |
        awk '{ printf "%d\n", $1 + $2 * 256 + $3 * 65536 + $4 * 16777216 }'
}

# Initial SP: the stack is full-descending, so the top of RAM itself is fine.
# Reset vector: odd (Thumb state; an even one faults at the first fetch).
check_vectors() {
    sp=$(word "$1" 0) rv=$(word "$1" 1)
    ram=$((0x20000000)) ram_end=$((0x20000000 + 256 * 1024)) flash_end=$((1024 * 1024))
    if [ "$sp" -le "$ram" ] || [ "$sp" -gt "$ram_end" ] || [ $((sp % 8)) -ne 0 ]; then
        echo "initial SP $(printf 0x%08x "$sp") is not an 8-aligned stack top inside RAM"
        return 1
    fi
    if [ $((rv % 2)) -ne 1 ] || [ "$rv" -ge "$flash_end" ]; then
        echo "reset vector $(printf 0x%08x "$rv") is not an odd (Thumb) address inside flash"
        return 1
    fi
    printf 'initial SP 0x%08x, reset vector 0x%08x\n' "$sp" "$rv"
}

# The check must be able to fail: an even reset vector and an SP in flash.
printf '\000\020\000\040\004\001\000\000' | od -An -tu1 >/dev/null
printf '\000\020\000\040\104\001\000\000' > "$out/bad-rv.bin"
printf '\000\020\000\000\105\001\000\000' > "$out/bad-sp.bin"
for bad in bad-rv bad-sp; do
    if check_vectors "$out/$bad.bin" >/dev/null; then
        echo "firmware-baremetal: the vector check accepts $bad.bin" >&2
        exit 1
    fi
done

"$bin/arm-none-eabi-objcopy" -O binary -j .isr_vector "$elf" "$out/vectors.bin"
if ! check_vectors "$out/vectors.bin"; then
    echo "firmware-baremetal: bad vector table in $elf" >&2
    exit 1
fi
if [ "$("$bin/arm-none-eabi-nm" "$elf" | awk '$3 == "fw_vectors" { print $1 }')" != 00000000 ]; then
    echo "firmware-baremetal: fw_vectors is not at flash address 0" >&2
    exit 1
fi

"$bin/arm-none-eabi-size" "$elf" "$out/1M/fw.elf"
echo "firmware-baremetal: $elf links, no heap, vector table sane (not run: no board here)"
