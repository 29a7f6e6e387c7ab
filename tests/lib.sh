# lib.sh - shared by the shell tests: where things are, skip and fail helpers.
# Tests run from the build directory; sources are under $top_srcdir.
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
: "${SLUICE:=$top_builddir/sluice}"
: "${PYTHON3:=$(command -v python3 || true)}"

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
# expect STATUS PATTERN -- command...: exit status and a stderr line matching PATTERN
expect() {
    want=$1 pat=$2
    shift 3
    "$@" >"$TMPD/out" 2>"$TMPD/err"
    got=$?
    [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want; stderr: $(cat "$TMPD/err")"
    [ -z "$pat" ] || grep -q -- "$pat" "$TMPD/err" ||
        fail "'$*': stderr does not match '$pat': $(cat "$TMPD/err")"
}
need_python() { [ -n "$PYTHON3" ] && [ -x "$PYTHON3" ] || skip "python3 not found"; }

# A scratch directory under the build tree, removed on exit.
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/sluice-test.XXXXXX") || fail "mktemp"
trap 'rm -rf "$TMPD"' EXIT
