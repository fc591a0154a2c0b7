#!/usr/bin/env bash
# Installs what the build needs from Debian 12 packages, only what is missing.
# Idempotent; run as root (or with sudo available).
set -euo pipefail

# clang and libclang-rt-14-dev (its ASan/UBSan/libFuzzer runtimes): scripts/fuzz.sh.
packages=(g++ cmake ninja-build pkg-config libpugixml-dev libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev
          libboost1.81-dev libboost-json1.81-dev libssl-dev openssl libsqlite3-dev chromium poppler-utils fonts-wqy-microhei)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
