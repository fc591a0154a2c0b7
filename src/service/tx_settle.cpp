// 2303 pre-settlement, 2304 settlement, 2305 reversal, 2601 冲正, 5203 query.
//
// 2303 and 2304 share one computation (compute_stay), so pre-settlement and
// settlement on the same inputs give the same figures.
#include "codec/response_writer.h"
#include "engine/engine.h"
#include "gateway/memory_gateway.h"
#include "service/impl.h"
#include "service/journaled_gateway.h"
#include "service/recovery.h"

namespace yz::service {

using codec::add_amount;
using codec::add_text;

namespace {

struct Computed {
  StayRecord stay;
  Stay engine_stay;
  gateway::PersonInfo person;
  Settlement settlement;
  std::vector<FeeLine> inline_lines;  // fee details sent with the request, not uploaded before
};

bool same_line(const FeeLine& a, const FeeLine& b) {
  return a.feedetl_sn == b.feedetl_sn && a.med_list_codg == b.med_list_codg && a.chrgitm_lv == b.chrgitm_lv &&
         a.det_item_fee_sumamt == b.det_item_fee_sumamt && a.cnt_e4 == b.cnt_e4 && a.pric == b.pric &&
         a.pric_uplmt_amt == b.pric_uplmt_amt && a.selfpay_prop == b.selfpay_prop;
}

// Once the platform may have applied a call, no failure may read as "nothing
// happened" (-2): a local error from here on is an unknown outcome (-1).
Status still_unknown(const Status& st) {
  if (st.is_ok() || infcode_of(st) == -1) return st;
  return Status::error(kErrLedgerUnrecorded, "医保平台已处理或可能已处理该交易，但本地账本未能确认其结果（" + st.code() +
                                                 ": " + st.message() + "）；请稍后用同一 msgid 重试");
}

// A 2304 of this stay left sent or unknown (under any msgid, e.g. before a
// crash) is resolved before the stay is settled again; if the platform
// cannot tell yet, the stay cannot be settled yet.
Status settle_open_calls_of_stay(Service::Impl& s, const std::string& mdtrt_id) {
  if (!s.ledger->journaled()) return Status::ok();
  CallQuery q;
  q.states = {CallState::Sent, CallState::Unknown};
  q.infno = "2304";
  q.key = mdtrt_id;
  std::vector<PlatformCall> open;
  YZ_TRY(s.ledger->list_calls(q, open));
  for (const PlatformCall& c : open) {
    PlatformCall now;
    YZ_TRY(still_unknown(resolve_call(s, c.msgid, now)));
    if (now.open())
      return Status::error(kErrUnknown, "就诊 " + mdtrt_id + " 有一笔结算（msgid " + c.msgid +
                                            "）结果未知，医保平台暂时无法确认；确认前不能再次结算，请稍后重试");
  }
  return Status::ok();
}

// The accumulators exactly as given (pools in the same order, none added or
// left out): YearAccum's == counts an absent pool as zero, but the
// settlement carries them as they were, into its output and its request.
bool same_pools_exactly(const std::vector<NamedAmount>& a, const std::vector<NamedAmount>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].amount != b[i].amount) return false;
  return true;
}
bool same_accum_exactly(const YearAccum& a, const YearAccum& b) {
  return a == b && same_pools_exactly(a.basic_paid, b.basic_paid) && same_pools_exactly(a.ma_paid, b.ma_paid);
}

// Everything the engine reads of a 1101 answer.
bool same_engine_input(const gateway::PersonInfo& a, const gateway::PersonInfo& b) {
  return a.person == b.person && a.insuplc_admdvs == b.insuplc_admdvs && same_accum_exactly(a.accum, b.accum);
}

// The person and accumulators from the platform (1101), then the engine.
// While the 1101 is on the way (an adapter on a network), the engine runs on
// what the last 1101 of this person answered (a 2303 seconds before, usually)
// and, for a settlement, its output for the journal is rendered; that result
// is kept only if the answer is the same as that one in everything the engine
// reads (the engine is a pure function of it), else computed again.
Status price_stay(Service::Impl& s, const Envelope& env, Computed& c, bool for_settlement) {
  if (for_settlement) JournalScope::clear_prepared();  // c.settlement is computed again
  const int year = c.engine_stay.enddate.y;
  std::optional<gateway::PersonInfo> last = last_person(s, c.stay.psn_no, year);
  std::optional<Settlement> ahead;
  std::string ahead_output;
  auto work_ahead = [&] {
    if (!last || ahead) return;
    Settlement r;
    SettleRequest req{last->insuplc_admdvs, &last->person, &s.cfg.hospital, &c.engine_stay, last->accum};
    if (!settle(s.registry, req, r)) return;  // an error is found again below, on the answer
    if (for_settlement) ahead_output = render_settlement_output(r, env.msgid, kSetlIdMark, kSetlTimeMark);
    ahead = std::move(r);
  };
  YZ_TRY(query_person(s, env, c.stay.psn_no, year, c.person, work_ahead));
  if (!env.insuplc_admdvs.empty() && env.insuplc_admdvs != c.person.insuplc_admdvs)
    return Status::error("YZ-INPUT-INSUPLC", "参保地 insuplc_admdvs " + env.insuplc_admdvs + " 与医保平台登记的 " +
                                                 c.person.insuplc_admdvs + " 不一致");
  if (ahead && same_engine_input(*last, c.person)) {
    c.settlement = std::move(*ahead);
    if (for_settlement && !ahead_output.empty())
      JournalScope::prepare_output(&c.settlement, env.msgid, std::move(ahead_output));
    return Status::ok();
  }
  SettleRequest req{c.person.insuplc_admdvs, &c.person.person, &s.cfg.hospital, &c.engine_stay, c.person.accum};
  return settle(s.registry, req, c.settlement);
}

// Reads 2303/2304 input, fetches the person and accumulators from the platform
// (1101), and settles with the engine. Changes nothing.
Status compute_stay(Service::Impl& s, const Envelope& env, Computed& c, bool for_settlement) {
  if (!env.data) return Status::error(codec::kMissing, "input/data 缺失（必填）");
  pugi::xml_node d = env.data;
  std::string psn_no, mdtrt_id, path, v;
  YZ_TRY(req_text(d, "psn_no", "data", psn_no, path));
  YZ_TRY(req_text(d, "mdtrt_id", "data", mdtrt_id, path));
  if (for_settlement) YZ_TRY(settle_open_calls_of_stay(s, mdtrt_id));
  std::optional<StayRecord> rec;
  YZ_TRY(s.ledger->get_stay(mdtrt_id, rec));
  if (!rec) return Status::error("YZ-STAY-UNKNOWN", "就诊 mdtrt_id " + codec::quote(mdtrt_id) + " 未办理入院登记(2401)");
  c.stay = std::move(*rec);
  if (c.stay.psn_no != psn_no)
    return Status::error("YZ-INPUT-PSN", "psn_no " + codec::quote(psn_no) + " 与就诊 " + mdtrt_id + " 登记的人员不一致");
  if (for_settlement && !c.stay.setl_id.empty())
    return Status::error("YZ-STAY-SETTLED", "就诊 " + mdtrt_id + " 已结算（" + c.stay.setl_id + "），不能重复结算");

  Stay& st = c.engine_stay;
  st.mdtrt_id = mdtrt_id;
  YZ_TRY(req_text(d, "med_type", "data", v, path));
  if (v != "21" && v != "14" && v != "18") return codec::bad_code(path, v, "21 住院、14 门诊慢特病或 18 特药");
  st.med_type = std::stoi(v);
  if (st.med_type != c.stay.med_type)
    return Status::error("YZ-INPUT-MEDTYPE", "med_type " + v + " 与入院登记的 " + std::to_string(c.stay.med_type) + " 不一致");
  YZ_TRY(req_date(d, "begndate", "data", st.begndate));
  YZ_TRY(req_date(d, "enddate", "data", st.enddate));
  if (st.enddate < st.begndate)
    return Status::error(codec::kRange, "data/enddate 早于 begndate: " + st.enddate.str() + " < " + st.begndate.str());
  YZ_TRY(req_text(d, "dscg_maindiag_code", "data", st.dscg_maindiag_code, path));
  if (!codec::code_chars(st.dscg_maindiag_code, 32))
    return codec::bad_code(path, st.dscg_maindiag_code, "ICD-10 诊断编码，如 J18.900");
  st.refl_flag = c.stay.refl_flag;
  st.primary_first = c.stay.primary_first;
  YZ_TRY(opt_flag(d, "yz_refl_flag", "data", st.refl_flag));
  YZ_TRY(opt_flag(d, "yz_primary_first", "data", st.primary_first));
  Fen declared;
  YZ_TRY(req_amount(d, "medfee_sumamt", "data", declared));

  std::vector<FeeLine> inline_lines;
  YZ_TRY(read_fee_lines(s, d, inline_lines));
  // The uploaded lines: moved when nothing comes inline (c.stay's own are
  // needed only to upload inline lines), else copied.
  if (inline_lines.empty()) st.lines = std::move(c.stay.lines);
  else st.lines = c.stay.lines;
  for (FeeLine& l : inline_lines) {
    bool uploaded = false;
    for (const FeeLine& o : c.stay.lines) {
      if (o.feedetl_sn != l.feedetl_sn) continue;
      // The same line uploaded by an earlier attempt of this settlement (a
      // retry after -1/-2): already there. Another line with that number: an error.
      if (!same_line(o, l))
        return Status::error(codec::kDup, "feedetl_sn " + codec::quote(l.feedetl_sn) + " 已上传过");
      uploaded = true;
    }
    if (uploaded) continue;
    st.lines.push_back(l);
    c.inline_lines.push_back(std::move(l));
  }
  if (st.lines.empty()) return Status::error("YZ-INPUT-EMPTY", "就诊 " + mdtrt_id + " 没有费用明细（请先 2301 上传）");
  const FeeSplit total = split_stay(st.lines);
  if (total.medfee_sumamt != declared)
    return Status::error("YZ-INPUT-SUMAMT", "medfee_sumamt " + declared.str() + " 与费用明细合计 " +
                                                total.medfee_sumamt.str() + " 不一致");

  return price_stay(s, env, c, for_settlement);
}

// The settlement the ledger holds for platform msgid `pmsgid`, as the 2304
// output (the same text the first answer had: kept with the settlement).
Status reprint(Service::Impl& s, const std::string& pmsgid, pugi::xml_node out) {
  std::optional<SettlementEntry> e;
  YZ_TRY(s.ledger->find_settlement_by_msgid(pmsgid, e));
  if (!e)
    return Status::error(kErrSystem, "医保平台已结算（msgid " + pmsgid + "），但本地账本中找不到结算记录，请用 5203 查询");
  // Into the HIS response as text when it is one (codec::append_output_xml):
  // the bytes parsing it and copying its elements would give.
  if (!e->output_xml.empty() && codec::append_output_xml(out, e->output_xml)) return Status::ok();
  codec::write_settlement_output(out, e->settlement, e->his_msgid.empty() ? e->msgid : e->his_msgid, e->setl_id,
                                 e->setl_time);
  return Status::ok();
}

// The marks of an output rendered ahead (codec::settlement_output_text) filled
// with the recorded setl_id and setl_time, when that gives the bytes a reprint
// from the ledger would: each mark once, values with nothing to escape, and
// text that reads back as written. False (text unusable) otherwise.
bool fill_output_text(std::string& text, const JournalScope::Recorded& rec) {
  auto plain = [](const std::string& v) {
    for (unsigned char ch : v)
      if (ch < 0x20 || ch == '&' || ch == '<' || ch == '>' || ch == '"' || ch == '\'' || ch == 0x7f) return false;
    return true;
  };
  auto once = [&](const char* mark) {
    const size_t at = text.find(mark);
    return at != std::string::npos && text.find(mark, at + 1) == std::string::npos;
  };
  if (text.empty() || !plain(rec.setl_id) || !plain(rec.setl_time) || !once(kSetlIdMark) || !once(kSetlTimeMark) ||
      !codec::output_text_reads_back_the_same(text))
    return false;
  text = fill_settlement_marks(text, rec.setl_id, rec.setl_time);
  return true;
}

// Earlier attempts of this HIS msgid (a retry after a crash, a -1 or a -2).
// `answered`: the answer is final (the recorded settlement, or an error).
// Otherwise `pmsgid` is the platform msgid to use: the HIS msgid, unless the
// platform has already answered it (a refusal is its answer for good).
Status earlier_2304(Service::Impl& s, const Envelope& env, pugi::xml_node out, bool& answered, std::string& pmsgid) {
  answered = false;
  pmsgid = env.msgid;
  if (!s.ledger->journaled()) return Status::ok();
  CallQuery q;
  q.his_msgid = env.msgid;
  q.infno = "2304";
  std::vector<PlatformCall> calls;
  YZ_TRY(s.ledger->list_calls(q, calls));
  if (calls.empty()) return Status::ok();
  // A retry is the same request: at least the same stay.
  const std::string mdtrt_id = env.data ? env.data.child_value("mdtrt_id") : "";
  for (const PlatformCall& c : calls)
    if (c.key != mdtrt_id)
      return Status::error("YZ-MSGID-REUSED", "报文 ID msgid " + env.msgid + " 已用于就诊 " + c.key +
                                                  " 的结算，不能用于另一笔交易");
  for (PlatformCall& c : calls)
    if (c.open()) {
      PlatformCall now;
      YZ_TRY(still_unknown(resolve_call(s, c.msgid, now)));
      c = std::move(now);
    }
  answered = true;
  for (const PlatformCall& c : calls)
    if (c.applied()) return still_unknown(reprint(s, c.msgid, out));
  for (const PlatformCall& c : calls)
    if (c.open())
      return Status::error(kErrUnknown, "以报文 ID " + env.msgid + " 提交的结算结果仍未知（医保平台暂时无法确认），请稍后用同一 msgid 重试");
  for (const PlatformCall& c : calls)
    if (!c.undone_by.empty() || c.state == CallState::Resolved)
      return Status::error(kErrMsgidReversed, "报文 ID " + env.msgid +
                                                  " 此前提交的结算在结果未知后已冲正（2601），未生效；请用新的 msgid 重新结算");
  // Refused, or never reached the platform: settle again.
  answered = false;
  for (const PlatformCall& c : calls)
    if (c.msgid == env.msgid && c.outcome != "failed" && c.err_code != "YZ-PLATFORM-SIGN") pmsgid = s.internal_msgid();
  return Status::ok();
}

void write_reversal(pugi::xml_node out, const SettlementEntry& e, const std::string& reverse_setl_id) {
  pugi::xml_node r = out.append_child("setlinfo");
  add_text(r, "setl_id", reverse_setl_id);
  add_text(r, "orig_setl_id", e.setl_id);
  add_text(r, "mdtrt_id", e.mdtrt_id);
  add_text(r, "psn_no", e.psn_no);
  const Settlement& s = e.settlement;
  add_amount(r, "medfee_sumamt", Fen() - s.split.medfee_sumamt);
  add_amount(r, "hifp_pay", Fen() - s.hifp_pay);
  add_amount(r, "hifmi_pay", Fen() - s.hifmi_pay);
  add_amount(r, "maf_pay", Fen() - s.maf_pay);
  add_amount(r, "oth_pay", Fen() - s.oth_pay);
  add_amount(r, "fund_pay_sumamt", Fen() - s.fund_pay_sumamt);
  add_amount(r, "psn_part_amt", Fen() - s.psn_part_amt);
  add_amount(r, "hosp_part_amt", Fen() - s.hosp_part_amt);
  // The person's accumulators as the settlement found and left them: the
  // reversal takes its contribution back out exactly.
  pugi::xml_node acc = out.append_child("yz_accum");
  codec::write_accum(acc, "before", s.accum_after);
  codec::write_accum(acc, "after", s.accum_before);
}

}  // namespace

Status tx_2303(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  Computed c;
  YZ_TRY(compute_stay(s, env, c, false));
  codec::write_settlement_output(out, c.settlement, env.msgid, "", "");
  return Status::ok();
}

Status tx_2304(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  JournalScope scope(env.msgid);
  bool answered = false;
  std::string pmsgid;
  YZ_TRY(earlier_2304(s, env, out, answered, pmsgid));
  if (answered) return Status::ok();
  Computed c;
  YZ_TRY(compute_stay(s, env, c, true));
  Envelope e = env;
  e.insuplc_admdvs = c.person.insuplc_admdvs;
  if (!c.inline_lines.empty()) YZ_TRY(upload_lines(s, e, s.internal_msgid(), c.stay, c.inline_lines));

  std::string setl_id;
  // The HIS output, with the marks for setl_id and setl_time, rendered while
  // the platform works on the request (if the adapter waits on a network).
  std::string his_text;
  auto render_his_text = [&] {
    his_text = codec::settlement_output_text(c.settlement, env.msgid, kSetlIdMark, kSetlTimeMark);
  };
  auto settle_at_platform = [&] {
    his_text.clear();
    gateway::CallMeta m = s.meta(e, "2304", pmsgid);
    m.while_waiting = render_his_text;
    return s.gateway->settle(m, c.settlement, setl_id);
  };
  gateway::GatewayResult r = settle_at_platform();
  if (r.outcome == gateway::Outcome::Rejected && r.err_code == "YZ-PLATFORM-ACCUM") {
    // The platform's accumulators moved since our 1101 (another cashier
    // station settled this person): refresh them and compute once more,
    // under a new platform msgid (the platform has answered this one).
    YZ_TRY(price_stay(s, env, c, true));
    pmsgid = s.internal_msgid();
    r = settle_at_platform();
  }
  if (r.outcome == gateway::Outcome::Unknown && s.ledger->journaled()) {
    // No answer: ask the platform (5203); if it does not have the settlement,
    // make sure it never lands (2601 by its msgid). Only a definite answer is
    // final; otherwise the HIS hears "unknown" (-1) and recovery goes on.
    PlatformCall now;
    if (resolve_call(s, pmsgid, now)) {  // a ledger failure here leaves it unknown
      if (now.applied()) return still_unknown(reprint(s, pmsgid, out));
      if (!now.open())
        return Status::error(kErrUnavailable, "医保平台未应答，结算未生效（已冲正），可用新的 msgid 重新结算");
    }
  }
  YZ_TRY(from_gateway(r, "结算"));
  // The journal recorded the settlement with its answer (figures, output,
  // the stay settled, the accumulators). When it recorded this very
  // settlement on a first send, its output is written from it (the bytes a
  // reprint of the recorded text gives: fill_output_text); otherwise it is
  // printed from the ledger.
  const JournalScope::Recorded* rec = JournalScope::recorded();
  if (rec && rec->msgid == pmsgid && rec->setl_id == setl_id) {
    if (his_text.empty()) render_his_text();  // no wait ran (the in-memory adapter): rendered now
    if (fill_output_text(his_text, *rec) && codec::append_output_text(out, std::move(his_text))) return Status::ok();
  }
  return still_unknown(reprint(s, pmsgid, out));
}

Status tx_2305(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  if (!env.data) return Status::error(codec::kMissing, "input/data 缺失（必填）");
  JournalScope scope(env.msgid);
  std::string setl_id, path;
  YZ_TRY(req_text(env.data, "setl_id", "data", setl_id, path));
  // An earlier attempt of this msgid (a retry after a crash or a -1).
  std::optional<PlatformCall> prior;
  YZ_TRY(s.ledger->find_call(env.msgid, prior));
  if (prior && prior->infno == "2305" && prior->key == setl_id) {
    if (prior->open()) {
      PlatformCall now;
      YZ_TRY(still_unknown(resolve_call(s, env.msgid, now)));
      prior = std::move(now);
    }
    if (prior->applied()) {
      std::optional<SettlementEntry> done;
      YZ_TRY(s.ledger->get_settlement(setl_id, done));
      if (done) {
        write_reversal(out, *done, prior->answer);
        return Status::ok();
      }
    }
    if (prior->open())
      return Status::error(kErrUnknown, "以报文 ID " + env.msgid + " 提交的撤销结算结果仍未知，请稍后用同一 msgid 重试");
  }
  std::optional<SettlementEntry> e;
  YZ_TRY(s.ledger->get_settlement(setl_id, e));
  if (!e) return Status::error("YZ-SETL-UNKNOWN", "结算 setl_id " + codec::quote(setl_id) + " 不存在");
  if (e->reversed) return Status::error("YZ-SETL-REVERSED", "结算 " + setl_id + " 已撤销（" + e->reverse_setl_id + "）");
  std::optional<StayRecord> stay;
  YZ_TRY(s.ledger->get_stay(e->mdtrt_id, stay));
  Envelope en = env;
  if (stay) en.insuplc_admdvs = stay->insuplc_admdvs;
  std::string reverse_id;
  gateway::GatewayResult r = s.gateway->reverse_settlement(s.meta(en, "2305", env.msgid), setl_id, reverse_id);
  if (r.outcome == gateway::Outcome::Unknown && s.ledger->journaled()) {
    PlatformCall now;
    if (resolve_call(s, env.msgid, now)) {
      if (now.applied()) {
        write_reversal(out, *e, now.answer);
        return Status::ok();
      }
      if (!now.open())
        return Status::error(kErrUnavailable, "医保平台未应答，撤销结算未生效（平台查询确认），可用同一 msgid 重试");
    }
  }
  YZ_TRY(from_gateway(r, "撤销结算"));
  // The journal marked the settlement reversed, the stay unsettled and the
  // accumulators restored with the answer.
  write_reversal(out, *e, reverse_id);
  return Status::ok();
}

Status tx_2601(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  if (!env.data) return Status::error(codec::kMissing, "input/data 缺失（必填）");
  JournalScope scope(env.msgid);
  std::string omsgid, oinfno, path;
  YZ_TRY(req_text(env.data, "omsgid", "data", omsgid, path));
  YZ_TRY(req_text(env.data, "oinfno", "data", oinfno, path));
  // The HIS names its own msgid; a settlement the plug-in made under another
  // platform msgid (accumulators refreshed) is reversed by that one.
  std::string target = omsgid;
  if (oinfno == "2304" && s.ledger->journaled()) {
    CallQuery q;
    q.his_msgid = omsgid;
    q.infno = "2304";
    std::vector<PlatformCall> calls;
    YZ_TRY(s.ledger->list_calls(q, calls));
    for (const PlatformCall& c : calls)
      if (c.applied()) target = c.msgid;
  }
  // Never at the same time as recovery resolving the original.
  CallClaims::Guard claim(*s.claims, target);
  gateway::GatewayResult r = s.gateway->reverse_message(s.meta(env, "2601", env.msgid), target, oinfno);
  YZ_TRY(from_gateway(r, "冲正"));
  // The journal took the original's local effects back out with the answer.
  pugi::xml_node o = out.append_child("result");
  add_text(o, "omsgid", omsgid);
  add_text(o, "oinfno", oinfno);
  add_text(o, "yz_platform_msg", r.err_msg);
  return Status::ok();
}

Status tx_5203(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  if (!env.data) return Status::error(codec::kMissing, "input/data 缺失（必填）");
  std::optional<std::string> setl_id, mdtrt_id;
  std::string path;
  YZ_TRY(opt_text(env.data, "setl_id", "data", setl_id, path));
  YZ_TRY(opt_text(env.data, "mdtrt_id", "data", mdtrt_id, path));
  if (!setl_id && !mdtrt_id) return Status::error(codec::kMissing, "data/setl_id 或 data/mdtrt_id 至少填一个");
  gateway::SettlementRecord rec;
  gateway::GatewayResult r =
      s.gateway->query_settlement(s.meta(env, "5203", env.msgid), setl_id.value_or(""), mdtrt_id.value_or(""), rec);
  if (r.outcome == gateway::Outcome::Unknown) r.outcome = gateway::Outcome::Failed;  // a read changed nothing
  YZ_TRY(from_gateway(r, "查询结算"));
  codec::write_settlement_output(out, rec.settlement, rec.msgid, rec.setl_id, "");
  add_text(out, "yz_reversed", rec.reversed ? "1" : "0");
  add_text(out, "yz_reverse_setl_id", rec.reverse_setl_id);
  return Status::ok();
}

}  // namespace yz::service
