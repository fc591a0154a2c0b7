// Monitoring exports and the XZ-MA-APPLY assessment fed from the plug-in's
// ledger (src/service/monitoring_feed.h): real stays settled through the
// service against the in-memory platform into a memory and a SQLite ledger,
// then exported; the figures worked out by hand from RULES.md and
// REFERENCE-PARAMS.md. Then the CLI (`yizhan export`) end to end on a SQLite
// ledger file, and Y102 through the service and through yz_call.
//
// Every stay below has only 甲 (chrgitm_lv 01, all in-policy) and 丙 (03, all
// 全自费) lines, so inscp_scp_amt = the 甲 amount and fulamt_ownpay = the 丙
// amount (RULES.md §0). The hospital is level 2, county fee class (harness).
#include <gtest/gtest.h>
#include <pugixml.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "export/monitoring_export.h"
#include "service/impl.h"
#include "service/monitoring_feed.h"
#include "service/sqlite_ledger.h"
#include "service/tx_export.h"
#include "service_harness.h"
#include "yizhan/yizhan.h"

namespace yz::service {
namespace {

namespace fs = std::filesystem;
using harness::kHospital;
using monitoring::PersonStatus;

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/yz-monfeed-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const char* name) const { return (path / name).string(); }
};

// The plug-in config of the harness with a SQLite ledger (never archived:
// the stays are of 2023) when ledger_path is given.
std::string site_config(const std::string& admdvs, const std::string& ledger_path = "") {
  std::string xml = harness::config_xml(admdvs, 2);
  if (!ledger_path.empty())
    xml.replace(xml.find("</yizhan>"), 9,
                "<ledger kind=\"sqlite\" path=\"" + ledger_path +
                    "\" archive_after_days=\"0\" recover_every_s=\"0\"/></yizhan>");
  return xml;
}

// A hospital's plug-in over the in-memory platform with a clock the test sets.
struct Site {
  std::shared_ptr<std::string> now = std::make_shared<std::string>("2023-01-01 08:00:00");
  std::unique_ptr<Service> svc;
  int seq = 0;

  // ledger_path empty: a memory ledger.
  Site(const std::string& admdvs, const std::string& ledger_path) {
    PluginConfig cfg;
    Status st = parse_plugin_config("site.xml", site_config(admdvs, ledger_path), "/", cfg);
    EXPECT_TRUE(st.is_ok()) << st.message();
    std::unique_ptr<gateway::MemoryGateway> gw;
    st = gateway::MemoryGateway::from_persons_file(cfg.platform.persons_file, gw);
    EXPECT_TRUE(st.is_ok()) << st.message();
    std::shared_ptr<std::string> clock = now;
    Clock c = [clock] { return *clock; };
    std::unique_ptr<Ledger> ledger;
    if (ledger_path.empty()) {
      ledger = make_memory_ledger();
    } else {
      SqliteLedgerOptions o;
      o.clock = c;
      st = make_sqlite_ledger(ledger_path, o, ledger);
      EXPECT_TRUE(st.is_ok()) << st.message();
    }
    st = Service::open_with(cfg, std::move(gw), std::move(ledger), c, svc);
    EXPECT_TRUE(st.is_ok()) << st.message();
  }

  Ledger& ledger() { return *svc->impl().ledger; }

  std::string msgid() {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%05d", ++seq);
    return std::string(kHospital) + "M" + buf;
  }

  std::string request(const std::string& infno, const std::string& data) {
    return "<request><infno>" + infno + "</infno><msgid>" + msgid() + "</msgid><inf_time>" + *now +
           "</inf_time><fixmedins_code>" + kHospital + "</fixmedins_code><input><data>" + data +
           "</data></input></request>";
  }

  int call(const std::string& req, pugi::xml_document& d) {
    std::string resp;
    const int rc = svc->call(req, resp);
    EXPECT_TRUE(d.load_string(resp.c_str())) << resp;
    return rc;
  }

  // Admits, uploads a 甲 line of `cat_a` and (if not empty) a 丙 line of
  // `cat_c`, settles at `at`; returns the settlement's setlinfo.
  pugi::xml_document settled;
  pugi::xml_node settle(const std::string& psn, const std::string& begn, const std::string& end,
                        const std::string& cat_a, const std::string& cat_c, const std::string& total,
                        const std::string& at) {
    *now = at;
    pugi::xml_document d;
    EXPECT_EQ(call(request("2401", "<psn_no>" + psn + "</psn_no><insutype>390</insutype><med_type>21</med_type>"
                                   "<begntime>" + begn + "</begntime>"),
                   d),
              0)
        << d.child("response").child_value("err_msg");
    const std::string mdtrt = d.child("response").child("output").child("result").child_value("mdtrt_id");
    std::string lines = "<feedetail><feedetl_sn>1</feedetl_sn><med_list_codg>A1</med_list_codg><chrgitm_lv>01</chrgitm_lv>"
                        "<det_item_fee_sumamt>" + cat_a + "</det_item_fee_sumamt></feedetail>";
    if (!cat_c.empty())
      lines += "<feedetail><feedetl_sn>2</feedetl_sn><med_list_codg>C1</med_list_codg><chrgitm_lv>03</chrgitm_lv>"
               "<det_item_fee_sumamt>" + cat_c + "</det_item_fee_sumamt></feedetail>";
    EXPECT_EQ(call(request("2301", "<mdtrt_id>" + mdtrt + "</mdtrt_id>" + lines), d), 0)
        << d.child("response").child_value("err_msg");
    EXPECT_EQ(call(request("2304", harness::Harness::settle_data(psn, mdtrt, total, "21", begn, end)), settled), 0)
        << settled.child("response").child_value("err_msg");
    return settled.child("response").child("output").child("setlinfo");
  }

  void reverse(const std::string& setl_id, const std::string& at) {
    *now = at;
    pugi::xml_document d;
    EXPECT_EQ(call(request("2305", "<setl_id>" + setl_id + "</setl_id>"), d), 0)
        << d.child("response").child_value("err_msg");
  }
};

std::string setl_id(pugi::xml_node info) { return info.child_value("setl_id"); }
std::string psn_part(pugi::xml_node info) { return info.child_value("psn_part_amt"); }

// Both kinds of ledger: the memory ledger keeps the structures, the SQLite one
// only output_xml (alerts, yz_enddate are parsed back from it).
class Feed : public ::testing::TestWithParam<bool> {
 protected:
  TempDir dir;
  std::string ledger_path() { return GetParam() ? dir.file("ledger.db") : std::string(); }
};

// ---- Kangle / Gansu: the monthly push file -------------------------------------------

TEST_P(Feed, KanglePushMonth) {
  Site k("622922", ledger_path());
  // Gansu level 2 (REFERENCE-PARAMS.md): deductible 500.00, 80%; critical illness above 5000.00 of the year's
  // base at 60% (tilt groups 2500.00); GS-MA from 2023-07-01; GS-TILT-2ND above 6000.00 of A.
  //
  // (a) P622922-YFP-01 (监测对象, rural), 甲 10000.00 + 丙 8000.00, discharged 2023-07-10, settled 2023-07-10:
  //     hifp = round((10000.00 - 500.00) x 80%) = 7600.00; CI base 10000.00 - 7600.00 = 2400.00 < 5000.00 -> 0;
  //     GS-MA YFP 75% x 2400.00 = 1800.00; A = 2400.00 - 1800.00 = 600.00 < 6000.00 -> tilt 0;
  //     psn_part = 18000.00 - 7600.00 - 1800.00 = 8600.00 > 7200.00 -> GS-MON-PUSH (from 2023-06-30), group 1.
  pugi::xml_node a = k.settle("P622922-YFP-01", "2023-07-01", "2023-07-10", "10000.00", "8000.00", "18000.00",
                              "2023-07-10 10:00:00");
  EXPECT_EQ(psn_part(a), "8600.00");
  const std::string a_id = setl_id(a);
  // (b) P622922-PLAIN-01 (no category, rural), 甲 10000.00 + 丙 9000.00, discharged 2023-06-28 (before
  //     2023-06-30: KL-MON-PUSH 6000.00 / 10000.00), settled 2023-07-03: hifp 7600.00, CI 0, no assistance;
  //     psn_part = 19000.00 - 7600.00 = 11400.00 > 10000.00 -> KL-MON-PUSH "其他农村居民" (under GS-MON-PUSH's
  //     12000.00 it would not be pushed).
  pugi::xml_node b = k.settle("P622922-PLAIN-01", "2023-06-20", "2023-06-28", "10000.00", "9000.00", "19000.00",
                              "2023-07-03 09:00:00");
  EXPECT_EQ(psn_part(b), "11400.00");
  const std::string b_id = setl_id(b);
  // (c) P622922-TP-01 (脱贫人口, 60%), the same lines, settled 2023-07-12 and reversed 2023-07-13:
  //     psn_part = 18000.00 - 7600.00 - 60% x 2400.00 (1440.00) = 8960.00 > 7200.00, an alert — but reversed: excluded.
  pugi::xml_node c = k.settle("P622922-TP-01", "2023-07-05", "2023-07-12", "10000.00", "8000.00", "18000.00",
                              "2023-07-12 15:00:00");
  EXPECT_EQ(psn_part(c), "8960.00");
  k.reverse(setl_id(c), "2023-07-13 09:00:00");
  // (d) P622922-DB12-01 (90%; CI tilt threshold 2500.00 > 2400.00 -> 0), settled 2023-08-02: psn_part =
  //     18000.00 - 7600.00 - 90% x 2400.00 (2160.00) = 8240.00 > 7200.00: an alert of August, not of July.
  pugi::xml_node d = k.settle("P622922-DB12-01", "2023-07-25", "2023-08-02", "10000.00", "8000.00", "18000.00",
                              "2023-08-02 11:00:00");
  EXPECT_EQ(psn_part(d), "8240.00");
  const std::string d_id = setl_id(d);

  if (GetParam()) {  // the durable ledger really has no structures: what follows reads output_xml
    std::optional<SettlementEntry> e;
    ASSERT_TRUE(k.ledger().get_settlement(a_id, e).is_ok());
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->settlement.alerts.empty());
    EXPECT_EQ(e->settlement.enddate.y, 0);
  }

  std::vector<monitoring::PushRow> rows;
  ASSERT_TRUE(export_push(k.ledger(), 2023, 7, "", rows).is_ok());
  ASSERT_EQ(rows.size(), 2u);
  // Ordered by psn_no: P622922-PLAIN-01 < P622922-YFP-01.
  EXPECT_EQ(rows[0].psn_no, "P622922-PLAIN-01");
  EXPECT_EQ(rows[0].setl_id, b_id);
  EXPECT_EQ(rows[0].rule, "KL-MON-PUSH");
  EXPECT_EQ(rows[0].figure.str(), "11400.00");
  EXPECT_EQ(rows[0].threshold.str(), "10000.00");
  EXPECT_EQ(rows[0].group, "其他农村居民");
  EXPECT_EQ(rows[0].category, "");
  EXPECT_EQ(rows[0].enddate.str(), "2023-06-28");
  EXPECT_EQ(rows[0].region, "622922");
  EXPECT_EQ(rows[0].month, "2023-07");
  EXPECT_EQ(rows[1].psn_no, "P622922-YFP-01");
  EXPECT_EQ(rows[1].setl_id, a_id);
  EXPECT_EQ(rows[1].rule, "GS-MON-PUSH");
  EXPECT_EQ(rows[1].figure.str(), "8600.00");
  EXPECT_EQ(rows[1].threshold.str(), "7200.00");
  EXPECT_EQ(rows[1].group, "农村低收入人口和脱贫人口");
  EXPECT_EQ(rows[1].category, "YFP");
  EXPECT_EQ(rows[1].target, "民政,乡村振兴");

  // KL-MON-MONTHLY: the file for 乡村振兴 holds the same two; no alert goes to 红十字会.
  ASSERT_TRUE(export_push(k.ledger(), 2023, 7, "乡村振兴", rows).is_ok());
  EXPECT_EQ(rows.size(), 2u);
  ASSERT_TRUE(export_push(k.ledger(), 2023, 7, "红十字会", rows).is_ok());
  EXPECT_EQ(rows.size(), 0u);

  // August: (d) only.
  ASSERT_TRUE(export_push(k.ledger(), 2023, 8, "", rows).is_ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].setl_id, d_id);
  EXPECT_EQ(rows[0].figure.str(), "8240.00");
  EXPECT_EQ(rows[0].category, "DB12");

  // The TSV: a header and the two rows, amounts in yuan.
  ASSERT_TRUE(export_push(k.ledger(), 2023, 7, "", rows).is_ok());
  const std::string tsv = monitoring::push_tsv(rows);
  EXPECT_EQ(tsv.substr(0, tsv.find('\n')),
            "month\tpsn_no\tmdtrt_id\tsetl_id\tenddate\trule\tfigure\tthreshold\tcategory\tregion\tgroup\ttarget");
  EXPECT_NE(tsv.find("\t2023-06-28\tKL-MON-PUSH\t11400.00\t10000.00\t\t622922\t其他农村居民\t民政,乡村振兴\n"),
            std::string::npos)
      << tsv;
  EXPECT_EQ(export_push(k.ledger(), 2023, 13, "", rows).code(), "YZ-INPUT-RANGE");
}

// ---- Zhoushan: monthly pools and the quarterly bottom-line list -------------------------

// Zhoushan level 2 (REFERENCE-PARAMS.md): deductible 600.00, 85%; CI 15000.00 at 60% (assistance objects
// 7500.00, 70%); ZS-SUPP above 20000.00 of the year's base at 70%; ZS-MA-RATIO TK 100%, DB 80%, DBBY/QT 70%.
// Every stay: 甲 10000.00 -> hifp = round((10000.00 - 600.00) x 85%) = 7990.00; CI base 10000.00 - 7990.00
// = 2010.00 (below every threshold, with the year's bases below too) -> CI 0, SUPP 0; assistance base 2010.00.
void settle_zhoushan(Site& z) {
  // July:
  // P330900-PLAIN-01 (no category) 丙 30000.00: psn_part = 40000.00 - 7990.00 = 32010.00.
  EXPECT_EQ(psn_part(z.settle("P330900-PLAIN-01", "2023-07-01", "2023-07-05", "10000.00", "30000.00", "40000.00",
                              "2023-07-05 10:00:00")),
            "32010.00");
  // P330900-EXP-01 (低保 ended 2023-06-30; the platform holds ci_base = supp_base = 9200.00 for 2023:
  // after this stay 11210.00, still below 15000.00 and 20000.00) 丙 20000.00: no category, no assistance;
  // psn_part = 30000.00 - 7990.00 = 22010.00.
  EXPECT_EQ(psn_part(z.settle("P330900-EXP-01", "2023-07-02", "2023-07-06", "10000.00", "20000.00", "30000.00",
                              "2023-07-06 10:00:00")),
            "22010.00");
  // P330900-DBBY-01 丙 12000.00: assistance 70% x 2010.00 = 1407.00; psn_part = 22000.00 - 7990.00 - 1407.00 = 12603.00.
  EXPECT_EQ(psn_part(z.settle("P330900-DBBY-01", "2023-07-03", "2023-07-07", "10000.00", "12000.00", "22000.00",
                              "2023-07-07 10:00:00")),
            "12603.00");
  // P330900-QT-01 丙 5000.00: 70% x 2010.00 = 1407.00; psn_part = 15000.00 - 7990.00 - 1407.00 = 5603.00.
  EXPECT_EQ(psn_part(z.settle("P330900-QT-01", "2023-07-04", "2023-07-08", "10000.00", "5000.00", "15000.00",
                              "2023-07-08 10:00:00")),
            "5603.00");
  // August:
  // P330900-TK-01 丙 50000.00: 100% x 2010.00; psn_part = 60000.00 - 7990.00 - 2010.00 = 50000.00 (>= 50000.00).
  EXPECT_EQ(psn_part(z.settle("P330900-TK-01", "2023-08-01", "2023-08-10", "10000.00", "50000.00", "60000.00",
                              "2023-08-10 10:00:00")),
            "50000.00");
  // P330900-DB-01 丙 50000.00: 80% x 2010.00 = 1608.00; psn_part = 60000.00 - 7990.00 - 1608.00 = 50402.00.
  EXPECT_EQ(psn_part(z.settle("P330900-DB-01", "2023-08-02", "2023-08-11", "10000.00", "50000.00", "60000.00",
                              "2023-08-11 10:00:00")),
            "50402.00");
  // P330900-DBQT-01 (低保 + 其他特殊困难: 低保's 80% is the higher) the same: psn_part 50402.00.
  EXPECT_EQ(psn_part(z.settle("P330900-DBQT-01", "2023-08-03", "2023-08-12", "10000.00", "50000.00", "60000.00",
                              "2023-08-12 10:00:00")),
            "50402.00");
}

// The 民政 status file of the tests: DB-01 died 2023-09-15; DBQT-01's 低保 ended 2023-08-31 (the platform
// still says open).
const char* kStatusFile =
    "# 民政 status, 2023-10-05\n"
    "psn_no\tcategory\tbegin\tend\tdeath_date\n"
    "P330900-DB-01\t\t\t\t2023-09-15\n"
    "P330900-DBQT-01\tDB\t2023-03-01\t2023-08-31\t\n";

TEST_P(Feed, ZhoushanPoolsAndBottom) {
  Site z("330900", ledger_path());
  settle_zhoushan(z);
  gateway::MemoryGateway* platform = nullptr;
  std::unique_ptr<gateway::MemoryGateway> gw;
  ASSERT_TRUE(gateway::MemoryGateway::from_persons_file(YZ_SAMPLES_DIR "/platform-sim/persons.xml", gw).is_ok());
  platform = gw.get();
  std::string sign_no;
  gateway::CallMeta m;
  m.infno = "9001";
  m.msgid = "EXPORTTEST1";
  m.fixmedins_code = kHospital;
  m.inf_time = "2023-10-05 09:00:00";
  ASSERT_TRUE(platform->sign_in(m, sign_no).ok());
  int n = 0;
  PersonLookup lookup = [&](const std::string& psn, int year, gateway::PersonInfo& out) -> Status {
    gateway::CallMeta q = m;
    q.infno = "1101";
    q.msgid = "EXPORTTEST1101" + std::to_string(++n);
    q.sign_no = sign_no;
    return from_gateway(platform->query_person(q, psn, year, out), "1101");
  };
  std::vector<PersonStatus> file;
  ASSERT_TRUE(parse_status_file("status.tsv", kStatusFile, file).is_ok());
  const policy::Registry& reg = z.svc->impl().registry;

  // July's pools (ZS-MON-POOL, ">="; the year's burden at 2023-07-31: the larger of this ledger's sum and the
  // platform's psn_burden after the person's latest settlement, which counts earlier stays elsewhere):
  //   P330900-DBBY-01  DBBY on 07-31: assistance object, 12603.00 >= 10000.00 -> 救助对象高额费用推送
  //   P330900-EXP-01   no category, had 低保 until 06-30: left assistance; the platform held psn_burden
  //                    18200.00 for 2023 (persons.xml), so 18200.00 + 22010.00 = 40210.00 >= 20000.00 -> 因病返贫
  //   P330900-PLAIN-01 never assisted: 32010.00 >= 30000.00 -> 因病致贫
  //   P330900-QT-01    assistance object, 5603.00 < 10000.00 -> none; August's stays are after 07-31.
  std::vector<monitoring::PoolRow> pools;
  ASSERT_TRUE(export_pools(z.ledger(), reg, 2023, 7, "330900", lookup, file, pools).is_ok());
  ASSERT_EQ(pools.size(), 3u);
  EXPECT_EQ(pools[0].psn_no, "P330900-DBBY-01");
  EXPECT_EQ(pools[0].pool, monitoring::Pool::AssistancePush);
  EXPECT_EQ(pools[0].category, "DBBY");
  EXPECT_EQ(pools[0].figure.str(), "12603.00");
  EXPECT_EQ(pools[0].threshold.str(), "10000.00");
  EXPECT_EQ(pools[0].target, "民政,红十字会,慈善总会");
  EXPECT_EQ(pools[1].psn_no, "P330900-EXP-01");
  EXPECT_EQ(pools[1].pool, monitoring::Pool::LeftAssistance);
  EXPECT_EQ(pools[1].figure.str(), "40210.00");
  EXPECT_EQ(pools[1].threshold.str(), "20000.00");
  EXPECT_EQ(pools[2].psn_no, "P330900-PLAIN-01");
  EXPECT_EQ(pools[2].pool, monitoring::Pool::NonAssistance);
  EXPECT_EQ(pools[2].figure.str(), "32010.00");
  EXPECT_EQ(pools[2].threshold.str(), "30000.00");
  for (const auto& r : pools) {
    EXPECT_EQ(r.rule, "ZS-MON-POOL");
    EXPECT_EQ(r.month, "2023-07");
    EXPECT_EQ(r.settlements, 1);
    EXPECT_EQ(r.region, "330900");
  }

  // Q3's bottom-line list (ZS-MON-BOTTOM: TK/DB/DBBY, year's burden at 2023-09-30 >= 50000.00):
  //   P330900-TK-01   50000.00 (exactly the line: ">=") -> listed, TK
  //   P330900-DB-01   50402.00, died 2023-09-15 (status file) -> excluded "died"
  //   P330900-DBQT-01 50402.00, 低保 ended 2023-08-31 (status file), only 其他特殊困难 (not listed) at 09-30
  //                   -> excluded "lost_status"
  //   DBBY-01 12603.00, PLAIN-01, EXP-01, QT-01: below the line.
  std::vector<monitoring::BottomRow> bottom;
  std::vector<monitoring::BottomExclusion> ex;
  ASSERT_TRUE(export_bottom(z.ledger(), reg, 2023, 3, "330900", lookup, file, bottom, ex).is_ok());
  ASSERT_EQ(bottom.size(), 1u);
  EXPECT_EQ(bottom[0].psn_no, "P330900-TK-01");
  EXPECT_EQ(bottom[0].category, "TK");
  EXPECT_EQ(bottom[0].figure.str(), "50000.00");
  EXPECT_EQ(bottom[0].threshold.str(), "50000.00");
  EXPECT_EQ(bottom[0].quarter, "2023Q3");
  EXPECT_EQ(bottom[0].rule, "ZS-MON-BOTTOM");
  EXPECT_EQ(bottom[0].target, "民政,医保");
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_EQ(ex[0].psn_no, "P330900-DB-01");
  EXPECT_EQ(ex[0].reason, "died");
  EXPECT_EQ(ex[0].figure.str(), "50402.00");
  EXPECT_EQ(ex[1].psn_no, "P330900-DBQT-01");
  EXPECT_EQ(ex[1].reason, "lost_status");
  EXPECT_EQ(ex[1].figure.str(), "50402.00");

  // Without the status file the platform alone knows neither: both are listed.
  ASSERT_TRUE(export_bottom(z.ledger(), reg, 2023, 3, "330900", lookup, {}, bottom, ex).is_ok());
  EXPECT_EQ(bottom.size(), 3u);
  EXPECT_TRUE(ex.empty());
  // Q2: nothing settled yet.
  ASSERT_TRUE(export_bottom(z.ledger(), reg, 2023, 2, "330900", lookup, file, bottom, ex).is_ok());
  EXPECT_TRUE(bottom.empty());
  // A hospital of a region without the rule, with no Zhoushan settlement in the window: an error, not an empty list.
  EXPECT_EQ(export_bottom(z.ledger(), reg, 2023, 1, "620702", lookup, file, bottom, ex).code(), "YZ-EXPORT-RULE");
}

// ---- Xinzhou: XZ-MA-APPLY for a YFP person with two stays -------------------------------------

// Shanxi county-2 fee class (REFERENCE-PARAMS.md): deductible 400.00 (half from the second stay of the year),
// 75%; critical illness above 10000.00 of the year's base: 60% up to 50000.00 of the excess; YFP has no
// cashier-desk assistance in Xinzhou (XZ-MA-IP lists TK, DB, FPZP) and no XZ-CI-TILT, no XZ-OOC-CAP.
//   Stay 1: 甲 30000.00, discharged 2023-03-10: hifp = round((30000.00 - 400.00) x 75%) = 22200.00;
//           CI base 30000.00 - 22200.00 = 7800.00 (year 7800.00 < 10000.00) -> 0; psn_part 7800.00.
//   Stay 2: 甲 40000.00, discharged 2023-05-12: hifp = round((40000.00 - 200.00) x 75%) = 29850.00;
//           CI base 40000.00 - 29850.00 = 10150.00, year 17950.00: 60% x (17950.00 - 10000.00) = 4770.00,
//           before 0 -> 4770.00; psn_part = 40000.00 - 29850.00 - 4770.00 = 5380.00.
//   XZ-MA-APPLY: S = 7800.00 + 5380.00 = 13180.00 (no assistance paid, so after_assistance = after_ci);
//   line = round(29178.00 x 25%) = 7294.50; excess = 13180.00 - 7294.50 = 5885.50;
//   amount = round(5885.50 x 70%) = 4119.85 (cap 60000.00 not reached).
void settle_xinzhou(Site& x) {
  EXPECT_EQ(psn_part(x.settle("P140900-YFP-01", "2023-03-01", "2023-03-10", "30000.00", "", "30000.00",
                              "2023-03-10 10:00:00")),
            "7800.00");
  EXPECT_EQ(x.settled.child("response").child("output").child("setlinfo").child_value("hifp_pay"),
            std::string("22200.00"));
  EXPECT_EQ(psn_part(x.settle("P140900-YFP-01", "2023-05-01", "2023-05-12", "40000.00", "", "40000.00",
                              "2023-05-12 10:00:00")),
            "5380.00");
  EXPECT_EQ(x.settled.child("response").child("output").child("setlinfo").child_value("hifmi_pay"),
            std::string("4770.00"));
}

Status load_premium(subsidy::PremiumPolicy& p) {
  return subsidy::load_premium_file(subsidy::default_premium_file(YZ_CONFIG_DIR), p);
}

TEST_P(Feed, XinzhouApplyYfpTwoStays) {
  Site x("140900", ledger_path());
  settle_xinzhou(x);
  subsidy::PremiumPolicy premium;
  ASSERT_TRUE(load_premium(premium).is_ok());
  ApplyRequest req;
  req.psn_no = "P140900-YFP-01";
  req.year = 2023;
  subsidy::ApplyParams params;
  subsidy::ApplyInput in;
  std::string region;
  subsidy::ApplyResult r;
  ASSERT_TRUE(assess_from_ledger(x.ledger(), x.svc->impl().registry, premium, req, Date{2023, 12, 31}, nullptr,
                                 params, in, region, r)
                  .is_ok());
  EXPECT_EQ(region, "140900");
  ASSERT_TRUE(in.category);
  EXPECT_EQ(*in.category, Category::YFP);
  ASSERT_EQ(in.stays.size(), 2u);
  EXPECT_EQ(in.stays[0].enddate.str(), "2023-03-10");
  EXPECT_TRUE(r.eligible);
  EXPECT_EQ(r.stays_counted, 2);
  EXPECT_EQ(r.selfpay.str(), "13180.00");
  EXPECT_EQ(r.line.str(), "7294.50");
  EXPECT_EQ(r.excess.str(), "5885.50");
  EXPECT_EQ(r.computed.str(), "4119.85");
  EXPECT_EQ(r.amount.str(), "4119.85");
  EXPECT_FALSE(r.capped);
  ASSERT_EQ(r.trace.size(), 3u);  // one step per stay, then the result
  EXPECT_NE(r.trace[0].note.find("7800.00"), std::string::npos) << r.trace[0].note;
  EXPECT_NE(r.trace[1].note.find("5380.00"), std::string::npos) << r.trace[1].note;

  // Already granted 58000.00 this year: 60000.00 - 58000.00 = 2000.00 left -> 2000.00, capped.
  req.already_granted = Fen::yuan(58000);
  ASSERT_TRUE(assess_from_ledger(x.ledger(), x.svc->impl().registry, premium, req, Date{2023, 12, 31}, nullptr,
                                 params, in, region, r)
                  .is_ok());
  EXPECT_EQ(r.amount.str(), "2000.00");
  EXPECT_TRUE(r.capped);

  // Reversing the second stay leaves S = 7800.00: excess 7800.00 - 7294.50 = 505.50; 70% x 505.50 = 353.85.
  pugi::xml_document d;
  x.reverse(x.settled.child("response").child("output").child("setlinfo").child_value("setl_id"),
            "2023-06-01 09:00:00");
  req.already_granted = Fen();
  ASSERT_TRUE(assess_from_ledger(x.ledger(), x.svc->impl().registry, premium, req, Date{2023, 12, 31}, nullptr,
                                 params, in, region, r)
                  .is_ok());
  EXPECT_EQ(r.stays_counted, 1);
  EXPECT_EQ(r.selfpay.str(), "7800.00");
  EXPECT_EQ(r.amount.str(), "353.85");
  EXPECT_NE(r.trace[1].note.find("已冲销"), std::string::npos) << r.trace[1].note;
}

// Y102 through the service: the same figures as an answer, with the trace.
TEST_P(Feed, Y102ThroughTheService) {
  Site x("140900", ledger_path());
  settle_xinzhou(x);
  *x.now = "2023-10-05 09:00:00";
  pugi::xml_document d;
  ASSERT_EQ(x.call(x.request("Y102", "<psn_no>P140900-YFP-01</psn_no><year>2023</year>"), d), 0)
      << d.child("response").child_value("err_msg");
  pugi::xml_node o = d.child("response").child("output");
  EXPECT_STREQ(o.child_value("yz_rule"), "XZ-MA-APPLY");
  EXPECT_STREQ(o.child_value("yz_category"), "YFP");
  EXPECT_STREQ(o.child_value("yz_insuplc_admdvs"), "140900");
  EXPECT_STREQ(o.child_value("yz_eligible"), "1");
  EXPECT_STREQ(o.child_value("yz_stays_counted"), "2");
  EXPECT_STREQ(o.child_value("yz_selfpay"), "13180.00");
  EXPECT_STREQ(o.child_value("yz_income"), "29178.00");
  EXPECT_STREQ(o.child_value("yz_income_year"), "2022");
  EXPECT_STREQ(o.child_value("yz_line"), "7294.50");
  EXPECT_STREQ(o.child_value("yz_excess"), "5885.50");
  EXPECT_STREQ(o.child_value("yz_amount"), "4119.85");
  EXPECT_STREQ(o.child_value("yz_cap_left"), "60000.00");
  EXPECT_STREQ(o.child_value("yz_illustrative"), "1");
  int steps = 0;
  for (pugi::xml_node s : o.child("yz_trace").children("step")) {
    ++steps;
    EXPECT_STREQ(s.child_value("rule_id"), "XZ-MA-APPLY");
    EXPECT_FALSE(std::string(s.child_value("note")).empty());
  }
  EXPECT_EQ(steps, 3);
  EXPECT_STREQ(o.child("yz_trace").first_child().child_value("result"), "7800.00");
  EXPECT_FALSE(std::string(o.child("yz_trace").first_child().child_value("setl_id")).empty());

  // Already granted 58000.00 and a monitored household flag.
  ASSERT_EQ(x.call(x.request("Y102", "<psn_no>P140900-YFP-01</psn_no><year>2023</year>"
                                     "<yz_already_granted>58000.00</yz_already_granted><yz_monitored>1</yz_monitored>"),
                   d),
            0);
  o = d.child("response").child("output");
  EXPECT_STREQ(o.child_value("yz_amount"), "2000.00");
  EXPECT_STREQ(o.child_value("yz_capped"), "1");
  EXPECT_STREQ(o.child_value("yz_monitored"), "1");

  // A person without a stay in 2023: category from 1101 (P140900-DB-01: 低保, not an XZ-MA-APPLY category).
  ASSERT_EQ(x.call(x.request("Y102", "<psn_no>P140900-DB-01</psn_no><year>2023</year>"), d), 0)
      << d.child("response").child_value("err_msg");
  o = d.child("response").child("output");
  EXPECT_STREQ(o.child_value("yz_category"), "DB");
  EXPECT_STREQ(o.child_value("yz_eligible"), "0");
  EXPECT_STREQ(o.child_value("yz_amount"), "0.00");

  // Errors: a bad year, a year without an income figure (2021 needs 2020's), a bad flag.
  EXPECT_EQ(x.call(x.request("Y102", "<psn_no>P140900-YFP-01</psn_no><year>23</year>"), d), -2);
  EXPECT_STREQ(d.child("response").child_value("err_code"), "YZ-INPUT-CODE");
  EXPECT_EQ(x.call(x.request("Y102", "<psn_no>P140900-YFP-01</psn_no><year>2021</year>"), d), -2);
  EXPECT_STREQ(d.child("response").child_value("err_code"), "YZ-SUBSIDY-YEAR");
  EXPECT_EQ(x.call(x.request("Y102", "<psn_no>P140900-YFP-01</psn_no><year>2023</year><yz_monitored>2</yz_monitored>"),
                   d),
            -2);
  EXPECT_EQ(x.call(x.request("Y102", "<year>2023</year>"), d), -2);
  EXPECT_STREQ(d.child("response").child_value("err_code"), "YZ-CASE-MISSING");
}

INSTANTIATE_TEST_SUITE_P(MonitoringLedgers, Feed, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "Sqlite" : "Memory"; });

// ---- pieces -------------------------------------------------------------------------------

TEST(MonitoringFeed, StatusFileIsStrict) {
  std::vector<PersonStatus> p;
  ASSERT_TRUE(parse_status_file("s.tsv", kStatusFile, p).is_ok());
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].psn_no, "P330900-DB-01");
  ASSERT_TRUE(p[0].death_date);
  EXPECT_EQ(p[0].death_date->str(), "2023-09-15");
  EXPECT_TRUE(p[0].categories.empty());
  ASSERT_EQ(p[1].categories.size(), 1u);
  EXPECT_EQ(p[1].categories[0].category, Category::DB);
  EXPECT_EQ(p[1].categories[0].end->str(), "2023-08-31");

  const std::string h = "psn_no\tcategory\tbegin\tend\tdeath_date\n";
  struct Bad {
    std::string text, where;
  } bad[] = {
      {"", "s.tsv:1:"},                                                    // no header
      {"psn\tcategory\n", "s.tsv:1:"},                                     // wrong header
      {h + "P1\tDB\t2023-01-01\t\n", "s.tsv:2:"},                          // 4 fields
      {h + "P1\tXX\t2023-01-01\t\t\n", "s.tsv:2: field category"},         // unknown category
      {h + "P1\tDB\t\t\t\n", "s.tsv:2: field begin"},                      // category without begin
      {h + "P1\tDB\t2023-05-01\t2023-04-30\t\n", "s.tsv:2: field end"},    // end before begin
      {h + "P1\tDB\t2023-02-30\t\t\n", "s.tsv:2: field begin"},            // not a calendar day
      {h + "P1\t\t\t\t\n", "s.tsv:2:"},                                    // says nothing
      {h + "P1\t\t2023-01-01\t\t2023-02-01\n", "s.tsv:2: field begin/end"},  // dates without a category
      {h + "\tDB\t2023-01-01\t\t\n", "s.tsv:2: field psn_no"},
      {h + "# c\nP1\t\t\t\t2023-02-01\nP1\t\t\t\t2023-03-01\n", "s.tsv:4: field death_date"},  // two deaths
      {h + "P1\t\t\t\t2023-02-01\r\n", "s.tsv:2:"},                        // CR
      {"\xEF\xBB\xBF" + h, "s.tsv:1:"},                                    // BOM
      {h + "P1\t\t\t\t2023-2-1\n", "s.tsv:2: field death_date"},
  };
  for (const Bad& b : bad) {
    Status st = parse_status_file("s.tsv", b.text, p);
    EXPECT_EQ(st.code(), "YZ-STATUS-FILE") << b.text;
    EXPECT_EQ(st.message().rfind(b.where, 0), 0u) << st.message();
  }
  EXPECT_EQ(load_status_file("/nonexistent/status.tsv", p).code(), "YZ-STATUS-FILE");
}

TEST(MonitoringFeed, MergeFileOverPlatform) {
  PersonStatus p{"P1", {{Category::DB, Date{2023, 3, 1}, std::nullopt}, {Category::QT, Date{2022, 1, 1}, std::nullopt}},
                 std::nullopt};
  std::vector<PersonStatus> file = {{"P1", {{Category::DB, Date{2023, 3, 1}, Date{2023, 8, 31}}}, Date{2023, 12, 1}},
                                    {"P2", {}, Date{2023, 1, 1}}};
  merge_status_file(p, file);
  ASSERT_EQ(p.categories.size(), 2u);
  EXPECT_EQ(p.categories[0].category, Category::QT);  // the platform's, untouched
  EXPECT_EQ(p.categories[1].category, Category::DB);  // the file's replaces the platform's DB
  EXPECT_EQ(p.categories[1].end->str(), "2023-08-31");
  EXPECT_EQ(p.death_date->str(), "2023-12-01");
}

TEST(MonitoringFeed, OutputFactsRejectDamage) {
  OutputFacts f;
  EXPECT_EQ(parse_output_facts("S1", "<output><setlinfo>", f).code(), "YZ-LEDGER-CORRUPT");
  EXPECT_EQ(parse_output_facts("S1", "<output><setlinfo><yz_enddate>2023-13-01</yz_enddate></setlinfo></output>", f)
                .code(),
            "YZ-LEDGER-CORRUPT");
  EXPECT_EQ(parse_output_facts("S1",
                               "<output><yz_monitor><alert><rule_id>R</rule_id><figure>1x</figure>"
                               "<threshold>1.00</threshold><comparison>gt</comparison></alert></yz_monitor></output>",
                               f)
                .code(),
            "YZ-LEDGER-CORRUPT");
  ASSERT_TRUE(parse_output_facts("S1",
                                 "<output><setlinfo><yz_enddate>2023-07-10</yz_enddate><yz_psn_category>YFP"
                                 "</yz_psn_category></setlinfo><yz_monitor><alert><rule_id>GS-MON-PUSH</rule_id>"
                                 "<kind>push</kind><recipients>民政,乡村振兴</recipients><label>L</label>"
                                 "<basis>stay</basis><figure>8600.00</figure><threshold>7200.00</threshold>"
                                 "<comparison>gt</comparison></alert></yz_monitor></output>",
                                 f)
                  .is_ok());
  EXPECT_EQ(f.enddate->str(), "2023-07-10");
  EXPECT_EQ(*f.category, Category::YFP);
  ASSERT_EQ(f.alerts.size(), 1u);
  EXPECT_EQ(f.alerts[0].figure.str(), "8600.00");
  EXPECT_TRUE(f.alerts[0].strictly_greater);
}

// A row written before the output carried the stay's dates: the discharge year
// is the accumulators' year (the settlement date when it is in that year).
TEST(MonitoringFeed, EntryWithoutDatesFallsBack) {
  SettlementEntry e;
  e.setl_id = "S1";
  e.psn_no = "P1";
  e.setl_time = "2024-01-03 10:00:00";
  e.settlement.accum_after.year = 2023;  // discharged late in 2023, settled in January
  e.settlement.psn_part_amt = Fen::yuan(100);
  e.output_xml = "<output><setlinfo><yz_psn_category>DB</yz_psn_category></setlinfo><yz_monitor/></output>";
  monitoring::ExportSettlement x;
  ASSERT_TRUE(export_settlement_of(e, "330900", x).is_ok());
  EXPECT_EQ(x.enddate.str(), "2023-12-31");
  EXPECT_EQ(x.insuplc_admdvs, "330900");
  ASSERT_TRUE(x.category);
  EXPECT_EQ(*x.category, Category::DB);
  e.settlement.accum_after.year = 2024;
  ASSERT_TRUE(export_settlement_of(e, "", x).is_ok());
  EXPECT_EQ(x.enddate.str(), "2024-01-03");
  e.output_xml = "<output><setlinfo><yz_enddate>2023-12-30</yz_enddate></setlinfo></output>";
  ASSERT_TRUE(export_settlement_of(e, "", x).is_ok());
  EXPECT_EQ(x.enddate.str(), "2023-12-30");
}

// ---- the CLI and yz_call on a SQLite ledger file --------------------------------------------

std::string run(const std::string& cmd, int& status) {
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = pclose(p);
  status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

fs::path cli_path() {
  std::error_code ec;
  fs::path cli = fs::read_symlink("/proc/self/exe", ec).parent_path() / "yizhan";
  return ec ? fs::path() : cli;
}

TEST(MonitoringCli, ZhoushanPoolsBottomAndErrors) {
  const fs::path cli = cli_path();
  if (cli.empty() || !fs::exists(cli)) GTEST_SKIP() << "yizhan CLI not beside the test binary";
  TempDir dir;
  const std::string db = dir.file("zs.db"), cfg = dir.file("zs.xml");
  {
    Site z("330900", db);
    settle_zhoushan(z);
  }  // closed: the CLI reads the file
  std::ofstream(cfg) << site_config("330900", db);
  std::ofstream(dir.file("status.tsv")) << kStatusFile;
  const std::string base = cli.string() + " export --config " + cfg + " ";
  int status = -1;

  // Pools of July, as the test above worked them out.
  std::string out = run(base + "pools --month 2023-07 -o " + dir.file("pools.tsv") + " 2>&1", status);
  ASSERT_EQ(status, 0) << out;
  std::string tsv = slurp(dir.file("pools.tsv"));
  EXPECT_EQ(tsv,
            "month\tpsn_no\tpool\tcategory\tfigure\tthreshold\tsettlements\tregion\trule\ttarget\n"
            "2023-07\tP330900-DBBY-01\t救助对象高额费用推送\tDBBY\t12603.00\t10000.00\t1\t330900\tZS-MON-POOL\t"
            "民政,红十字会,慈善总会\n"
            "2023-07\tP330900-EXP-01\t因病返贫风险潜在库\t\t40210.00\t20000.00\t1\t330900\tZS-MON-POOL\t相关部门\n"
            "2023-07\tP330900-PLAIN-01\t因病致贫风险潜在库\t\t32010.00\t30000.00\t1\t330900\tZS-MON-POOL\t相关部门\n");

  // Q3's list with the status file; exclusions to a second file.
  out = run(base + "bottom --quarter 2023Q3 --status " + dir.file("status.tsv") + " -o " + dir.file("bottom.tsv") +
                " --exclusions " + dir.file("excluded.tsv") + " 2>&1",
            status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(slurp(dir.file("bottom.tsv")),
            "quarter\tpsn_no\tcategory\tfigure\tthreshold\tsettlements\tregion\trule\ttarget\n"
            "2023Q3\tP330900-TK-01\tTK\t50000.00\t50000.00\t1\t330900\tZS-MON-BOTTOM\t民政,医保\n");
  const std::string ex = slurp(dir.file("excluded.tsv"));
  EXPECT_EQ(ex.substr(0, ex.find('\n')), "quarter\tpsn_no\tfigure\treason\ttext");
  EXPECT_NE(ex.find("2023Q3\tP330900-DB-01\t50402.00\tdied\t"), std::string::npos) << ex;
  EXPECT_NE(ex.find("2023Q3\tP330900-DBQT-01\t50402.00\tlost_status\t"), std::string::npos) << ex;
  // Without --exclusions they go to stderr; the list to stdout.
  out = run(base + "bottom --quarter 2023Q3 --status " + dir.file("status.tsv") + " 2>&1", status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("P330900-DB-01 50402.00 died"), std::string::npos) << out;
  EXPECT_NE(out.find("2023Q3\tP330900-TK-01\tTK\t50000.00"), std::string::npos) << out;
  // --offline: no 1101; the file still says who died / lost the status.
  out = run(base + "bottom --quarter 2023Q3 --offline --status " + dir.file("status.tsv") + " 2>/dev/null", status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("P330900-TK-01"), std::string::npos) << out;
  EXPECT_EQ(out.find("P330900-DB-01"), std::string::npos) << out;

  // Errors: nothing written. A bad status file (exit 2, names file and line).
  std::ofstream(dir.file("bad.tsv")) << "psn_no\tcategory\tbegin\tend\tdeath_date\nP1\tZZ\t2023-01-01\t\t\n";
  out = run(base + "bottom --quarter 2023Q3 --status " + dir.file("bad.tsv") + " -o " + dir.file("none.tsv") + " 2>&1",
            status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("YZ-STATUS-FILE"), std::string::npos) << out;
  EXPECT_NE(out.find(dir.file("bad.tsv") + ":2:"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir.file("none.tsv")));
  // Usage errors (exit 1): a bad month, an option of another export, no export named.
  out = run(base + "pools --month 2023-7 -o " + dir.file("none.tsv") + " 2>&1", status);
  EXPECT_EQ(status, 1) << out;
  out = run(base + "push --month 2023-07 --status " + dir.file("status.tsv") + " 2>&1", status);
  EXPECT_EQ(status, 1) << out;
  out = run(base + "2>&1", status);
  EXPECT_EQ(status, 1) << out;
  EXPECT_FALSE(fs::exists(dir.file("none.tsv")));
  // An output directory that does not exist: exit 4, nothing left behind.
  out = run(base + "pools --month 2023-07 -o " + dir.file("no/such/dir.tsv") + " 2>&1", status);
  EXPECT_EQ(status, 4) << out;
  // A config without a durable ledger: exit 4.
  std::ofstream(dir.file("mem.xml")) << site_config("330900");
  out = run(cli.string() + " export --config " + dir.file("mem.xml") + " pools --month 2023-07 2>&1", status);
  EXPECT_EQ(status, 4) << out;
  EXPECT_NE(out.find("YZ-EXPORT-LEDGER"), std::string::npos) << out;
  // The push file of the month (Zhoushan has no per-stay push rule): the header only.
  out = run(base + "push --month 2023-07 2>/dev/null", status);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(out, "month\tpsn_no\tmdtrt_id\tsetl_id\tenddate\trule\tfigure\tthreshold\tcategory\tregion\tgroup\ttarget\n");
  // No temporary file left anywhere in the directory.
  for (const auto& e : fs::directory_iterator(dir.path))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
}

TEST(MonitoringCli, KanglePushAndXinzhouApply) {
  const fs::path cli = cli_path();
  if (cli.empty() || !fs::exists(cli)) GTEST_SKIP() << "yizhan CLI not beside the test binary";
  TempDir dir;
  int status = -1;
  {
    const std::string db = dir.file("kl.db");
    {
      Site k("622922", db);
      k.settle("P622922-YFP-01", "2023-07-01", "2023-07-10", "10000.00", "8000.00", "18000.00", "2023-07-10 10:00:00");
    }
    std::ofstream(dir.file("kl.xml")) << site_config("622922", db);
    const std::string out = run(cli.string() + " export --config " + dir.file("kl.xml") +
                                    " push --month 2023-07 --target 乡村振兴 -o " + dir.file("push.tsv") + " 2>&1",
                                status);
    ASSERT_EQ(status, 0) << out;
    const std::string tsv = slurp(dir.file("push.tsv"));
    // (a) of KanglePushMonth: 8600.00 > 7200.00.
    EXPECT_NE(tsv.find("\tGS-MON-PUSH\t8600.00\t7200.00\tYFP\t622922\t农村低收入人口和脱贫人口\t民政,乡村振兴\n"),
              std::string::npos)
        << tsv;
  }
  const std::string db = dir.file("xz.db");
  {
    Site x("140900", db);
    settle_xinzhou(x);
  }
  std::ofstream(dir.file("xz.xml")) << site_config("140900", db);
  const std::string base = cli.string() + " export --config " + dir.file("xz.xml") + " xz-apply ";
  std::string out = run(base + "--psn P140900-YFP-01 --year 2023 2>&1", status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("selfpay: 13180.00\n"), std::string::npos) << out;
  EXPECT_NE(out.find("line: 7294.50"), std::string::npos) << out;
  EXPECT_NE(out.find("amount: 4119.85\n"), std::string::npos) << out;
  EXPECT_NE(out.find("category: YFP"), std::string::npos) << out;
  EXPECT_NE(out.find("政策范围内个人自付 7800.00 元"), std::string::npos) << out;  // the trace, in Chinese
  out = run(base + "--psn P140900-YFP-01 --year 2023 --granted 58000.00 --monitored 2>&1", status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("amount: 2000.00\ncapped: yes\n"), std::string::npos) << out;
  out = run(base + "--psn P140900-YFP-01 --year 2023 --granted 12.345 2>&1", status);
  EXPECT_EQ(status, 2) << out;
  out = run(base + "--psn P140900-YFP-01 2>&1", status);
  EXPECT_EQ(status, 1) << out;
}

// Y102 through the C ABI: the plug-in opened on the ledger file a service
// settled into (the stays are of 2023, so they are settled with a test clock
// first; archive_after_days="0" keeps them in the working ledger).
TEST(MonitoringAbi, Y102ThroughYzCall) {
  TempDir dir;
  const std::string db = dir.file("xz.db"), cfg = dir.file("xz.xml");
  {
    Site x("140900", db);
    settle_xinzhou(x);
  }
  std::ofstream(cfg) << site_config("140900", db);
  yz_handle* h = nullptr;
  ASSERT_EQ(yz_open(cfg.c_str(), &h), YZ_OK);
  const std::string req = std::string("<request><infno>Y102</infno><msgid>") + kHospital +
                          "Y102ABI01</msgid><fixmedins_code>" + kHospital +
                          "</fixmedins_code><input><data><psn_no>P140900-YFP-01</psn_no><year>2023</year>"
                          "</data></input></request>";
  char* p = nullptr;
  size_t len = 0;
  const int rc = yz_call(h, req.data(), req.size(), &p, &len);
  ASSERT_NE(p, nullptr);
  const std::string resp(p, len);
  yz_free(p);
  yz_close(h);
  EXPECT_EQ(rc, YZ_OK) << resp;
  pugi::xml_document d;
  ASSERT_TRUE(d.load_string(resp.c_str())) << resp;
  pugi::xml_node o = d.child("response").child("output");
  EXPECT_STREQ(o.child_value("yz_selfpay"), "13180.00");
  EXPECT_STREQ(o.child_value("yz_amount"), "4119.85");
  EXPECT_EQ(std::distance(o.child("yz_trace").children("step").begin(), o.child("yz_trace").children("step").end()), 3);
}

}  // namespace
}  // namespace yz::service
