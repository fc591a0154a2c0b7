// The 2303 response writer (HIS-INTERFACE.md §2–3) and the Chinese explanation.
// A hand-built Settlement (no engine involved) serialises with the §3 field
// names, two-decimal amounts and four-place ratios, escaped, and parses back.
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "codec/case_reader.h"
#include "codec/response_writer.h"
#include "test_support.h"

namespace yz::codec {
namespace {

// A settlement built by hand: a Gansu DB12 inpatient stay of 50000.00 in-policy
// plus 2000.00 out of catalogue. The figures only need to be distinct; they are
// not computed here.
Settlement sample() {
  Settlement s;
  s.mdtrt_id = "M0001";
  s.psn_no = "P0001";
  s.med_type = 21;
  s.insutype = "390";
  s.region_id = "zhangye";
  s.region_admdvs = "620700";
  s.policy_version = "gansu 2023.1 + zhangye 2023.1";
  s.category = Category::DB12;
  s.assistance_category = Category::DB12;
  s.split = {Fen(5200000), Fen(200000), Fen(0), Fen(5), Fen(4999995)};
  s.act_pay_dedc = Fen(50000);
  s.hifp_pay = Fen(3960000);
  s.pool_prop_selfpay = Fen(989995);
  s.hifmi_pay = Fen(123456);
  s.supp_pay = Fen();
  s.ma_pay = Fen(700000);
  s.ooc_assist_pay = Fen();
  s.tilt_pay = Fen(1);
  s.maf_pay = Fen(700001);
  s.oth_pay = Fen();
  s.fund_pay_sumamt = Fen(4783457);
  s.hosp_part_amt = Fen();
  s.psn_part_amt = Fen(416543);
  s.acct_pay = Fen();
  s.psn_cash_pay = Fen(416543);
  s.major_disease = true;
  s.major_disease_list = "GS-DISEASE-35";
  s.funds.push_back({"390100", "基本医疗保险统筹基金", Fen(4999995), Fen(20000000), Fen(3960000), "GS-BASIC"});
  s.funds.push_back({"390200", "城乡居民大病保险", Fen(1039995), std::nullopt, Fen(123456), "GS-CI-TILT"});

  TraceStep basic;
  basic.rule_id = "GS-BASIC";
  basic.tier = Tier::Basic;
  basic.applied = true;
  basic.base = Fen(5000000);
  basic.result = Fen(3960000);
  basic.figures.push_back({"deductible", Figure::Amount, 50000, {}});
  basic.figures.push_back({"ratio", Figure::Ratio, 8000, {}});
  s.trace.push_back(basic);

  TraceStep tilt;
  tilt.rule_id = "GS-TILT-2ND";
  tilt.tier = Tier::Tilt;
  tilt.applied = false;
  tilt.reason = Reason::BelowThreshold;
  tilt.base = Fen(260000);
  tilt.figures.push_back({"threshold", Figure::Amount, 600000, {}});
  tilt.figures.push_back({"stays", Figure::Count, 2, {}});
  tilt.figures.push_back({"category", Figure::Text, 0, "DB12"});
  tilt.figures.push_back({"bad name", Figure::Text, 0, "kept"});
  s.trace.push_back(tilt);

  s.alerts.push_back({"GS-MON-PUSH", "push", "民政,乡村振兴", "农村低收入人口和脱贫人口", Fen(765432), Fen(720000), true, "stay"});

  s.accum_before.year = 2023;
  s.accum_after.year = 2023;
  s.accum_after.inpatient_stays = 1;
  YearAccum::add(s.accum_after.basic_paid, "inpatient", Fen(3960000));
  YearAccum::add(s.accum_after.ma_paid, "main", Fen(700000));
  s.accum_after.ci_base = Fen(1039995);
  s.accum_after.psn_burden = Fen(416543);
  return s;
}

pugi::xml_document parse(const std::string& xml) {
  pugi::xml_document doc;
  pugi::xml_parse_result r = doc.load_string(xml.c_str());
  EXPECT_TRUE(r) << r.description() << "\n" << xml;
  return doc;
}

std::string text(pugi::xml_node n, const char* path) {
  pugi::xml_node c = n.first_element_by_path(path);
  EXPECT_TRUE(c) << "missing " << path;
  return c.child_value();
}

std::vector<std::string> child_names(pugi::xml_node n) {
  std::vector<std::string> v;
  for (pugi::xml_node c : n.children())
    if (c.type() == pugi::node_element) v.push_back(c.name());
  return v;
}

TEST(ResponseWriter, EnvelopeAndSetlinfoFieldsOfSection3) {
  const std::string xml = write_settlement_response(sample(), "H62070200001202311221530450001");
  pugi::xml_document doc = parse(xml);
  pugi::xml_node r = doc.child("response");
  ASSERT_TRUE(r);
  EXPECT_EQ(text(r, "infcode"), "0");
  EXPECT_EQ(text(r, "err_code"), "");
  EXPECT_EQ(text(r, "err_msg"), "");
  EXPECT_EQ(text(r, "inf_refmsgid"), "H62070200001202311221530450001");
  pugi::xml_node si = r.first_element_by_path("output/setlinfo");
  ASSERT_TRUE(si);
  // Every field §3 lists, in its order, then the plug-in's own.
  const std::vector<std::string> expected = {
      "setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt",
      "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay", "hifmi_pay", "maf_pay", "oth_pay",
      "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay", "hosp_part_amt", "setl_time", "med_type",
      "insutype", "medins_setl_id", "yz_tilt_pay", "yz_supp_pay", "yz_policy", "yz_psn_category", "yz_ma_category",
      "yz_major_disease", "yz_major_disease_list", "yz_begndate", "yz_enddate"};
  EXPECT_EQ(child_names(si), expected);
  EXPECT_EQ(text(si, "setl_id"), "");    // 2303: no settlement ID yet
  EXPECT_EQ(text(si, "setl_time"), "");  // the engine has no clock
  EXPECT_EQ(text(si, "medins_setl_id"), "H62070200001202311221530450001");
  EXPECT_EQ(text(si, "mdtrt_id"), "M0001");
  EXPECT_EQ(text(si, "med_type"), "21");
  EXPECT_EQ(text(si, "insutype"), "390");
  EXPECT_EQ(text(si, "yz_psn_category"), "DB12");
  EXPECT_EQ(text(si, "yz_major_disease"), "1");
  EXPECT_EQ(text(si, "yz_policy"), "gansu 2023.1 + zhangye 2023.1");
  // Two decimals always.
  EXPECT_EQ(text(si, "medfee_sumamt"), "52000.00");
  EXPECT_EQ(text(si, "preselfpay_amt"), "0.05");
  EXPECT_EQ(text(si, "inscp_scp_amt"), "49999.95");
  EXPECT_EQ(text(si, "overlmt_selfpay"), "0.00");
  EXPECT_EQ(text(si, "hifmi_pay"), "1234.56");
  EXPECT_EQ(text(si, "yz_tilt_pay"), "0.01");
  EXPECT_EQ(text(si, "maf_pay"), "7000.01");
  EXPECT_EQ(text(si, "psn_cash_pay"), "4165.43");
}

TEST(ResponseWriter, SetldetailRows) {
  pugi::xml_document doc = parse(write_settlement_response(sample(), "X"));
  pugi::xml_node sd = doc.first_element_by_path("response/output/setldetail");
  std::vector<pugi::xml_node> rows;
  for (pugi::xml_node r : sd.children("row")) rows.push_back(r);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(child_names(rows[0]), (std::vector<std::string>{"fund_pay_type", "fund_pay_type_name", "inscp_scp_amt",
                                                            "crt_payb_lmt_amt", "fund_payamt", "setl_proc_info"}));
  EXPECT_EQ(text(rows[0], "fund_pay_type"), "390100");
  EXPECT_EQ(text(rows[0], "fund_pay_type_name"), "基本医疗保险统筹基金");
  EXPECT_EQ(text(rows[0], "inscp_scp_amt"), "49999.95");
  EXPECT_EQ(text(rows[0], "crt_payb_lmt_amt"), "200000.00");
  EXPECT_EQ(text(rows[0], "fund_payamt"), "39600.00");
  EXPECT_NE(text(rows[0], "setl_proc_info").find("GS-BASIC"), std::string::npos);
  EXPECT_EQ(text(rows[1], "crt_payb_lmt_amt"), "");  // no cap
  EXPECT_NE(text(rows[1], "setl_proc_info").find("GS-CI-TILT"), std::string::npos);
  EXPECT_EQ(std::string(text(rows[1], "setl_proc_info")).find('\n'), std::string::npos);  // one line
}

TEST(ResponseWriter, TraceStepsWithFigures) {
  pugi::xml_document doc = parse(write_settlement_response(sample(), "X"));
  pugi::xml_node tr = doc.first_element_by_path("response/output/yz_trace");
  std::vector<pugi::xml_node> steps;
  for (pugi::xml_node st : tr.children("step")) steps.push_back(st);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(text(steps[0], "rule_id"), "GS-BASIC");
  EXPECT_EQ(text(steps[0], "tier"), "basic");
  EXPECT_EQ(text(steps[0], "applied"), "1");
  EXPECT_EQ(text(steps[0], "reason"), "applied");
  EXPECT_EQ(text(steps[0], "base"), "50000.00");
  EXPECT_EQ(text(steps[0], "result"), "39600.00");
  EXPECT_EQ(text(steps[0], "deductible"), "500.00");
  EXPECT_EQ(text(steps[0], "ratio"), "0.8000");
  EXPECT_EQ(text(steps[0], "text"), "基本医保：政策范围内 50000.00 元，起付线 500.00 元，报销比例 80%，支付 39600.00 元");
  EXPECT_EQ(text(steps[1], "applied"), "0");
  EXPECT_EQ(text(steps[1], "reason"), "below_threshold");
  EXPECT_EQ(text(steps[1], "threshold"), "6000.00");
  EXPECT_EQ(text(steps[1], "stays"), "2");
  EXPECT_EQ(text(steps[1], "category"), "DB12");
  // A figure whose name is no XML name is kept as <figure name="…">.
  pugi::xml_node odd = steps[1].find_child_by_attribute("figure", "name", "bad name");
  ASSERT_TRUE(odd);
  EXPECT_STREQ(odd.child_value(), "kept");
  EXPECT_NE(std::string(text(steps[1], "text")).find("未适用"), std::string::npos);
}

TEST(ResponseWriter, MonitorAndAccumulators) {
  pugi::xml_document doc = parse(write_settlement_response(sample(), "X"));
  pugi::xml_node al = doc.first_element_by_path("response/output/yz_monitor/alert");
  ASSERT_TRUE(al);
  EXPECT_EQ(text(al, "rule_id"), "GS-MON-PUSH");
  EXPECT_EQ(text(al, "kind"), "push");
  EXPECT_EQ(text(al, "recipients"), "民政,乡村振兴");
  EXPECT_EQ(text(al, "figure"), "7654.32");
  EXPECT_EQ(text(al, "threshold"), "7200.00");
  EXPECT_EQ(text(al, "comparison"), "gt");
  pugi::xml_node acc = doc.first_element_by_path("response/output/yz_accum");
  EXPECT_EQ(child_names(acc), (std::vector<std::string>{"before", "after"}));
  pugi::xml_node after = acc.child("after");
  EXPECT_EQ(child_names(after),
            (std::vector<std::string>{"year", "inpatient_stays", "basic_paid", "ci_base", "ci_paid", "supp_base",
                                      "supp_paid", "ma_paid", "tilt_base", "tilt_paid", "psn_burden", "inscp_burden"}));
  EXPECT_EQ(text(after, "year"), "2023");
  EXPECT_EQ(text(after, "inpatient_stays"), "1");
  EXPECT_EQ(text(after, "basic_paid/pool/name"), "inpatient");
  EXPECT_EQ(text(after, "basic_paid/pool/amount"), "39600.00");
  EXPECT_EQ(text(after, "ma_paid/pool/name"), "main");
  EXPECT_EQ(text(after, "ci_base"), "10399.95");
  EXPECT_EQ(text(acc, "before/inpatient_stays"), "0");
  EXPECT_FALSE(acc.first_element_by_path("before/basic_paid/pool"));  // nothing yet
}

TEST(ResponseWriter, EscapesEveryValue) {
  Settlement s = sample();
  s.mdtrt_id = "M<1>&\"'";
  s.psn_no = "张三&李四";
  s.trace[0].note = "</text><evil/>";
  s.alerts[0].label = "a<b";
  s.insutype = std::string("39") + '\x01' + "0";  // a control character is no XML 1.0 character
  const std::string xml = write_settlement_response(s, "id&<>");
  EXPECT_EQ(xml.find("<evil/>"), std::string::npos);
  EXPECT_NE(xml.find("&lt;"), std::string::npos);
  EXPECT_NE(xml.find("&amp;"), std::string::npos);
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
  EXPECT_EQ(xml.find("&#1;"), std::string::npos);
  pugi::xml_document doc = parse(xml);
  pugi::xml_node si = doc.first_element_by_path("response/output/setlinfo");
  EXPECT_EQ(text(si, "mdtrt_id"), "M<1>&\"'");
  EXPECT_EQ(text(si, "psn_no"), "张三&李四");
  EXPECT_EQ(text(si, "insutype"), "390");
  EXPECT_EQ(text(doc.child("response"), "inf_refmsgid"), "id&<>");
  EXPECT_EQ(text(doc.first_element_by_path("response/output/yz_trace/step"), "note"), "</text><evil/>");
}

TEST(ResponseWriter, ErrorResponseShape) {
  const std::string xml =
      write_error_response(-2, Status::error("YZ-INPUT-AMOUNT", "stay[2]/feedetail[3]/det_item_fee_sumamt 金额格式错误: \"1<2&\""));
  pugi::xml_document doc = parse(xml);
  pugi::xml_node r = doc.child("response");
  ASSERT_TRUE(r);
  EXPECT_EQ(child_names(r).at(0), "infcode");
  EXPECT_EQ(text(r, "infcode"), "-2");
  EXPECT_EQ(text(r, "err_code"), "YZ-INPUT-AMOUNT");
  EXPECT_EQ(text(r, "err_msg"), "stay[2]/feedetail[3]/det_item_fee_sumamt 金额格式错误: \"1<2&\"");
  EXPECT_FALSE(r.first_element_by_path("output/setlinfo"));
  pugi::xml_document sys = parse(write_error_response(-1, Status::error("YZ-POLICY-LOAD", "x")));
  EXPECT_EQ(text(sys.child("response"), "infcode"), "-1");
}

TEST(ResponseWriter, ResultsHoldOneResponsePerSettlement) {
  Settlement a = sample();
  Settlement b = sample();
  b.mdtrt_id = "M0002";
  const std::string xml = write_results({a, b});
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u);
  pugi::xml_document doc = parse(xml);
  std::vector<std::string> ids;
  for (pugi::xml_node r : doc.child("results").children("response")) ids.push_back(text(r, "inf_refmsgid"));
  EXPECT_EQ(ids, (std::vector<std::string>{"M0001", "M0002"}));
}

TEST(ExplainStep, SentencesPerReason) {
  TraceStep t;
  t.rule_id = "PS-MA-LARGE";
  t.tier = Tier::Assistance;
  t.applied = false;
  t.reason = Reason::BelowThreshold;
  t.base = Fen(400000);
  t.figures.push_back({"trigger_inscp_above", Figure::Amount, 3000000, {}});
  t.figures.push_back({"inscp_scp_amt", Figure::Amount, 2000000, {}});
  const std::string s = explain_step(t);
  EXPECT_EQ(s.rfind("大额住院费用救助：未适用（未达到起付标准）", 0), 0u) << s;
  EXPECT_NE(s.find("30000.00 元"), std::string::npos) << s;
  EXPECT_NE(s.find("20000.00 元"), std::string::npos) << s;

  TraceStep r;
  r.rule_id = "PS-REFERRAL";
  r.tier = Tier::Assistance;
  r.applied = true;
  r.reason = Reason::NoReferral;
  r.figures.push_back({"yz_refl_flag", Figure::Count, 0, {}});
  EXPECT_NE(explain_step(r).find("不予医疗救助"), std::string::npos) << explain_step(r);
  EXPECT_NE(explain_step(r).find("规范转诊 否"), std::string::npos) << explain_step(r);

  // Capped: the amount and why it is less.
  TraceStep c;
  c.rule_id = "GS-MA-RATIO";
  c.tier = Tier::Assistance;
  c.applied = true;
  c.reason = Reason::CapReached;
  c.base = Fen(1000000);
  c.result = Fen(51000);
  c.note = "DB12";
  EXPECT_NE(explain_step(c).find("救助 510.00 元，已达年度限额"), std::string::npos) << explain_step(c);

  // Every reason has words.
  for (int k = 0; k <= int(Reason::NothingLeft); ++k) {
    TraceStep n;
    n.rule_id = "X-TEST";
    n.tier = Tier::Critical;
    n.reason = Reason(k);
    EXPECT_FALSE(explain_step(n).empty());
  }
}

TEST(ExplainText, CashiersView) {
  Settlement s = sample();
  s.hosp_part_amt = Fen(19800);
  const std::string t = explain_text(s);
  EXPECT_NE(t.find("医疗费用总额：52000.00 元"), std::string::npos) << t;
  EXPECT_NE(t.find("基本医疗保险统筹基金（390100）：39600.00 元"), std::string::npos) << t;
  EXPECT_NE(t.find("城乡居民大病保险（390200）：1234.56 元"), std::string::npos) << t;
  EXPECT_NE(t.find("医院承担：198.00 元"), std::string::npos) << t;
  EXPECT_NE(t.find("患者支付：4165.43 元"), std::string::npos) << t;
  EXPECT_NE(t.find("\n  1. [GS-BASIC] 基本医保："), std::string::npos) << t;
  EXPECT_NE(t.find("\n  2. [GS-TILT-2ND] "), std::string::npos) << t;
  EXPECT_NE(t.find("GS-MON-PUSH"), std::string::npos) << t;
}


// ---- The text writers against pugixml, byte for byte ----------------------------------
//
// write_settlement_output_raw (the ledger's copy), write_settlement_output into
// a ResponseBuilder (text spliced by str()) and append_output_xml (a stored copy
// put back into a response) write text themselves instead of building pugixml
// nodes. Their promise is pugixml's bytes: the oracle here is pugixml itself
// (nodes built by the DOM path, saved with the same flags), over the sample,
// the engine's settlements of the five samples/cases, copies of them with
// hostile strings (control characters, CR/LF, entities, whitespace only, NUL,
// invalid UTF-8, odd figure names) and corrupted or foreign stored copies.

const char* const kEnvTime = "2023-10-20 10:00:00";

// pugixml's format_raw of <output> holding the DOM path's nodes.
std::string dom_raw(const Settlement& s, const std::string& msgid, const std::string& id, const std::string& tm) {
  pugi::xml_document doc;
  write_settlement_output(doc.append_child("output"), s, msgid, id, tm);
  std::ostringstream o;
  doc.save(o, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
  return o.str();
}

// The envelope ResponseBuilder writes, as pugixml nodes, and its <output>.
pugi::xml_node dom_envelope(pugi::xml_document& doc, const std::string& msgid) {
  pugi::xml_node r = doc.append_child("response");
  add_text(r, "infcode", "0");
  add_text(r, "err_code");
  add_text(r, "err_msg");
  add_text(r, "inf_refmsgid", msgid);
  add_text(r, "refmsg_time", kEnvTime);
  add_text(r, "respond_time", kEnvTime);
  return add_text(r, "output");
}

std::string indented(const pugi::xml_document& doc) {
  std::ostringstream o;
  doc.save(o, "  ", pugi::format_indent | pugi::format_skip_control_chars | pugi::format_no_declaration,
           pugi::encoding_utf8);
  return o.str();
}

// A response whose output is the DOM path's nodes, saved as str() saves.
std::string dom_response(const Settlement& s, const std::string& msgid, const std::string& id, const std::string& tm) {
  pugi::xml_document doc;
  write_settlement_output(dom_envelope(doc, msgid), s, msgid, id, tm);
  return indented(doc);
}

std::string text_response(const Settlement& s, const std::string& msgid, const std::string& id, const std::string& tm) {
  ResponseBuilder b(0, "", "", msgid, kEnvTime, kEnvTime);
  write_settlement_output(b.output(), s, msgid, id, tm);
  return b.str();
}

// A stored copy put back: pugixml's way (parse, copy the children) and
// append_output_xml's, into a ResponseBuilder and into a plain document.
struct Spliced {
  bool ok = false;
  std::string xml;
};
Spliced splice_dom(std::string_view stored, bool builder) {
  Spliced r;
  pugi::xml_document parsed;
  r.ok = bool(parsed.load_buffer(stored.data(), stored.size(), pugi::parse_default, pugi::encoding_utf8));
  if (builder) {
    ResponseBuilder b(0, "", "", "M1", kEnvTime, kEnvTime);
    if (r.ok)
      for (pugi::xml_node n : parsed.child("output").children()) b.output().append_copy(n);
    r.xml = b.str();
  } else {
    pugi::xml_document doc;
    pugi::xml_node out = doc.append_child("output");
    if (r.ok)
      for (pugi::xml_node n : parsed.child("output").children()) out.append_copy(n);
    r.xml = indented(doc);
  }
  return r;
}
int g_text_splices = 0;  // stored copies append_output_xml wrote as text (not parsed)
Spliced splice_text(std::string_view stored, bool builder) {
  Spliced r;
  if (builder) {
    ResponseBuilder b(0, "", "", "M1", kEnvTime, kEnvTime);
    r.ok = append_output_xml(b.output(), stored);
    if (b.output().first_child().type() == pugi::node_pi) ++g_text_splices;  // its placeholder
    r.xml = b.str();
  } else {
    pugi::xml_document doc;
    pugi::xml_node out = doc.append_child("output");
    r.ok = append_output_xml(out, stored);
    r.xml = indented(doc);
  }
  return r;
}

// Counts mismatches (reports the first few); `what` names the input.
struct Oracle {
  int checks = 0, failures = 0;
  void same(const std::string& want, const std::string& got, const std::string& what) {
    ++checks;
    if (want == got) return;
    if (++failures <= 3) ADD_FAILURE() << what << "\n--- pugixml\n" << want << "\n--- text writer\n" << got;
  }
  void splice(std::string_view stored, const std::string& what) {
    for (bool builder : {true, false}) {
      const Spliced a = splice_dom(stored, builder), b = splice_text(stored, builder);
      ++checks;
      if (a.ok != b.ok) {
        if (++failures <= 3) ADD_FAILURE() << what << ": parsed " << a.ok << " by pugixml, " << b.ok << "\n" << stored;
        continue;
      }
      if (a.ok) same(a.xml, b.xml, what + (builder ? " (builder)" : " (document)") + "\n--- stored\n" + std::string(stored));
    }
  }
};

// The engine's settlements of samples/cases (every stay, accumulators carried).
std::vector<Settlement> case_settlements() {
  std::vector<Settlement> v;
  std::vector<std::filesystem::path> files;
  for (const auto& f : std::filesystem::directory_iterator(std::string(YZ_SAMPLES_DIR) + "/cases")) files.push_back(f.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    Case c;
    if (Status st = read_case(ss.str(), c); !st) {
      ADD_FAILURE() << path << ": " << st.message();
      continue;
    }
    YearAccum acc;
    for (const Stay& st : c.stays) {
      Settlement s;
      SettleRequest rq{c.insuplc_admdvs, &c.person, &c.hospital, &st, acc};
      if (Status e = settle(test::shipped(), rq, s); !e) {
        ADD_FAILURE() << path << ": " << e.message();
        continue;
      }
      acc = s.accum_after;
      v.push_back(std::move(s));
    }
  }
  return v;
}

std::vector<std::string> hostile_strings() {
  std::vector<std::string> w = {"", " ", "  ", "\t", "\n", "\r", "\r\n", " \r\n\t ", "a\r\nb", "a\rb", "a\r", "\ra",
                                "&<>\"'", "x&amp;y", "&#01;", "&#x41;", "]]>", "<!--x-->", "<![CDATA[x]]>",
                                std::string("a\0b", 3), std::string("\0", 1), std::string(" \0x", 3), "\x01", " \x01 ",
                                "\x1f\x7f", "\t\x02", "中文 文本", "\xff\xfe", "\xe4\xb8", "  lead", "trail  ", "a\tb",
                                "<?yz-fragment 0?>", "</output>", "{{yz:setl_id}}"};
  std::string all;
  for (int c = 1; c < 256; ++c) all += char(c);
  w.push_back(all);
  return w;
}

TEST(ResponseWriterText, SameBytesAsPugixmlOnHostileSettlements) {
  std::vector<Settlement> base = case_settlements();
  ASSERT_GE(base.size(), 5u);
  base.push_back(sample());
  const std::vector<std::string> weird = hostile_strings();
  const std::vector<const char*> names = {"fig_a", "bad name", "x<y", "a\"b", "rule_id", "", "xmlfoo", "ok.name-1", "\t", "n&m", "中"};
  std::mt19937 rng(20231020);
  auto pick = [&]() -> const std::string& { return weird[rng() % weird.size()]; };
  Oracle o;
  for (int round = 0; round < 30; ++round) {
    for (const Settlement& b : base) {
      Settlement s = b;
      if (round > 0) {  // hostile copies: every text field the output carries
        s.mdtrt_id = pick();
        s.psn_no = pick();
        s.insutype = pick();
        s.major_disease_list = pick();
        s.policy_version = pick();
        s.region_id = pick();
        s.region_admdvs = pick();
        for (TraceStep& t : s.trace) {
          if (rng() % 2) t.rule_id = pick();
          if (rng() % 2) t.note = pick();
          for (Figure& f : t.figures) {
            if (rng() % 3 == 0) f.name = names[rng() % names.size()];
            if (f.kind == Figure::Text || rng() % 4 == 0) {
              f.kind = Figure::Text;
              f.text = pick();
            }
          }
        }
        for (Alert& a : s.alerts) {
          a.label = pick();
          a.kind = pick();
          a.recipients = pick();
          a.basis = pick();
        }
        for (FundLine& f : s.funds) {
          if (rng() % 2) f.rule_id = pick();
          if (rng() % 3 == 0) f.fund_pay_type_name = pick().c_str();  // weird outlives s
        }
      }
      const std::string msgid = round ? pick() : "MSG1", id = round ? pick() : "S1", tm = round ? pick() : kEnvTime;
      const std::string what = "settlement " + s.mdtrt_id + " round " + std::to_string(round);
      const std::string stored = dom_raw(s, msgid, id, tm);
      o.same(stored, write_settlement_output_raw(s, msgid, id, tm), what + " (ledger copy)");
      o.same(dom_response(s, msgid, id, tm), text_response(s, msgid, id, tm), what + " (response)");
      o.splice(stored, what + " (stored copy put back)");
    }
  }
  EXPECT_EQ(o.failures, 0) << o.checks << " checks";
  EXPECT_GE(g_text_splices, int(base.size()) * 30) << "the text path of append_output_xml was not exercised";

  // Stored copies that are corrupted, hand-made or foreign: append_output_xml
  // either converts them exactly as pugixml reads them or refuses them as
  // pugixml does.
  const std::string r0 = dom_raw(base[0], "M", "S", "T");
  const std::vector<std::string> variants = {
      "", "<output/>", "<output></output>", "<output> </output>", "<output><a/></output>",
      "<output><a> </a><b>&#09;x&#13;</b></output>", "<output><a><!-- c --></a></output>",
      "<output><a><![CDATA[x<y]]></a></output>", "<output><a>x<b/></a></output>", "<output><a> <b/> </a></output>",
      "<output><a x='1'>t</a></output>", "<output><a x=\"1\" y=\"2\">t</a></output>", "<output><a x=\"1\"><b/></a></output>",
      "<output><a>&foo;</a></output>", "<output><a>&#x41;</a></output>", "<output><a>&#65;</a></output>",
      "<output><a>&#0;</a></output>", "<output><a x=\"a\tb\r\nc&#09;\">t</a></output>", "<output><a></b></output>",
      "<output><a>t</a>", "<output><a>t</a></output><x/>", "<?xml version=\"1.0\"?><output><a>t</a></output>",
      "<other><a>t</a></other>", "<output><a>t</a ></output>", "<output ><a>t</a></output>",
      "<output><a><b><c><d><e><f><g><h>t</h></g></f></e></d></c></b></a></output>",
      "<output><a>\r\n\r</a><b>x\r\ny\rz</b></output>", "not xml", r0, r0.substr(0, r0.size() - 3),
      "<output><a>&lt;&gt;&amp;&quot;&apos;</a></output>", "<output><a b=\"&lt;&gt;&amp;&quot;&apos;'>\">t</a></output>"};
  for (const std::string& v : variants) o.splice(v, "variant");
  // Random byte edits and truncations of real stored copies.
  std::mt19937 mr(7);
  const char pool[] = "<>/&;#\"' \t\r\n=ax0\x01";
  for (int k = 0; k < 4000; ++k) {
    std::string v = dom_raw(base[k % base.size()], "M", "S", "T");
    for (int e = 0, edits = 1 + int(mr() % 3); e < edits; ++e) {
      const size_t at = mr() % v.size();
      switch (mr() % 3) {
        case 0: v[at] = pool[mr() % (sizeof pool - 1)]; break;
        case 1: v.insert(at, 1, pool[mr() % (sizeof pool - 1)]); break;
        default: v.erase(at, 1 + mr() % 4); break;
      }
    }
    if (mr() % 10 == 0) v.resize(mr() % v.size());
    o.splice(v, "corrupted copy " + std::to_string(k));
  }
  EXPECT_EQ(o.failures, 0) << o.checks << " checks";
  EXPECT_GT(o.checks, 3000);
}

}  // namespace
}  // namespace yz::codec

// A 2304's first answer is written from the settlement, a retry's from the
// ledger's copy read back (append_output_xml, pugixml's reading): the first
// is used only when it reads back the same (tx_settle.cpp fill_output_text).
TEST(ResponseWriterText, OutputTextReadsBackTheSameUnlessBlankEmptyOrCr) {
  using yz::codec::output_text_reads_back_the_same;
  const std::string ok = "\n    <setlinfo>\n      <setl_id>S1</setl_id>\n      <psn_name>张 三</psn_name>\n"
                         "      <note />\n    </setlinfo>\n    <yz_monitor />\n";
  EXPECT_TRUE(output_text_reads_back_the_same(ok));
  EXPECT_TRUE(output_text_reads_back_the_same("<a> x </a>"));   // leading/trailing blanks around text are kept
  EXPECT_TRUE(output_text_reads_back_the_same("<a>x\ny</a>"));  // LF kept
  EXPECT_FALSE(output_text_reads_back_the_same("<a> </a>"));    // blank: read back as <a />
  EXPECT_FALSE(output_text_reads_back_the_same("<a>\n</a>"));
  EXPECT_FALSE(output_text_reads_back_the_same("<a></a>"));     // a value cut to nothing at a NUL
  EXPECT_FALSE(output_text_reads_back_the_same("<a>x\ry</a>")); // CR: read back as LF
  EXPECT_FALSE(output_text_reads_back_the_same(ok + "    <b>\t</b>\n"));
  // Each against pugixml: parse the element, write it back the way the response does.
  for (const std::string t : {"<a> x </a>", "<a> </a>", "<a></a>", "<a>x\ry</a>"}) {
    pugi::xml_document d;
    ASSERT_TRUE(d.load_string(t.c_str()));
    std::ostringstream o;
    d.first_child().print(o, "", pugi::format_raw);
    EXPECT_EQ(o.str() == t, output_text_reads_back_the_same(t)) << t;
  }
}
