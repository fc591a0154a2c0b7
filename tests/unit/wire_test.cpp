// The platform wire layer (adapters/wire): the XML and JSON codecs (Node tree
// <-> text, strict and bounded) and the transaction mapping (messages.h), for
// both codecs: every PlatformGateway transaction's request and answer round
// trip field by field, with settlements computed by the engine from the
// shipped policies; refusals round trip; malformed bodies are refused with the
// right code.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.h"
#include "wire/codec.h"
#include "wire/messages.h"

namespace yz::wire {
namespace {

using test::D;
using test::Y;

// ---- Comparators (field by field) -------------------------------------------

void expect_meta(const gateway::CallMeta& a, const gateway::CallMeta& b) {
  EXPECT_EQ(a.infno, b.infno);
  EXPECT_EQ(a.msgid, b.msgid);
  EXPECT_EQ(a.sign_no, b.sign_no);
  EXPECT_EQ(a.fixmedins_code, b.fixmedins_code);
  EXPECT_EQ(a.mdtrtarea_admvs, b.mdtrtarea_admvs);
  EXPECT_EQ(a.insuplc_admdvs, b.insuplc_admdvs);
  EXPECT_EQ(a.opter, b.opter);
  EXPECT_EQ(a.opter_name, b.opter_name);
  EXPECT_EQ(a.inf_time, b.inf_time);
}

void expect_pools(const std::vector<NamedAmount>& a, const std::vector<NamedAmount>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].amount, b[i].amount);
  }
}

void expect_accum(const YearAccum& a, const YearAccum& b) {
  EXPECT_EQ(a.year, b.year);
  EXPECT_EQ(a.inpatient_stays, b.inpatient_stays);
  expect_pools(a.basic_paid, b.basic_paid);
  EXPECT_EQ(a.ci_base, b.ci_base);
  EXPECT_EQ(a.ci_paid, b.ci_paid);
  EXPECT_EQ(a.supp_base, b.supp_base);
  EXPECT_EQ(a.supp_paid, b.supp_paid);
  expect_pools(a.ma_paid, b.ma_paid);
  EXPECT_EQ(a.tilt_base, b.tilt_base);
  EXPECT_EQ(a.tilt_paid, b.tilt_paid);
  EXPECT_EQ(a.psn_burden, b.psn_burden);
  EXPECT_EQ(a.inscp_burden, b.inscp_burden);
  EXPECT_TRUE(a == b);
}

void expect_line(const FeeLine& a, const FeeLine& b) {
  EXPECT_EQ(a.feedetl_sn, b.feedetl_sn);
  EXPECT_EQ(a.med_list_codg, b.med_list_codg);
  EXPECT_EQ(a.chrgitm_lv, b.chrgitm_lv);
  EXPECT_EQ(a.det_item_fee_sumamt, b.det_item_fee_sumamt);
  EXPECT_EQ(a.cnt_e4, b.cnt_e4);
  EXPECT_EQ(a.pric, b.pric);
  EXPECT_EQ(a.pric_uplmt_amt, b.pric_uplmt_amt);
  EXPECT_EQ(a.selfpay_prop, b.selfpay_prop);
}

// Everything but the trace and the alerts (not on the wire).
void expect_settlement(const Settlement& a, const Settlement& b) {
  EXPECT_EQ(a.mdtrt_id, b.mdtrt_id);
  EXPECT_EQ(a.psn_no, b.psn_no);
  EXPECT_EQ(a.med_type, b.med_type);
  EXPECT_EQ(a.insutype, b.insutype);
  EXPECT_EQ(a.region_id, b.region_id);
  EXPECT_EQ(a.region_admdvs, b.region_admdvs);
  EXPECT_EQ(a.policy_version, b.policy_version);
  EXPECT_EQ(a.category, b.category);
  EXPECT_EQ(a.assistance_category, b.assistance_category);
  EXPECT_EQ(a.split.medfee_sumamt, b.split.medfee_sumamt);
  EXPECT_EQ(a.split.fulamt_ownpay_amt, b.split.fulamt_ownpay_amt);
  EXPECT_EQ(a.split.overlmt_selfpay, b.split.overlmt_selfpay);
  EXPECT_EQ(a.split.preselfpay_amt, b.split.preselfpay_amt);
  EXPECT_EQ(a.split.inscp_scp_amt, b.split.inscp_scp_amt);
  EXPECT_EQ(a.act_pay_dedc, b.act_pay_dedc);
  EXPECT_EQ(a.hifp_pay, b.hifp_pay);
  EXPECT_EQ(a.pool_prop_selfpay, b.pool_prop_selfpay);
  EXPECT_EQ(a.hifmi_pay, b.hifmi_pay);
  EXPECT_EQ(a.supp_pay, b.supp_pay);
  EXPECT_EQ(a.ma_pay, b.ma_pay);
  EXPECT_EQ(a.ooc_assist_pay, b.ooc_assist_pay);
  EXPECT_EQ(a.tilt_pay, b.tilt_pay);
  EXPECT_EQ(a.maf_pay, b.maf_pay);
  EXPECT_EQ(a.oth_pay, b.oth_pay);
  EXPECT_EQ(a.fund_pay_sumamt, b.fund_pay_sumamt);
  EXPECT_EQ(a.hosp_part_amt, b.hosp_part_amt);
  EXPECT_EQ(a.psn_part_amt, b.psn_part_amt);
  EXPECT_EQ(a.acct_pay, b.acct_pay);
  EXPECT_EQ(a.psn_cash_pay, b.psn_cash_pay);
  EXPECT_EQ(a.major_disease, b.major_disease);
  EXPECT_EQ(a.major_disease_list, b.major_disease_list);
  ASSERT_EQ(a.funds.size(), b.funds.size());
  for (size_t i = 0; i < a.funds.size(); ++i) {
    const FundLine &x = a.funds[i], &y = b.funds[i];
    EXPECT_STREQ(x.fund_pay_type, y.fund_pay_type);
    EXPECT_STREQ(x.fund_pay_type_name, y.fund_pay_type_name);
    EXPECT_EQ(x.inscp_scp_amt, y.inscp_scp_amt);
    EXPECT_EQ(x.crt_payb_lmt_amt, y.crt_payb_lmt_amt);
    EXPECT_EQ(x.fund_payamt, y.fund_payamt);
    EXPECT_EQ(x.rule_id, y.rule_id);
  }
  expect_accum(a.accum_before, b.accum_before);
  expect_accum(a.accum_after, b.accum_after);
}

void expect_person(const gateway::PersonInfo& a, const gateway::PersonInfo& b) {
  EXPECT_EQ(a.person.psn_no, b.person.psn_no);
  EXPECT_EQ(a.person.insutype, b.person.insutype);
  EXPECT_EQ(a.person.rural, b.person.rural);
  EXPECT_EQ(a.person.mental_disability, b.person.mental_disability);
  EXPECT_EQ(a.person.resident_tier, b.person.resident_tier);
  ASSERT_EQ(a.person.identities.size(), b.person.identities.size());
  for (size_t i = 0; i < a.person.identities.size(); ++i) {
    EXPECT_EQ(a.person.identities[i].psn_idet_type, b.person.identities[i].psn_idet_type);
    EXPECT_EQ(a.person.identities[i].begntime, b.person.identities[i].begntime);
    EXPECT_EQ(a.person.identities[i].endtime, b.person.identities[i].endtime);
  }
  EXPECT_EQ(a.psn_name, b.psn_name);
  EXPECT_EQ(a.gend, b.gend);
  EXPECT_EQ(a.brdy, b.brdy);
  EXPECT_EQ(a.certno, b.certno);
  EXPECT_EQ(a.insuplc_admdvs, b.insuplc_admdvs);
  expect_accum(a.accum, b.accum);
}

void expect_request(const PlatformRequest& a, const PlatformRequest& b) {
  expect_meta(a.meta, b.meta);
  EXPECT_EQ(a.psn_no, b.psn_no);
  EXPECT_EQ(a.year, b.year);
  EXPECT_EQ(a.admission.psn_no, b.admission.psn_no);
  EXPECT_EQ(a.admission.insutype, b.admission.insutype);
  EXPECT_EQ(a.admission.mdtrt_id, b.admission.mdtrt_id);
  EXPECT_EQ(a.admission.med_type, b.admission.med_type);
  EXPECT_EQ(a.admission.begndate, b.admission.begndate);
  EXPECT_EQ(a.admission.adm_diag_code, b.admission.adm_diag_code);
  EXPECT_EQ(a.admission.refl_flag, b.admission.refl_flag);
  EXPECT_EQ(a.admission.primary_first, b.admission.primary_first);
  EXPECT_EQ(a.mdtrt_id, b.mdtrt_id);
  ASSERT_EQ(a.lines.size(), b.lines.size());
  for (size_t i = 0; i < a.lines.size(); ++i) expect_line(a.lines[i], b.lines[i]);
  EXPECT_EQ(a.feedetl_sns, b.feedetl_sns);
  expect_settlement(a.settlement, b.settlement);
  EXPECT_EQ(a.setl_id, b.setl_id);
  EXPECT_EQ(a.omsgid, b.omsgid);
  EXPECT_EQ(a.oinfno, b.oinfno);
}

void expect_response(const PlatformResponse& a, const PlatformResponse& b) {
  EXPECT_EQ(a.result.outcome, b.result.outcome);
  EXPECT_EQ(a.result.err_code, b.result.err_code);
  EXPECT_EQ(a.result.err_msg, b.result.err_msg);
  EXPECT_EQ(a.text, b.text);
  expect_person(a.person, b.person);
  EXPECT_EQ(a.record.setl_id, b.record.setl_id);
  EXPECT_EQ(a.record.msgid, b.record.msgid);
  EXPECT_EQ(a.record.reversed, b.record.reversed);
  EXPECT_EQ(a.record.reverse_setl_id, b.record.reverse_setl_id);
  expect_settlement(a.record.settlement, b.record.settlement);
}

// ---- Fixtures -----------------------------------------------------------------

gateway::CallMeta meta(const std::string& infno) {
  gateway::CallMeta m;
  m.infno = infno;
  m.msgid = "H14090000001202311221530450001";
  m.sign_no = "SN0000000001";
  m.fixmedins_code = "H14090000001";
  m.mdtrtarea_admvs = "140900";
  m.insuplc_admdvs = "140900";
  m.opter = "C001";
  m.opter_name = "收费员甲 <&\"'>";  // escaped by both writers
  m.inf_time = "2023-11-22 15:30:45";
  return m;
}

PlatformRequest req(const std::string& infno) {
  PlatformRequest r;
  r.meta = meta(infno);
  return r;
}

// Engine settlements from the shipped policies (the second stay of each
// sequence, so that accum_before is not zero and carries pools).
struct Settled {
  Settlement xinzhou;   // FPZP, 丙 fees: 390100, 390200?, 610100, 610103, 999900
  Settlement zhoushan;  // DB: 390300 supplementary
};

const Settled& settled() {
  static const Settled s = [] {
    Settled out;
    Person fp = test::person("236003");
    fp.psn_no = "P-XZ-0001";
    auto xz = test::settle_all("140900", fp, test::hospital("140900", 2, FeeClass::County2),
                               {test::stay("XZ-M1", "2023-03-10", "30000.00", "8000.00"),
                                test::stay("XZ-M2", "2023-06-20", "180000.00", "20000.00")});
    Person db = test::person("2303");
    db.psn_no = "P-ZS-0001";
    auto zs = test::settle_all("330900", db, test::hospital("330900", 2),
                               {test::stay("ZS-M1", "2023-04-02", "150000.00", "3000.00"),
                                test::stay("ZS-M2", "2023-09-15", "260000.00", "5000.00")});
    if (xz.size() == 2) out.xinzhou = xz[1];
    if (zs.size() == 2) out.zhoushan = zs[1];
    return out;
  }();
  return s;
}

gateway::PersonInfo person_info() {
  gateway::PersonInfo pi;
  pi.person.psn_no = "P-XZ-0001";
  pi.person.insutype = "390";
  pi.person.rural = true;
  pi.person.mental_disability = true;
  pi.person.resident_tier = 2;
  pi.person.identities.push_back({"236003", D("2021-01-01"), std::nullopt});
  pi.person.identities.push_back({"2303", D("2019-05-01"), D("2022-12-31")});
  pi.psn_name = "张三";
  pi.gend = "1";
  pi.brdy = "1960-02-29";
  pi.certno = "14090019600229001X";
  pi.insuplc_admdvs = "140900";
  pi.accum = settled().xinzhou.accum_before;
  return pi;
}

std::vector<FeeLine> fee_lines() {
  std::vector<FeeLine> v;
  FeeLine a;
  a.feedetl_sn = "1";
  a.med_list_codg = "XA01AAA001";
  a.chrgitm_lv = 1;
  a.det_item_fee_sumamt = Y("1234.56");
  v.push_back(a);
  FeeLine b;  // every optional field
  b.feedetl_sn = "2";
  b.med_list_codg = "XB02";
  b.chrgitm_lv = 2;
  b.det_item_fee_sumamt = Y("30.75");
  b.cnt_e4 = 15000;  // 1.5
  b.pric = Y("20.50");
  b.pric_uplmt_amt = Y("18.00");
  b.selfpay_prop = Bp(1000);
  v.push_back(b);
  FeeLine c;  // a refund line and a zero price
  c.feedetl_sn = "3";
  c.med_list_codg = "XC03";
  c.chrgitm_lv = 3;
  c.det_item_fee_sumamt = Y("-12.00");
  c.cnt_e4 = -10001;  // -1.0001
  c.pric = Fen(0);
  v.push_back(c);
  return v;
}

// ---- Round trips, parameterised by codec --------------------------------------

class WireRoundTrip : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { c_ = make_codec(GetParam()); ASSERT_TRUE(c_); }

  void request(const PlatformRequest& in) {
    SCOPED_TRACE(in.meta.infno);
    const std::string body = encode_request(*c_, in);
    PlatformRequest out;
    Status st = decode_request(*c_, body, out);
    ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message() << "\n" << body;
    expect_request(in, out);
  }
  void response(const std::string& infno, const PlatformResponse& in) {
    SCOPED_TRACE(infno);
    const std::string body = encode_response(*c_, infno, "MSG-REF-1", in);
    PlatformResponse out;
    Status st = decode_response(*c_, infno, body, out);
    ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message() << "\n" << body;
    expect_response(in, out);
  }
  std::unique_ptr<Codec> c_;
};

TEST_P(WireRoundTrip, SimpleRequests) {
  for (const char* i : {"9001", "9002"}) request(req(i));
  PlatformRequest q = req("1101");
  q.psn_no = "P-XZ-0001";
  q.year = 2023;
  request(q);
  PlatformRequest a = req("2401");
  a.admission.psn_no = "P-XZ-0001";
  a.admission.insutype = "390";
  a.admission.mdtrt_id = "";  // the platform assigns one
  a.admission.med_type = 14;
  a.admission.begndate = D("2023-06-01");
  a.admission.adm_diag_code = "J18.901";
  a.admission.refl_flag = true;
  a.admission.primary_first = false;
  request(a);
  a.admission.mdtrt_id = "M0001";
  a.admission.refl_flag = false;
  a.admission.primary_first = true;
  request(a);
  PlatformRequest r = req("2305");
  r.setl_id = "SETL0000000007";
  request(r);
  PlatformRequest m = req("2601");
  m.omsgid = "H14090000001202311221530450000";
  m.oinfno = "2304";
  request(m);
  PlatformRequest q5 = req("5203");
  q5.setl_id = "SETL0000000007";
  request(q5);
  q5.setl_id.clear();
  q5.mdtrt_id = "M0001";
  request(q5);
}

TEST_P(WireRoundTrip, FeeRequests) {
  PlatformRequest u = req("2301");
  u.mdtrt_id = "M0001";
  u.lines = fee_lines();
  request(u);
  u.lines.resize(1);  // a single line (XML: item = false) still reads as a list
  request(u);
  PlatformRequest x = req("2302");
  x.mdtrt_id = "M0001";
  x.feedetl_sns = {"1", "3"};
  request(x);
  x.feedetl_sns = {"2"};
  request(x);
  x.feedetl_sns.clear();  // all
  request(x);
}

TEST_P(WireRoundTrip, SettlementRequest) {
  const Settled& s = settled();
  // The settlements are the engine's (not empty, several funds, pools).
  ASSERT_GE(s.xinzhou.funds.size(), 3u);
  ASSERT_FALSE(s.xinzhou.accum_before.basic_paid.empty());
  ASSERT_GT(s.zhoushan.supp_pay, Fen());
  test::expect_balanced(s.xinzhou);
  for (const Settlement* st : {&s.xinzhou, &s.zhoushan}) {
    PlatformRequest r = req("2304");
    r.settlement = *st;
    request(r);
  }
  // A hand-made one: a fund with an uncapped limit and one that is not a
  // reference fund, categories, major disease.
  PlatformRequest r = req("2304");
  r.settlement = s.zhoushan;
  r.settlement.category = Category::DB12;
  r.settlement.assistance_category = Category::TK;
  r.settlement.major_disease = true;
  r.settlement.major_disease_list = "GS-DISEASE-35";
  r.settlement.funds.push_back(FundLine{"310100", "职工基本医疗保险统筹基金", Y("1.00"), std::nullopt, Y("0.50"), "X"});
  r.settlement.funds.push_back(FundLine{"390100", "另一名称", Y("2.00"), Fen(0), Y("0.00"), ""});
  request(r);
}

TEST_P(WireRoundTrip, Responses) {
  PlatformResponse ok;
  for (const char* i : {"9002", "2301", "2302"}) response(i, ok);
  PlatformResponse sign;
  sign.text = "SN0000000001";
  response("9001", sign);
  PlatformResponse adm;
  adm.text = "MDT0000000003";
  response("2401", adm);
  PlatformResponse setl;
  setl.text = "SETL0000000004";
  response("2304", setl);
  PlatformResponse rev;
  rev.text = "RSETL0000000004";
  response("2305", rev);
  PlatformResponse msg;  // 2601 says what it did in err_msg, with infcode 0
  msg.result.err_msg = "YZ-PLATFORM-REVERSED: 已冲正结算 setl_id SETL0000000004";
  response("2601", msg);
  PlatformResponse person;
  person.person = person_info();
  response("1101", person);
  person.person.person.identities.clear();  // none at all
  person.person.accum = YearAccum{};
  person.person.accum.year = 2024;
  response("1101", person);
  PlatformResponse rec;
  rec.record.setl_id = "SETL0000000004";
  rec.record.msgid = "H14090000001202311221530450001";
  rec.record.settlement = settled().xinzhou;
  response("5203", rec);
  rec.record.reversed = true;
  rec.record.reverse_setl_id = "RSETL0000000004";
  rec.record.settlement = settled().zhoushan;
  response("5203", rec);
}

TEST_P(WireRoundTrip, Refusals) {
  for (const char* i : {"9001", "9002", "1101", "2401", "2301", "2302", "2304", "2305", "2601", "5203"}) {
    PlatformResponse r;
    r.result = gateway::GatewayResult::rejected("YZ-PLATFORM-ACCUM", "年度累计值与平台不一致（2023 年）: ci_paid");
    r.text = "ignored";  // a refusal carries no output
    const std::string body = encode_response(*c_, i, "MSG-1", r);
    PlatformResponse out;
    out.text = "stale";
    Status st = decode_response(*c_, i, body, out);
    ASSERT_TRUE(st.is_ok()) << i << ": " << st.message();
    EXPECT_EQ(out.result.outcome, gateway::Outcome::Rejected) << i;
    EXPECT_EQ(out.result.err_code, "YZ-PLATFORM-ACCUM");
    EXPECT_EQ(out.result.err_msg, r.result.err_msg);
    EXPECT_EQ(out.text, "") << i;
  }
  // The wire says -2 for a refusal.
  PlatformResponse r;
  r.result = gateway::GatewayResult::rejected("E", "m");
  Node n;
  ASSERT_TRUE(c_->read(encode_response(*c_, "2304", "M", r), n).is_ok());
  EXPECT_EQ(n.value("infcode"), "-2");
  EXPECT_EQ(n.value("inf_refmsgid"), "M");
}

// A missing field, a bad amount, a bad date: YZ-WIRE-FIELD naming the path.
TEST_P(WireRoundTrip, FieldErrors) {
  PlatformRequest r = req("2304");
  r.settlement = settled().xinzhou;
  Node n;
  ASSERT_TRUE(c_->read(encode_request(*c_, r), n).is_ok());
  auto edit = [&](auto f) {
    Node m = n;
    f(m);
    PlatformRequest out;
    return decode_request(*c_, c_->write(m), out);
  };
  Node* data = n.find("input")->find("data");
  ASSERT_NE(data, nullptr);
  Status st = edit([](Node& m) {
    auto& ch = m.find("input")->find("data")->children;
    for (size_t i = 0; i < ch.size(); ++i)
      if (ch[i].name == "psn_no") ch.erase(ch.begin() + long(i));
  });
  EXPECT_EQ(st.code(), "YZ-WIRE-FIELD");
  EXPECT_NE(st.message().find("request/input/data/psn_no"), std::string::npos) << st.message();
  st = edit([](Node& m) { m.find("input")->find("data")->find("medfee_sumamt")->text = "12.345"; });
  EXPECT_EQ(st.code(), "YZ-WIRE-FIELD");
  EXPECT_NE(st.message().find("request/input/data/medfee_sumamt"), std::string::npos) << st.message();
  st = edit([](Node& m) { m.find("input")->find("yz_accum")->find("after")->find("ci_paid")->text = "1e3"; });
  EXPECT_EQ(st.code(), "YZ-WIRE-FIELD");
  EXPECT_NE(st.message().find("request/input/yz_accum/after/ci_paid"), std::string::npos) << st.message();
  st = edit([](Node& m) {
    for (Node& c : m.find("input")->children)
      if (c.name == "setldetail") {
        c.find("fund_payamt")->text = "";
        break;
      }
  });
  EXPECT_EQ(st.code(), "YZ-WIRE-FIELD");
  EXPECT_NE(st.message().find("request/input/setldetail[1]/fund_payamt"), std::string::npos) << st.message();
  st = edit([](Node& m) { m.find("msgid")->text.clear(); });
  EXPECT_EQ(st.code(), "YZ-WIRE-FIELD");
  st = edit([](Node& m) { m.find("infno")->text = "9999"; });
  EXPECT_EQ(st.code(), "YZ-WIRE-FIELD");
  st = edit([](Node& m) { m.find("input")->find("data")->add("psn_no", "again"); });
  EXPECT_EQ(st.code(), "YZ-WIRE-FIELD");
  EXPECT_NE(st.message().find("more than once"), std::string::npos) << st.message();

  PlatformRequest a = req("2401");
  a.admission.psn_no = "P1";
  a.admission.begndate = D("2023-06-01");
  ASSERT_TRUE(c_->read(encode_request(*c_, a), n).is_ok());
  st = edit([](Node& m) { m.find("input")->find("data")->find("begntime")->text = "2023-13-01"; });
  EXPECT_EQ(st.code(), "YZ-WIRE-FIELD");
  EXPECT_NE(st.message().find("request/input/data/begntime"), std::string::npos) << st.message();

  // A response is not a request, and the other way round.
  PlatformRequest out;
  st = decode_request(*c_, encode_response(*c_, "2304", "M", PlatformResponse{}), out);
  EXPECT_EQ(st.code(), "YZ-WIRE-FIELD");
  PlatformResponse rout;
  st = decode_response(*c_, "9001", encode_request(*c_, req("9001")), rout);
  EXPECT_EQ(st.code(), "YZ-WIRE-FIELD");
  // An answer without its output.
  PlatformResponse sign;
  sign.text = "";
  st = decode_response(*c_, "9001", encode_response(*c_, "9001", "M", sign), rout);
  EXPECT_EQ(st.code(), "YZ-WIRE-FIELD");
  EXPECT_NE(st.message().find("response/output/signinoutb/sign_no"), std::string::npos) << st.message();
}

// Bounded and strict, for both codecs.
TEST_P(WireRoundTrip, FormatErrors) {
  const std::string body = encode_request(*c_, req("9001"));
  Node n;
  EXPECT_TRUE(c_->read(body, n).is_ok());
  Status st = c_->read(body, n, body.size() - 1);  // too big
  EXPECT_EQ(st.code(), "YZ-WIRE-FORMAT");
  EXPECT_TRUE(c_->read(body, n, body.size()).is_ok());
  // Bad UTF-8 in a value.
  std::string bad = body;
  const size_t at = bad.find("C001");
  ASSERT_NE(at, std::string::npos);
  bad.replace(at, 4, "C\xC3\x28" "1");
  st = c_->read(bad, n);
  EXPECT_EQ(st.code(), "YZ-WIRE-FORMAT");
  EXPECT_NE(st.message().find("UTF-8"), std::string::npos) << st.message();
  // Truncated.
  st = c_->read(body.substr(0, body.size() / 2), n);
  EXPECT_EQ(st.code(), "YZ-WIRE-FORMAT");
  PlatformRequest out;
  EXPECT_EQ(decode_request(*c_, "", out).code(), "YZ-WIRE-FORMAT");
}

INSTANTIATE_TEST_SUITE_P(Wire, WireRoundTrip, ::testing::Values("xml", "json"),
                         [](const ::testing::TestParamInfo<const char*>& i) { return std::string(i.param); });

// ---- Codec specifics ------------------------------------------------------------

std::string nested(int depth, bool json) {
  std::string s;
  if (json) {
    s = "{\"infno\":\"9001\"";
    for (int i = 1; i < depth; ++i) s += ",\"a\":{\"b\":\"1\"";
    s += std::string(size_t(depth - 1), '}') + "}";
  } else {
    s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    for (int i = 0; i < depth; ++i) s += "<a>";
    s += "x";
    for (int i = 0; i < depth; ++i) s += "</a>";
  }
  return s;
}

TEST(WireXml, WritesElementsAndReadsItems) {
  auto c = make_xml_codec();
  EXPECT_STREQ(c->name(), "xml");
  EXPECT_STREQ(c->content_type(), "application/xml; charset=UTF-8");
  Node r;
  r.name = "request";
  r.add("infno", "2301");
  Node& in = r.add("input");
  in.add("data").add("mdtrt_id", "M<1>&\"");
  in.add_item("feedetail").add("feedetl_sn", "1");
  in.add_item("feedetail").add("feedetl_sn", "2");
  in.add("single").add("x", "1");
  in.add("empty");
  const std::string x = c->write(r);
  EXPECT_EQ(x.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?><request><infno>2301</infno>", 0), 0u) << x;
  EXPECT_NE(x.find("<mdtrt_id>M&lt;1&gt;&amp;\"</mdtrt_id>"), std::string::npos) << x;
  EXPECT_NE(x.find("<feedetail><feedetl_sn>1</feedetl_sn></feedetail><feedetail><feedetl_sn>2</feedetl_sn></feedetail>"),
            std::string::npos)
      << x;
  Node back;
  ASSERT_TRUE(c->read(x, back).is_ok());
  EXPECT_EQ(back.name, "request");
  const Node* bin = back.find("input");
  ASSERT_NE(bin, nullptr);
  ASSERT_EQ(bin->all("feedetail").size(), 2u);
  EXPECT_TRUE(bin->all("feedetail")[0]->item);
  EXPECT_TRUE(bin->all("feedetail")[1]->item);
  EXPECT_FALSE(bin->find("single")->item);
  EXPECT_EQ(bin->find("data")->value("mdtrt_id"), "M<1>&\"");
  EXPECT_TRUE(bin->find("empty")->children.empty());
  EXPECT_EQ(bin->find("empty")->text, "");
}

TEST(WireXml, StrictReading) {
  auto c = make_xml_codec();
  Node n;
  auto code = [&](const std::string& s) { return c->read(s, n).code(); };
  // DOCTYPE / DTD, declared entities (billion laughs, external).
  Status st = c->read(
      "<?xml version=\"1.0\"?><!DOCTYPE request [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>"
      "<request><infno>&b;</infno></request>",
      n);
  EXPECT_EQ(st.code(), "YZ-WIRE-FORMAT");
  EXPECT_NE(st.message().find("DOCTYPE"), std::string::npos) << st.message();
  EXPECT_EQ(code("<!DOCTYPE request SYSTEM \"file:///etc/passwd\"><request/>"), "YZ-WIRE-FORMAT");
  EXPECT_EQ(code("<request><infno>&xxe;</infno></request>"), "YZ-WIRE-FORMAT");
  EXPECT_EQ(code("<request><infno>&#0;</infno></request>"), "YZ-WIRE-FORMAT");
  // The built-ins are fine.
  ASSERT_TRUE(c->read("<request><a>&amp;&lt;&gt;&quot;&apos;&#x4E2D;</a><!-- <!DOCTYPE x> --></request>", n).is_ok());
  EXPECT_EQ(n.value("a"), "&<>\"'中");
  // Depth: 32 is fine, 33 is not.
  EXPECT_TRUE(c->read(nested(32, false), n).is_ok());
  st = c->read(nested(33, false), n);
  EXPECT_EQ(st.code(), "YZ-WIRE-FORMAT");
  EXPECT_NE(st.message().find("32"), std::string::npos) << st.message();
  // Mixed content refused; attributes ignored; two roots, text outside refused.
  EXPECT_EQ(code("<request>text<infno>1</infno></request>"), "YZ-WIRE-FORMAT");
  ASSERT_TRUE(c->read("<request xmlns=\"urn:x\"><infno a=\"1\"> 2304 </infno></request>", n).is_ok());
  EXPECT_EQ(n.value("infno"), "2304");  // trimmed
  EXPECT_EQ(code("<request/><response/>"), "YZ-WIRE-FORMAT");
  EXPECT_EQ(code("<request/>tail"), "YZ-WIRE-FORMAT");
  EXPECT_EQ(code("<request><a></b></request>"), "YZ-WIRE-FORMAT");
  EXPECT_EQ(code(""), "YZ-WIRE-FORMAT");
  // Not XML characters.
  EXPECT_EQ(code(std::string("<request><a>\x01</a></request>")), "YZ-WIRE-FORMAT");
}

TEST(WireJson, WritesTheNationalShape) {
  auto c = make_json_codec();
  EXPECT_STREQ(c->name(), "json");
  EXPECT_STREQ(c->content_type(), "application/json; charset=UTF-8");
  PlatformRequest u = req("2301");
  u.mdtrt_id = "M1";
  u.lines = fee_lines();
  u.lines.resize(1);
  const std::string j = encode_request(*c, u);
  EXPECT_EQ(j.rfind("{\"infno\":\"2301\",\"msgid\":\"H14090000001202311221530450001\",", 0), 0u) << j;
  // One line is still an array; amounts are strings.
  EXPECT_NE(j.find("\"input\":{\"data\":{\"mdtrt_id\":\"M1\"},\"feedetail\":[{\"feedetl_sn\":\"1\","), std::string::npos)
      << j;
  EXPECT_NE(j.find("\"det_item_fee_sumamt\":\"1234.56\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"opter_name\":\"收费员甲 <&\\\"'>\""), std::string::npos) << j;
  // 2302's list is an array of strings.
  PlatformRequest x = req("2302");
  x.mdtrt_id = "M1";
  x.feedetl_sns = {"7"};
  EXPECT_NE(encode_request(*c, x).find("\"data\":{\"mdtrt_id\":\"M1\",\"feedetl_sn\":[\"7\"]}"), std::string::npos);
  // The root's name comes from infno.
  Node n;
  ASSERT_TRUE(c->read(j, n).is_ok());
  EXPECT_EQ(n.name, "request");
  ASSERT_TRUE(c->read("{\"infcode\":\"0\"}", n).is_ok());
  EXPECT_EQ(n.name, "response");
}

TEST(WireJson, StrictReading) {
  auto c = make_json_codec();
  Node n;
  // A JSON double where an amount goes: refused; an integer is its decimal text.
  Status st = c->read("{\"infno\":\"2304\",\"input\":{\"data\":{\"medfee_sumamt\":12.5}}}", n);
  EXPECT_EQ(st.code(), "YZ-WIRE-FORMAT");
  EXPECT_NE(st.message().find("amounts must be strings"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("input/data/medfee_sumamt"), std::string::npos) << st.message();
  EXPECT_EQ(c->read("{\"a\":1e2}", n).code(), "YZ-WIRE-FORMAT");
  EXPECT_EQ(c->read("{\"a\":123456789012345678901234567890}", n).code(), "YZ-WIRE-FORMAT");
  ASSERT_TRUE(c->read("{\"year\":2023,\"n\":-5,\"z\":null,\"arr\":[],\"o\":{}}", n).is_ok());
  EXPECT_EQ(n.value("year"), "2023");
  EXPECT_EQ(n.value("n"), "-5");
  EXPECT_EQ(n.value("z"), "");
  EXPECT_EQ(n.find("arr"), nullptr);  // an empty array adds nothing
  ASSERT_NE(n.find("o"), nullptr);
  // Booleans, arrays in arrays, duplicate keys, not an object, comments.
  EXPECT_EQ(c->read("{\"a\":true}", n).code(), "YZ-WIRE-FORMAT");
  EXPECT_EQ(c->read("{\"a\":[[\"1\"]]}", n).code(), "YZ-WIRE-FORMAT");
  st = c->read("{\"a\":\"1\",\"b\":{\"c\":\"1\",\"c\":\"2\"}}", n);
  EXPECT_EQ(st.code(), "YZ-WIRE-FORMAT");
  EXPECT_NE(st.message().find("twice"), std::string::npos) << st.message();
  EXPECT_EQ(c->read("[\"a\"]", n).code(), "YZ-WIRE-FORMAT");
  EXPECT_EQ(c->read("\"a\"", n).code(), "YZ-WIRE-FORMAT");
  EXPECT_EQ(c->read("{\"a\":\"1\"} // c", n).code(), "YZ-WIRE-FORMAT");
  EXPECT_EQ(c->read("{\"a\":\"1\",}", n).code(), "YZ-WIRE-FORMAT");
  EXPECT_EQ(c->read("{\"a\":\"1\"}{}", n).code(), "YZ-WIRE-FORMAT");
  EXPECT_TRUE(c->read("\xEF\xBB\xBF {\"a\":\"1\"} \r\n", n).is_ok());  // BOM, white space around
  EXPECT_EQ(c->read("{\"a\":\"\\u0001\"}", n).code(), "YZ-WIRE-FORMAT");
  // Depth: 32 is fine, 33 is not.
  EXPECT_TRUE(c->read(nested(32, true), n).is_ok());
  st = c->read(nested(33, true), n);
  EXPECT_EQ(st.code(), "YZ-WIRE-FORMAT");
  EXPECT_NE(st.message().find("32"), std::string::npos) << st.message();
  // Arrays read as items named after their key.
  ASSERT_TRUE(c->read("{\"l\":[{\"x\":\"1\"},{\"x\":\"2\"}],\"s\":[\"a\"]}", n).is_ok());
  ASSERT_EQ(n.all("l").size(), 2u);
  EXPECT_TRUE(n.all("l")[1]->item);
  EXPECT_EQ(n.all("l")[1]->value("x"), "2");
  ASSERT_EQ(n.all("s").size(), 1u);
  EXPECT_TRUE(n.all("s")[0]->item);
  EXPECT_EQ(n.all("s")[0]->text, "a");
}

// An integer where an amount or a number goes is its decimal text: accepted.
TEST(WireJson, IntegersAreDecimalText) {
  auto c = make_json_codec();
  PlatformRequest r = req("1101");
  r.psn_no = "P1";
  r.year = 2023;
  std::string j = encode_request(*c, r);
  const size_t at = j.find("\"year\":\"2023\"");
  ASSERT_NE(at, std::string::npos) << j;
  j.replace(at, 13, "\"year\":2023");
  PlatformRequest out;
  ASSERT_TRUE(decode_request(*c, j, out).is_ok()) << j;
  EXPECT_EQ(out.year, 2023);
  PlatformResponse setl;
  setl.text = "S1";
  PlatformResponse rout;
  ASSERT_TRUE(decode_response(*c, "2304", "{\"infcode\":0,\"output\":{\"setlinfo\":{\"setl_id\":\"S1\"}}}", rout).is_ok());
  EXPECT_TRUE(rout.result.ok());
  EXPECT_EQ(rout.text, "S1");
  ASSERT_TRUE(decode_response(*c, "2304", "{\"infcode\":-2,\"err_code\":\"E\",\"err_msg\":null}", rout).is_ok());
  EXPECT_EQ(rout.result.outcome, gateway::Outcome::Rejected);
  EXPECT_EQ(rout.result.err_code, "E");
  EXPECT_EQ(rout.result.err_msg, "");
}

// A message read as XML and written as JSON (and back) decodes the same: the
// `item` flags the XML reader sets are enough for the JSON writer, and the
// decoder never needs them.
TEST(WireBridge, XmlToJsonAndBack) {
  auto xml = make_xml_codec();
  auto json = make_json_codec();
  PlatformRequest r = req("2304");
  r.settlement = settled().xinzhou;
  Node n;
  ASSERT_TRUE(xml->read(encode_request(*xml, r), n).is_ok());
  const std::string j = json->write(n);
  PlatformRequest out;
  Status st = decode_request(*json, j, out);
  ASSERT_TRUE(st.is_ok()) << st.message() << "\n" << j;
  expect_request(r, out);
  Node n2;
  ASSERT_TRUE(json->read(j, n2).is_ok());
  PlatformRequest out2;
  ASSERT_TRUE(decode_request(*xml, xml->write(n2), out2).is_ok());
  expect_request(r, out2);
  EXPECT_EQ(make_codec("yaml"), nullptr);
}

}  // namespace
}  // namespace yz::wire
