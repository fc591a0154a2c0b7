// Monitoring exports (pure: settlements in, rows and TSV text out; no I/O).
//
//  1. The monthly push file (GS-MON-PUSH, KL-MON-PUSH; KL-MON-MONTHLY: the
//     month's pushes as a file for the 乡村振兴 platform): one row per patient,
//     stay and alert of the month, with the rule, the figure and the
//     threshold. An alert belongs to the month of its settlement's setl_time
//     (it is raised when the stay is settled). Only per-stay push alerts
//     (kind "push", basis "stay"); the year-based Zhoushan alerts have their
//     own lists below.
//  2. Zhoushan's monthly risk pools (ZS-MON-POOL): every person whose year's
//     accumulated personal burden as of the month's last day reaches the
//     threshold of their status on that day (assistance object 10000.00 ->
//     pushed to 民政/红十字会/慈善总会; left assistance 20000.00 -> 因病返贫
//     risk pool; others 30000.00 -> 因病致贫 risk pool), ">=" as written.
//  3. Zhoushan's quarterly bottom-line list (ZS-MON-BOTTOM): 特困/低保/低边
//     whose year's burden as of the quarter's last day is >= 50000.00, except
//     those who lost the status or died by the quarter's end (those are
//     returned as exclusions with the reason, for the reviewer).
//
// The year's figure of a person (pools, bottom list) is the larger of two
// lower bounds of what the platform holds: the sum over this ledger's counted
// settlements, and the platform's year accumulator right after the person's
// latest counted settlement (which includes other hospitals' stays up to
// then). Stays at other hospitals after that settlement are not seen: the
// platform's own monitoring covers them.
//
// Reversed settlements are excluded everywhere. A stay counts in the year of
// its discharge (enddate), in the month of its settlement (setl_time).
// TSV: UTF-8, a header line, TAB-separated, "\n" line ends, amounts in yuan
// with two decimals; a TAB, CR or LF inside a field is written as a space.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "core/money.h"
#include "core/status.h"
#include "engine/types.h"
#include "policy/model.h"

namespace yz::monitoring {

using policy::Category;

// One settlement as the ledger keeps it, with the alerts the engine raised.
struct ExportSettlement {
  std::string setl_id;
  std::string mdtrt_id;
  std::string psn_no;
  std::string insuplc_admdvs;          // the insured region
  std::optional<Category> category;    // resolved category (PS-ID-HIGHEST), if any
  Date enddate;                        // discharge date: the year it counts in
  std::string setl_time;               // "yyyy-MM-dd HH:mm:ss": the month it belongs to
  Fen psn_part_amt;                    // monitor_base = psn_part
  Fen inscp_selfpay;                   // monitor_base = inscp_selfpay (in-policy self-pay)
  // The platform's year accumulators right after this settlement
  // (accum_after.psn_burden / inscp_burden): they count the person's stays
  // at every hospital, where the sums above count only this ledger's.
  std::optional<Fen> year_psn_burden_after, year_inscp_burden_after;
  bool reversed = false;               // reversed (2305) by the time of the export
  std::vector<Alert> alerts;
};

// A category the person held, as the identity authorities reported it.
struct CategorySpan {
  Category category = Category::TK;
  Date begin;
  std::optional<Date> end;             // inclusive; nullopt = open
  bool valid_on(Date d) const { return begin <= d && (!end || d <= *end); }
};

struct PersonStatus {
  std::string psn_no;
  std::vector<CategorySpan> categories;  // assistance categories only (mapped by the region's identity_map)
  std::optional<Date> death_date;
};

// ---- 1. Monthly push file -----------------------------------------------------

struct PushRow {
  std::string month;        // "2023-07"
  std::string psn_no, mdtrt_id, setl_id;
  Date enddate;
  std::string rule;         // GS-MON-PUSH | KL-MON-PUSH
  Fen figure, threshold;
  std::string category;     // code, "" if none
  std::string region;       // insuplc_admdvs
  std::string group;        // "农村低收入人口和脱贫人口" / "其他农村居民" / "监测对象"
  std::string target;       // the receiving systems, "民政,乡村振兴"
};

// Rows of the month, ordered by psn_no, setl_time, setl_id, rule. `target`
// non-empty keeps only alerts whose recipients include it ("乡村振兴" for
// KL-MON-MONTHLY). Errors: YZ-INPUT-RANGE (month), YZ-INPUT-DATE (a
// settlement's setl_time).
Status monthly_push_rows(const std::vector<ExportSettlement>& settlements, int year, int month,
                         std::string_view target, std::vector<PushRow>& out);
std::string push_tsv(const std::vector<PushRow>& rows);

// ---- 2. Zhoushan monthly risk pools -------------------------------------------

enum class Pool : uint8_t { AssistancePush, LeftAssistance, NonAssistance };
const char* pool_name(Pool p);  // "救助对象高额费用推送" | "因病返贫风险潜在库" | "因病致贫风险潜在库"

struct PoolRow {
  std::string month;        // "2023-07"
  std::string psn_no;
  Pool pool = Pool::NonAssistance;
  std::string category;     // the category valid at month end ("" if none)
  Fen figure;               // year's personal burden as of month end
  Fen threshold;
  int settlements = 0;      // counted in the figure
  std::string region;       // insuplc_admdvs of the person's latest settlement
  std::string rule;         // ZS-MON-POOL
  std::string target;       // recipients (assistance push) or "相关部门" (the risk pools)
};

// `settlements`: the person's settlements of the year so far (others are
// ignored: other discharge years, settled after the month end, reversed).
// Status on the month's last day from `persons` (a person without an entry:
// from the category of their latest settlement). Ordered by psn_no.
Status monthly_pool_rows(const std::vector<ExportSettlement>& settlements, const std::vector<PersonStatus>& persons,
                         const policy::MonitorPoolRule& rule, int year, int month, std::vector<PoolRow>& out);
std::string pool_tsv(const std::vector<PoolRow>& rows);

// ---- 3. Zhoushan quarterly bottom-line list -------------------------------------

struct BottomRow {
  std::string quarter;      // "2023Q3"
  std::string psn_no;
  std::string category;     // the listed category valid at quarter end
  Fen figure;               // year's personal burden as of quarter end
  Fen threshold;
  int settlements = 0;
  std::string region;
  std::string rule;         // ZS-MON-BOTTOM
  std::string target;       // recipients
};
struct BottomExclusion {
  std::string psn_no;
  Fen figure;
  std::string reason;       // "died" | "lost_status" | "not_listed"
  std::string text;         // one line of Chinese
};

// People at or above the line whose status on the quarter's last day is not
// a listed category (or who died by then) go to `excluded` with the reason.
Status quarterly_bottom_rows(const std::vector<ExportSettlement>& settlements, const std::vector<PersonStatus>& persons,
                             const policy::MonitorBottomRule& rule, int year, int quarter, std::vector<BottomRow>& out,
                             std::vector<BottomExclusion>& excluded);
std::string bottom_tsv(const std::vector<BottomRow>& rows);

}  // namespace yz::monitoring
