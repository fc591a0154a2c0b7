// The offline calculator's case reader (HIS-INTERFACE.md §5): the example of
// §5 parses unchanged to the right structs; every malformed case is rejected
// with its stable err_code and a message naming the element.
#include <gtest/gtest.h>

#include <string>

#include "codec/case_reader.h"

namespace yz::codec {
namespace {

// HIS-INTERFACE.md §5, verbatim.
const char* kSpecExample = R"(<case>
  <insuplc_admdvs>500243</insuplc_admdvs>              <!-- the insured region: selects the policy -->
  <medins>                                             <!-- the treating hospital -->
    <fixmedins_code>H50024300001</fixmedins_code>
    <admdvs>500243</admdvs>                            <!-- its admin code: same county / city / province is derived by comparing codes -->
    <hosp_lv>2</hosp_lv>                               <!-- 1, 2, 3 -->
    <yz_fee_class>county2</yz_fee_class>               <!-- Xinzhou fee class: class1 | city2 | county2 | class3; optional elsewhere -->
  </medins>
  <person>
    <psn_no>P0001</psn_no><insutype>390</insutype>
    <yz_rural>1</yz_rural><yz_mental_disability>0</yz_mental_disability><yz_resident_tier>1</yz_resident_tier>
    <idetinfo><psn_idet_type>2303</psn_idet_type><begntime>2023-01-01</begntime><endtime></endtime></idetinfo>   <!-- repeated; empty endtime = open -->
  </person>
  <stay>                                               <!-- one or more, in order; year-to-date accumulators carry from one to the next, starting at zero -->
    <mdtrt_id>M0001</mdtrt_id><med_type>21</med_type>
    <begndate>2023-10-01</begndate><enddate>2023-10-20</enddate>
    <dscg_maindiag_code>J18.901</dscg_maindiag_code>
    <yz_refl_flag>1</yz_refl_flag><yz_primary_first>1</yz_primary_first>
    <feedetail><feedetl_sn>1</feedetl_sn><med_list_codg>X1</med_list_codg><chrgitm_lv>01</chrgitm_lv><det_item_fee_sumamt>180000.00</det_item_fee_sumamt></feedetail>
    <feedetail><feedetl_sn>2</feedetl_sn><med_list_codg>X2</med_list_codg><chrgitm_lv>03</chrgitm_lv><det_item_fee_sumamt>20000.00</det_item_fee_sumamt></feedetail>
    <!-- optional per line: cnt, pric, selfpay_prop (乙类 share paid first by the patient, e.g. 0.1000), pric_uplmt_amt -->
  </stay>
</case>
)";

// A case with two stays (the second with three lines) that the error tests
// alter one substring at a time.
const char* kBase = R"(<?xml version="1.0" encoding="UTF-8"?>
<case>
  <insuplc_admdvs>622922</insuplc_admdvs>
  <medins><fixmedins_code>H62292200001</fixmedins_code><admdvs>622922</admdvs><hosp_lv>2</hosp_lv></medins>
  <person>
    <psn_no>P0002</psn_no><insutype>390</insutype><yz_rural>1</yz_rural>
    <idetinfo><psn_idet_type>236004</psn_idet_type><begntime>2022-06-15</begntime><endtime>2024-12-31</endtime></idetinfo>
    <idetinfo><psn_idet_type>2302</psn_idet_type><begntime>2021-01-01 00:00:00</begntime></idetinfo>
  </person>
  <stay>
    <mdtrt_id>S1</mdtrt_id><med_type>21</med_type>
    <begndate>2023-05-04</begndate><enddate>2023-05-18</enddate>
    <dscg_maindiag_code>I63.900</dscg_maindiag_code>
    <feedetail><feedetl_sn>1</feedetl_sn><med_list_codg>A1</med_list_codg><chrgitm_lv>01</chrgitm_lv><det_item_fee_sumamt>7800.00</det_item_fee_sumamt></feedetail>
  </stay>
  <stay>
    <mdtrt_id>S2</mdtrt_id><med_type>14</med_type>
    <begndate>2023-10-08</begndate><enddate>2023-10-20</enddate>
    <dscg_maindiag_code>J44.100</dscg_maindiag_code>
    <yz_refl_flag>0</yz_refl_flag>
    <feedetail><feedetl_sn>1</feedetl_sn><med_list_codg>B1</med_list_codg><chrgitm_lv>01</chrgitm_lv><det_item_fee_sumamt>9600.00</det_item_fee_sumamt></feedetail>
    <feedetail><feedetl_sn>2</feedetl_sn><med_list_codg>B2</med_list_codg><chrgitm_lv>02</chrgitm_lv><det_item_fee_sumamt>7000.50</det_item_fee_sumamt><cnt>1.5</cnt><pric>4667.00</pric><selfpay_prop>0.1000</selfpay_prop></feedetail>
    <feedetail><feedetl_sn>3</feedetl_sn><med_list_codg>B3</med_list_codg><chrgitm_lv>02</chrgitm_lv><det_item_fee_sumamt>2000.00</det_item_fee_sumamt><cnt>4</cnt><pric>500.00</pric><pric_uplmt_amt>420.00</pric_uplmt_amt><selfpay_prop>5%</selfpay_prop></feedetail>
  </stay>
</case>
)";

// kBase with `from` (which must occur exactly once) replaced by `to`.
std::string with(const std::string& from, const std::string& to, std::string base = kBase) {
  const size_t at = base.find(from);
  EXPECT_NE(at, std::string::npos) << "not in the base case: " << from;
  if (at == std::string::npos) return base;
  EXPECT_EQ(base.find(from, at + 1), std::string::npos) << "twice in the base case: " << from;
  base.replace(at, from.size(), to);
  return base;
}

// Reads `xml`, expects failure with `code` and a message containing `names`.
void expect_error(const std::string& xml, const char* code, const std::string& names) {
  Case c;
  Status st = read_case(xml, c);
  ASSERT_FALSE(st.is_ok()) << "accepted; expected " << code;
  EXPECT_EQ(st.code(), code) << st.message();
  EXPECT_NE(st.message().find(names), std::string::npos) << "message does not name " << names << ": " << st.message();
  EXPECT_TRUE(c.stays.empty()) << "a failed read leaves an empty case";
}

TEST(CaseReader, SpecExampleParsesUnchanged) {
  Case c;
  Status st = read_case(kSpecExample, c);
  ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  EXPECT_EQ(c.insuplc_admdvs, "500243");
  EXPECT_EQ(c.hospital.fixmedins_code, "H50024300001");
  EXPECT_EQ(c.hospital.admdvs, "500243");
  EXPECT_EQ(c.hospital.level, 2);
  EXPECT_EQ(c.hospital.fee_class, FeeClass::County2);
  EXPECT_EQ(c.person.psn_no, "P0001");
  EXPECT_EQ(c.person.insutype, "390");
  EXPECT_TRUE(c.person.rural);
  EXPECT_FALSE(c.person.mental_disability);
  EXPECT_EQ(c.person.resident_tier, 1);
  ASSERT_EQ(c.person.identities.size(), 1u);
  EXPECT_EQ(c.person.identities[0].psn_idet_type, "2303");
  EXPECT_EQ(c.person.identities[0].begntime, (Date{2023, 1, 1}));
  EXPECT_FALSE(c.person.identities[0].endtime.has_value());  // empty endtime = open
  ASSERT_EQ(c.stays.size(), 1u);
  const Stay& s = c.stays[0];
  EXPECT_EQ(s.mdtrt_id, "M0001");
  EXPECT_EQ(s.med_type, 21);
  EXPECT_EQ(s.begndate, (Date{2023, 10, 1}));
  EXPECT_EQ(s.enddate, (Date{2023, 10, 20}));
  EXPECT_EQ(s.dscg_maindiag_code, "J18.901");
  EXPECT_TRUE(s.other_diag_codes.empty());
  EXPECT_TRUE(s.refl_flag);
  EXPECT_TRUE(s.primary_first);
  ASSERT_EQ(s.lines.size(), 2u);
  EXPECT_EQ(s.lines[0].feedetl_sn, "1");
  EXPECT_EQ(s.lines[0].med_list_codg, "X1");
  EXPECT_EQ(s.lines[0].chrgitm_lv, 1);
  EXPECT_EQ(s.lines[0].det_item_fee_sumamt, Fen(18000000));  // 180000.00 yuan
  EXPECT_FALSE(s.lines[0].cnt_e4.has_value());
  EXPECT_FALSE(s.lines[0].pric.has_value());
  EXPECT_FALSE(s.lines[0].pric_uplmt_amt.has_value());
  EXPECT_EQ(s.lines[0].selfpay_prop, Bp(0));
  EXPECT_EQ(s.lines[1].feedetl_sn, "2");
  EXPECT_EQ(s.lines[1].chrgitm_lv, 3);
  EXPECT_EQ(s.lines[1].det_item_fee_sumamt, Fen(2000000));  // 20000.00 yuan
}

TEST(CaseReader, OptionalFieldsAndDefaults) {
  Case c;
  Status st = read_case(kBase, c);
  ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  EXPECT_EQ(c.hospital.fee_class, FeeClass::None);  // optional outside Xinzhou
  EXPECT_FALSE(c.person.mental_disability);          // absent flag = 0
  EXPECT_EQ(c.person.resident_tier, 1);              // absent tier = 1
  ASSERT_EQ(c.person.identities.size(), 2u);
  EXPECT_EQ(c.person.identities[0].endtime, (Date{2024, 12, 31}));
  EXPECT_EQ(c.person.identities[1].begntime, (Date{2021, 1, 1}));  // a date-time is accepted
  EXPECT_FALSE(c.person.identities[1].endtime.has_value());        // absent endtime = open
  ASSERT_EQ(c.stays.size(), 2u);
  EXPECT_FALSE(c.stays[0].refl_flag);
  EXPECT_EQ(c.stays[1].med_type, 14);
  const FeeLine& b2 = c.stays[1].lines[1];
  EXPECT_EQ(b2.chrgitm_lv, 2);
  EXPECT_EQ(b2.det_item_fee_sumamt, Fen(700050));
  EXPECT_EQ(b2.cnt_e4, 15000);  // 1.5 x 10000
  EXPECT_EQ(b2.pric, Fen(466700));
  EXPECT_EQ(b2.selfpay_prop, Bp(1000));  // 0.1000
  const FeeLine& b3 = c.stays[1].lines[2];
  EXPECT_EQ(b3.cnt_e4, 40000);
  EXPECT_EQ(b3.pric_uplmt_amt, Fen(42000));
  EXPECT_EQ(b3.selfpay_prop, Bp(500));  // 5%
}

TEST(CaseReader, QuantitiesAreExactToFourPlaces) {
  auto cnt = [](const char* v) {
    Case c;
    Status st = read_case(with("<cnt>1.5</cnt>", std::string("<cnt>") + v + "</cnt>"), c);
    EXPECT_TRUE(st.is_ok()) << v << ": " << st.message();
    return st.is_ok() ? c.stays[1].lines[1].cnt_e4.value_or(-1) : -1;
  };
  EXPECT_EQ(cnt("0.0001"), 1);
  EXPECT_EQ(cnt("2"), 20000);
  EXPECT_EQ(cnt("12.3400"), 123400);
  EXPECT_EQ(cnt("0"), 0);
  EXPECT_EQ(cnt("9999999999.9999"), 99999999999999);
}

TEST(CaseReader, UnknownElementsCommentsAndLayoutAreAccepted) {
  std::string xml = with("<mdtrt_id>S1</mdtrt_id>",
                         "<mdtrt_id> S1 </mdtrt_id><fee_ocur_time>2023-05-05 10:00:00</fee_ocur_time>"
                         "<vendor><anything deep=\"1\"><x/></anything></vendor><!-- note -->"
                         "<diseinfo><diag_code>I10.x00</diag_code></diseinfo>"
                         "<diseinfo><diag_code>E11.900</diag_code><maindiag_flag>0</maindiag_flag></diseinfo>");
  xml = "\xEF\xBB\xBF" + xml;  // a UTF-8 BOM
  Case c;
  Status st = read_case(xml, c);
  ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  EXPECT_EQ(c.stays[0].mdtrt_id, "S1");  // trimmed
  ASSERT_EQ(c.stays[0].other_diag_codes.size(), 2u);
  EXPECT_EQ(c.stays[0].other_diag_codes[0], "I10.x00");
  EXPECT_EQ(c.stays[0].other_diag_codes[1], "E11.900");
  // CDATA and entities are text.
  st = read_case(with("<psn_no>P0002</psn_no>", "<psn_no><![CDATA[P&0002]]></psn_no>"), c);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(c.person.psn_no, "P&0002");
}

// ---- YZ-CASE-XML -----------------------------------------------------------

TEST(CaseReaderErrors, NotWellFormed) {
  expect_error(with("</stay>\n  <stay>", "</stay>\n  <stay"), "YZ-CASE-XML", "XML 格式错误");
  expect_error(with("<med_type>21</med_type>", "<med_type>21</med_typ>"), "YZ-CASE-XML", "第 11 行");
  expect_error("", "YZ-CASE-XML", "根元素");
  expect_error("<request><infno>2303</infno></request>", "YZ-CASE-XML", "<request>");
  expect_error(std::string(kBase) + "<case/>", "YZ-CASE-XML", "根元素");
  expect_error(std::string(kBase) + "tail", "YZ-CASE-XML", "文本");
}

TEST(CaseReaderErrors, DoctypeIsRejected) {
  const std::string doctype = "<?xml version=\"1.0\"?>\n<!DOCTYPE case [<!ENTITY big \"x\">]>\n";
  expect_error(doctype + (kBase + std::string(kBase).find("<case>")), "YZ-CASE-XML", "DOCTYPE");
  // A DOCTYPE after the root is no better.
  expect_error(std::string(kBase) + "<!DOCTYPE case>", "YZ-CASE-XML", "DOCTYPE");
  // The word in a comment is only text.
  Case c;
  EXPECT_TRUE(read_case(with("<case>", "<case><!-- <!DOCTYPE x> -->"), c).is_ok());
}

TEST(CaseReaderErrors, EncodingAndCharacters) {
  expect_error(with("<psn_no>P0002</psn_no>", "<psn_no>P\xB2\xE2</psn_no>"), "YZ-CASE-XML", "UTF-8");  // GBK bytes
  expect_error(with("<psn_no>P0002</psn_no>", "<psn_no>P\x01</psn_no>"), "YZ-CASE-XML", "字符");
  expect_error(with("<psn_no>P0002</psn_no>", "<psn_no>P&#0;x</psn_no>"), "YZ-CASE-XML", "字符引用");
  expect_error(with("<psn_no>P0002</psn_no>", "<psn_no>P&#x1F;</psn_no>"), "YZ-CASE-XML", "字符引用");
}

TEST(CaseReaderErrors, ValueWithChildElements) {
  expect_error(with("<med_type>21</med_type>", "<med_type><v>21</v></med_type>"), "YZ-CASE-XML", "stay[1]/med_type");
}

// ---- YZ-CASE-MISSING ---------------------------------------------------------

TEST(CaseReaderErrors, MissingRequiredElements) {
  expect_error(with("<med_type>21</med_type>", ""), "YZ-CASE-MISSING", "stay[1]/med_type");
  expect_error(with("<insuplc_admdvs>622922</insuplc_admdvs>", ""), "YZ-CASE-MISSING", "insuplc_admdvs");
  expect_error(with("<hosp_lv>2</hosp_lv>", ""), "YZ-CASE-MISSING", "medins/hosp_lv");
  expect_error(with("<psn_no>P0002</psn_no>", "<psn_no> </psn_no>"), "YZ-CASE-MISSING", "person/psn_no");
  expect_error(with("<begntime>2022-06-15</begntime>", ""), "YZ-CASE-MISSING", "person/idetinfo[1]/begntime");
  expect_error(with("<dscg_maindiag_code>J44.100</dscg_maindiag_code>", ""), "YZ-CASE-MISSING",
               "stay[2]/dscg_maindiag_code");
  expect_error(with("<det_item_fee_sumamt>2000.00</det_item_fee_sumamt>", ""), "YZ-CASE-MISSING",
               "stay[2]/feedetail[3]/det_item_fee_sumamt");
  // The over-limit part needs the price and the quantity.
  expect_error(with("<cnt>4</cnt>", ""), "YZ-CASE-MISSING", "stay[2]/feedetail[3]/cnt");
  expect_error(with("<pric>500.00</pric>", ""), "YZ-CASE-MISSING", "stay[2]/feedetail[3]/pric");
}

TEST(CaseReaderErrors, NoStayOrNoFeeDetail) {
  std::string xml = kBase;
  const size_t from = xml.find("  <stay>");
  const size_t to = xml.find("</case>");
  expect_error(xml.substr(0, from) + xml.substr(to), "YZ-CASE-MISSING", "stay");
  expect_error(with("<feedetail><feedetl_sn>1</feedetl_sn><med_list_codg>A1</med_list_codg><chrgitm_lv>01</chrgitm_lv>"
                    "<det_item_fee_sumamt>7800.00</det_item_fee_sumamt></feedetail>",
                    ""),
               "YZ-CASE-MISSING", "stay[1]/feedetail");
  expect_error(with("<medins><fixmedins_code>H62292200001</fixmedins_code><admdvs>622922</admdvs><hosp_lv>2</hosp_lv></medins>", ""),
               "YZ-CASE-MISSING", "medins");
}

// ---- YZ-CASE-DUP -----------------------------------------------------------

TEST(CaseReaderErrors, Duplicates) {
  expect_error(with("<feedetl_sn>3</feedetl_sn>", "<feedetl_sn>1</feedetl_sn>"), "YZ-CASE-DUP",
               "stay[2]/feedetail[3]/feedetl_sn");
  expect_error(with("<mdtrt_id>S2</mdtrt_id>", "<mdtrt_id>S1</mdtrt_id>"), "YZ-CASE-DUP", "stay[2]/mdtrt_id");
  expect_error(with("<med_type>14</med_type>", "<med_type>14</med_type><med_type>21</med_type>"), "YZ-CASE-DUP",
               "stay[2]/med_type");
}

// ---- YZ-CASE-LIMIT ---------------------------------------------------------

TEST(CaseReaderErrors, SizeLimit) {
  std::string big = with("<case>", "<case><!--" + std::string((16u << 20), ' ') + "-->");
  expect_error(big, "YZ-CASE-LIMIT", "16 MiB");
}

TEST(CaseReaderErrors, DepthLimit) {
  // <case> is depth 1: 31 nested <x> reach depth 32 (accepted), 32 reach 33 (rejected).
  auto nest = [](int n) {
    std::string open, close;
    for (int i = 0; i < n; ++i) {
      open += "<x>";
      close += "</x>";
    }
    return with("<case>", "<case>" + open + close);
  };
  Case c;
  EXPECT_TRUE(read_case(nest(31), c).is_ok());
  expect_error(nest(32), "YZ-CASE-LIMIT", "32");
}

TEST(CaseReaderErrors, FeeLineLimit) {
  // 100000 lines over the whole case are the most: 3 in the base case + 99997 accepted, one more rejected.
  auto lines = [](int n) {
    std::string s;
    s.reserve(size_t(n) * 160);
    for (int i = 0; i < n; ++i)
      s += "<feedetail><feedetl_sn>x" + std::to_string(i) +
           "</feedetl_sn><med_list_codg>A</med_list_codg><chrgitm_lv>01</chrgitm_lv>"
           "<det_item_fee_sumamt>1.00</det_item_fee_sumamt></feedetail>";
    return s;
  };
  Case c;
  Status st = read_case(with("<yz_refl_flag>0</yz_refl_flag>", lines(99996)), c);
  EXPECT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  EXPECT_EQ(c.stays[0].lines.size() + c.stays[1].lines.size(), 100000u);
  expect_error(with("<yz_refl_flag>0</yz_refl_flag>", lines(99997)), "YZ-CASE-LIMIT", "feedetail");
}

// ---- YZ-INPUT-* --------------------------------------------------------------

TEST(CaseReaderErrors, Amounts) {
  Case c;
  Status st = read_case(with("<det_item_fee_sumamt>2000.00</det_item_fee_sumamt>",
                             "<det_item_fee_sumamt>12.345</det_item_fee_sumamt>"),
                        c);
  EXPECT_EQ(st.code(), "YZ-INPUT-AMOUNT");
  EXPECT_EQ(st.message(), "stay[2]/feedetail[3]/det_item_fee_sumamt 金额格式错误: \"12.345\"");
  for (const char* bad : {"-1.00", "1e3", "1,000.00", "12.", ".5", "10000000000.00", "１２"})
    expect_error(with("<det_item_fee_sumamt>7800.00</det_item_fee_sumamt>",
                      std::string("<det_item_fee_sumamt>") + bad + "</det_item_fee_sumamt>"),
                 "YZ-INPUT-AMOUNT", "stay[1]/feedetail[1]/det_item_fee_sumamt");
  expect_error(with("<pric>4667.00</pric>", "<pric>46.670</pric>"), "YZ-INPUT-AMOUNT", "stay[2]/feedetail[2]/pric");
  expect_error(with("<pric_uplmt_amt>420.00</pric_uplmt_amt>", "<pric_uplmt_amt>abc</pric_uplmt_amt>"),
               "YZ-INPUT-AMOUNT", "stay[2]/feedetail[3]/pric_uplmt_amt");
}

TEST(CaseReaderErrors, Ratios) {
  for (const char* bad : {"1.5", "0.12345", "-0.1", "10", "abc"})
    expect_error(with("<selfpay_prop>0.1000</selfpay_prop>", std::string("<selfpay_prop>") + bad + "</selfpay_prop>"),
                 "YZ-INPUT-RATIO", "stay[2]/feedetail[2]/selfpay_prop");
}

TEST(CaseReaderErrors, Quantities) {
  for (const char* bad : {"1.23456", "-1", "1e3", "1.", "+2", "12345678901"})
    expect_error(with("<cnt>1.5</cnt>", std::string("<cnt>") + bad + "</cnt>"), "YZ-INPUT-NUMBER",
                 "stay[2]/feedetail[2]/cnt");
}

TEST(CaseReaderErrors, Dates) {
  expect_error(with("<enddate>2023-10-20</enddate>", "<enddate>2023-02-30</enddate>"), "YZ-INPUT-DATE",
               "stay[2]/enddate");
  expect_error(with("<begndate>2023-05-04</begndate>", "<begndate>2023/05/04</begndate>"), "YZ-INPUT-DATE",
               "stay[1]/begndate");
  expect_error(with("<endtime>2024-12-31</endtime>", "<endtime>31.12.2024</endtime>"), "YZ-INPUT-DATE",
               "person/idetinfo[1]/endtime");
}

TEST(CaseReaderErrors, Codes) {
  expect_error(with("<chrgitm_lv>02</chrgitm_lv><det_item_fee_sumamt>2000.00", "<chrgitm_lv>04</chrgitm_lv><det_item_fee_sumamt>2000.00"),
               "YZ-INPUT-CODE", "stay[2]/feedetail[3]/chrgitm_lv");
  expect_error(with("<chrgitm_lv>01</chrgitm_lv><det_item_fee_sumamt>7800.00", "<chrgitm_lv>1</chrgitm_lv><det_item_fee_sumamt>7800.00"),
               "YZ-INPUT-CODE", "stay[1]/feedetail[1]/chrgitm_lv");
  expect_error(with("<med_type>21</med_type>", "<med_type>22</med_type>"), "YZ-INPUT-CODE", "stay[1]/med_type");
  expect_error(with("<hosp_lv>2</hosp_lv>", "<hosp_lv>4</hosp_lv>"), "YZ-INPUT-CODE", "medins/hosp_lv");
  expect_error(with("<hosp_lv>2</hosp_lv>", "<hosp_lv>2</hosp_lv><yz_fee_class>county3</yz_fee_class>"), "YZ-INPUT-CODE",
               "medins/yz_fee_class");
  expect_error(with("<insuplc_admdvs>622922</insuplc_admdvs>", "<insuplc_admdvs>62292</insuplc_admdvs>"),
               "YZ-INPUT-CODE", "insuplc_admdvs");
  expect_error(with("<admdvs>622922</admdvs>", "<admdvs>62292A</admdvs>"), "YZ-INPUT-CODE", "medins/admdvs");
  expect_error(with("<yz_refl_flag>0</yz_refl_flag>", "<yz_refl_flag>2</yz_refl_flag>"), "YZ-INPUT-CODE",
               "stay[2]/yz_refl_flag");
  expect_error(with("<yz_rural>1</yz_rural>", "<yz_rural>yes</yz_rural>"), "YZ-INPUT-CODE", "person/yz_rural");
  expect_error(with("<insutype>390</insutype>", "<insutype>390</insutype><yz_resident_tier>3</yz_resident_tier>"),
               "YZ-INPUT-CODE", "person/yz_resident_tier");
  expect_error(with("<insutype>390</insutype>", "<insutype>39</insutype>"), "YZ-INPUT-CODE", "person/insutype");
  expect_error(with("<dscg_maindiag_code>I63.900</dscg_maindiag_code>", "<dscg_maindiag_code>脑梗死</dscg_maindiag_code>"),
               "YZ-INPUT-CODE", "stay[1]/dscg_maindiag_code");
}

TEST(CaseReaderErrors, Ranges) {
  expect_error(with("<enddate>2023-05-18</enddate>", "<enddate>2023-05-01</enddate>"), "YZ-INPUT-RANGE",
               "stay[1]/enddate");
  expect_error(with("<endtime>2024-12-31</endtime>", "<endtime>2022-01-01</endtime>"), "YZ-INPUT-RANGE",
               "person/idetinfo[1]/endtime");
  // Stays in discharge order: accumulators carry from one to the next.
  expect_error(with("<begndate>2023-10-08</begndate><enddate>2023-10-20</enddate>",
                    "<begndate>2023-04-08</begndate><enddate>2023-04-20</enddate>"),
               "YZ-INPUT-RANGE", "stay[2]/enddate");
}

TEST(CaseReaderErrors, BadValueIsQuotedAndBounded) {
  const std::string huge(1000, '9');
  Case c;
  Status st = read_case(with("<det_item_fee_sumamt>7800.00</det_item_fee_sumamt>",
                             "<det_item_fee_sumamt>" + huge + "</det_item_fee_sumamt>"),
                        c);
  EXPECT_EQ(st.code(), "YZ-INPUT-AMOUNT");
  EXPECT_LT(st.message().size(), 200u) << st.message();
}

}  // namespace
}  // namespace yz::codec
