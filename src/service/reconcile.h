// Reconciliation with the platform through the service (3201 totals, then
// 3202 detail): the HIS transactions tx_3201/tx_3202 and the CLI share it.
//
// Local rows: the ledger's settlements whose setl_time lies in the period
// (forward rows), plus a reverse row for every reversal the journal shows as
// applied in the period (2305 confirmed/resolved-applied, or a 2601 that
// undid a 2304), dated by the call's answer time (the service's clock). Fund
// amounts come from the settlement's funds or, for a durable ledger that keeps
// them only in output_xml, from its <setldetail> rows.
// Platform rows: 3202 sends the local detail file (recon::write_detail) and
// the platform answers with its own rows; recon::compare classifies.
// Platform calls: each under a fresh internal msgid; a refusal YZ-PLATFORM-SIGN
// (the session expired) signs in again (9001) and sends the call once more.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "recon/recon.h"
#include "service/service.h"

namespace yz::service {

struct ReconcileOptions {
  std::string begin_date, end_date;  // "yyyy-MM-dd"
  bool force_detail = false;         // run 3202 even when the totals agree
  std::string msgid_prefix;          // empty: the service's internal msgids
  // Progress of long steps: phase ("local", "detail", "compare"), done, total.
  std::function<void(const char* phase, size_t done, size_t total)> progress;
};

// The local rows of a period (sorted as write_detail sorts).
Status local_recon_rows(Service::Impl& s, const std::string& begin_date, const std::string& end_date,
                        std::vector<recon::Row>& out,
                        const std::function<void(const char*, size_t, size_t)>& progress = {});

// 3201, then 3202 when the totals differ (or force_detail).
Status reconcile(Service& svc, const ReconcileOptions& o, recon::Result& out);

}  // namespace yz::service
