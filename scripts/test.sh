#!/usr/bin/env bash
# All tests: set up, build, run ctest; then the whole suite again under
# AddressSanitizer + UndefinedBehaviorSanitizer (scripts/sanitize.sh, build-asan/)
# and libFuzzer on yz_call for FUZZ_SECONDS (default 60; scripts/fuzz.sh, build-fuzz/).
# Stops at the first failure. The last line is the verdict: on success ctest's
# summary line over both ctest runs ("100% tests passed, 0 tests failed out of
# N", after a line with the details and the fuzzer's figures); otherwise
# "test.sh: FAILED …".
set -euo pipefail
cd "$(dirname "$0")/.."

logs=$(mktemp -d /tmp/yz-test.XXXXXX)
stage="setup (scripts/setup.sh)"
on_exit() {
  local rc=$?
  rm -rf "$logs"
  if [ "$rc" -ne 0 ]; then echo "test.sh: FAILED in $stage (exit status $rc); nothing after it ran"; fi
}
trap on_exit EXIT

# "100% tests passed, 0 tests failed out of 256" -> "256" (total), checked 0 failed.
ctest_total() {
  local line
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$1" | tail -n 1)
  [[ "$line" =~ ([0-9]+)\ tests\ failed\ out\ of\ ([0-9]+) ]] || { echo "no ctest summary in $1" >&2; return 1; }
  [ "${BASH_REMATCH[1]}" -eq 0 ] || return 1
  echo "${BASH_REMATCH[2]}"
}

scripts/setup.sh
stage="the build (scripts/build.sh)"
scripts/build.sh
stage="ctest in build/"
ctest --test-dir build --output-on-failure -j "$(nproc)" | tee "$logs/build.log"
n_build=$(ctest_total "$logs/build.log")

stage="the ASan + UBSan suite (scripts/sanitize.sh, build-asan/)"
scripts/sanitize.sh | tee "$logs/asan.log"
n_asan=$(ctest_total "$logs/asan.log")

stage="the fuzzer (scripts/fuzz.sh, build-fuzz/)"
scripts/fuzz.sh | tee "$logs/fuzz.log"
fuzz=$(grep -E '^fuzz: PASSED' "$logs/fuzz.log" | tail -n 1 | sed -E 's/^fuzz: PASSED ([0-9]+) runs in ([0-9]+) s.*/\1 runs in \2 s/')
[ -n "$fuzz" ]

stage="the summary"
echo "ctest: build/ $n_build passed, build-asan/ (ASan+UBSan) $n_asan passed; fuzz_yz_call: $fuzz, no crash, leak or UB"
echo "100% tests passed, 0 tests failed out of $((n_build + n_asan))"
