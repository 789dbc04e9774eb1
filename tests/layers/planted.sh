#!/bin/sh
# planted.sh SRC - the include-rule check must catch a back-reference: a
# copy of the tree with `#include "suite.h"` (the runner's) planted in
# bench/common/units.c must fail, naming that file and line.
set -eu
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$src/bench" "$src/impl" "$tmp/"
mkdir -p "$tmp/tests"
line=$(($(wc -l < "$tmp/bench/common/units.c") + 1))
echo '#include "suite.h"' >> "$tmp/bench/common/units.c"
if out=$(python3 "$src/scripts/check-layers" "$tmp"); then
    echo "planted.sh: check-layers passed a planted back-reference" >&2
    exit 1
fi
echo "$out"
echo "$out" | grep -q "^bench/common/units.c:$line: common includes suite.h of runner" || {
    echo "planted.sh: the violation was not named at bench/common/units.c:$line" >&2
    exit 1
}
echo "planted back-reference found at bench/common/units.c:$line"
