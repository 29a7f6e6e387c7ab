#!/bin/sh
# exports.sh - libsluice exports the public sluice_* API and nothing else
# (an embeddable engine must not leak symbols into its host).
. "${top_srcdir:-.}/tests/lib.sh"
lib="$top_builddir/.libs/libsluice.so"
[ -f "$lib" ] || skip "no shared library built ($lib)"
syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort)
[ -n "$syms" ] || fail "no exported symbols found in $lib"
bad=$(echo "$syms" | grep -v '^sluice_' || true)
[ -z "$bad" ] || fail "libsluice exports non-API symbols: $(echo $bad | head -c 400)"
# Every function in the public header is exported.
for f in $(grep -o 'sluice_[a-z_]*(' "$top_srcdir/plugin/sluice.h" | tr -d '(' | sort -u); do
    echo "$syms" | grep -qx "$f" || fail "$f is declared in sluice.h but not exported"
done
echo "exports: $(echo "$syms" | wc -l) symbols, all sluice_*"
