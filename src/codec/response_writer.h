// Writes settlements as the 2303/2304 response of HIS-INTERFACE.md §3, and the
// trace as readable text (`yizhan settle --explain`).
#pragma once

#include <pugixml.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "engine/types.h"

namespace yz::codec {

// <response><infcode>0</infcode>…<output><setlinfo/><setldetail/><yz_trace/>
// <yz_monitor/><yz_accum/></output></response>
std::string write_settlement_response(const Settlement& s, const std::string& msgid);
// <response> with infcode -2 (business) or -1 (system), err_code, err_msg.
std::string write_error_response(int infcode, const Status& st);
// The Chinese sentence for one trace step.
std::string explain_step(const TraceStep& step);
// The whole settlement as text for a cashier: payers, then each trace step.
std::string explain_text(const Settlement& s);

// Added by the codec (not part of the fixed interface above):
// The offline calculator's output: <results> holding one 2303 response per
// settlement, in order, each with msgid = its mdtrt_id (HIS-INTERFACE.md §5).
std::string write_results(const std::vector<Settlement>& settlements);
// setl_proc_info of a setldetail row: one line naming the rule ID.
std::string explain_fund(const FundLine& f);
// One line for a monitoring alert.
std::string explain_alert(const Alert& a);

// ---- For the plug-in's transactions ------------------------------------------

// The output of 2303/2304/5203 (setlinfo, setldetail, yz_trace, yz_monitor,
// yz_accum) under `out`.
// When `out` is the output() of a ResponseBuilder (on this thread), the
// elements are written as text straight away and take their place in the
// builder's str() (the same bytes pugixml would write for them); they are not
// nodes of out's document then, so read the response from str(), not from
// `out`. Anywhere else they are pugixml nodes under `out`.
void write_settlement_output(pugi::xml_node out, const Settlement& s, const std::string& msgid,
                             const std::string& setl_id, const std::string& setl_time);

// The text write_settlement_output writes into a ResponseBuilder's output(),
// rendered ahead of time (e.g. while the platform works on the request), to
// be put there later with append_output_text: the same bytes.
std::string settlement_output_text(const Settlement& s, const std::string& msgid, const std::string& setl_id,
                                   const std::string& setl_time);
// Text from settlement_output_text into `out`, the output() of a
// ResponseBuilder on this thread. False, and nothing added, when it is not.
bool append_output_text(pugi::xml_node out, std::string text);
// Whether output text written this way is what a reprint of the ledger's copy
// gives (append_output_xml reads it as pugixml does: an element holding only
// whitespace, or nothing, becomes "<name />", CR becomes LF): no CR, and no
// element opened and closed with only whitespace between. Values that break
// it (blank, cut short by a NUL, with CR) come from odd platform answers.
bool output_text_reads_back_the_same(std::string_view text);

// The same output as the ledger keeps it: an <output> element holding it,
// as pugixml writes that element with format_raw | format_no_declaration (no
// indentation, "<name/>", control characters as "&#NN;"), written as text.
std::string write_settlement_output_raw(const Settlement& s, const std::string& msgid, const std::string& setl_id,
                                        const std::string& setl_time);

// The children of a stored <output> element (as pugixml's format_raw or
// write_settlement_output_raw writes it) put under `out`, as parsing it with
// pugixml (parse_default) and appending copies of them would. When `out` is
// the output() of a ResponseBuilder they are written as text for its str()
// (the same bytes), without building nodes, unless the text holds more than
// such an output does (then it is parsed). False, and nothing added, when it
// is not XML.
bool append_output_xml(pugi::xml_node out, std::string_view output_xml);

// A response envelope (HIS-INTERFACE.md §2) whose <output> the caller fills.
class ResponseBuilder {
 public:
  ResponseBuilder(int infcode, const std::string& err_code, const std::string& err_msg, const std::string& msgid,
                  const std::string& refmsg_time, const std::string& respond_time);
  ~ResponseBuilder();
  ResponseBuilder(const ResponseBuilder&) = delete;
  ResponseBuilder& operator=(const ResponseBuilder&) = delete;
  pugi::xml_node output() { return output_; }
  // The response as indented UTF-8 (pugixml's format_indent, "  ").
  std::string str() const;

 private:
  friend void add_output_fragment(ResponseBuilder& b, std::string text);
  std::unique_ptr<pugi::xml_document> doc_;
  pugi::xml_node output_;
  std::vector<std::string> fragments_;  // settlement outputs written as text (write_settlement_output)
};

// <name> with the accumulators (yz_accum's before/after shape).
void write_accum(pugi::xml_node parent, const char* name, const YearAccum& a);
// Escaped text and two-decimal amounts, for output fields.
pugi::xml_node add_text(pugi::xml_node parent, const char* name, std::string_view text = {});
void add_amount(pugi::xml_node parent, const char* name, Fen f);

}  // namespace yz::codec
