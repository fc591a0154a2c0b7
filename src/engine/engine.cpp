// The pipeline of RULES.md §0, in order; each tier sees what the earlier ones left.
#include "engine/engine.h"

#include <algorithm>

#include "engine/context.h"

namespace yz {

namespace engine {

Places Places::of(std::string_view insured, std::string_view treated) {
  Places p;
  if (insured.size() != 6 || treated.size() != 6) return p;
  p.same_county = insured == treated;
  p.same_prefecture = insured.substr(0, 4) == treated.substr(0, 4);
  p.same_province = insured.substr(0, 2) == treated.substr(0, 2);
  // Chongqing is one city ("市内") for every district and county.
  p.same_city = insured.substr(0, 2) == "50" ? p.same_province : p.same_prefecture;
  return p;
}

Exact cumulative(Fen base, Fen threshold, const std::vector<policy::Segment>& segs, Bp bonus) {
  Exact total;
  const Fen excess = pos(base - threshold);
  Fen lower;
  for (const auto& s : segs) {
    if (excess <= lower) break;
    const Fen part = min(excess, s.upto) - lower;
    total += Exact::times(part, s.ratio + bonus);
    lower = s.upto;
  }
  return total;
}

Fen increment(Fen before, Fen after, Fen threshold, const std::vector<policy::Segment>& segs, Bp bonus) {
  return round_half_up(cumulative(after, threshold, segs, bonus)) -
         round_half_up(cumulative(before, threshold, segs, bonus));
}

void add_fund_line(Settlement& out, const char* code, const char* name, Fen base, std::optional<Fen> left, Fen pay,
                   const std::string& rule) {
  out.funds.push_back({code, name, base, left, pay, rule});
}

namespace {

void finish_totals(Ctx& c) {
  Settlement& s = c.out;
  s.maf_pay = s.ma_pay + s.ooc_assist_pay + s.tilt_pay;
  s.oth_pay = s.supp_pay;
  s.fund_pay_sumamt = s.hifp_pay + s.hifmi_pay + s.oth_pay + s.maf_pay;
  s.hosp_part_amt = c.ooc_excess;
  s.psn_part_amt = s.split.medfee_sumamt - s.fund_pay_sumamt - s.hosp_part_amt;
  s.acct_pay = Fen();  // resident insurance (390) has no personal account
  s.psn_cash_pay = s.psn_part_amt - s.acct_pay;
  if (s.hosp_part_amt > Fen())
    add_fund_line(s, "999900", "医院负担", s.split.fulamt_ownpay_amt, std::nullopt, s.hosp_part_amt, "XZ-OOC-CAP");
  c.acc.psn_burden += s.psn_part_amt;
  c.acc.inscp_burden += s.split.inscp_scp_amt - s.hifp_pay - s.hifmi_pay - s.supp_pay - s.ma_pay - s.tilt_pay;
}

void flag_major_disease(Ctx& c) {
  for (const policy::Region* g : c.pol.chain)
    for (const std::string& id : g->major_disease_lists) {
      const policy::DiseaseList* dl = c.pol.disease_list(id);
      if (!dl) continue;
      bool hit = dl->contains(c.stay.dscg_maindiag_code);
      TraceStep& t = c.step(id, Tier::Monitor);
      t.applied = hit;
      t.reason = hit ? Reason::Applied : Reason::ConditionNotMet;
      t.figures.push_back(fig_text("dscg_maindiag_code", c.stay.dscg_maindiag_code));
      if (hit && !c.out.major_disease) {
        c.out.major_disease = true;
        c.out.major_disease_list = id;
      }
    }
}

}  // namespace


bool six_digits(std::string_view s) {
  return s.size() == 6 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The engine checks its own input too: the plug-in and other callers do not
// all go through the case reader.
Status validate(const SettleRequest& req) {
  const Stay& stay = *req.stay;
  if (!six_digits(req.insuplc_admdvs))
    return Status::error("YZ-INPUT-CODE", "参保地 insuplc_admdvs 必须为 6 位数字: \"" + req.insuplc_admdvs + "\"");
  if (!six_digits(req.hospital->admdvs))
    return Status::error("YZ-INPUT-CODE", "医疗机构 admdvs 必须为 6 位数字: \"" + req.hospital->admdvs + "\"");
  for (size_t i = 0; i < stay.lines.size(); ++i) {
    const FeeLine& l = stay.lines[i];
    auto where = [i] { return "feedetail[" + std::to_string(i + 1) + "]"; };  // built only for an error
    if (l.chrgitm_lv < 1 || l.chrgitm_lv > 3)
      return Status::error("YZ-INPUT-CODE", where() + "/chrgitm_lv 必须为 01、02 或 03");
    if (l.det_item_fee_sumamt.is_negative() || (l.pric && l.pric->is_negative()) ||
        (l.pric_uplmt_amt && l.pric_uplmt_amt->is_negative()) || (l.cnt_e4 && *l.cnt_e4 < 0))
      return Status::error("YZ-INPUT-AMOUNT", where() + " 金额或数量不能为负（退费请用 2302 撤销明细）");
    if (l.selfpay_prop.bp() < 0 || l.selfpay_prop.bp() > Bp::kOne)
      return Status::error("YZ-INPUT-RATIO", where() + "/selfpay_prop 必须在 0 到 1 之间");
  }
  return Status::ok();
}

}  // namespace engine

Status settle(const policy::Registry& reg, const SettleRequest& req, Settlement& out) {
  using namespace engine;
  if (!req.person || !req.hospital || !req.stay)
    return Status::error("YZ-INPUT-MISSING", "结算请求缺少人员、医疗机构或就诊信息");
  const Stay& stay = *req.stay;
  if (stay.lines.empty()) return Status::error("YZ-INPUT-EMPTY", "就诊 " + stay.mdtrt_id + " 没有费用明细 (feedetail)");
  if (req.hospital->level < 1 || req.hospital->level > 3)
    return Status::error("YZ-INPUT-LEVEL", "医疗机构等级 hosp_lv 必须为 1、2 或 3");
  if (stay.med_type != 21 && stay.med_type != 14 && stay.med_type != 18)
    return Status::error("YZ-INPUT-MEDTYPE", "医疗类别 med_type 必须为 21、14 或 18");

  if (Status st = validate(req); !st) return st;

  policy::Resolved pol;
  if (Status st = reg.resolve(req.insuplc_admdvs, stay.enddate, pol); !st) return st;

  try {
    out = Settlement{};
    out.mdtrt_id = stay.mdtrt_id;
    out.psn_no = req.person->psn_no;
    out.begndate = stay.begndate;
    out.enddate = stay.enddate;
    out.med_type = stay.med_type;
    out.insutype = req.person->insutype;
    out.region_id = pol.region->id;
    out.region_admdvs = pol.region->admdvs;
    out.policy_version = pol.version();
    // Accumulators of another year count as zero: a stay counts in the year of discharge.
    out.accum_before = req.accum.year == stay.enddate.y ? req.accum : YearAccum{};
    out.accum_before.year = stay.enddate.y;
    out.accum_after = out.accum_before;
    out.split = split_stay(stay.lines);
    out.trace.reserve(16);

    Ctx c(pol, *req.person, *req.hospital, stay, Places::of(req.insuplc_admdvs, req.hospital->admdvs), out);
    resolve_identity(c);
    apply_ooc_cap(c);
    if (Status st = apply_basic(c); !st) return st;
    apply_critical(c);
    apply_supplementary(c);
    apply_assistance(c);
    apply_ooc_assist(c);
    apply_tilt(c);
    finish_totals(c);
    apply_monitoring(c);
    flag_major_disease(c);
    if (stay.med_type == 21) c.acc.inpatient_stays += 1;
    return Status::ok();
  } catch (const MoneyOverflow& e) {
    return Status::error("YZ-INPUT-AMOUNT", std::string("金额超出可计算范围: ") + e.what());
  }
}

Status settle_sequence(const policy::Registry& reg, const std::string& insuplc_admdvs, const Person& person,
                       const Hospital& hospital, const std::vector<Stay>& stays, const YearAccum& start,
                       std::vector<Settlement>& out) {
  out.clear();
  out.reserve(stays.size());
  YearAccum acc = start;
  for (const Stay& s : stays) {
    Settlement one;
    if (Status st = settle(reg, {insuplc_admdvs, &person, &hospital, &s, acc}, one); !st) return st;
    acc = one.accum_after;
    out.push_back(std::move(one));
  }
  return Status::ok();
}

}  // namespace yz
