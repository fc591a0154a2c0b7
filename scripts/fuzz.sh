#!/usr/bin/env bash
# Fuzzes yz_call (tests/fuzz/fuzz_yz_call.cpp) with libFuzzer under AddressSanitizer
# and UndefinedBehaviorSanitizer for a bounded time, on a copy of the seed corpus.
#
#   scripts/fuzz.sh                 # 60 s
#   FUZZ_SECONDS=600 scripts/fuzz.sh
#
# Builds with clang in build-fuzz/ (-DYZ_FUZZ=ON -DYZ_SANITIZE=ON). Exits non-zero
# on any crash, leak, undefined behaviour, timeout or out-of-memory; the input
# that did it is kept in build-fuzz/artifacts/ and the way to replay it is printed.
# The last line is the verdict with libFuzzer's figures.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
case "$seconds" in '' | *[!0-9]*) echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, not '$seconds'" >&2; exit 2 ;; esac
for tool in clang clang++; do
  command -v "$tool" >/dev/null || { echo "fuzz: $tool not found (scripts/setup.sh installs it)" >&2; exit 2; }
done

echo "fuzz: building build-fuzz/ (clang, libFuzzer, ASan + UBSan)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DYZ_FUZZ=ON -DYZ_SANITIZE=ON >/dev/null
cmake --build build-fuzz --target fuzz_yz_call -j "$(nproc)"
target=build-fuzz/tests/fuzz/fuzz_yz_call

work=$(mktemp -d /tmp/yz-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r tests/fuzz/corpus "$work/corpus"
artifacts=$PWD/build-fuzz/artifacts
mkdir -p "$artifacts"

# Leaks and UB are failures; libFuzzer stops at the first one and saves the input.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
echo "fuzz: fuzz_yz_call for ${seconds} s on $(ls "$work/corpus" | wc -l) seed inputs (tests/fuzz/corpus)"
rc=0
"$target" "$work/corpus" -dict=tests/fuzz/yizhan.dict -max_total_time="$seconds" \
  -rss_limit_mb=2048 -malloc_limit_mb=2048 -max_len=65536 -timeout=30 -detect_leaks=1 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 >"$work/log" 2>&1 || rc=$?

# libFuzzer's last status line: "#N DONE cov: … ft: … corp: …/… exec/s: … rss: …"
stats=$(grep -E '^#[0-9]+' "$work/log" | tail -n 1 | tr -s ' \t' ' ' || true)
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
if [ "$rc" -ne 0 ] || grep -qE '^==[0-9]+==ERROR|runtime error:|CHECK FAILED|^SUMMARY: ' "$work/log"; then
  echo "fuzz: libFuzzer exited with status $rc; its report:" >&2
  grep -nE 'ERROR|runtime error|CHECK FAILED|SUMMARY|Test unit written|artifact_prefix|deadly signal|Base64' "$work/log" | head -n 20 >&2 || true
  echo "---- last 60 lines of the log ----" >&2
  tail -n 60 "$work/log" >&2
  cp "$work/log" "$artifacts/fuzz.log"
  echo "fuzz: the input is in $artifacts/ (log: $artifacts/fuzz.log); replay on a fresh handle with:" >&2
  echo "      YZ_FUZZ_REOPEN=1 $target $artifacts/<crash-…|leak-…|timeout-…|oom-…>" >&2
  echo "fuzz: FAILED after ${runs:-?} runs: ${stats:-no stats}"
  exit 1
fi
echo "fuzz: PASSED ${runs:-?} runs in ${seconds} s, no crash, leak or undefined behaviour: ${stats}"
