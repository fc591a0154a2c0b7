#!/usr/bin/env bash
# Browser test (ctest browser.slip_and_recon): renders a settlement slip
# (`yizhan slip` over the offline calculator's output for the Gansu sample
# case) and two reconciliation reports (a clean day; a day with one difference
# of every class, tests/browser/*.tsv), prints each to PDF with headless
# Chromium, and checks the PDF's text with pdftotext.
#
#   check_slip.sh YIZHAN RENDER_RECON
set -euo pipefail
yizhan=$1
render=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
for tool in chromium pdftotext; do
  command -v "$tool" >/dev/null || { echo "check_slip: $tool is not installed (scripts/setup.sh installs it)"; exit 1; }
done
tmp=$(mktemp -d /tmp/yz-browser.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "check_slip: FAILED: $*"; exit 1; }

# Prints $1.html to $1.pdf and its text (layout kept) to $1.txt.
print_pdf() {
  timeout 60 chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer --user-data-dir="$tmp/profile" \
    --print-to-pdf="$tmp/$1.pdf" "file://$tmp/$1.html" >"$tmp/$1.chromium.log" 2>&1 ||
    { cat "$tmp/$1.chromium.log"; fail "chromium could not print $1.html"; }
  [ -s "$tmp/$1.pdf" ] || fail "chromium wrote no $1.pdf"
  pdftotext -layout "$tmp/$1.pdf" "$tmp/$1.txt"
}
# has FILE REGEX: the PDF text matches (extended regex).
has() { grep -Eq -- "$2" "$tmp/$1.txt" || { cat "$tmp/$1.txt"; fail "$1: no line matches '$2'"; }; }
hasnt() { ! grep -Eq -- "$2" "$tmp/$1.txt" || { cat "$tmp/$1.txt"; fail "$1: a line matches '$2'"; }; }

# --- The slip: the figures it must show are the first settlement's in the XML.
"$yizhan" settle "$root/samples/cases/gansu-zhangye-db12.xml" >"$tmp/results.xml"
first() { grep -m1 -o "<$1>[^<]*</$1>" "$tmp/results.xml" | sed -E "s|</?$1>||g"; }
"$yizhan" slip --settlement "$tmp/results.xml" --hospital-name "张掖市示例医院" --hospital-code H62070200001 \
  --patient-name "张三" --begndate 2023-07-20 --enddate 2023-08-02 --deposit-rule "GS-DEP-WAIVE 低保对象免交住院押金" \
  -o "$tmp/slip.html"
print_pdf slip
has slip "医疗保障一站式结算单"
has slip "张掖市示例医院"
has slip "张三"
has slip "2023-07-20 至 2023-08-02"
has slip "医疗费总额 +$(first medfee_sumamt)"
has slip "基本医保（统筹基金） +$(first hifp_pay)"
has slip "大病保险 +$(first hifmi_pay)"
has slip "补充保险 +$(first oth_pay)"
has slip "医疗救助 +$(first maf_pay)"
has slip "医院负担 +$(first hosp_part_amt)"
has slip "个人现金支付（患者应付） +$(first psn_cash_pay)"
has slip "GS-DEP-WAIVE 低保对象免交住院押金"
has slip "基本医保：政策范围内"

# --- A clean day: "平" for the totals and the detail, no "不平".
"$render" "$root/config/templates/recon.html" "$here/local.tsv" "$here/local.tsv" "$tmp/clean.html"
print_pdf clean
has clean "总账对账（3201）：平"
has clean "明细对账（3202）：平"
has clean "医疗费总额 +4000.50 +4000.50 +平"  # 1000.00 + 2500.50 + 800.00 - 800.00 + 500.00
hasnt clean "不平"

# --- A day with one difference of every class.
"$render" "$root/config/templates/recon.html" "$here/local.tsv" "$here/platform.tsv" "$tmp/diffs.html"
print_pdf diffs
has diffs "总账对账（3201）：不平"
has diffs "明细对账（3202）：不平"
has diffs "差异共 4 项"
for cls in 平台无此结算 本地无此结算 金额不符 单边撤销; do has diffs "$cls"; done
has diffs "S20231122000"
has diffs "S20231122004"

# --- `yizhan slip` on something that is not a settlement output: exit 2, YZ-REPORT-INPUT.
rc=0
"$yizhan" slip --settlement "$root/samples/cases/gansu-zhangye-db12.xml" -o "$tmp/bad.html" 2>"$tmp/bad.err" || rc=$?
{ [ "$rc" -eq 2 ] && grep -q YZ-REPORT-INPUT "$tmp/bad.err"; } || fail "slip of a case file: exit $rc, $(cat "$tmp/bad.err")"
echo "check_slip: ok"
