// 2303 pre-settlement, 2304 settlement, 2305 reversal, 2601 冲正, 5203 query.
//
// 2303 and 2304 share one computation (compute_stay), so pre-settlement and
// settlement on the same inputs give the same figures.
#include "codec/response_writer.h"
#include "engine/engine.h"
#include "gateway/memory_gateway.h"
#include "service/impl.h"

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

// Reads 2303/2304 input, fetches the person and accumulators from the platform
// (1101), and settles with the engine. Changes nothing.
Status compute_stay(Service::Impl& s, const Envelope& env, Computed& c, bool for_settlement) {
  if (!env.data) return Status::error(codec::kMissing, "input/data 缺失（必填）");
  pugi::xml_node d = env.data;
  std::string psn_no, mdtrt_id, path, v;
  YZ_TRY(req_text(d, "psn_no", "data", psn_no, path));
  YZ_TRY(req_text(d, "mdtrt_id", "data", mdtrt_id, path));
  std::optional<StayRecord> rec;
  YZ_TRY(s.ledger->get_stay(mdtrt_id, rec));
  if (!rec) return Status::error("YZ-STAY-UNKNOWN", "就诊 mdtrt_id " + codec::quote(mdtrt_id) + " 未办理入院登记(2401)");
  c.stay = *rec;
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

  YZ_TRY(read_fee_lines(s, d, c.inline_lines));
  st.lines = c.stay.lines;
  for (const FeeLine& l : c.inline_lines) {
    for (const FeeLine& o : c.stay.lines)
      if (o.feedetl_sn == l.feedetl_sn)
        return Status::error(codec::kDup, "feedetl_sn " + codec::quote(l.feedetl_sn) + " 已上传过");
    st.lines.push_back(l);
  }
  if (st.lines.empty()) return Status::error("YZ-INPUT-EMPTY", "就诊 " + mdtrt_id + " 没有费用明细（请先 2301 上传）");
  const FeeSplit total = split_stay(st.lines);
  if (total.medfee_sumamt != declared)
    return Status::error("YZ-INPUT-SUMAMT", "medfee_sumamt " + declared.str() + " 与费用明细合计 " +
                                                total.medfee_sumamt.str() + " 不一致");

  YZ_TRY(query_person(s, env, psn_no, st.enddate.y, c.person));
  if (!env.insuplc_admdvs.empty() && env.insuplc_admdvs != c.person.insuplc_admdvs)
    return Status::error("YZ-INPUT-INSUPLC", "参保地 insuplc_admdvs " + env.insuplc_admdvs + " 与医保平台登记的 " +
                                                 c.person.insuplc_admdvs + " 不一致");
  SettleRequest req{c.person.insuplc_admdvs, &c.person.person, &s.cfg.hospital, &st, c.person.accum};
  return settle(s.registry, req, c.settlement);
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
  Computed c;
  YZ_TRY(compute_stay(s, env, c, true));
  Envelope e = env;
  e.insuplc_admdvs = c.person.insuplc_admdvs;
  if (!c.inline_lines.empty()) YZ_TRY(upload_lines(s, e, s.internal_msgid(), c.stay, c.inline_lines));

  std::string setl_id;
  gateway::GatewayResult r = s.gateway->settle(s.meta(e, "2304", env.msgid), c.settlement, setl_id);
  if (r.outcome == gateway::Outcome::Unknown) {
    // No answer: ask the platform whether it has this settlement (5203). Only
    // a definite answer becomes final; otherwise the HIS hears "unknown".
    gateway::SettlementRecord found;
    gateway::GatewayResult q =
        s.gateway->query_settlement(s.meta(e, "5203", s.internal_msgid()), "", c.stay.mdtrt_id, found);
    if (q.ok() && found.msgid == env.msgid && !found.reversed) {
      setl_id = found.setl_id;
      r = gateway::GatewayResult::success();
    } else if (q.outcome == gateway::Outcome::Rejected && q.err_code == "YZ-PLATFORM-NOT-FOUND") {
      // Not there: make sure it never lands (2601 by our msgid), then report failure.
      gateway::GatewayResult cancel =
          s.gateway->reverse_message(s.meta(e, "2601", s.internal_msgid()), env.msgid, "2304");
      if (cancel.ok())
        return Status::error(kErrUnavailable, "医保平台未应答，结算未生效（已冲正），可用新的 msgid 重新结算");
    }
  }
  YZ_TRY(from_gateway(r, "结算"));

  const std::string setl_time = s.clock();
  SettlementEntry entry{setl_id, c.stay.mdtrt_id, c.stay.psn_no, env.msgid, setl_time, c.settlement, false, ""};
  YZ_TRY(s.ledger->put_settlement(entry));
  c.stay.setl_id = setl_id;
  YZ_TRY(s.ledger->put_stay(c.stay));
  codec::write_settlement_output(out, c.settlement, env.msgid, setl_id, setl_time);
  return Status::ok();
}

Status tx_2305(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  if (!env.data) return Status::error(codec::kMissing, "input/data 缺失（必填）");
  std::string setl_id, path;
  YZ_TRY(req_text(env.data, "setl_id", "data", setl_id, path));
  std::optional<SettlementEntry> e;
  YZ_TRY(s.ledger->get_settlement(setl_id, e));
  if (!e) return Status::error("YZ-SETL-UNKNOWN", "结算 setl_id " + codec::quote(setl_id) + " 不存在");
  if (e->reversed) return Status::error("YZ-SETL-REVERSED", "结算 " + setl_id + " 已撤销（" + e->reverse_setl_id + "）");
  std::optional<StayRecord> stay;
  YZ_TRY(s.ledger->get_stay(e->mdtrt_id, stay));
  Envelope en = env;
  if (stay) en.insuplc_admdvs = stay->insuplc_admdvs;
  std::string reverse_id;
  YZ_TRY(from_gateway(s.gateway->reverse_settlement(s.meta(en, "2305", env.msgid), setl_id, reverse_id), "撤销结算"));
  e->reversed = true;
  e->reverse_setl_id = reverse_id;
  YZ_TRY(s.ledger->put_settlement(*e));
  if (stay) {
    stay->setl_id.clear();
    YZ_TRY(s.ledger->put_stay(*stay));
  }
  write_reversal(out, *e, reverse_id);
  return Status::ok();
}

Status tx_2601(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  if (!env.data) return Status::error(codec::kMissing, "input/data 缺失（必填）");
  std::string omsgid, oinfno, path;
  YZ_TRY(req_text(env.data, "omsgid", "data", omsgid, path));
  YZ_TRY(req_text(env.data, "oinfno", "data", oinfno, path));
  gateway::GatewayResult r = s.gateway->reverse_message(s.meta(env, "2601", env.msgid), omsgid, oinfno);
  YZ_TRY(from_gateway(r, "冲正"));
  // Keep the local record in step when the original was a settlement made here
  // and the platform says it is now undone.
  std::optional<SettlementEntry> local;
  if (oinfno == "2304") YZ_TRY(s.ledger->find_settlement_by_msgid(omsgid, local));
  if (local && !local->reversed && r.err_msg.rfind(gateway::kNoSuchMessage, 0) != 0) {
    local->reversed = true;
    local->reverse_setl_id = "2601:" + env.msgid;
    YZ_TRY(s.ledger->put_settlement(*local));
    std::optional<StayRecord> stay;
    YZ_TRY(s.ledger->get_stay(local->mdtrt_id, stay));
    if (stay && stay->setl_id == local->setl_id) {
      stay->setl_id.clear();
      YZ_TRY(s.ledger->put_stay(*stay));
    }
  }
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
