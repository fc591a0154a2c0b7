// Reconciliation with the platform (3201 totals, 3202 detail): pure functions
// over settlement rows. No I/O except the two explicit file helpers at the end.
//
// ---- The rows ------------------------------------------------------------------
// One row per settlement as the national 3202 detail file lists it: setl_id,
// mdtrt_id, psn_no, medfee_sumamt, fund_pay_sumamt, acct_pay, refd_setl_flag,
// plus the plug-in's columns psn_cash_pay, setl_time and the amount of each
// fund type (kFundTypes). A reversed settlement (2305) is TWO rows: the forward
// row (refd_setl_flag 0, amounts as settled) and the reverse row
// (refd_setl_flag 1, every amount negated, setl_time = the reversal's time).
// The reverse row carries the setl_id of the settlement it reverses, so
// (setl_id, refd_setl_flag) identifies a row and pairs the two. Each row
// belongs to the period of its own setl_time: a settlement of the 1st reversed
// on the 2nd is a forward row on the 1st and a reverse row on the 2nd.
//
// ---- Totals (3201) ---------------------------------------------------------------
// Reading of the national rule "退费结算计入笔数": the settlement count is
// forward rows minus reverse rows (the settlements that stand), and every
// amount is the net sum over all rows (reverse rows are negative), so a
// settlement and its reversal in the same period add nothing. Because a pair
// nets to zero, the numbers of forward and reverse rows are also compared (as
// their own lines): a pair present on one side only still makes the totals
// "不平" and sends the day to the detail comparison.
//
// ---- Detail file (3202), TSV -------------------------------------------------------
// UTF-8, "\n" line ends, a header line, then one row per line, TAB-separated,
// in this column order (kDetailHeader):
//   setl_id mdtrt_id psn_no medfee_sumamt fund_pay_sumamt acct_pay refd_setl_flag
//   psn_cash_pay setl_time fund_390100 fund_390200 fund_390300 fund_610100 fund_610102 fund_610103
// The first seven are the national columns; the rest are the plug-in's.
// Amounts are yuan with exactly two decimals ("1234.50", reverse rows
// "-1234.50"); refd_setl_flag is 0 or 1; setl_time is "yyyy-MM-dd HH:mm:ss" or
// empty. write_detail sorts rows by setl_id (bytewise), then flag (0 before 1).
// parse_detail is strict and names the line (YZ-RECON-FILE): wrong header,
// wrong number of columns, empty or over-long ids (64 bytes), a control
// character in a field, an amount not in the "d.dd" form or beyond
// 9,999,999,999.99, a negative amount on a forward row or a positive one on a
// reverse row, a bad flag or time, a duplicate (setl_id, refd_setl_flag), a
// blank line; on an error `out` is left empty. Tolerated: a UTF-8 BOM, CRLF
// line ends, no final line end.
//
// ---- Differences ----------------------------------------------------------------
// compare() groups both sides' rows by setl_id and, for each settlement:
//  - present on one side only (no row of it at all on the other): the side that
//    has its forward row names it MissingAtPlatform / MissingLocally, once
//    (even if that side also has its reverse row). If that side has only the
//    reverse row (the forward row lies in an earlier period), it is
//    ReversedOneSide.
//  - present on both: a forward row on one side only is MissingAtPlatform /
//    MissingLocally; a reverse row on one side only is ReversedOneSide
//    (field refd_setl_flag); rows present on both sides are compared field by
//    field — mdtrt_id, psn_no, then every amount — each difference an
//    AmountMismatch naming the field. A field already reported for the
//    forward row is not reported again for the reverse row.
// setl_time is never compared (the two clocks differ). Diffs come out ordered
// by setl_id. compare() is a sort-merge over compact keys (the id's first 24
// bytes as words, the row index); rows already in write_detail's order are not
// re-sorted. A duplicate (setl_id, flag) on one
// side is an error (YZ-RECON-DUP).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/status.h"
#include "engine/types.h"

namespace yz::recon {

// The fund types totalled and listed per row (HIS-INTERFACE.md §3).
inline constexpr size_t kFundCount = 6;
inline constexpr std::array<const char*, kFundCount> kFundTypes = {"390100", "390200", "390300",
                                                                   "610100", "610102", "610103"};
// "基本医疗保险统筹基金" … ; nullptr-free, same order as kFundTypes.
const char* fund_type_name(size_t i);
// Index in kFundTypes of a fund_pay_type, or -1.
int fund_index(std::string_view fund_pay_type);

inline constexpr const char* kDetailHeader =
    "setl_id\tmdtrt_id\tpsn_no\tmedfee_sumamt\tfund_pay_sumamt\tacct_pay\trefd_setl_flag\t"
    "psn_cash_pay\tsetl_time\tfund_390100\tfund_390200\tfund_390300\tfund_610100\tfund_610102\tfund_610103";

struct Row {
  std::string setl_id;
  std::string mdtrt_id;
  std::string psn_no;
  Fen medfee_sumamt;
  Fen fund_pay_sumamt;
  Fen acct_pay;
  Fen psn_cash_pay;
  std::array<Fen, kFundCount> fund{};  // per fund type, kFundTypes order
  bool refd_setl_flag = false;         // false: forward row (0); true: reverse row (1), amounts negative
  std::string setl_time;               // "yyyy-MM-dd HH:mm:ss" (or empty)
  bool operator==(const Row&) const = default;
};

// The forward row of a settlement as the engine computed it.
Row forward_row(const Settlement& s, std::string setl_id, std::string setl_time);
// The reverse row of a forward row: same ids, flag 1, every amount negated.
Row reverse_row(const Row& forward, std::string reversal_time);

struct Totals {
  int64_t setl_cnt = 0;      // forward rows - reverse rows
  int64_t forward_rows = 0;
  int64_t reverse_rows = 0;
  Fen medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay;  // net
  std::array<Fen, kFundCount> fund{};                          // net, kFundTypes order
  bool operator==(const Totals&) const = default;
};

// Totals of rows (any order). Throws MoneyOverflow only past ~9.2e16 yuan.
Totals totals(const std::vector<Row>& rows);

// One line of the totals comparison, for the report.
struct TotalsLine {
  std::string key;       // "setl_cnt", "medfee_sumamt", "fund_390100", …
  std::string label;     // "结算笔数（正向减撤销）", "医疗费总额", "基本医疗保险统筹基金（390100）", …
  std::string local, platform;  // "12" / "1234.50"
  bool equal = true;
};
std::vector<TotalsLine> compare_totals(const Totals& local, const Totals& platform);

// ---- Detail file -------------------------------------------------------------------

std::string write_detail(const std::vector<Row>& rows);
Status parse_detail(std::string_view text, std::vector<Row>& out);

// ---- Differences -------------------------------------------------------------------

enum class DiffClass { MissingAtPlatform, MissingLocally, AmountMismatch, ReversedOneSide };
const char* diff_class_code(DiffClass c);  // "missing_at_platform", "missing_locally", "amount_mismatch", "reversed_one_side"
const char* diff_class_name(DiffClass c);  // "平台无此结算", "本地无此结算", "金额不符", "单边撤销"

struct Diff {
  DiffClass cls = DiffClass::AmountMismatch;
  std::string setl_id, mdtrt_id, psn_no;
  bool reverse_row = false;    // the row it is about: forward (false) or reverse (true)
  std::string field;           // AmountMismatch: "medfee_sumamt", "fund_610100", "mdtrt_id", …;
                               // ReversedOneSide: "refd_setl_flag"; Missing*: ""
  std::string field_label;     // "医疗费总额", …; "撤销标志"; ""
  std::string local_value;     // the local side's value: an amount, an id, "已撤销"/"未撤销", "无"
  std::string platform_value;  // the same for the platform
  std::string advice;          // what finance staff should do (Chinese)
};

// Label of a compared field ("medfee_sumamt" -> "医疗费总额"); the key itself if unknown.
std::string field_label(std::string_view field);

// Classifies every difference between the two sides' rows of a period.
Status compare(const std::vector<Row>& local, const std::vector<Row>& platform, std::vector<Diff>& out);

// ---- The result of a reconciliation -----------------------------------------------

struct Result {
  std::string period_begin, period_end;  // "yyyy-MM-dd" (equal for a day)
  Totals local, platform;
  std::vector<TotalsLine> lines;         // compare_totals(local, platform)
  bool totals_equal = false;             // every line equal: "平"
  bool detail_run = false;               // 3202 was run (totals differed, or asked for)
  std::vector<Diff> diffs;
  bool detail_equal() const { return detail_run && diffs.empty(); }
};
inline const char* balance_text(bool equal) { return equal ? "平" : "不平"; }

// The 3201 step: fills local, platform, lines, totals_equal.
Result reconcile_totals(std::string period_begin, std::string period_end, const Totals& local, const Totals& platform);
// The 3202 step: compare() into r.diffs, detail_run = true.
Status reconcile_detail(Result& r, const std::vector<Row>& local, const std::vector<Row>& platform);

// ---- File helpers (the only I/O here) -----------------------------------------------

inline constexpr size_t kMaxDetailFileBytes = size_t(1) << 30;  // 1 GiB (~6 million rows)
// Writes write_detail(rows) to path through a temporary file and a rename.
Status write_detail_file(const std::string& path, const std::vector<Row>& rows);
// Reads and parses path (YZ-RECON-FILE on I/O errors and files over the limit).
Status read_detail_file(const std::string& path, std::vector<Row>& out);

}  // namespace yz::recon
