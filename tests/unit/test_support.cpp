#include "test_support.h"

namespace yz::test {

const policy::Registry& shipped() {
  static policy::Registry* reg = [] {
    auto* r = new policy::Registry();
    Status st = policy::Registry::load_dir(YZ_CONFIG_DIR, *r);
    if (!st) {
      ADD_FAILURE() << "loading " << YZ_CONFIG_DIR << ": " << st.code() << " " << st.message();
      *r = policy::Registry();
    }
    return r;
  }();
  return *reg;
}

Fen Y(const char* yuan) {
  auto f = parse_amount(yuan, true);
  if (!f) {
    ADD_FAILURE() << "bad amount literal " << yuan;
    return Fen();
  }
  return *f;
}

Person person(const std::string& idet, bool rural) {
  Person p;
  p.psn_no = "P-TEST";
  p.rural = rural;
  if (!idet.empty()) p.identities.push_back({idet, D("2020-01-01"), std::nullopt});
  return p;
}

Hospital hospital(const std::string& admdvs, int level, FeeClass fc) {
  Hospital h;
  h.fixmedins_code = "H" + admdvs + "00001";
  h.admdvs = admdvs;
  h.level = level;
  h.fee_class = fc;
  return h;
}

Stay stay(const std::string& id, const char* end, const char* jia, const char* bing, int med_type) {
  Stay s;
  s.mdtrt_id = id;
  s.med_type = med_type;
  s.enddate = D(end);
  s.begndate = s.enddate;
  s.dscg_maindiag_code = "K35.800";
  s.refl_flag = false;
  FeeLine a;
  a.feedetl_sn = "1";
  a.med_list_codg = "X1";
  a.chrgitm_lv = 1;
  a.det_item_fee_sumamt = Y(jia);
  s.lines.push_back(a);
  if (Y(bing) > Fen()) {
    FeeLine b;
    b.feedetl_sn = "2";
    b.med_list_codg = "X2";
    b.chrgitm_lv = 3;
    b.det_item_fee_sumamt = Y(bing);
    s.lines.push_back(b);
  }
  return s;
}

Settlement settle1(const std::string& insuplc, const Person& p, const Hospital& h, const Stay& s,
                   const YearAccum& accum) {
  SettleRequest req{insuplc, &p, &h, &s, accum};
  Settlement out;
  Status st = settle(shipped(), req, out);
  EXPECT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  return out;
}

std::vector<Settlement> settle_all(const std::string& insuplc, const Person& p, const Hospital& h,
                                   const std::vector<Stay>& stays) {
  std::vector<Settlement> out;
  Status st = settle_sequence(shipped(), insuplc, p, h, stays, YearAccum{}, out);
  EXPECT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  return out;
}

const TraceStep* step(const Settlement& s, const std::string& rule_id) {
  for (const auto& t : s.trace)
    if (t.rule_id == rule_id) return &t;
  return nullptr;
}

void expect_balanced(const Settlement& s) {
  Fen funds = s.hifp_pay + s.hifmi_pay + s.oth_pay + s.maf_pay;
  EXPECT_EQ(s.fund_pay_sumamt, funds);
  EXPECT_EQ(s.split.medfee_sumamt, s.fund_pay_sumamt + s.hosp_part_amt + s.psn_part_amt);
  EXPECT_EQ(s.psn_part_amt, s.psn_cash_pay + s.acct_pay);
  EXPECT_EQ(s.maf_pay, s.ma_pay + s.ooc_assist_pay + s.tilt_pay);
}

}  // namespace yz::test
