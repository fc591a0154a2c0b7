#!/usr/bin/env bash
# The main job: set up, build, start the platform simulator (HTTPS on loopback),
# then settle discharges end to end the way an HIS does: the sample HIS client
# loads the plug-in (libyizhan.so) with dlopen and runs sign-in, person,
# admission (deposit decision), fee upload, pre-settlement and settlement; the
# plug-in syncs each step with the simulator over HTTPS (XML for Zhangye and
# Zhoushan, the JSON form for Pengshui), printing the cashier's view. Then the
# simulator stops, and every sample case is settled with the offline calculator.
#
# The simulator keeps its state in var/platform-sim/ (certificates, signing
# secret, journal) and each hospital's plug-in its ledger in var/ledger/
# (SQLite): a second run admits the same stays again under new mdtrt_ids
# (--run-id), on top of the accumulators of the runs before. At the end of the
# day the Zhangye hospital reconciles with the platform (3201/3202).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh >/dev/null

banner() {
  echo "=================================================================="
  echo "== $*"
  echo "=================================================================="
}

mkdir -p var/ledger
ready=var/platform-sim.ready
rm -f "$ready"
build/yizhan-platform-sim --state-dir var/platform-sim --persons samples/platform-sim/persons.xml \
  --port 8443 --admin-port 8444 --ready-file "$ready" >var/platform-sim.log 2>&1 &
sim_pid=$!
stop_sim() { kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null || true; }
trap stop_sim EXIT
for _ in $(seq 1 100); do
  [ -s "$ready" ] && break
  kill -0 "$sim_pid" 2>/dev/null || { cat var/platform-sim.log; echo "demo: the platform simulator did not start" >&2; exit 1; }
  sleep 0.1
done
[ -s "$ready" ] || { echo "demo: the platform simulator is not ready after 10 s" >&2; exit 1; }
banner "Platform simulator: https://127.0.0.1:8443 (state in var/platform-sim/)"

run_id=$(date +%H%M%S)
banner "Discharge through the plug-in over HTTPS/XML: Zhangye county hospital (Gansu)"
build/his-client --lib build/libyizhan.so --config config/yizhan-platform.xml --run-id "$run_id" \
  samples/his-client/stays/zhangye-db12.xml
echo
banner "Discharge through the plug-in (INIT/BUSINESS_HANDLE) over HTTPS/JSON: Pengshui county hospital (Chongqing)"
build/his-client --compat --lib build/libyizhan.so --config samples/his-client/yizhan-pengshui-platform.xml \
  --run-id "$run_id" samples/his-client/stays/pengshui-tk.xml
echo
banner "Discharge through the plug-in over HTTPS/XML: a Zhoushan hospital (Zhejiang)"
build/his-client --lib build/libyizhan.so --config samples/his-client/yizhan-zhoushan-platform.xml \
  --run-id "$run_id" samples/his-client/stays/zhoushan-db.xml
echo
banner "End of day: the Zhangye hospital reconciles today's settlements with the platform (3201, 3202)"
# Exit 5 means 不平 (e.g. var/ledger/ was removed but the platform kept its
# records): the report says which settlements differ; the demo goes on.
rc=0
build/yizhan reconcile --config config/yizhan-platform.xml --date "$(date +%F)" --detail || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 5 ] || { echo "demo: reconciliation failed (exit $rc)" >&2; exit 1; }
echo
stop_sim
trap - EXIT

for case in samples/cases/*.xml; do
  banner "Offline calculator: $case"
  build/yizhan settle --explain "$case"
  echo
  build/yizhan settle "$case"
  echo
done
