// 2401 admission (with the deposit decision, *-DEP-*), 2301 fee upload,
// 2302 fee cancellation.
#include <cstdint>
#include <functional>
#include <string_view>

#include "codec/response_writer.h"
#include "engine/engine.h"
#include "service/impl.h"
#include "service/journaled_gateway.h"

namespace yz::service {

using codec::add_amount;
using codec::add_text;

namespace {

Status need_data(const Envelope& env) {
  if (!env.data) return Status::error(codec::kMissing, "input/data 缺失（必填）");
  return Status::ok();
}

Status read_med_type(pugi::xml_node data, int& out) {
  std::string v, path;
  YZ_TRY(req_text(data, "med_type", "data", v, path));
  if (v == "21") out = 21;
  else if (v == "14") out = 14;
  else if (v == "18") out = 18;
  else return codec::bad_code(path, v, "21 住院、14 门诊慢特病或 18 特药");
  return Status::ok();
}

Status known_stay(Service::Impl& s, const std::string& mdtrt_id, StayRecord& out) {
  std::optional<StayRecord> st;
  YZ_TRY(s.ledger->get_stay(mdtrt_id, st));
  if (!st) return Status::error("YZ-STAY-UNKNOWN", "就诊 mdtrt_id " + codec::quote(mdtrt_id) + " 未办理入院登记(2401)");
  out = std::move(*st);
  return Status::ok();
}

// The platform call this HIS msgid made, if it took effect (a retry after a
// crash that came before the HIS response was recorded): the transaction is
// answered again without checks that its own first run would now fail.
bool already_applied(Service::Impl& s, const std::string& msgid, const char* infno, std::optional<PlatformCall>& prior) {
  prior.reset();
  if (!s.ledger->find_call(msgid, prior) || !prior) return false;
  return prior->infno == infno && prior->applied();
}

}  // namespace

Status tx_2401(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  YZ_TRY(need_data(env));
  gateway::Admission a;
  std::string path;
  YZ_TRY(req_text(env.data, "psn_no", "data", a.psn_no, path));
  std::optional<std::string> v;
  YZ_TRY(opt_text(env.data, "insutype", "data", v, path));
  a.insutype = v.value_or("390");
  YZ_TRY(read_med_type(env.data, a.med_type));
  YZ_TRY(req_date(env.data, "begntime", "data", a.begndate));
  YZ_TRY(opt_text(env.data, "mdtrt_id", "data", v, path));
  a.mdtrt_id = v.value_or("");
  YZ_TRY(opt_text(env.data, "adm_diag_code", "data", v, path));
  a.adm_diag_code = v.value_or("");
  YZ_TRY(opt_flag(env.data, "yz_refl_flag", "data", a.refl_flag));
  YZ_TRY(opt_flag(env.data, "yz_primary_first", "data", a.primary_first));
  JournalScope scope(env.msgid);
  std::optional<PlatformCall> prior;
  if (!a.mdtrt_id.empty() && !already_applied(s, env.msgid, "2401", prior)) {
    std::optional<StayRecord> existing;
    YZ_TRY(s.ledger->get_stay(a.mdtrt_id, existing));
    if (existing) return Status::error("YZ-STAY-DUP", "就诊 mdtrt_id " + codec::quote(a.mdtrt_id) + " 已登记");
  }

  gateway::PersonInfo p;
  YZ_TRY(query_person(s, env, a.psn_no, a.begndate.y, p));
  const std::string insuplc = p.insuplc_admdvs;
  if (!env.insuplc_admdvs.empty() && env.insuplc_admdvs != insuplc)
    return Status::error("YZ-INPUT-INSUPLC", "参保地 insuplc_admdvs " + env.insuplc_admdvs + " 与医保平台登记的 " +
                                                 insuplc + " 不一致");
  DepositDecision dep;
  YZ_TRY(decide_deposit(s.registry, insuplc, p.person, s.cfg.hospital, a.med_type, a.begndate, a.primary_first,
                        a.refl_flag, dep));

  Envelope e = env;
  e.insuplc_admdvs = insuplc;
  std::string mdtrt_id;
  // The journal records the stay with the platform's answer.
  YZ_TRY(from_gateway(s.gateway->admit(s.meta(e, "2401", env.msgid), a, mdtrt_id), "入院登记"));

  pugi::xml_node r = out.append_child("result");
  add_text(r, "mdtrt_id", mdtrt_id);
  add_text(r, "psn_no", a.psn_no);
  add_text(r, "insuplc_admdvs", insuplc);
  add_text(r, "yz_psn_category", dep.category ? policy::category_code(*dep.category) : "");
  add_text(r, "yz_deposit_waived", dep.waived ? "1" : "0");
  add_text(r, "yz_deposit_rule", dep.rule_id);
  add_text(r, "yz_deposit_reason", dep.reason);
  return Status::ok();
}

// Reads every <feedetail> of data (HIS-INTERFACE.md §3), unique feedetl_sn.
// The first problem in document order is reported: a line that cannot be read
// (or one over the limit), or a feedetl_sn already seen on an earlier line.
// Duplicates are looked for once, after reading, among the lines read before
// the first unreadable one (a hash table of their indexes; no set of strings).
Status read_fee_lines(const Service::Impl& s, pugi::xml_node data, std::vector<FeeLine>& out) {
  const size_t base = out.size();
  size_t k = 0;
  Status failed = Status::ok();
  for (pugi::xml_node f : data.children("feedetail")) {
    if (int(k) >= s.cfg.max_fee_lines) {
      failed = Status::error(codec::kLimit, "feedetail 超过 " + std::to_string(s.cfg.max_fee_lines) + " 条");
      break;
    }
    if (k == 0) out.reserve(base + 64);
    FeeLine& l = out.emplace_back();
    failed = codec::read_fee_line(f, codec::LazyPath{"data", "feedetail", ++k}, l);
    if (!failed) {
      out.pop_back();
      break;
    }
  }
  // The first line (in document order) whose feedetl_sn an earlier line has:
  // the lines go into an open-addressing table of their indexes in order.
  const size_t n = out.size() - base;
  if (n > 1) {
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    std::vector<uint32_t> slot(cap, UINT32_MAX);
    auto sn = [&](size_t i) -> const std::string& { return out[base + i].feedetl_sn; };
    for (size_t i = 0; i < n; ++i) {
      size_t h = std::hash<std::string_view>{}(sn(i)) & (cap - 1);
      for (; slot[h] != UINT32_MAX; h = (h + 1) & (cap - 1)) {
        if (sn(slot[h]) == sn(i))
          return Status::error(codec::kDup, codec::LazyPath{"data", "feedetail", i + 1}.str() + "/feedetl_sn 重复: " +
                                                codec::quote(sn(i)));
      }
      slot[h] = uint32_t(i);
    }
  }
  return failed;
}

// Uploads lines for a stay (2301, and 2304 with inline lines): platform first,
// then the ledger. Returns the stay updated.
Status upload_lines(Service::Impl& s, const Envelope& env, const std::string& msgid, StayRecord& stay,
                    const std::vector<FeeLine>& lines) {
  std::optional<PlatformCall> prior;
  const bool again = already_applied(s, msgid, "2301", prior);
  if (!again) {
    if (!stay.setl_id.empty())
      return Status::error("YZ-STAY-SETTLED", "就诊 " + stay.mdtrt_id + " 已结算（" + stay.setl_id + "），不能再上传费用明细");
    for (const FeeLine& l : lines)
      for (const FeeLine& o : stay.lines)
        if (o.feedetl_sn == l.feedetl_sn)
          return Status::error(codec::kDup, "feedetl_sn " + codec::quote(l.feedetl_sn) + " 已上传过");
  }
  Envelope e = env;
  e.insuplc_admdvs = stay.insuplc_admdvs;
  // The journal adds the lines to the stay with the platform's answer.
  YZ_TRY(from_gateway(s.gateway->upload_fees(s.meta(e, "2301", msgid), stay.mdtrt_id, lines), "上传费用明细"));
  for (const FeeLine& l : lines) {
    bool known = false;
    for (const FeeLine& o : stay.lines) known = known || o.feedetl_sn == l.feedetl_sn;
    if (!known) stay.lines.push_back(l);
  }
  return Status::ok();
}

Status tx_2301(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  YZ_TRY(need_data(env));
  std::string mdtrt_id, path;
  YZ_TRY(req_text(env.data, "mdtrt_id", "data", mdtrt_id, path));
  StayRecord stay;
  YZ_TRY(known_stay(s, mdtrt_id, stay));
  std::vector<FeeLine> lines;
  YZ_TRY(read_fee_lines(s, env.data, lines));
  if (lines.empty()) return Status::error(codec::kMissing, "data/feedetail 缺失（至少一条费用明细）");
  JournalScope scope(env.msgid);
  YZ_TRY(upload_lines(s, env, env.msgid, stay, lines));
  for (const FeeLine& l : lines) {
    FeeSplit sp = split_line(l);
    pugi::xml_node r = out.append_child("result");
    add_text(r, "feedetl_sn", l.feedetl_sn);
    add_amount(r, "det_item_fee_sumamt", sp.medfee_sumamt);
    add_amount(r, "fulamt_ownpay_amt", sp.fulamt_ownpay_amt);
    add_amount(r, "overlmt_amt", sp.overlmt_selfpay);
    add_amount(r, "preselfpay_amt", sp.preselfpay_amt);
    add_amount(r, "inscp_scp_amt", sp.inscp_scp_amt);
    add_text(r, "chrgitm_lv", l.chrgitm_lv == 1 ? "01" : l.chrgitm_lv == 2 ? "02" : "03");
  }
  return Status::ok();
}

Status tx_2302(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  YZ_TRY(need_data(env));
  std::string mdtrt_id, path;
  YZ_TRY(req_text(env.data, "mdtrt_id", "data", mdtrt_id, path));
  StayRecord stay;
  YZ_TRY(known_stay(s, mdtrt_id, stay));
  JournalScope scope(env.msgid);
  std::optional<PlatformCall> prior;
  const bool again = already_applied(s, env.msgid, "2302", prior);
  if (!again && !stay.setl_id.empty())
    return Status::error("YZ-STAY-SETTLED", "就诊 " + mdtrt_id + " 已结算（" + stay.setl_id + "），不能撤销费用明细");
  std::vector<std::string> sns;  // empty = all
  size_t k = 0;
  for (pugi::xml_node n : env.data.children("feedetl_sn")) {
    std::string sn = n.text().get();
    if (sn.empty()) return Status::error(codec::kMissing, codec::indexed("data", "feedetl_sn", k + 1) + " 为空");
    ++k;
    bool found = again;
    for (const FeeLine& l : stay.lines) found = found || l.feedetl_sn == sn;
    if (!found) return Status::error("YZ-FEE-UNKNOWN", "费用明细 feedetl_sn " + codec::quote(sn) + " 不存在");
    sns.push_back(sn);
  }
  size_t removed = 0;
  for (const FeeLine& l : stay.lines) {
    bool drop = sns.empty();
    for (const auto& sn : sns) drop = drop || l.feedetl_sn == sn;
    removed += drop ? 1 : 0;
  }
  Envelope e = env;
  e.insuplc_admdvs = stay.insuplc_admdvs;
  // The journal removes the lines from the stay with the platform's answer.
  YZ_TRY(from_gateway(s.gateway->cancel_fees(s.meta(e, "2302", env.msgid), mdtrt_id, sns), "撤销费用明细"));
  if (again && !prior->answer.empty()) removed = std::strtoul(prior->answer.c_str(), nullptr, 10);
  if (Status st = known_stay(s, mdtrt_id, stay); !st)  // cancelled at the platform: only the count is unsure
    return Status::error(kErrLedgerUnrecorded, "费用明细已撤销，但读取本地账本失败: " + st.message());
  pugi::xml_node r = out.append_child("result");
  add_text(r, "mdtrt_id", mdtrt_id);
  add_text(r, "cancelled", std::to_string(removed));
  add_text(r, "remaining", std::to_string(stay.lines.size()));
  return Status::ok();
}

}  // namespace yz::service
