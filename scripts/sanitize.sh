#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer:
# builds build-asan/ (-DYZ_SANITIZE=ON) and runs ctest there.
#
#   scripts/sanitize.sh                  # g++ (or SANITIZE_CXX=clang++ SANITIZE_CC=clang)
#
# Any sanitizer report fails the test that raised it: ASan and LSan halt, and
# UBSan is built with -fno-sanitize-recover=all (and halts at run time too).
# YZ_PROPERTY_STAYS (default here 20000) asks the property tests for fewer
# random stays per region under the sanitizers (each stay is some 5x slower
# there); the normal build's ctest, in the same test command, runs 100,000 a
# region.
set -euo pipefail
cd "$(dirname "$0")/.."

cc=${SANITIZE_CC:-gcc}
cxx=${SANITIZE_CXX:-g++}
echo "sanitize: building build-asan/ ($cxx, ASan + UBSan)"
# -O1 -g1: a third of -O2 -g's compile time under the sanitizers (g++ 12), line
# tables enough for the reports' stack traces; _GLIBCXX_ASSERTIONS checks
# container and string_view bounds as well.
flags="-O1 -g1 -fno-sanitize-recover=all -D_GLIBCXX_ASSERTIONS"
# No benchmarks here: they measure the normal build, and building them costs CI minutes.
CC=$cc CXX=$cxx cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DYZ_SANITIZE=ON -DYZ_BENCH=OFF \
  -DCMAKE_C_FLAGS_SANITIZE="$flags" -DCMAKE_CXX_FLAGS_SANITIZE="$flags" >/dev/null
cmake --build build-asan -j "$(nproc)"

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:strict_init_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export YZ_PROPERTY_STAYS=${YZ_PROPERTY_STAYS:-20000}
echo "sanitize: ctest in build-asan/ (YZ_PROPERTY_STAYS=$YZ_PROPERTY_STAYS)"
ctest --test-dir build-asan --output-on-failure -j "$(nproc)"
