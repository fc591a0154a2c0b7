// Feeds the pure monitoring exports (export/monitoring_export.h) and the
// XZ-MA-APPLY assessment (subsidy/xz_apply.h) from the plug-in's ledger, the
// platform's 1101 answers and a 民政 status file.
//
// - Settlements: Ledger::list_settlements over setl_time. A memory ledger
//   keeps the Settlement's structures (alerts, category, dates); a durable one
//   keeps the figures and the category as columns and the rest in output_xml
//   (the <output> of the 2304 response: setlinfo/yz_enddate,
//   yz_monitor/alert). What the entry's Settlement lacks is read from there.
//   The insured region comes from the stay record (2401), else the policy
//   node the settlement used (Settlement::region_admdvs).
// - Reversed settlements keep reversed = true; the pure functions skip them.
// - Windows: a month's pushes are the settlements whose setl_time lies in the
//   month; the year's burden as of a day counts settlements made from 1
//   January of the year up to that day (the pure functions keep those
//   discharged in the year); an assessment year counts settlements made up to
//   the end of the following year (a stay discharged on 31 December may be
//   settled in January), discharged in the year.
// - Persons: categories with begin/end from the platform's 1101 (identities
//   mapped by the insured region's identity_map), merged with the status file
//   (below); deaths only from the status file.
//
// The status file (民政 status; UTF-8, TAB-separated, "\n" line ends — a CR
// is an error, as is a BOM):
//   # comment lines and empty lines are ignored
//   psn_no<TAB>category<TAB>begin<TAB>end<TAB>death_date     (this header, exactly, first)
//   P330900-DB-01<TAB>DB<TAB>2022-01-01<TAB><TAB>2023-09-15
//   P330900-DBQT-01<TAB>DB<TAB>2023-03-01<TAB>2023-08-31<TAB>
// Five fields a row. category: a category code (TK, DB, DBBY, …) or empty;
// with a category, begin is required and end optional (empty = open, else
// not before begin); without one, begin and end must be empty. death_date:
// yyyy-MM-dd or empty. A row must give a category or a death date. Several
// rows per person; one death date per person. Errors: YZ-STATUS-FILE,
// "FILE:LINE: field F: what".
// Merge: a category the file names for a person replaces every span of that
// category the platform reported (the file knows changes the platform does not
// yet); the platform's other categories stay; the death date is the file's.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "export/monitoring_export.h"
#include "gateway/platform_gateway.h"
#include "policy/registry.h"
#include "service/ledger.h"
#include "subsidy/xz_apply.h"

namespace yz::service {

// ---- settlements ------------------------------------------------------------------

// What a settlement's output_xml says beyond the ledger's columns.
struct OutputFacts {
  std::optional<Date> begndate, enddate;   // setlinfo/yz_begndate, yz_enddate
  std::optional<Category> category;        // setlinfo/yz_psn_category
  std::vector<Alert> alerts;               // yz_monitor/alert
  bool has_monitor = false;                // a <yz_monitor> element was present
};
// Errors: YZ-LEDGER-CORRUPT (not XML, a malformed amount, date or comparison).
Status parse_output_facts(const std::string& setl_id, std::string_view output_xml, OutputFacts& out);

// One ledger entry as the exports see it. insuplc_admdvs: the insured region
// (empty: Settlement::region_admdvs). The discharge date: the Settlement's,
// else setlinfo/yz_enddate, else (a row written before the output carried
// it) the settlement date when its year is the accumulators' year, else 31
// December of the accumulators' year.
Status export_settlement_of(const SettlementEntry& e, const std::string& insuplc_admdvs,
                            monitoring::ExportSettlement& out);

// The ledger's settlements with setl_time in [from, to] (yyyy-MM-dd HH:mm:ss),
// converted; the insured region from each stay record.
Status ledger_export_settlements(Ledger& l, const std::string& from, const std::string& to,
                                 std::vector<monitoring::ExportSettlement>& out);

// The windows of the exports ("yyyy-MM-dd HH:mm:ss" bounds).
std::string month_first(int year, int month);   // yyyy-MM-01 00:00:00
std::string month_last(int year, int month);    // yyyy-MM-dd 23:59:59 (the month's last day)
Date month_end_date(int year, int month);
Status month_settlements(Ledger& l, int year, int month, std::vector<monitoring::ExportSettlement>& out);
// From 1 January of `year` to the end of `cutoff`.
Status year_to_date_settlements(Ledger& l, int year, Date cutoff, std::vector<monitoring::ExportSettlement>& out);

// ---- persons -------------------------------------------------------------------------

Status parse_status_file(const std::string& name, std::string_view text, std::vector<monitoring::PersonStatus>& out);
Status load_status_file(const std::string& path, std::vector<monitoring::PersonStatus>& out);

// The person's categories from a 1101 answer: each identity the identity_map
// of the person's insured region (resolved on `on`) maps, with its dates.
// Identities the map does not know are left out.
Status person_status_from_platform(const policy::Registry& reg, const gateway::PersonInfo& p, Date on,
                                   monitoring::PersonStatus& out);
// The file's entries for p.psn_no merged into p (see the header comment).
void merge_status_file(monitoring::PersonStatus& p, const std::vector<monitoring::PersonStatus>& file);

// 1101 for a person and year (the service's query_person, or a gateway in the CLI).
using PersonLookup = std::function<Status(const std::string& psn_no, int year, gateway::PersonInfo& out)>;

// PersonStatus of every person with a settlement in `settlements`: from 1101
// (when lookup is set) merged with the status file; without lookup, the file's
// entries alone (a person in neither gets none: the pure functions then use the
// category of their latest settlement).
Status person_statuses(const policy::Registry& reg, const std::vector<monitoring::ExportSettlement>& settlements,
                       int year, Date on, const PersonLookup& lookup,
                       const std::vector<monitoring::PersonStatus>& file, std::vector<monitoring::PersonStatus>& out);

// ---- rules ----------------------------------------------------------------------------

// The settlements grouped by the ZS-MON-POOL / ZS-MON-BOTTOM rule in force on
// `on` for their insured region; settlements of regions without the rule are
// left out. `fallback_admdvs` (the hospital's region) tells, when no settlement
// has a rule, whether the rule exists at all: YZ-EXPORT-RULE if not.
template <class Rule>
struct RuleGroup {
  const Rule* rule = nullptr;
  std::vector<monitoring::ExportSettlement> settlements;
};
Status group_by_pool_rule(const policy::Registry& reg, Date on, std::vector<monitoring::ExportSettlement> settlements,
                          const std::string& fallback_admdvs, std::vector<RuleGroup<policy::MonitorPoolRule>>& out);
Status group_by_bottom_rule(const policy::Registry& reg, Date on, std::vector<monitoring::ExportSettlement> settlements,
                            const std::string& fallback_admdvs,
                            std::vector<RuleGroup<policy::MonitorBottomRule>>& out);

// The whole exports over a ledger (what the CLI runs).
Status export_push(Ledger& l, int year, int month, std::string_view target, std::vector<monitoring::PushRow>& out);
Status export_pools(Ledger& l, const policy::Registry& reg, int year, int month, const std::string& fallback_admdvs,
                    const PersonLookup& lookup, const std::vector<monitoring::PersonStatus>& file,
                    std::vector<monitoring::PoolRow>& out);
Status export_bottom(Ledger& l, const policy::Registry& reg, int year, int quarter, const std::string& fallback_admdvs,
                     const PersonLookup& lookup, const std::vector<monitoring::PersonStatus>& file,
                     std::vector<monitoring::BottomRow>& out, std::vector<monitoring::BottomExclusion>& excluded);

// ---- XZ-MA-APPLY -------------------------------------------------------------------------

struct ApplyRequest {
  std::string psn_no;
  int year = 0;
  Fen already_granted;
  bool monitored = false;
  std::string insuplc_admdvs;    // optional: else from the stays, else from 1101
};

// The person's stays of the year (settled up to the end of the next year,
// reversed ones kept as reversed) and the category: the category of the
// latest counted stay (the engine resolved it, PS-ID-HIGHEST, on its discharge
// date); with no counted stay, from 1101 (lookup, when set): the mapped
// identity valid on `on` first in the region's listed order. insuplc_admdvs
// gets the insured region found (empty if none).
Status apply_input_for(Ledger& l, const policy::Registry& reg, const ApplyRequest& req, Date on,
                       const PersonLookup& lookup, subsidy::ApplyInput& out, std::string& insuplc_admdvs);

}  // namespace yz::service
