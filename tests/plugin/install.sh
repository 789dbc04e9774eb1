#!/bin/sh
# install.sh BUILD SOURCE WORK - what README's "Your own strategy" tells a
# user to do, from outside the tree: install serbench into a fresh prefix,
# build examples/plugin against that prefix alone (find_package(sbuf), and
# pkg-config sbuf), check the plugin with the installed serbench, run its
# scenario beside ring_spsc, and read the man pages.  CTest: plugin-install.
set -eu
build=$1 src=$2 work=$3
# $4: the sanitizer flags of the build under test, if any: a plugin that a
# ThreadSanitizer serbench loads must be instrumented too, or TSan reports its
# unseen atomics as races.
sanflags=${4:-}

fail() { echo "plugin-install: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || fail "cmake --install failed"
for f in bin/serbench bin/serbench-micro lib/libsbuf.a include/sbuf/sbuf.h \
         include/sbuf/strategy.h include/sbuf/plugin.h include/sbuf/registry.h \
         include/sbuf/pool.h lib/pkgconfig/sbuf.pc lib/cmake/sbuf/sbufConfig.cmake \
         share/man/man1/serbench.1 share/man/man5/serbench-scenario.5 \
         share/serbench/scenarios/smoke.ini share/serbench/examples/plugin/myring.c; do
    [ -e "$prefix/$f" ] || fail "$f not installed"
done
# nothing private, nothing of the build tree
[ ! -e "$prefix/include/sbuf/sbuf_internal.h" ] || fail "a private header was installed"
ldd "$prefix/bin/serbench" | grep -q "libsbuf.so.1 => $prefix/" ||
    fail "the installed serbench does not load the installed libsbuf: $(ldd "$prefix/bin/serbench" | grep sbuf)"

# The example, from the installed copy, against the prefix only.
cp -r "$prefix/share/serbench/examples/plugin" "$work/example"
ex=$work/example
cmake -S "$ex" -B "$ex/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_FLAGS="$sanflags" \
      -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF \
      >"$work/example-cmake.log" 2>&1 || { cat "$work/example-cmake.log" >&2; fail "configure failed"; }
grep -q "^sbuf_DIR:PATH=$prefix/lib/cmake/sbuf\$" "$ex/build/CMakeCache.txt" ||
    fail "find_package(sbuf) found $(grep '^sbuf_DIR' "$ex/build/CMakeCache.txt"), not $prefix"
cmake --build "$ex/build" >"$work/example-build.log" 2>&1 ||
    { cat "$work/example-build.log" >&2; fail "build failed"; }
so=$ex/build/libmyring.so
[ -f "$so" ] || fail "no $so"
nm -D --defined-only "$so" | grep -q ' sbuf_plugin_entry$' || fail "no sbuf_plugin_entry exported"

# The same with pkg-config alone.
pc="$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs sbuf)" ||
    fail "pkg-config sbuf failed"
case $pc in *"$prefix"/*) ;; *) fail "pkg-config sbuf points elsewhere: $pc" ;; esac
# shellcheck disable=SC2086 # pkg-config's flags are meant to split
cc -std=c11 -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror $sanflags "$ex/myring.c" $pc \
   -o "$work/libmyring-pc.so" || fail "building with pkg-config's flags failed"

# serbench check with the installed serbench.
"$prefix/bin/serbench" check "$so" --quick >"$work/check.out" 2>&1 ||
    { cat "$work/check.out" >&2; fail "serbench check failed"; }
grep -q '^PASS  conformance myring/zero_copy_core' "$work/check.out" || fail "no conformance verdicts"
grep -q '^PASS  model       myring/random_ops' "$work/check.out" || fail "no model verdict"
grep -q '^PASS  stress      myring/spsc' "$work/check.out" || fail "no stress verdict"
grep -q ', 0 failed: ok$' "$work/check.out" || fail "check summary: $(tail -1 "$work/check.out")"
"$prefix/bin/serbench" check "$work/libmyring-pc.so" --quick --strategy myring >"$work/check-pc.out" 2>&1 ||
    { cat "$work/check-pc.out" >&2; fail "serbench check of the pkg-config build failed"; }

# The example's scenario, beside ring_spsc, from the example's directory.
(cd "$ex" && SERBENCH_DURATION=200ms "$prefix/bin/serbench" run myring.ini -o "$work/out" -q \
    >"$work/run.out" 2>&1) || { cat "$work/run.out" >&2; fail "serbench run myring.ini failed"; }
sum=$(sha256sum "$so" | cut -d' ' -f1)
real=$(realpath "$so")
/usr/bin/python3 - "$work/out/runs.csv" "$real" "$sum" <<'PY' || fail "runs.csv: see above"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = sorted((r["job"], r["strategy"]) for r in rows)
want = sorted((j, s) for j in ("small", "large") for s in ("ring_spsc", "myring"))
if got != want:
    sys.exit(f"runs {got}, want {want}")
for r in rows:
    if r["status"] != "ok":
        sys.exit(f"{r['job']}/{r['strategy']}: {r['status']}: {r['reason']}")
    plugin = (sys.argv[2], sys.argv[3]) if r["strategy"] == "myring" else ("", "")
    if (r["plugin"], r["plugin_sha256"]) != plugin:
        sys.exit(f"{r['strategy']}: plugin {r['plugin']!r} {r['plugin_sha256']!r}, want {plugin}")
PY
grep -q "\"sha256\": \"$sum\"" "$work/out/env.json" || fail "env.json lacks the plugin's hash"
grep -q '| myring |' "$work/out/summary.md" || fail "summary.md lacks myring"

# The man pages: found by man, and clean roff.
if command -v man >/dev/null; then
    MANPATH=$prefix/share/man man -w serbench >/dev/null 2>&1 || fail "man cannot find serbench(1)"
fi
if command -v groff >/dev/null; then
    for page in man1/serbench.1 man5/serbench-scenario.5; do
        warn=$(groff -man -ww -z -Tutf8 "$prefix/share/man/$page" 2>&1) || fail "groff: $page"
        [ -z "$warn" ] || fail "$page: $warn"
    done
fi
grep -q 'serbench check PLUGIN' "$prefix/share/man/man1/serbench.1" || fail "serbench(1) lacks check"
grep -q 'plugin:PATH' "$prefix/share/man/man5/serbench-scenario.5" || fail "serbench-scenario(5) lacks plugin:PATH"
echo "plugin-install: installed into $prefix, built, checked and ran the example plugin"
