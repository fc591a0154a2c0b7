// The plug-in's transactions through yz::service::Service (request XML in,
// response XML out) against the in-memory platform. Figures are worked out by
// hand from REFERENCE-PARAMS.md (Gansu, level 2: deductible 500.00, 80%;
// critical illness tilt for DB12: threshold 2500.00, 65%; assistance DB12 90%).
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <string>

#include "service_harness.h"

namespace yz::service {
namespace {

using harness::config_xml;
using harness::err_code;
using harness::Harness;
using harness::kHospital;

const char* kLine50000 =
    "<feedetail><feedetl_sn>1</feedetl_sn><med_list_codg>X1</med_list_codg><chrgitm_lv>01</chrgitm_lv>"
    "<det_item_fee_sumamt>50000.00</det_item_fee_sumamt></feedetail>";

pugi::xml_node setlinfo(pugi::xml_document& d) { return d.child("response").child("output").child("setlinfo"); }

TEST(Service, DischargeEndToEnd) {
  Harness h;
  pugi::xml_document d;
  ASSERT_EQ(h.call(Harness::request("9001", h.msgid(), ""), d), 0);
  EXPECT_FALSE(std::string(d.child("response").child("output").child("signinoutb").child_value("sign_no")).empty());

  ASSERT_EQ(h.call(Harness::request("1101", h.msgid(), "<psn_no>P620702-DB12-01</psn_no><year>2023</year>"), d), 0);
  EXPECT_STREQ(d.child("response").child("output").child_value("yz_psn_category"), "DB12");

  std::string mdtrt = h.admit("P620702-DB12-01");
  ASSERT_FALSE(mdtrt.empty());
  ASSERT_EQ(h.upload(mdtrt, kLine50000, d), 0);
  EXPECT_STREQ(d.child("response").child("output").child("result").child_value("inscp_scp_amt"), "50000.00");

  // inscp 50000.00: dedc 500.00; hifp = 49500.00 x 80% = 39600.00;
  // CI base 10400.00, DB12 tilt: (10400.00 - 2500.00) x 65% = 5135.00;
  // assistance (50000.00 - 39600.00 - 5135.00) x 90% = 5265.00 x 90% = 4738.50;
  // GS-TILT-2ND: 526.50 < 6000.00 -> 0.00; patient 526.50.
  ASSERT_EQ(h.call(Harness::request("2304", h.msgid(), Harness::settle_data("P620702-DB12-01", mdtrt, "50000.00")), d), 0)
      << d.child("response").child_value("err_msg");
  pugi::xml_node si = setlinfo(d);
  EXPECT_STREQ(si.child_value("hifp_pay"), "39600.00");
  EXPECT_STREQ(si.child_value("hifmi_pay"), "5135.00");
  EXPECT_STREQ(si.child_value("maf_pay"), "4738.50");
  EXPECT_STREQ(si.child_value("psn_part_amt"), "526.50");
  EXPECT_STREQ(si.child_value("setl_time"), "2023-10-20 10:00:00");
  EXPECT_FALSE(std::string(si.child_value("setl_id")).empty());
}

TEST(Service, PreSettlementAndSettlementAgree) {
  Harness h;
  std::string mdtrt = h.admit("P620702-DB12-01");
  pugi::xml_document d, pre, fin;
  ASSERT_EQ(h.upload(mdtrt, kLine50000, d), 0);
  std::string data = Harness::settle_data("P620702-DB12-01", mdtrt, "50000.00");
  ASSERT_EQ(h.call(Harness::request("2303", h.msgid(), data), pre), 0);
  ASSERT_EQ(h.call(Harness::request("2304", h.msgid(), data), fin), 0);
  // Every setlinfo field but the settlement's identity and time, and every
  // fund line, trace step and accumulator, are identical.
  for (pugi::xml_node f : setlinfo(pre).children()) {
    std::string name = f.name();
    if (name == "setl_id" || name == "setl_time" || name == "medins_setl_id") continue;
    EXPECT_STREQ(f.child_value(), setlinfo(fin).child_value(name.c_str())) << name;
  }
  auto section = [](pugi::xml_document& x, const char* n) {
    std::ostringstream o;
    x.child("response").child("output").child(n).print(o);
    return o.str();
  };
  for (const char* n : {"setldetail", "yz_trace", "yz_monitor", "yz_accum"}) EXPECT_EQ(section(pre, n), section(fin, n)) << n;
}

TEST(Service, RepeatedMsgidSettlesOnce) {
  Harness h;
  std::string mdtrt = h.admit("P620702-DB12-01");
  pugi::xml_document d;
  ASSERT_EQ(h.upload(mdtrt, kLine50000, d), 0);
  const std::string req = Harness::request("2304", h.msgid(), Harness::settle_data("P620702-DB12-01", mdtrt, "50000.00"));
  std::string first, again;
  ASSERT_EQ(h.call(req, d, &first), 0);
  ASSERT_EQ(h.call(req, d, &again), 0);
  EXPECT_EQ(first, again);
  EXPECT_EQ(h.platform->calls("2304"), 1);
  // The same msgid with another request is refused.
  std::string other = req;
  other.replace(other.find("J18.900"), 7, "J18.901");
  EXPECT_EQ(h.call(other, d), -2);
  EXPECT_EQ(err_code(d), "YZ-MSGID-REUSED");
  // A new msgid for a settled stay is a business error.
  EXPECT_EQ(h.call(Harness::request("2304", h.msgid(), Harness::settle_data("P620702-DB12-01", mdtrt, "50000.00")), d), -2);
  EXPECT_EQ(err_code(d), "YZ-STAY-SETTLED");
}

// The platform forgets the plug-in's session (a restart, an expiry): every
// state-changing transaction signs in again once and goes through, and
// nothing is applied twice.
TEST(Service, ExpiredSessionSignsInAgainOnce) {
  Harness h;
  auto expire = [&] {
    h.platform->edit([](gateway::PlatformState& st) {
      for (auto& [no, live] : st.mutable_data().sign_nos) live = false;
    });
  };
  pugi::xml_document d;
  ASSERT_EQ(h.call(Harness::request("9001", h.msgid(), ""), d), 0);
  int sign_ins = h.platform->calls("9001");
  expire();
  const std::string mdtrt = h.admit("P620702-DB12-01");  // 2401
  EXPECT_EQ(h.platform->calls("9001"), ++sign_ins);
  expire();
  ASSERT_EQ(h.upload(mdtrt, kLine50000, d), 0) << d.child("response").child_value("err_msg");  // 2301
  EXPECT_EQ(h.platform->calls("9001"), ++sign_ins);
  EXPECT_EQ(h.platform->calls("2301"), 2);  // refused, then applied once
  expire();
  ASSERT_EQ(h.call(Harness::request("2304", h.msgid(), Harness::settle_data("P620702-DB12-01", mdtrt, "50000.00")), d), 0)
      << d.child("response").child_value("err_msg");
  EXPECT_EQ(h.platform->calls("9001"), ++sign_ins);
  const std::string setl_id = setlinfo(d).child_value("setl_id");
  expire();
  ASSERT_EQ(h.call(Harness::request("2305", h.msgid(), "<setl_id>" + setl_id + "</setl_id>"), d), 0)
      << d.child("response").child_value("err_msg");
  EXPECT_EQ(h.platform->calls("9001"), ++sign_ins);
  EXPECT_EQ(h.platform->calls("2304"), 1);
  EXPECT_EQ(h.platform->calls("2305"), 2);
}

TEST(Service, ReversalRestoresEveryAccumulator) {
  Harness h;
  const YearAccum before = h.platform->accum("P620702-DB12-01", 2023);
  std::string mdtrt = h.admit("P620702-DB12-01");
  pugi::xml_document d;
  ASSERT_EQ(h.upload(mdtrt, kLine50000, d), 0);
  ASSERT_EQ(h.call(Harness::request("2304", h.msgid(), Harness::settle_data("P620702-DB12-01", mdtrt, "50000.00")), d), 0);
  const std::string setl_id = setlinfo(d).child_value("setl_id");
  EXPECT_NE(h.platform->accum("P620702-DB12-01", 2023), before);
  ASSERT_EQ(h.call(Harness::request("2305", h.msgid(), "<setl_id>" + setl_id + "</setl_id>"), d), 0)
      << d.child("response").child_value("err_msg");
  EXPECT_STREQ(setlinfo(d).child_value("hifp_pay"), "-39600.00");
  EXPECT_EQ(h.platform->accum("P620702-DB12-01", 2023), before);
  // Reversing twice is refused; the stay can be settled again.
  EXPECT_EQ(h.call(Harness::request("2305", h.msgid(), "<setl_id>" + setl_id + "</setl_id>"), d), -2);
  EXPECT_EQ(err_code(d), "YZ-SETL-REVERSED");
  EXPECT_EQ(h.call(Harness::request("2304", h.msgid(), Harness::settle_data("P620702-DB12-01", mdtrt, "50000.00")), d), 0);
}

TEST(Service, UnknownOutcomeAppliedIsResolvedByQuery) {
  Harness h;
  std::string mdtrt = h.admit("P620702-DB12-01");
  pugi::xml_document d;
  ASSERT_EQ(h.upload(mdtrt, kLine50000, d), 0);
  h.platform->inject("2304", gateway::MemoryGateway::Fault::UnknownAfter);
  // The platform applied it but the answer was lost: 5203 finds it, the HIS gets the final answer.
  ASSERT_EQ(h.call(Harness::request("2304", h.msgid(), Harness::settle_data("P620702-DB12-01", mdtrt, "50000.00")), d), 0)
      << d.child("response").child_value("err_msg");
  EXPECT_STREQ(setlinfo(d).child_value("maf_pay"), "4738.50");
  EXPECT_FALSE(std::string(setlinfo(d).child_value("setl_id")).empty());
}

TEST(Service, UnknownOutcomeNotAppliedIsCancelledAndRetryable) {
  Harness h;
  const YearAccum before = h.platform->accum("P620702-DB12-01", 2023);
  std::string mdtrt = h.admit("P620702-DB12-01");
  pugi::xml_document d;
  ASSERT_EQ(h.upload(mdtrt, kLine50000, d), 0);
  h.platform->inject("2304", gateway::MemoryGateway::Fault::UnknownBefore);
  EXPECT_EQ(h.call(Harness::request("2304", h.msgid(), Harness::settle_data("P620702-DB12-01", mdtrt, "50000.00")), d), -2);
  EXPECT_EQ(err_code(d), "YZ-PLATFORM-UNAVAILABLE");
  EXPECT_EQ(h.platform->accum("P620702-DB12-01", 2023), before);
  EXPECT_EQ(h.call(Harness::request("2304", h.msgid(), Harness::settle_data("P620702-DB12-01", mdtrt, "50000.00")), d), 0);
}

TEST(Service, UnresolvableOutcomeIsASystemError) {
  Harness h;
  std::string mdtrt = h.admit("P620702-DB12-01");
  pugi::xml_document d;
  ASSERT_EQ(h.upload(mdtrt, kLine50000, d), 0);
  h.platform->inject("2304", gateway::MemoryGateway::Fault::UnknownAfter);
  h.platform->inject("5203", gateway::MemoryGateway::Fault::UnknownBefore);
  const std::string req = Harness::request("2304", h.msgid(), Harness::settle_data("P620702-DB12-01", mdtrt, "50000.00"));
  EXPECT_EQ(h.call(req, d), -1);
  EXPECT_EQ(err_code(d), "YZ-PLATFORM-UNKNOWN");
  // The HIS retries with the same msgid: the platform answers with its first answer; settled once.
  EXPECT_EQ(h.call(req, d), 0);
  EXPECT_FALSE(std::string(setlinfo(d).child_value("setl_id")).empty());
}

TEST(Service, DepositWaivedForPengshuiTkReferredFromPrimaryCare) {
  Harness h("500243", 2);
  pugi::xml_document d;
  const std::string base =
      "<psn_no>P500243-TK-01</psn_no><insutype>390</insutype><med_type>21</med_type><begntime>2023-10-01</begntime>";
  // PS-DEP-FIRST: TK, first at primary care and referred, admitted inside the county: no deposit.
  ASSERT_EQ(h.call(Harness::request("2401", h.msgid(), base + "<yz_refl_flag>1</yz_refl_flag><yz_primary_first>1</yz_primary_first>"), d), 0)
      << d.child("response").child_value("err_msg");
  pugi::xml_node r = d.child("response").child("output").child("result");
  EXPECT_STREQ(r.child_value("yz_deposit_waived"), "1");
  EXPECT_STREQ(r.child_value("yz_deposit_rule"), "PS-DEP-FIRST");
  // Without the primary-care first visit a deposit may be asked; the reason says why.
  ASSERT_EQ(h.call(Harness::request("2401", h.msgid(), base + "<yz_refl_flag>1</yz_refl_flag>"), d), 0);
  r = d.child("response").child("output").child("result");
  EXPECT_STREQ(r.child_value("yz_deposit_waived"), "0");
  EXPECT_NE(std::string(r.child_value("yz_deposit_reason")).find("基层首诊"), std::string::npos);
  // Gansu has no *-DEP-* rule: a deposit may be asked.
  Harness g;
  ASSERT_EQ(g.call(Harness::request("2401", g.msgid(), "<psn_no>P620702-TK-01</psn_no><med_type>21</med_type><begntime>2023-10-01</begntime><yz_primary_first>1</yz_primary_first><yz_refl_flag>1</yz_refl_flag>"), d), 0);
  EXPECT_STREQ(d.child("response").child("output").child("result").child_value("yz_deposit_waived"), "0");
}

TEST(Service, OwnPlatformMsgidsNeverRepeat) {
  // The plug-in's own platform calls (the 1101 behind every 1101/2303) each get a
  // fresh msgid, even past 1000 in one clock second (the test clock never moves):
  // a repeated msgid would make the platform replay another call's answer.
  Harness h;
  pugi::xml_document d;
  for (int i = 0; i < 1005; ++i) {
    const char* psn = i % 2 ? "P620702-DB12-01" : "P620702-TK-01";
    ASSERT_EQ(h.call(Harness::request("1101", h.msgid(), std::string("<psn_no>") + psn + "</psn_no>"), d), 0)
        << i << ": " << d.child("response").child_value("err_msg");
    ASSERT_STREQ(d.child("response").child("output").child("baseinfo").child_value("psn_no"), psn) << i;
  }
}

TEST(ServiceErrors, EveryBadRequestIsABusinessErrorThatChangesNothing) {
  Harness h;
  std::string mdtrt = h.admit("P620702-DB12-01");
  pugi::xml_document d;
  struct Case {
    std::string request, code;
  } cases[] = {
      {"<request><infno>2304", "YZ-CASE-XML"},
      {"<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><request/>", "YZ-CASE-XML"},
      {"<request><msgid>" + h.msgid() + "</msgid></request>", "YZ-CASE-MISSING"},
      {"<request><infno>9999</infno><msgid>" + h.msgid() + "</msgid></request>", "YZ-INPUT-INFNO"},
      {"<request><infno>1101</infno><msgid>bad id!</msgid></request>", "YZ-INPUT-CODE"},
      {"<request><infno>1101</infno><msgid>" + h.msgid() +
           "</msgid><fixmedins_code>H99999999999</fixmedins_code><input><data><psn_no>P620702-DB12-01</psn_no></data></input></request>",
       "YZ-INPUT-HOSPITAL"},
      {Harness::request("2301", h.msgid(), "<mdtrt_id>NOPE</mdtrt_id>" + std::string(kLine50000)), "YZ-STAY-UNKNOWN"},
      {Harness::request("2301", h.msgid(), "<mdtrt_id>" + mdtrt + "</mdtrt_id><feedetail><feedetl_sn>1</feedetl_sn><med_list_codg>X</med_list_codg><chrgitm_lv>01</chrgitm_lv><det_item_fee_sumamt>1e5</det_item_fee_sumamt></feedetail>"), "YZ-INPUT-AMOUNT"},
      {Harness::request("2303", h.msgid(), Harness::settle_data("P620702-DB12-01", mdtrt, "1.00") + kLine50000), "YZ-INPUT-SUMAMT"},
      {Harness::request("2303", h.msgid(), Harness::settle_data("P620702-DB12-01", mdtrt, "50000.00")), "YZ-INPUT-EMPTY"},
      {Harness::request("2303", h.msgid(), Harness::settle_data("P620702-TK-01", mdtrt, "50000.00") + kLine50000), "YZ-INPUT-PSN"},
      {Harness::request("2303", h.msgid(), Harness::settle_data("P620702-DB12-01", mdtrt, "50000.00") + kLine50000, "500243"), "YZ-INPUT-INSUPLC"},
      {Harness::request("2305", h.msgid(), "<setl_id>S-NONE</setl_id>"), "YZ-SETL-UNKNOWN"},
      {Harness::request("2401", h.msgid(), "<psn_no>NOBODY</psn_no><med_type>21</med_type><begntime>2023-10-01</begntime>"), "YZ-PLATFORM-PERSON"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.code);
    EXPECT_EQ(h.call(c.request, d), -2);
    EXPECT_EQ(err_code(d), c.code) << d.child("response").child_value("err_msg");
    EXPECT_FALSE(std::string(d.child("response").child_value("err_msg")).empty());
  }
  // Nothing was uploaded or settled by any of them.
  EXPECT_EQ(h.platform->calls("2304"), 0);
  EXPECT_EQ(h.platform->calls("2301"), 0);
}

TEST(ServiceErrors, OversizedRequest) {
  Harness h;
  pugi::xml_document d;
  std::string big = Harness::request("1101", h.msgid(), "<psn_no>" + std::string(5 << 20, 'A') + "</psn_no>");
  EXPECT_EQ(h.call(big, d), -2);
  EXPECT_EQ(err_code(d), "YZ-CASE-LIMIT");
}

TEST(PluginConfig, ErrorsNameFileLineAndField) {
  PluginConfig cfg;
  Status st = parse_plugin_config("yizhan.xml",
                                  "<yizhan>\n<hospital fixmedins_code=\"H62070200001\" fixmedins_name=\"x\" admdvs=\"62070\" hosp_lv=\"2\"/>\n</yizhan>",
                                  "/", cfg);
  EXPECT_EQ(st.code(), "YZ-CONFIG-INVALID");
  EXPECT_NE(st.message().find("yizhan.xml:2"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("admdvs"), std::string::npos) << st.message();
  st = parse_plugin_config("yizhan.xml",
                           "<yizhan><hospital fixmedins_code=\"H62070200001\" fixmedins_name=\"x\" admdvs=\"620702\" hosp_lv=\"2\"/>"
                           "<policy dir=\"r\"/><platform adapter=\"https-xml\" base_url=\"http://x\"/></yizhan>",
                           "/", cfg);
  EXPECT_NE(st.message().find("base_url"), std::string::npos) << st.message();
  st = parse_plugin_config("yizhan.xml",
                           "<yizhan><hospital fixmedins_code=\"H62070200001\" fixmedins_name=\"x\" admdvs=\"620702\" hosp_lv=\"2\"/>"
                           "<policy dir=\"r\"/><platform adapter=\"memory\" persons=\"p\" secret=\"s3cr3t\"/></yizhan>",
                           "/", cfg);
  EXPECT_NE(st.message().find("secret"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("s3cr3t"), std::string::npos) << "a secret is never echoed";
}

}  // namespace
}  // namespace yz::service
