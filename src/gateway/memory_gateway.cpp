// The platform's rules (PlatformState) and the in-process gateway
// (MemoryGateway). See memory_gateway.h for the rules and err_codes.
#include "gateway/memory_gateway.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <set>

namespace yz::gateway {

namespace {

constexpr const char* kInput = "YZ-PLATFORM-INPUT";
constexpr const char* kSign = "YZ-PLATFORM-SIGN";
constexpr const char* kReused = "YZ-PLATFORM-MSGID-REUSED";
constexpr const char* kPerson = "YZ-PLATFORM-PERSON";
constexpr const char* kRegion = "YZ-PLATFORM-REGION";
constexpr const char* kStay = "YZ-PLATFORM-STAY";
constexpr const char* kDupStay = "YZ-PLATFORM-DUP-STAY";
constexpr const char* kDupFee = "YZ-PLATFORM-DUP-FEE";
constexpr const char* kFee = "YZ-PLATFORM-FEE";
constexpr const char* kSettled = "YZ-PLATFORM-SETTLED";
constexpr const char* kBalance = "YZ-PLATFORM-BALANCE";
constexpr const char* kFees = "YZ-PLATFORM-FEES";
constexpr const char* kAccum = "YZ-PLATFORM-ACCUM";
constexpr const char* kNotFound = "YZ-PLATFORM-NOT-FOUND";
constexpr const char* kReversedCode = "YZ-PLATFORM-REVERSED";
constexpr const char* kBlocked = "YZ-PLATFORM-REVERSE-BLOCKED";
constexpr const char* kTimeout = "YZ-PLATFORM-TIMEOUT";
constexpr const char* kConnect = "YZ-PLATFORM-CONNECT";

constexpr size_t kMaxId = 64;

GatewayResult reject(const char* code, std::string msg) { return GatewayResult::rejected(code, std::move(msg)); }

GatewayResult ok_with(std::string msg) {
  GatewayResult r;
  r.err_msg = std::move(msg);
  return r;
}

std::string q(const std::string& v) { return "\"" + v.substr(0, 64) + "\""; }

// Runs `f`; an exception (amount overflow on hostile figures, bad_alloc) is a
// refusal of the call. Every call computes before it mutates, so a throw
// leaves the state as it was.
template <class F>
GatewayResult guarded(F f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return reject(kInput, std::string("无法处理的请求: ") + e.what());
  }
}

std::string pools_diff(const char* field, const std::vector<NamedAmount>& held,
                       const std::vector<NamedAmount>& sub) {
  std::set<std::string> names;
  for (const auto& n : held) names.insert(n.name);
  for (const auto& n : sub) names.insert(n.name);
  YearAccum z;
  for (const auto& n : names) {
    const Fen h = z.get(held, n), s = z.get(sub, n);
    if (h != s) return std::string(field) + "[" + n + "]: 平台 " + h.str() + "，提交 " + s.str();
  }
  return "";
}

}  // namespace

std::string accum_difference(const YearAccum& h, const YearAccum& s) {
  if (h.year != s.year) return "year: 平台 " + std::to_string(h.year) + "，提交 " + std::to_string(s.year);
  if (h.inpatient_stays != s.inpatient_stays)
    return "inpatient_stays: 平台 " + std::to_string(h.inpatient_stays) + "，提交 " +
           std::to_string(s.inpatient_stays);
  if (auto d = pools_diff("basic_paid", h.basic_paid, s.basic_paid); !d.empty()) return d;
  struct F {
    const char* name;
    Fen YearAccum::*field;
  };
  static const F kBefore[] = {{"ci_base", &YearAccum::ci_base},
                              {"ci_paid", &YearAccum::ci_paid},
                              {"supp_base", &YearAccum::supp_base},
                              {"supp_paid", &YearAccum::supp_paid}};
  static const F kAfter[] = {{"tilt_base", &YearAccum::tilt_base},
                             {"tilt_paid", &YearAccum::tilt_paid},
                             {"psn_burden", &YearAccum::psn_burden},
                             {"inscp_burden", &YearAccum::inscp_burden}};
  for (const F& f : kBefore)
    if (h.*f.field != s.*f.field) return std::string(f.name) + ": 平台 " + (h.*f.field).str() + "，提交 " + (s.*f.field).str();
  if (auto d = pools_diff("ma_paid", h.ma_paid, s.ma_paid); !d.empty()) return d;
  for (const F& f : kAfter)
    if (h.*f.field != s.*f.field) return std::string(f.name) + ": 平台 " + (h.*f.field).str() + "，提交 " + (s.*f.field).str();
  return "";
}

// ---- PlatformState ----------------------------------------------------------

Status PlatformState::add_person(const SeedPerson& p) {
  const std::string& no = p.info.person.psn_no;
  if (no.empty()) return Status::error("YZ-PERSONS-MISSING", "psn_no 为空");
  if (d_.persons.count(no)) return Status::error("YZ-PERSONS-DUP", "人员编号重复: " + q(no));
  PlatformData::PersonRecord r;
  r.info = p.info;
  r.info.accum = YearAccum{};
  for (const YearAccum& a : p.accums) {
    if (a.year <= 0) return Status::error("YZ-PERSONS-VALUE", q(no) + " 的累计值缺少年度");
    if (!r.accums.emplace(a.year, a).second)
      return Status::error("YZ-PERSONS-DUP", q(no) + " 的累计值年度重复: " + std::to_string(a.year));
  }
  d_.persons.emplace(no, std::move(r));
  return Status::ok();
}

Status PlatformState::add_persons(const std::vector<SeedPerson>& ps) {
  for (const SeedPerson& p : ps)
    if (Status st = add_person(p); !st) return st;
  return Status::ok();
}

YearAccum PlatformState::held(const std::string& psn_no, int year) const {
  auto p = d_.persons.find(psn_no);
  if (p != d_.persons.end()) {
    auto a = p->second.accums.find(year);
    if (a != p->second.accums.end()) return a->second;
  }
  YearAccum z;
  z.year = year;
  return z;
}

YearAccum PlatformState::accum(const std::string& psn_no, int year) const { return held(psn_no, year); }

std::string PlatformState::next_id(const char* prefix) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%010llu", prefix, static_cast<unsigned long long>(++d_.seq));
  return buf;
}

bool PlatformState::begin(const CallMeta& m, const char* infno, const std::string& key, bool needs_sign,
                          Answer& ans) const {
  ans = Answer{};
  if (m.msgid.empty()) {
    ans.result = reject(kInput, "报文 ID（msgid）缺失");
    return true;
  }
  if (m.msgid.size() > kMaxId) {
    ans.result = reject(kInput, "报文 ID（msgid）过长: " + q(m.msgid));
    return true;
  }
  if (!m.infno.empty() && m.infno != infno) {
    ans.result = reject(kInput, "交易编号（infno）" + q(m.infno) + " 与所调用的交易 " + infno + " 不符");
    return true;
  }
  auto it = d_.answers.find(m.msgid);
  if (it != d_.answers.end()) {
    if (it->second.blocked) {  // a 2601 came first (reverse_message): refused for good
      ans = it->second;
      return true;
    }
    if (it->second.infno != infno || it->second.key != key) {
      ans.result = reject(kReused, "报文 ID " + q(m.msgid) + " 已用于另一笔交易（" + it->second.infno + " " +
                                       q(it->second.key) + "）");
      return true;
    }
    ans = it->second;  // the first answer, unchanged
    return true;
  }
  if (needs_sign && opt_.require_sign_in) {
    auto s = d_.sign_nos.find(m.sign_no);
    if (s == d_.sign_nos.end() || !s->second) {
      ans.result = reject(kSign, m.sign_no.empty() ? "未签到（sign_no 缺失）" : "签到号无效或已签退: " + q(m.sign_no));
      return true;
    }
  }
  ans.infno = infno;
  ans.key = key;
  return false;
}

void PlatformState::record(const CallMeta& m, const Answer& ans) { d_.answers[m.msgid] = ans; }

GatewayResult PlatformState::sign_in(const CallMeta& m, std::string& sign_no) {
  Answer a;
  if (!begin(m, "9001", m.fixmedins_code + "|" + m.opter, false, a)) {
    a.text = next_id("SN");
    d_.sign_nos[a.text] = true;
    record(m, a);
  }
  sign_no = a.text;
  return a.result;
}

GatewayResult PlatformState::sign_out(const CallMeta& m) {
  Answer a;
  if (!begin(m, "9002", m.sign_no, true, a)) {
    d_.sign_nos[m.sign_no] = false;
    record(m, a);
  }
  return a.result;
}

GatewayResult PlatformState::query_person(const CallMeta& m, const std::string& psn_no, int year, PersonInfo& out) {
  Answer a;
  if (!begin(m, "1101", psn_no + "|" + std::to_string(year), true, a)) {
    auto p = d_.persons.find(psn_no);
    if (p == d_.persons.end()) {
      a.result = reject(kPerson, "参保人不存在: psn_no " + q(psn_no));
    } else if (!m.insuplc_admdvs.empty() && m.insuplc_admdvs != p->second.info.insuplc_admdvs) {
      a.result = reject(kRegion, "参保地 insuplc_admdvs " + q(m.insuplc_admdvs) + " 与参保人的参保地 " +
                                     p->second.info.insuplc_admdvs + " 不符");
    } else if (year < 1900 || year > 9999) {
      a.result = reject(kInput, "年度无效: " + std::to_string(year));
    } else {
      a.person = p->second.info;
      a.person.accum = held(psn_no, year);
    }
    record(m, a);
  }
  out = a.result.ok() ? a.person : PersonInfo{};
  return a.result;
}

GatewayResult PlatformState::admit(const CallMeta& m, const Admission& adm, std::string& mdtrt_id) {
  Answer a;
  if (!begin(m, "2401", adm.psn_no + "|" + adm.mdtrt_id, true, a)) {
    auto p = d_.persons.find(adm.psn_no);
    if (p == d_.persons.end()) {
      a.result = reject(kPerson, "参保人不存在: psn_no " + q(adm.psn_no));
    } else if (!m.insuplc_admdvs.empty() && m.insuplc_admdvs != p->second.info.insuplc_admdvs) {
      a.result = reject(kRegion, "参保地 insuplc_admdvs " + q(m.insuplc_admdvs) + " 与参保人的参保地 " +
                                     p->second.info.insuplc_admdvs + " 不符");
    } else if (!adm.insutype.empty() && adm.insutype != p->second.info.person.insutype) {
      a.result = reject(kInput, "险种 insutype " + q(adm.insutype) + " 与参保人的险种 " +
                                    p->second.info.person.insutype + " 不符");
    } else if (adm.med_type != 21 && adm.med_type != 14 && adm.med_type != 18) {
      a.result = reject(kInput, "医疗类别 med_type 无效: " + std::to_string(adm.med_type));
    } else if (adm.mdtrt_id.size() > kMaxId) {
      a.result = reject(kInput, "就诊 ID mdtrt_id 过长: " + q(adm.mdtrt_id));
    } else if (!adm.mdtrt_id.empty() && d_.stays.count(adm.mdtrt_id)) {
      a.result = reject(kDupStay, "就诊 ID 已登记: mdtrt_id " + q(adm.mdtrt_id));
    } else {
      std::string id = adm.mdtrt_id;
      while (id.empty() || d_.stays.count(id)) id = next_id("MDT");
      PlatformData::StayRecord st;
      st.admission = adm;
      st.admission.mdtrt_id = id;
      if (st.admission.insutype.empty()) st.admission.insutype = p->second.info.person.insutype;
      st.fixmedins_code = m.fixmedins_code;
      d_.stays.emplace(id, std::move(st));
      a.text = id;
    }
    record(m, a);
  }
  mdtrt_id = a.text;
  return a.result;
}

GatewayResult PlatformState::upload_fees(const CallMeta& m, const std::string& mdtrt_id,
                                         const std::vector<FeeLine>& lines) {
  Answer a;
  if (!begin(m, "2301", mdtrt_id, true, a)) {
    auto st = d_.stays.find(mdtrt_id);
    if (st == d_.stays.end()) {
      a.result = reject(kStay, "就诊不存在: mdtrt_id " + q(mdtrt_id));
    } else if (!st->second.active_setl_id.empty()) {
      a.result = reject(kSettled, "就诊已结算（setl_id " + st->second.active_setl_id + "），不能再上传费用明细");
    } else if (lines.empty()) {
      a.result = reject(kInput, "没有费用明细（feedetail）");
    } else {
      std::set<std::string> batch;
      for (const FeeLine& l : lines) {
        if (l.feedetl_sn.empty() || l.feedetl_sn.size() > kMaxId) {
          a.result = reject(kInput, "费用明细流水号 feedetl_sn 为空或过长: " + q(l.feedetl_sn));
          break;
        }
        if (l.det_item_fee_sumamt.is_negative()) {
          a.result = reject(kInput, "feedetl_sn " + q(l.feedetl_sn) + " 的金额 det_item_fee_sumamt 为负");
          break;
        }
        if (!batch.insert(l.feedetl_sn).second || st->second.lines.count(l.feedetl_sn)) {
          a.result = reject(kDupFee, "费用明细流水号重复: feedetl_sn " + q(l.feedetl_sn));
          break;
        }
      }
      if (a.result.ok()) {
        for (const FeeLine& l : lines) st->second.lines.emplace(l.feedetl_sn, l);
        a.lines = lines;
        a.text = mdtrt_id;
      }
    }
    record(m, a);
  }
  return a.result;
}

GatewayResult PlatformState::cancel_fees(const CallMeta& m, const std::string& mdtrt_id,
                                         const std::vector<std::string>& sns) {
  Answer a;
  if (!begin(m, "2302", mdtrt_id, true, a)) {
    auto st = d_.stays.find(mdtrt_id);
    if (st == d_.stays.end()) {
      a.result = reject(kStay, "就诊不存在: mdtrt_id " + q(mdtrt_id));
    } else if (!st->second.active_setl_id.empty()) {
      a.result = reject(kSettled, "就诊已结算（setl_id " + st->second.active_setl_id + "），不能撤销费用明细");
    } else {
      auto& stored = st->second.lines;
      std::vector<std::string> take;
      if (sns.empty()) {
        for (const auto& [sn, l] : stored) take.push_back(sn);
      } else {
        std::set<std::string> seen;
        for (const std::string& sn : sns) {
          if (!seen.insert(sn).second) {
            a.result = reject(kInput, "撤销列表中的费用明细流水号重复: feedetl_sn " + q(sn));
            break;
          }
          if (!stored.count(sn)) {
            a.result = reject(kFee, "费用明细不存在: feedetl_sn " + q(sn));
            break;
          }
        }
        take = sns;
      }
      if (a.result.ok()) {
        for (const std::string& sn : take) {
          a.lines.push_back(stored.at(sn));
          stored.erase(sn);
        }
        a.text = mdtrt_id;
      }
    }
    record(m, a);
  }
  return a.result;
}

GatewayResult PlatformState::settle(const CallMeta& m, const Settlement& s, std::string& setl_id) {
  Answer a;
  if (!begin(m, "2304", s.mdtrt_id, true, a)) {
    a.result = guarded([&]() -> GatewayResult {
      auto st = d_.stays.find(s.mdtrt_id);
      if (st == d_.stays.end()) return reject(kStay, "就诊不存在: mdtrt_id " + q(s.mdtrt_id));
      const PlatformData::StayRecord& stay = st->second;
      if (s.psn_no != stay.admission.psn_no)
        return reject(kInput, "人员编号 psn_no " + q(s.psn_no) + " 与就诊登记的 " + stay.admission.psn_no + " 不符");
      if (!stay.active_setl_id.empty())
        return reject(kSettled, "就诊已结算: mdtrt_id " + q(s.mdtrt_id) + "（setl_id " + stay.active_setl_id + "）");
      if (s.med_type != stay.admission.med_type)
        return reject(kInput, "医疗类别 med_type " + std::to_string(s.med_type) + " 与就诊登记的 " +
                                  std::to_string(stay.admission.med_type) + " 不符");
      const Fen medfee = s.split.medfee_sumamt;
      if (medfee != s.fund_pay_sumamt + s.hosp_part_amt + s.psn_part_amt)
        return reject(kBalance, "结算不平衡: medfee_sumamt " + medfee.str() + " ≠ fund_pay_sumamt " +
                                    s.fund_pay_sumamt.str() + " + hosp_part_amt " + s.hosp_part_amt.str() +
                                    " + psn_part_amt " + s.psn_part_amt.str());
      if (s.psn_part_amt != s.psn_cash_pay + s.acct_pay)
        return reject(kBalance, "结算不平衡: psn_part_amt " + s.psn_part_amt.str() + " ≠ psn_cash_pay " +
                                    s.psn_cash_pay.str() + " + acct_pay " + s.acct_pay.str());
      if (opt_.check_fee_total) {
        Fen total;
        for (const auto& [sn, l] : stay.lines) total += l.det_item_fee_sumamt;
        if (total != medfee)
          return reject(kFees, "medfee_sumamt " + medfee.str() + " 与已上传费用明细合计 " + total.str() + "（" +
                                   std::to_string(stay.lines.size()) + " 条）不符");
      }
      const int year = s.accum_before.year;
      if (year < 1900 || year > 9999 || s.accum_after.year != year)
        return reject(kInput, "累计值年度无效: accum_before " + std::to_string(year) + "，accum_after " +
                                  std::to_string(s.accum_after.year));
      const YearAccum h = held(s.psn_no, year);
      if (std::string d = accum_difference(h, s.accum_before); !d.empty())
        return reject(kAccum, "年度累计值与平台不一致（" + std::to_string(year) + " 年）: " + d);
      // Compute everything first; then apply.
      const YearAccum next = h.plus(s.accum_after.minus(s.accum_before));
      SettlementRecord rec;
      rec.setl_id = next_id("SETL");
      rec.msgid = m.msgid;
      rec.settlement = s;
      rec.setl_time = m.inf_time;
      d_.persons[s.psn_no].accums[year] = next;
      auto& sr = st->second;
      sr.setl_ids.push_back(rec.setl_id);
      sr.active_setl_id = rec.setl_id;
      a.text = rec.setl_id;
      d_.settlements.emplace(rec.setl_id, std::move(rec));
      return GatewayResult::success();
    });
    record(m, a);
  }
  setl_id = a.text;
  return a.result;
}

void PlatformState::undo_settlement(const std::string& setl_id, const std::string& reverse_setl_id,
                                    const std::string& at) {
  SettlementRecord& rec = d_.settlements.at(setl_id);
  const Settlement& s = rec.settlement;
  const int year = s.accum_before.year;
  // Throws (overflow) before anything changed.
  const YearAccum next = held(s.psn_no, year).plus(s.accum_after.minus(s.accum_before), -1);
  d_.persons[s.psn_no].accums[year] = next;
  rec.reversed = true;
  rec.reverse_setl_id = reverse_setl_id;
  rec.reverse_time = at;
  auto st = d_.stays.find(s.mdtrt_id);
  if (st != d_.stays.end() && st->second.active_setl_id == setl_id) st->second.active_setl_id.clear();
}

GatewayResult PlatformState::reverse_settlement(const CallMeta& m, const std::string& setl_id,
                                                std::string& reverse_setl_id) {
  Answer a;
  if (!begin(m, "2305", setl_id, true, a)) {
    a.result = guarded([&]() -> GatewayResult {
      auto it = d_.settlements.find(setl_id);
      if (it == d_.settlements.end()) return reject(kNotFound, "结算不存在: setl_id " + q(setl_id));
      if (it->second.reversed)
        return reject(kReversedCode, "结算已撤销: setl_id " + q(setl_id) + "（" + it->second.reverse_setl_id + "）");
      const std::string rev = "R" + setl_id;
      undo_settlement(setl_id, rev, m.inf_time);
      a.text = rev;
      return GatewayResult::success();
    });
    record(m, a);
  }
  reverse_setl_id = a.text;
  return a.result;
}

GatewayResult PlatformState::reverse_message(const CallMeta& m, const std::string& omsgid, const std::string& oinfno) {
  Answer a;
  if (!begin(m, "2601", omsgid, true, a)) {
    a.result = guarded([&]() -> GatewayResult {
      if (omsgid.empty()) return reject(kInput, "原报文 ID（omsgid）缺失");
      if (omsgid == m.msgid) return reject(kInput, "原报文 ID（omsgid）不能是本报文的 msgid");
      auto it = d_.answers.find(omsgid);
      if (it == d_.answers.end()) {
        // It may still be on its way (sent by a client that gave up waiting):
        // it must never take effect, so the msgid is refused from now on.
        Answer& tomb = d_.answers[omsgid];
        tomb.infno = oinfno;
        tomb.blocked = true;
        tomb.result = reject(kReversedCode, "报文 ID " + q(omsgid) + " 已被冲正（2601 先于原交易到达），不予受理");
        return ok_with(std::string(kNoSuchMessage) + ": 平台没有收到原交易 " + q(omsgid) + "，无需冲正");
      }
      Answer& orig = it->second;
      if (!oinfno.empty() && oinfno != orig.infno)
        return reject(kInput, "原交易编号 oinfno " + q(oinfno) + " 与原报文的交易 " + orig.infno + " 不符");
      if (!orig.result.ok())
        return ok_with(std::string(kNoSuchMessage) + ": 原交易 " + q(omsgid) + " 未被受理（" + orig.result.err_code +
                       "），无需冲正");
      if (orig.undone) return ok_with(std::string(kReversed) + ": 原交易 " + q(omsgid) + " 此前已冲正");
      const std::string& inf = orig.infno;
      if (inf == "2304") {
        SettlementRecord& rec = d_.settlements.at(orig.text);
        if (!rec.reversed) undo_settlement(rec.setl_id, "R" + rec.setl_id, m.inf_time);
        orig.undone = true;
        return ok_with(std::string(kReversed) + ": 已冲正结算 setl_id " + rec.setl_id);
      }
      if (inf == "2401") {
        auto st = d_.stays.find(orig.text);
        if (st == d_.stays.end()) {
          orig.undone = true;
          return ok_with(std::string(kReversed) + ": 就诊登记已不存在");
        }
        if (!st->second.lines.empty() || !st->second.setl_ids.empty())
          return reject(kBlocked, "就诊 " + q(orig.text) + " 已有费用明细或结算，不能冲正入院登记");
        d_.stays.erase(st);
        orig.undone = true;
        return ok_with(std::string(kReversed) + ": 已冲正入院登记 mdtrt_id " + orig.text);
      }
      if (inf == "2301" || inf == "2302") {
        auto st = d_.stays.find(orig.text);
        if (st == d_.stays.end()) return reject(kBlocked, "就诊 " + q(orig.text) + " 已不存在");
        if (!st->second.active_setl_id.empty())
          return reject(kBlocked, "就诊 " + q(orig.text) + " 已结算，不能冲正费用明细交易");
        auto& stored = st->second.lines;
        if (inf == "2301") {
          for (const FeeLine& l : orig.lines) stored.erase(l.feedetl_sn);
        } else {
          for (const FeeLine& l : orig.lines)
            if (stored.count(l.feedetl_sn))
              return reject(kBlocked, "费用明细 feedetl_sn " + q(l.feedetl_sn) + " 已重新上传，不能冲正撤销交易");
          for (const FeeLine& l : orig.lines) stored.emplace(l.feedetl_sn, l);
        }
        orig.undone = true;
        return ok_with(std::string(kReversed) + ": 已冲正 " + inf + "（" + std::to_string(orig.lines.size()) +
                       " 条费用明细）");
      }
      if (inf == "9001") {
        d_.sign_nos[orig.text] = false;
        orig.undone = true;
        return ok_with(std::string(kReversed) + ": 已冲正签到 " + orig.text);
      }
      if (inf == "1101" || inf == "5203" || inf == "9002")
        return ok_with("nothing to undo: 原交易 " + inf + " 不改变平台数据，无需冲正");
      return reject(kBlocked, "交易 " + inf + " 不能冲正" + (inf == "2305" ? "（请查询 5203 后重新结算）" : ""));
    });
    record(m, a);
  }
  return a.result;
}

GatewayResult PlatformState::query_settlement(const CallMeta& m, const std::string& setl_id,
                                              const std::string& mdtrt_id, SettlementRecord& out) {
  Answer a;
  if (!begin(m, "5203", setl_id + "|" + mdtrt_id, true, a)) {
    a.result = [&]() -> GatewayResult {
      if (setl_id.empty() && mdtrt_id.empty()) return reject(kInput, "setl_id 与 mdtrt_id 至少填写一个");
      std::string id = setl_id;
      if (id.empty()) {
        auto st = d_.stays.find(mdtrt_id);
        if (st == d_.stays.end()) return reject(kStay, "就诊不存在: mdtrt_id " + q(mdtrt_id));
        id = !st->second.active_setl_id.empty()  ? st->second.active_setl_id
             : !st->second.setl_ids.empty()       ? st->second.setl_ids.back()
                                                  : std::string();
        if (id.empty()) return reject(kNotFound, "就诊 " + q(mdtrt_id) + " 没有结算记录");
      }
      auto it = d_.settlements.find(id);
      if (it == d_.settlements.end()) return reject(kNotFound, "结算不存在: setl_id " + q(id));
      if (!mdtrt_id.empty() && it->second.settlement.mdtrt_id != mdtrt_id)
        return reject(kNotFound, "结算 " + q(id) + " 不属于就诊 " + q(mdtrt_id));
      a.record = it->second;
      return GatewayResult::success();
    }();
    record(m, a);
  }
  out = a.result.ok() ? a.record : SettlementRecord{};
  return a.result;
}

namespace {
bool recon_date(const std::string& d) {
  return d.size() == 10 && parse_date(d).has_value();
}
}  // namespace

void PlatformState::period_rows(const std::string& begin_date, const std::string& end_date,
                                const std::string& fixmedins_code, std::vector<recon::Row>& out) const {
  const std::string from = begin_date + " 00:00:00", to = end_date + " 23:59:59";
  for (const auto& [id, rec] : d_.settlements) {
    if (!fixmedins_code.empty()) {
      auto st = d_.stays.find(rec.settlement.mdtrt_id);
      if (st == d_.stays.end() || st->second.fixmedins_code != fixmedins_code) continue;
    }
    recon_rows_of(rec, from, to, out);
  }
}

GatewayResult PlatformState::reconcile_totals(const CallMeta& m, const std::string& begin_date,
                                              const std::string& end_date, const std::string& fixmedins_code,
                                              recon::Totals& out) {
  out = recon::Totals{};
  Answer a;
  if (begin(m, "3201", begin_date + "|" + end_date, true, a)) return a.result;
  if (!recon_date(begin_date) || !recon_date(end_date) || end_date < begin_date)
    return reject(kInput, "对账期间无效: " + q(begin_date) + " 至 " + q(end_date));
  return guarded([&]() -> GatewayResult {
    std::vector<recon::Row> rows;
    period_rows(begin_date, end_date, fixmedins_code.empty() ? m.fixmedins_code : fixmedins_code, rows);
    out = recon::totals(rows);
    return GatewayResult::success();
  });
}

GatewayResult PlatformState::reconcile_detail(const CallMeta& m, const std::string& begin_date,
                                              const std::string& end_date, const std::string& detail_file_text,
                                              std::vector<recon::Row>& platform_rows) {
  platform_rows.clear();
  Answer a;
  if (begin(m, "3202", begin_date + "|" + end_date, true, a)) return a.result;
  if (!recon_date(begin_date) || !recon_date(end_date) || end_date < begin_date)
    return reject(kInput, "对账期间无效: " + q(begin_date) + " 至 " + q(end_date));
  std::vector<recon::Row> theirs;
  if (Status st = recon::parse_detail(detail_file_text, theirs); !st)
    return reject(kInput, "对账明细文件无效: " + st.message());
  return guarded([&]() -> GatewayResult {
    period_rows(begin_date, end_date, m.fixmedins_code, platform_rows);
    return GatewayResult::success();
  });
}

// ---- MemoryGateway ----------------------------------------------------------

Status MemoryGateway::from_persons_file(const std::string& path, std::unique_ptr<MemoryGateway>& out,
                                        PlatformState::Options opt) {
  std::vector<SeedPerson> persons;
  if (Status st = read_persons_file(path, persons); !st) return st;
  PlatformState state(opt);
  if (Status st = state.add_persons(persons); !st) return st;
  out = std::make_unique<MemoryGateway>(std::move(state));
  return Status::ok();
}

void MemoryGateway::inject(FaultRule rule) {
  std::lock_guard lk(mu_);
  if (rule.times > 0) faults_.push_back(std::move(rule));
}

void MemoryGateway::clear_faults() {
  std::lock_guard lk(mu_);
  faults_.clear();
}

int MemoryGateway::pending_faults(const std::string& infno) const {
  std::lock_guard lk(mu_);
  int n = 0;
  for (const FaultRule& r : faults_)
    if (r.infno == infno) n += r.times;
  return n;
}

int MemoryGateway::calls(const std::string& infno) const {
  std::lock_guard lk(mu_);
  auto it = calls_.find(infno);
  return it == calls_.end() ? 0 : it->second;
}

PlatformState MemoryGateway::snapshot() const {
  std::lock_guard lk(mu_);
  return state_;
}

YearAccum MemoryGateway::accum(const std::string& psn_no, int year) const {
  std::lock_guard lk(mu_);
  return state_.accum(psn_no, year);
}

Status MemoryGateway::add_person(const SeedPerson& p) {
  std::lock_guard lk(mu_);
  return state_.add_person(p);
}

template <class Apply, class ClearOut>
GatewayResult MemoryGateway::run(const char* infno, Apply apply, ClearOut clear_out) {
  std::lock_guard lk(mu_);
  ++calls_[infno];
  std::optional<Fault> fault;
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->infno != infno) continue;
    fault = it->fault;
    if (--it->times <= 0) faults_.erase(it);
    break;
  }
  if (!fault) return apply();
  GatewayResult r;
  switch (*fault) {
    case Fault::UnknownAfter:
      apply();  // the platform has it; the answer is lost
      r = {Outcome::Unknown, kTimeout, std::string("平台未应答（交易 ") + infno + "，模拟：已受理）"};
      break;
    case Fault::UnknownBefore:
      r = {Outcome::Unknown, kTimeout, std::string("平台未应答（交易 ") + infno + "，模拟：未受理）"};
      break;
    case Fault::Failed:
      r = {Outcome::Failed, kConnect, std::string("无法连接平台（交易 ") + infno + "，模拟）"};
      break;
  }
  clear_out();
  return r;
}

GatewayResult MemoryGateway::sign_in(const CallMeta& m, std::string& sign_no) {
  return run("9001", [&] { return state_.sign_in(m, sign_no); }, [&] { sign_no.clear(); });
}

GatewayResult MemoryGateway::sign_out(const CallMeta& m) {
  return run("9002", [&] { return state_.sign_out(m); }, [] {});
}

GatewayResult MemoryGateway::query_person(const CallMeta& m, const std::string& psn_no, int year, PersonInfo& out) {
  return run("1101", [&] { return state_.query_person(m, psn_no, year, out); }, [&] { out = PersonInfo{}; });
}

GatewayResult MemoryGateway::admit(const CallMeta& m, const Admission& a, std::string& mdtrt_id) {
  return run("2401", [&] { return state_.admit(m, a, mdtrt_id); }, [&] { mdtrt_id.clear(); });
}

GatewayResult MemoryGateway::upload_fees(const CallMeta& m, const std::string& mdtrt_id,
                                         const std::vector<FeeLine>& lines) {
  return run("2301", [&] { return state_.upload_fees(m, mdtrt_id, lines); }, [] {});
}

GatewayResult MemoryGateway::cancel_fees(const CallMeta& m, const std::string& mdtrt_id,
                                         const std::vector<std::string>& feedetl_sns) {
  return run("2302", [&] { return state_.cancel_fees(m, mdtrt_id, feedetl_sns); }, [] {});
}

GatewayResult MemoryGateway::settle(const CallMeta& m, const Settlement& s, std::string& setl_id) {
  return run("2304", [&] { return state_.settle(m, s, setl_id); }, [&] { setl_id.clear(); });
}

GatewayResult MemoryGateway::reverse_settlement(const CallMeta& m, const std::string& setl_id,
                                                std::string& reverse_setl_id) {
  return run("2305", [&] { return state_.reverse_settlement(m, setl_id, reverse_setl_id); },
             [&] { reverse_setl_id.clear(); });
}

GatewayResult MemoryGateway::reverse_message(const CallMeta& m, const std::string& omsgid, const std::string& oinfno) {
  return run("2601", [&] { return state_.reverse_message(m, omsgid, oinfno); }, [] {});
}

GatewayResult MemoryGateway::query_settlement(const CallMeta& m, const std::string& setl_id,
                                              const std::string& mdtrt_id, SettlementRecord& out) {
  return run("5203", [&] { return state_.query_settlement(m, setl_id, mdtrt_id, out); },
             [&] { out = SettlementRecord{}; });
}

}  // namespace yz::gateway

namespace yz::gateway {

GatewayResult MemoryGateway::reconcile_totals(const CallMeta& m, const std::string& begin_date,
                                              const std::string& end_date, const std::string& fixmedins_code,
                                              recon::Totals& out) {
  return run("3201", [&] { return state_.reconcile_totals(m, begin_date, end_date, fixmedins_code, out); },
             [&] { out = recon::Totals{}; });
}

GatewayResult MemoryGateway::reconcile_detail(const CallMeta& m, const std::string& begin_date,
                                              const std::string& end_date, const std::string& detail_file_text,
                                              std::vector<recon::Row>& platform_rows) {
  return run("3202", [&] { return state_.reconcile_detail(m, begin_date, end_date, detail_file_text, platform_rows); },
             [&] { platform_rows.clear(); });
}

}  // namespace yz::gateway
