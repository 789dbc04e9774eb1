#!/bin/sh
# package.sh BUILD WORK - cpack -G DEB builds a package of what
# `cmake --install` installs, with its dependencies declared (dpkg-shlibdeps
# over the binaries and libsbuf.so).  Exit 77 (skipped) without dpkg-dev.
# CTest: plugin-package.
set -eu
build=$1 work=$2
fail() { echo "plugin-package: $*" >&2; exit 1; }
for t in cpack dpkg-deb dpkg-shlibdeps; do
    command -v "$t" >/dev/null || { echo "plugin-package: no $t (apt-get install dpkg-dev): skipped"; exit 77; }
done
rm -rf "$work"
(cd "$build" && cpack -G DEB -B "$work" >"$build/cpack.log" 2>&1) ||
    { tail -20 "$build/cpack.log" >&2; fail "cpack -G DEB failed"; }
deb=$(ls "$work"/*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
for d in libc6 libjack-jackd2-0 libserialport0 libinih1 libgsl27 libcmocka0; do
    case $depends in *"$d"*) ;; *) fail "Depends lacks $d: $depends" ;; esac
done
case $(dpkg-deb -f "$deb" Recommends) in *socat*) ;; *) fail "Recommends lacks socat" ;; esac
files=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
for f in ./usr/bin/serbench ./usr/bin/serbench-micro ./usr/lib/libsbuf.so.1 ./usr/lib/libsbuf.a \
         ./usr/include/sbuf/plugin.h ./usr/lib/pkgconfig/sbuf.pc \
         ./usr/lib/cmake/sbuf/sbufConfig.cmake ./usr/share/man/man1/serbench.1 \
         ./usr/share/man/man5/serbench-scenario.5 ./usr/share/serbench/examples/plugin/myring.c; do
    echo "$files" | grep -qx "$f" || fail "$deb lacks $f"
done
echo "plugin-package: $deb, Depends: $depends"
