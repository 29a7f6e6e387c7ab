#!/bin/sh
# fuzz-regressions.sh - every input a fuzzer once crashed sluice with, replayed
# through the same target (tests/fuzz/regressions/TARGET-*).
. "${top_srcdir:-.}/tests/lib.sh"
n=0
for f in "$top_srcdir"/tests/fuzz/regressions/engine-*; do
    [ -f "$f" ] || continue
    "$top_builddir/tests/fuzz_engine_replay" "$f" || fail "$f"
    n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no regression inputs found"
echo "fuzz regressions: $n replayed"
