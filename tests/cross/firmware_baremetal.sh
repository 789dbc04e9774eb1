#!/bin/sh
# firmware_baremetal.sh - build firmware/baremetal (the nRF52840 DK UARTE0
# loopback) and check the image: it links, no heap functions are in it, the
# vector table starts with an initial SP inside RAM and an odd (Thumb) reset
# vector inside flash, and the RAM figures its stats answer reports
# (fw_ram_figures, from the linker script's symbols) are there and agree with
# arm-none-eabi-size.  Nothing runs it: there is no board in CI.  Run by
# CTest as firmware-baremetal.
#
#   firmware_baremetal.sh <arm-none-eabi-gcc> <source dir> <output dir>
#
# Exit 77 (CTest's SKIP_RETURN_CODE) without the toolchain.
set -eu

cc=$1 src=$2 out=$3
bin=$(dirname "$cc")
if [ ! -x "$cc" ] || [ ! -x "$bin/arm-none-eabi-nm" ] || [ ! -x "$bin/arm-none-eabi-objcopy" ] ||
   [ ! -x "$bin/arm-none-eabi-size" ]; then
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

# ---- RAM figures -----------------------------------------------------------
# The stats answer's ram_budget, static_ram and stack_reserve come from
# fw_ram_figures, three words in flash that the linker fills from the
# absolute symbols __ram_size__, __static_ram__ and __stack_reserve__
# (nrf52840.ld).  Checked: the symbols exist and are what the script says
# (__static_ram__ = _ebss - __ram_start__), fw_ram_figures holds them, and
# the static RAM is what arm-none-eabi-size reports: data + bss, plus any
# alignment gap between RAM sections, up to the end of the last one.

# value of symbol $2 in ELF $1 (decimal), or nothing
sym() {
    "$bin/arm-none-eabi-nm" "$1" | awk -v s="$2" '$3 == s { print $1 }' |
        while read -r hex; do echo $((0x$hex)); done
}

# word at byte offset $2 of a little-endian binary file, decimal
word_at() {
    od -An -tu1 -j "$2" -N4 "$1" |
        awk '{ printf "%d\n", $1 + $2 * 256 + $3 * 65536 + $4 * 16777216 }'
}

# ram_check ELF STATIC: STATIC against arm-none-eabi-size's view of ELF.
# Prints the figures; fails when they disagree.
ram_check() {
    ram=$((0x20000000)) ram_end=$((0x20000000 + 256 * 1024))
    # Berkeley: data and bss columns.
    set -- "$1" "$2" $("$bin/arm-none-eabi-size" -B "$1" | awk 'NR == 2 { print $2, $3 }')
    data=$3 bss=$4
    # SysV (-A): every allocated section inside RAM: its end, and the bytes
    # between sections (alignment).
    span=$("$bin/arm-none-eabi-size" -A -d "$1" |
        awk -v lo="$ram" -v hi="$ram_end" '
            $3 ~ /^[0-9]+$/ && $3 >= lo && $3 < hi && $2 > 0 {
                if ($3 + $2 > end) end = $3 + $2; sum += $2 }
            END { printf "%d %d\n", end - lo, end - lo - sum }')
    used=${span% *} gap=${span#* }
    printf 'RAM: size says data %d + bss %d = %d B, gaps %d B, .bss ends at +%d; static_ram %d\n' \
        "$data" "$bss" $((data + bss)) "$gap" "$used" "$2"
    [ "$2" -eq "$used" ] && [ "$2" -eq $((data + bss + gap)) ]
}

check_ram_figures() {
    e=$1
    for s in __ram_start__ __ram_size__ __static_ram__ __stack_reserve__ _sdata _ebss _estack \
             _min_stack fw_ram_figures; do
        if [ -z "$(sym "$e" "$s")" ]; then
            echo "firmware-baremetal: symbol $s missing from $e" >&2
            return 1
        fi
    done
    start=$(sym "$e" __ram_start__) size=$(sym "$e" __ram_size__)
    static=$(sym "$e" __static_ram__) stack=$(sym "$e" __stack_reserve__)
    if [ "$start" -ne $((0x20000000)) ] || [ "$size" -ne $((256 * 1024)) ] ||
       [ "$static" -ne $(($(sym "$e" _ebss) - start)) ] || [ "$stack" -ne "$(sym "$e" _min_stack)" ] ||
       [ $((static + stack)) -gt "$size" ]; then
        echo "firmware-baremetal: RAM symbols disagree: start $start size $size static $static" \
             "(_ebss $(sym "$e" _ebss)) stack $stack" >&2
        return 1
    fi
    # fw_ram_figures, read out of the flash image.
    "$bin/arm-none-eabi-objcopy" -O binary -j .isr_vector -j .text "$e" "$e.flash.bin"
    at=$(sym "$e" fw_ram_figures)
    got="$(word_at "$e.flash.bin" "$at") $(word_at "$e.flash.bin" $((at + 4))) $(word_at "$e.flash.bin" $((at + 8)))"
    if [ "$got" != "$size $static $stack" ]; then
        echo "firmware-baremetal: fw_ram_figures holds $got, the symbols say $size $static $stack" >&2
        return 1
    fi
    if ! ram_check "$e" "$static"; then
        echo "firmware-baremetal: static_ram $static is not what arm-none-eabi-size reports for $e" >&2
        return 1
    fi
    printf 'RAM figures in %s: ram_budget %d, static_ram %d, stack_reserve %d, ram_free %d\n' \
        "$e" "$size" "$static" "$stack" $((size - static - stack))
}

# The size check must be able to fail: a figure 4 bytes off.
if ram_check "$elf" $(($(sym "$elf" __static_ram__) + 4)) >/dev/null; then
    echo "firmware-baremetal: the RAM check accepts a wrong figure" >&2
    exit 1
fi
check_ram_figures "$elf" || exit 1
check_ram_figures "$out/1M/fw.elf" >/dev/null || exit 1

"$bin/arm-none-eabi-size" "$elf" "$out/1M/fw.elf"
echo "firmware-baremetal: $elf links, no heap, vector table sane, RAM figures agree with arm-none-eabi-size (not run: no board here)"
