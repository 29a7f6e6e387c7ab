#!/bin/sh
# test-all.sh - what CI runs (.ci/run): install dependencies, build with
# warnings as errors, run every test, `make distcheck`, then the whole suite
# again under AddressSanitizer and UndefinedBehaviorSanitizer.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
tools/deps.sh
autoreconf -fi >/dev/null 2>&1

run_suite() { # dir, configure flags...
    dir=$1
    shift
    rm -rf "$dir"
    mkdir -p "$dir"
    (cd "$dir" && "$top/configure" --quiet --enable-werror "$@" && make -j"$(nproc)" --quiet >/dev/null)
    if ! (cd "$dir" && make -j"$(nproc)" check); then
        for log in "$dir"/tests/*.log; do
            grep -q '^:test-result: \(FAIL\|ERROR\)' "${log%.log}.trs" 2>/dev/null && { echo "== $log"; cat "$log"; }
        done
        return 1
    fi
}

count() { # adds this build's results to the totals
    for trs in "$1"/tests/*.trs; do
        case "$(sed -n 's/^:test-result: //p' "$trs")" in
        PASS) passed=$((passed + 1)) ;;
        SKIP) skipped=$((skipped + 1)) ;;
        *) failed=$((failed + 1)) ;;
        esac
    done
    # Each Check unit test counts on its own, not as one program.
    n=$(sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' "$1/tests/check_main.log")
    set -- $n
    passed=$((passed + $1 - $2 - $3 - 1))
}

passed=0 failed=0 skipped=0
status=0
echo "== build and test (gcc, -Werror)"
run_suite build || status=1
count build
echo "== make distcheck"
(cd build && make --quiet distcheck >/dev/null) || { echo "distcheck failed"; status=1; }
echo "== build and test (ASan + UBSan)"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_suite build-asan --enable-sanitizers || status=1
count build-asan
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
