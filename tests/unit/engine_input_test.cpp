// The engine's own input checks and scope limits found in review: rules that
// apply to inpatient stays only, the ZS-MA-RETRO categories, and inputs that
// bypass the case reader (the plug-in builds requests itself).
#include "test_support.h"

#include <filesystem>

namespace yz::test {
namespace {

Status try_settle(const std::string& insuplc, const Person& p, const Hospital& h, const Stay& s) {
  Settlement out;
  return settle(shipped(), {insuplc, &p, &h, &s, {}}, out);
}

TEST(EngineScope, XinzhouOutOfCatalogueCapIsInpatientOnly) {
  // TK, county2 level 2 in Xinzhou, med_type 14 (outpatient chronic), 甲 1000.00 + 丙 1000.00.
  // XZ-BASIC-OP14: no deductible, 65% x 1000.00 = 650.00; critical illness not on outpatient;
  // XZ-MA-OP TK 60% x (1000.00 - 650.00) = 210.00; XZ-OOC-CAP is inpatient only: hospital 0.00;
  // patient 2000.00 - 650.00 - 210.00 = 1140.00.
  Settlement s = settle1("140900", person("2304"), hospital("140900", 2, FeeClass::County2),
                         stay("OP1", "2023-05-10", "1000.00", "1000.00", 14));
  expect_balanced(s);
  EXPECT_EQ(s.hifp_pay, Y("650.00"));
  EXPECT_EQ(s.ma_pay, Y("210.00"));
  EXPECT_EQ(s.hosp_part_amt, Y("0.00"));
  EXPECT_EQ(s.ooc_assist_pay, Y("0.00"));
  EXPECT_EQ(s.psn_part_amt, Y("1140.00"));
  ASSERT_NE(step(s, "XZ-OOC-CAP"), nullptr);
  EXPECT_EQ(step(s, "XZ-OOC-CAP")->reason, Reason::MedTypeNotCovered);
}

TEST(EngineScope, XinzhouOutOfCatalogueCapStillAppliesInpatient) {
  // Same TK, inpatient: 甲 1000.00 + 丙 1000.00, county2 limit 15% x 2000.00 = 300.00;
  // excess 1000.00 - 300.00 = 700.00 borne by the hospital.
  Settlement s = settle1("140900", person("2304"), hospital("140900", 2, FeeClass::County2),
                         stay("IP1", "2023-05-10", "1000.00", "1000.00"));
  expect_balanced(s);
  EXPECT_EQ(s.hosp_part_amt, Y("700.00"));
}

Person identity_from(const char* idet, const char* begin) {
  Person p;
  p.psn_no = "P-RETRO";
  p.identities.push_back({idet, D(begin), std::nullopt});
  return p;
}

TEST(EngineScope, ZhoushanRetroOnlyForNewlyRecognisedTkDbDbby) {
  // Level 2 in Zhoushan, 甲 20000.00, discharged 2023-03-01, identity recognised 2023-05-01 (2 months later).
  // Basic: (20000.00 - 600.00) x 85% = 16490.00; CI base 3510.00, ordinary threshold 15000.00 -> 0.00
  // (the retro window is for assistance only); supplementary 3510.00 < 20000.00 -> 0.00.
  Settlement qt = settle1("330900", identity_from("2360", "2023-05-01"), hospital("330900", 2),
                          stay("R1", "2023-03-01", "20000.00"));
  expect_balanced(qt);
  EXPECT_EQ(qt.hifp_pay, Y("16490.00"));
  EXPECT_EQ(qt.ma_pay, Y("0.00"));  // QT (其他特殊困难人员) is not in the seed's "新认定的特困、低保、低边"
  EXPECT_FALSE(qt.assistance_category.has_value());
  Settlement db = settle1("330900", identity_from("2303", "2023-05-01"), hospital("330900", 2),
                          stay("R2", "2023-03-01", "20000.00"));
  expect_balanced(db);
  EXPECT_EQ(db.hifmi_pay, Y("0.00"));  // no CI tilt: the category was not valid at discharge
  EXPECT_EQ(db.ma_pay, Y("2808.00"));  // DB 80% x 3510.00 = 2808.00 (ZS-MA-RETRO)
}

TEST(EngineInput, MalformedIdentityIsIgnored) {
  // endtime before begntime: never valid; the person is settled as a plain resident.
  Person p = person("");
  p.identities.push_back({"2303", D("2023-05-01"), D("2023-01-01")});
  Settlement s = settle1("330900", p, hospital("330900", 2), stay("R3", "2023-03-01", "20000.00"));
  EXPECT_FALSE(s.category.has_value());
  EXPECT_EQ(s.ma_pay, Y("0.00"));
}

TEST(EngineInput, AdminCodesMustBeSixDigits) {
  Person p = person("2304");
  Stay s = stay("A1", "2023-08-01", "50000.00");
  Status bad_hosp = try_settle("500243", p, hospital("50024", 2), s);
  EXPECT_EQ(bad_hosp.code(), "YZ-INPUT-CODE");
  Status bad_insured = try_settle("500243 ", p, hospital("500243", 2), s);
  EXPECT_EQ(bad_insured.code(), "YZ-INPUT-CODE");
}

TEST(EngineInput, NegativeOrMalformedLinesAreRejected) {
  Person p = person("2304");
  Hospital h = hospital("140900", 2, FeeClass::County2);
  Stay neg = stay("N1", "2023-08-01", "1000.00");
  neg.lines[0].det_item_fee_sumamt = Y("-1500.00");
  EXPECT_EQ(try_settle("140900", p, h, neg).code(), "YZ-INPUT-AMOUNT");
  Stay lv = stay("N2", "2023-08-01", "1000.00");
  lv.lines[0].chrgitm_lv = 4;
  EXPECT_EQ(try_settle("140900", p, h, lv).code(), "YZ-INPUT-CODE");
  Stay prop = stay("N3", "2023-08-01", "1000.00");
  prop.lines[0].chrgitm_lv = 2;
  prop.lines[0].selfpay_prop = Bp(10001);
  EXPECT_EQ(try_settle("140900", p, h, prop).code(), "YZ-INPUT-RATIO");
}

}  // namespace
}  // namespace yz::test

namespace yz::test {
namespace {

TEST(PolicyDir, AnEntryThatIsNotAFileIsAnIoError) {
  // A directory named like a region file is refused with a code, not an exception.
  const std::string dir = ::testing::TempDir() + "yz-policy-dir-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/620000-gansu.xml");
  policy::Registry reg;
  Status st = policy::Registry::load_dir(dir, reg);
  EXPECT_EQ(st.code(), "YZ-POLICY-IO") << st.message();
  EXPECT_NE(st.message().find("620000-gansu.xml"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace yz::test
