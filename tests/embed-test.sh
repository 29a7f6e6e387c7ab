#!/bin/sh
# embed-test.sh - run the embedding example (tests/embed), a host built only
# on <sluice.h> and libsluice.
. "${top_srcdir:-.}/tests/lib.sh"
out=$("$top_builddir/tests/embed") || fail "tests/embed exited non-zero: $out"
echo "$out"
echo "$out" | grep -q '^embed: ok$' || fail "embed did not report ok"
