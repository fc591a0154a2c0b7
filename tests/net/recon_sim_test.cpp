// 3201/3202 over HTTPS against the platform simulator (XML and JSON): the
// product's WireGateway settles one stay, then reconciles the day; the
// simulator's journal replay (restart) keeps the settlement times.
// Then the "done when" (ReconDayTest, recon_day_test.cpp): a day of
// real stays settled through the service, one difference of every class
// injected at the simulator, reconciled by the service and by the CLI.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "recon/recon.h"
#include "sim_server.h"
#include "wire_gateway.h"

namespace yz::sim {
namespace {

using namespace std::chrono_literals;

class ReconSimTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ReconSimTest, SettledDayReconcilesOverHttps) {
  char tmpl[] = "/tmp/yz-recon-sim-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  {
    SimOptions so;
    so.state_dir = dir + "/state";
    so.persons_file = std::string(YZ_SAMPLES_DIR) + "/platform-sim/persons.xml";
    so.fsync = false;
    std::unique_ptr<SimServer> server;
    Status st = SimServer::start(so, server);
    ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
    adapters::WireGatewaySettings ws;
    ws.client.base_url = "https://127.0.0.1:" + std::to_string(server->port());
    ws.client.ca_file = server->ca_file();
    ws.client.access_key = "YZDEMO";
    ws.client.secret = server->secret();
    ws.format = GetParam();
    ws.retries = 1;
    ws.backoff = 10ms;
    std::unique_ptr<adapters::WireGateway> gw;
    st = adapters::WireGateway::create(ws, gw);
    ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
    int seq = 0;
    std::string sign_no;
    auto m = [&](const char* infno) {
      gateway::CallMeta c;
      c.infno = infno;
      c.msgid = "H62070200001R" + std::to_string(1000 + ++seq);
      c.sign_no = sign_no;
      c.fixmedins_code = "H62070200001";
      c.inf_time = "2023-11-05 09:30:00";
      c.timeout = 3000ms;
      return c;
    };
    ASSERT_TRUE(gw->sign_in(m("9001"), sign_no).ok());
    const std::string psn = "P620702-DB12-01";
    gateway::PersonInfo pi;
    ASSERT_TRUE(gw->query_person(m("1101"), psn, 2023, pi).ok());
    gateway::Admission a;
    a.psn_no = psn;
    a.insutype = "390";
    a.begndate = *parse_date("2023-11-01");
    std::string mdtrt;
    ASSERT_TRUE(gw->admit(m("2401"), a, mdtrt).ok());
    std::vector<FeeLine> lines(1);
    lines[0].feedetl_sn = "1";
    lines[0].med_list_codg = "XA01AAA0001";
    lines[0].det_item_fee_sumamt = Fen::yuan(600);
    ASSERT_TRUE(gw->upload_fees(m("2301"), mdtrt, lines).ok());
    Settlement s;
    s.mdtrt_id = mdtrt;
    s.psn_no = psn;
    s.insutype = "390";
    s.split.medfee_sumamt = s.split.inscp_scp_amt = Fen::yuan(600);
    s.hifp_pay = s.fund_pay_sumamt = Fen::yuan(360);
    s.psn_part_amt = s.psn_cash_pay = Fen::yuan(240);
    s.funds.push_back({"390100", "基本医疗保险统筹基金", Fen::yuan(600), std::nullopt, Fen::yuan(360), ""});
    s.accum_before = s.accum_after = pi.accum;
    std::string setl_id;
    gateway::GatewayResult r = gw->settle(m("2304"), s, setl_id);
    ASSERT_TRUE(r.ok()) << r.err_code << " " << r.err_msg;

    const std::vector<recon::Row> local = {recon::forward_row(s, setl_id, "2023-11-05 09:30:00")};
    for (int pass = 0; pass < 2; ++pass) {
      recon::Totals t;
      r = gw->reconcile_totals(m("3201"), "2023-11-05", "2023-11-05", "H62070200001", t);
      ASSERT_TRUE(r.ok()) << r.err_code << " " << r.err_msg;
      EXPECT_EQ(t, recon::totals(local));
      EXPECT_EQ(t.setl_cnt, 1);
      EXPECT_EQ(t.fund[0], Fen::yuan(360));
      std::vector<recon::Row> theirs;
      r = gw->reconcile_detail(m("3202"), "2023-11-05", "2023-11-05", recon::write_detail(local), theirs);
      ASSERT_TRUE(r.ok()) << r.err_code << " " << r.err_msg;
      std::vector<recon::Diff> diffs;
      ASSERT_TRUE(recon::compare(local, theirs, diffs).is_ok());
      EXPECT_TRUE(diffs.empty());
      // A malformed detail file is refused by the platform.
      r = gw->reconcile_detail(m("3202"), "2023-11-05", "2023-11-05", "not a detail file", theirs);
      EXPECT_EQ(r.outcome, gateway::Outcome::Rejected);
      if (pass == 0) {
        ASSERT_TRUE(server->restart().is_ok());  // replays the journal
        ASSERT_TRUE(gw->sign_in(m("9001"), sign_no).ok());
      }
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

INSTANTIATE_TEST_SUITE_P(Formats, ReconSimTest, ::testing::Values("xml", "json"));

}  // namespace
}  // namespace yz::sim
