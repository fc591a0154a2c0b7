// The platform transactions on the wire (PLATFORM-INTERFACE.md): each
// PlatformGateway call as a request envelope and its answer as a response
// envelope, in both directions: the adapter encodes requests and decodes
// responses, the simulator decodes requests and encodes responses. Field names
// are the national ones (HIS-INTERFACE.md §2–3); amounts are "0.00" strings,
// dates yyyy-MM-dd.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "gateway/platform_gateway.h"
#include "wire/codec.h"

namespace yz::wire {

// Everything any transaction's request carries; which fields are used depends
// on meta.infno:
//   9001 -; 9002 -; 1101 psn_no, year; 2401 admission; 2301 mdtrt_id, lines;
//   2302 mdtrt_id, feedetl_sns (empty = all); 2304 settlement;
//   2305 setl_id; 2601 omsgid, oinfno; 5203 setl_id and/or mdtrt_id;
//   3201 stmt_begndate, stmt_enddate, setl_optins; 3202 stmt_begndate,
//   stmt_enddate, detail_file (the plug-in's recon::write_detail text).
struct PlatformRequest {
  gateway::CallMeta meta;   // infno, msgid, sign_no, fixmedins_code, admvs, opter, inf_time (timeout not on the wire)
  std::string psn_no;
  int year = 0;
  gateway::Admission admission;
  std::string mdtrt_id;
  std::vector<FeeLine> lines;
  std::vector<std::string> feedetl_sns;
  Settlement settlement;    // 2304: setlinfo, setldetail (funds), accum_before/after, alerts not needed
  std::string setl_id, omsgid, oinfno;
  std::string stmt_begndate, stmt_enddate, setl_optins, detail_file;  // 3201, 3202
};

// The answer: result (infcode 0 = Ok; otherwise Rejected with err_code/err_msg)
// and what the transaction returns.
struct PlatformResponse {
  gateway::GatewayResult result;
  std::string text;                // 9001 sign_no; 2401 mdtrt_id; 2304 setl_id; 2305 reverse_setl_id
  gateway::PersonInfo person;      // 1101
  gateway::SettlementRecord record;  // 5203
  recon::Totals totals;            // 3201
  std::vector<recon::Row> rows;    // 3202: the platform's rows (a detail file on the wire)
};

std::string encode_request(const Codec& c, const PlatformRequest& r);
// YZ-WIRE-FORMAT (not parseable) or YZ-WIRE-FIELD (a field missing or invalid,
// named in the message).
Status decode_request(const Codec& c, std::string_view body, PlatformRequest& out);

// `refmsgid` is the request's msgid (inf_refmsgid).
std::string encode_response(const Codec& c, const std::string& infno, const std::string& refmsgid,
                            const PlatformResponse& r);
Status decode_response(const Codec& c, const std::string& infno, std::string_view body, PlatformResponse& out);
// The same for an answer the caller has already read (c.read(body, root)):
// the adapter reads each answer once, for its msgid and for this.
Status decode_response(const Node& root, const std::string& infno, PlatformResponse& out);

}  // namespace yz::wire
