#!/usr/bin/env bash
# The main job (for now): set up, build, and settle every sample case in
# samples/cases with the offline calculator, printing each result (the 2303
# response XML) and its explanation for the cashier.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh >/dev/null
for case in samples/cases/*.xml; do
  echo "=================================================================="
  echo "== $case"
  echo "=================================================================="
  build/yizhan settle "$case"
  echo
  build/yizhan settle --explain "$case"
  echo
done
