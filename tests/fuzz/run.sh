#!/bin/sh
# run.sh - build one fuzz target with clang's libFuzzer (plus ASan and
# UBSan, every sanitizer error fatal), compiling its sources directly as
# tests/cross/build.sh does, and fuzz it for a bounded time on a copy of its
# checked-in corpus.  Run by CTest as fuzz-<name>.
#
#   run.sh <clang> <name> <source dir> <output dir> [seconds]
#
# Exit 77 (CTest's SKIP_RETURN_CODE) when clang or its libFuzzer runtime is
# missing: skipped, not passed.  Exit 1 on a crash, a failed check, a leak
# or an input that runs longer than 10 s; libFuzzer leaves the input in
# <output dir>/<name>/ (crash-*, leak-*, timeout-*).  Replay it with
#   <output dir>/<name>/fuzz-<name> <file>     or     fuzz-<name>-replay <file>
# and, once fixed, add it to tests/fuzz/corpus/<name>/ as a regression seed.
# What the corpus grows to stays in <output dir>/<name>/corpus.
set -eu

cc=$1 name=$2 src=$3 out=$4 secs=${5:-20}

if [ ! -x "$cc" ]; then
    echo "fuzz-$name: clang not found (apt-get install clang): skipped"
    exit 77
fi

work=$out/$name
mkdir -p "$work"

# -fsanitize=undefined only reports by default; -fno-sanitize-recover makes
# undefined behaviour a crash that libFuzzer keeps.
cflags="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
    -ffunction-sections -fdata-sections"
includes="-I$src/impl/include -I$src/impl -I$src/bench/common -I$src/bench/device -I$src/bench/transport -I$src/bench/workload -I$src/bench/runner
    -I$src/tests/unit/support"

# The frames' CRC as the build has it (bench/common/crc.h).
crc_libs=
if pkg-config --exists libisal; then
    cflags="$cflags -DSB_HAVE_ISAL=1"
    crc_libs=$(pkg-config --libs libisal)
fi

probe=$work/probe.c
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' > "$probe"
if ! "$cc" $cflags "$probe" -o "$work/probe" 2>"$work/probe.log"; then
    echo "fuzz-$name: $cc cannot build a libFuzzer target (is clang's runtime installed?): skipped"
    cat "$work/probe.log"
    exit 77
fi

# libsbuf as CMake builds it (impl/CMakeLists.txt), JACK peer included.
impl="$src/impl/*.c $src/impl/peers/jack.c"
impl_libs="$(pkg-config --libs jack) -lpthread"
b=$src/bench
case $name in
sbuf-ops)
    sources="$impl $src/tests/unit/support/sbt_deque.c"
    libs=$impl_libs ;;
frame)
    sources="$b/common/frame.c $b/common/crc.c"
    libs="$(pkg-config --libs zlib) $crc_libs" ;;
scenario)
    # every bench/ library as bench/CMakeLists.txt globs them: the key
    # table reaches into the strategies, allocators, transports and peers,
    # and that set moves as they grow; --gc-sections drops what the parser
    # never calls.
    # (serbench check links the strategy suites: tests/unit/suites/)
    sources="$(ls "$b"/common/*.c "$b"/device/*.c "$b"/transport/*.c "$b"/workload/*.c "$b"/runner/*.c | grep -v "/runner/main.c\$")
        $impl $src/tests/unit/support/*.c $src/tests/unit/suites/*.c"
    libs="$(pkg-config --libs zlib inih libserialport gsl jansson sqlite3 cmocka) $crc_libs $impl_libs -lm -ldl" ;;
*)
    echo "fuzz-$name: unknown target" >&2
    exit 2 ;;
esac

bin=$work/fuzz-$name
# --gc-sections: code the target never reaches may refer to units not listed.
# shellcheck disable=SC2086 # the lists are meant to split
"$cc" $cflags $includes -DSBUF_HAVE_JACK=1 "$src/tests/fuzz/fuzz-$name.c" $sources \
    -Wl,--gc-sections $libs -o "$bin"

# Fuzz a copy: libFuzzer adds what it finds to the corpus directory.
rm -rf "$work/corpus"
mkdir -p "$work/corpus"
cp "$src/tests/fuzz/corpus/$name/"* "$work/corpus/"

dict=
if [ -f "$src/tests/fuzz/$name.dict" ]; then
    dict=-dict=$src/tests/fuzz/$name.dict
fi

# mmap_log and ring_mirror create a file or memfd per input: keep them off
# the disk when there is a tmpfs.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    TMPDIR=/dev/shm
    export TMPDIR
fi

# libFuzzer's own failure code is 77 by default, CTest's skip code: use 1.
cd "$work"
rm -f crash-* leak-* timeout-* oom-* slow-unit-*
echo "fuzz-$name: fuzzing for ${secs} s"
"$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -error_exitcode=1 \
    -timeout_exitcode=1 -print_final_stats=1 -artifact_prefix="$work/" $dict "$work/corpus"
