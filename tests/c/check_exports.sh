#!/bin/sh
# ctest plugin.exports: libyizhan.so exports exactly the documented symbols of
# include/yizhan/yizhan.h (and its version node), nothing else: no C++ symbol of
# the core, no pugixml, no inline library code that could clash in an HIS process.
# usage: check_exports.sh path/to/libyizhan.so
set -eu
lib=${1:?usage: check_exports.sh libyizhan.so}
expected='BUSINESS_HANDLE
INIT
YIZHAN_0.2
yz_call
yz_close
yz_errmsg
yz_free
yz_open
yz_version
yz_version_number'
# nm prints "ADDRESS TYPE NAME[@@VERSION]"; keep the name.
actual=$(nm -D --defined-only "$lib" | awk '{ print $NF }' | sed 's/@.*//' | LC_ALL=C sort -u)
if [ "$actual" != "$expected" ]; then
  echo "exported symbols differ from the documented ones (< expected, > actual):"
  printf '%s\n' "$expected" > "${TMPDIR:-/tmp}/yz_exports_expected.$$"
  printf '%s\n' "$actual" | diff "${TMPDIR:-/tmp}/yz_exports_expected.$$" - || true
  rm -f "${TMPDIR:-/tmp}/yz_exports_expected.$$"
  exit 1
fi
# Every documented function carries the version node.
for f in BUSINESS_HANDLE INIT yz_call yz_close yz_errmsg yz_free yz_open yz_version yz_version_number; do
  if ! nm -D --defined-only "$lib" | grep -q " $f@@YIZHAN_0.2\$"; then
    echo "$f is not exported as $f@@YIZHAN_0.2"
    nm -D --defined-only "$lib"
    exit 1
  fi
done
echo "libyizhan.so exports exactly: $(echo $actual)"
