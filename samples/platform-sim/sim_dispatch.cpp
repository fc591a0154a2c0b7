// A decoded request to the platform's rules (sim_internal.h). The same code
// serves live requests and the journal's replay, so that replay rebuilds the
// state the live requests built.
#include "sim_internal.h"

namespace yz::sim {

wire::PlatformResponse dispatch(gateway::PlatformState& state, const wire::PlatformRequest& req) {
  wire::PlatformResponse r;
  const gateway::CallMeta& m = req.meta;
  const std::string& inf = m.infno;
  if (inf == "9001") {
    r.result = state.sign_in(m, r.text);
  } else if (inf == "9002") {
    r.result = state.sign_out(m);
  } else if (inf == "1101") {
    r.result = state.query_person(m, req.psn_no, req.year, r.person);
  } else if (inf == "2401") {
    r.result = state.admit(m, req.admission, r.text);
  } else if (inf == "2301") {
    r.result = state.upload_fees(m, req.mdtrt_id, req.lines);
  } else if (inf == "2302") {
    r.result = state.cancel_fees(m, req.mdtrt_id, req.feedetl_sns);
  } else if (inf == "2304") {
    r.result = state.settle(m, req.settlement, r.text);
  } else if (inf == "2305") {
    r.result = state.reverse_settlement(m, req.setl_id, r.text);
  } else if (inf == "2601") {
    r.result = state.reverse_message(m, req.omsgid, req.oinfno);
  } else if (inf == "5203") {
    r.result = state.query_settlement(m, req.setl_id, req.mdtrt_id, r.record);
  } else if (inf == "3201") {
    r.result = state.reconcile_totals(m, req.stmt_begndate, req.stmt_enddate, req.setl_optins, r.totals);
  } else if (inf == "3202") {
    r.result = state.reconcile_detail(m, req.stmt_begndate, req.stmt_enddate, req.detail_file, r.rows);
  } else {
    r.result = gateway::GatewayResult::rejected(
        "YZ-PLATFORM-INPUT", "平台不受理交易 infno \"" + inf.substr(0, 16) + "\"（unsupported transaction）");
  }
  return r;
}

char format_byte(std::string_view codec_name) { return codec_name == "json" ? 'J' : 'X'; }

const char* codec_name_of(char b) {
  if (b == 'X') return "xml";
  if (b == 'J') return "json";
  return nullptr;
}

}  // namespace yz::sim
