#!/usr/bin/env bash
# The main job: set up, build, then
#  1. settle discharges end to end through the plug-in (libyizhan.so) the way an
#     HIS does — the sample HIS client loads the library with dlopen and runs
#     sign-in, person, admission (deposit decision), fee upload, pre-settlement
#     and settlement against the platform (in memory until the HTTPS simulator
#     lands), printing the cashier's view;
#  2. settle every sample case with the offline calculator (result XML and the
#     explanation).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh >/dev/null

banner() {
  echo "=================================================================="
  echo "== $*"
  echo "=================================================================="
}

banner "Discharge through the plug-in: Zhangye county hospital (Gansu)"
build/his-client --lib build/libyizhan.so --config config/yizhan.xml samples/his-client/stays/zhangye-db12.xml
echo
banner "Discharge through the plug-in (INIT/BUSINESS_HANDLE): Pengshui county hospital (Chongqing)"
build/his-client --compat --lib build/libyizhan.so --config samples/his-client/yizhan-pengshui.xml \
  samples/his-client/stays/pengshui-tk.xml
echo

for case in samples/cases/*.xml; do
  banner "Offline calculator: $case"
  build/yizhan settle --explain "$case"
  echo
  build/yizhan settle "$case"
  echo
done
