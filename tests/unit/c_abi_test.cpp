// The C ABI of libyizhan.so from C++, through the shared library (linked by
// plugin/CMakeLists.txt), knowing only include/yizhan/yizhan.h: versions, bad
// configurations, NULL arguments, garbage requests, transactions through the
// sample config, INIT / BUSINESS_HANDLE with a too-small buffer, and one handle
// used by 8 threads at once giving byte for byte what a sequential run gives.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "yizhan/yizhan.h"

namespace {

constexpr const char* kConfig = YZ_PLUGIN_SAMPLE_CONFIG;
// The demo hospital of config/yizhan.xml and a person of its persons file.
constexpr const char* kHospital = "H62070200001";
constexpr const char* kAdmdvs = "620702";
constexpr const char* kPsnNo = "P620702-DB12-01";

struct Handle {
  yz_handle* h = nullptr;
  int rc = 0;
  explicit Handle(const char* path) { rc = yz_open(path, &h); }
  ~Handle() { yz_close(h); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
};

struct Response {
  int rc = 0;
  std::string text;
  bool null = true;
};

// yz_call, with the invariants every call keeps checked.
Response call(yz_handle* h, std::string_view req) {
  char* p = nullptr;
  size_t len = 777;
  Response r;
  r.rc = yz_call(h, req.data(), req.size(), &p, &len);
  EXPECT_TRUE(r.rc == YZ_OK || r.rc == YZ_ERR_BUSINESS || r.rc == YZ_ERR_SYSTEM) << r.rc;
  r.null = p == nullptr;
  EXPECT_NE(p, nullptr);
  if (p != nullptr) {
    EXPECT_EQ(len, std::strlen(p));
    r.text.assign(p, len);
    yz_free(p);
    EXPECT_NE(r.text.find("<infcode>" + std::to_string(r.rc) + "</infcode>"), std::string::npos) << r.text;
  }
  return r;
}

std::string elem(const std::string& xml, const std::string& name) {
  size_t b = xml.find("<" + name + ">");
  if (b == std::string::npos) return {};
  b += name.size() + 2;
  size_t e = xml.find("</" + name + ">", b);
  return e == std::string::npos ? std::string() : xml.substr(b, e - b);
}

std::string request(const std::string& infno, const std::string& msgid_seq, const std::string& data) {
  return "<request><infno>" + infno + "</infno><msgid>" + std::string(kHospital) + "20231122153045" + msgid_seq +
         "</msgid><mdtrtarea_admvs>" + kAdmdvs + "</mdtrtarea_admvs><insuplc_admdvs>" + kAdmdvs +
         "</insuplc_admdvs><recer_sys_code>YZ</recer_sys_code><infver>V1.0</infver><opter_type>1</opter_type>"
         "<opter>C001</opter><opter_name>收费员甲</opter_name><inf_time>2023-11-22 15:30:45</inf_time>"
         "<fixmedins_code>" +
         kHospital + "</fixmedins_code><fixmedins_name>示例县人民医院</fixmedins_name><sign_no></sign_no>" +
         "<input><data>" + data + "</data></input></request>";
}

std::string seq4(int n) {
  char b[8];
  std::snprintf(b, sizeof b, "%04d", n % 10000);
  return b;
}

// A 2303 for the demo person, stay `i`: fee lines vary with i so that every
// stay has its own figures.
std::string data_2303(int i, bool with_lines = true) {
  // 甲 (1000 + 37 i).00, 乙 (500 + 11 i).50 with 10% 先行自付, 丙 (i % 3 × 100).00.
  const long jia = 100000 + 3700L * i, yi = 50050 + 1100L * i, bing = (i % 3) * 10000L;
  auto yuan = [](long fen) {
    char b[32];
    std::snprintf(b, sizeof b, "%ld.%02ld", fen / 100, fen % 100);
    return std::string(b);
  };
  auto line = [&](const char* sn, const char* lv, long fen, const char* extra) {
    return std::string("<feedetail><feedetl_sn>") + sn + "</feedetl_sn><med_list_codg>X" + sn +
           "</med_list_codg><chrgitm_lv>" + lv + "</chrgitm_lv><det_item_fee_sumamt>" + yuan(fen) +
           "</det_item_fee_sumamt>" + extra + "</feedetail>";
  };
  char id[32];
  std::snprintf(id, sizeof id, "CABI%04d", i);
  std::string d = std::string("<psn_no>") + kPsnNo + "</psn_no><mdtrt_id>" + id +
                  "</mdtrt_id><insutype>390</insutype><med_type>21</med_type><begndate>2023-10-01</begndate>"
                  "<enddate>2023-10-10</enddate><dscg_maindiag_code>J18.901</dscg_maindiag_code><medfee_sumamt>" +
                  yuan(jia + yi + bing) +
                  "</medfee_sumamt><yz_refl_flag>1</yz_refl_flag><yz_primary_first>1</yz_primary_first>";
  if (!with_lines) return d;  // uploaded before
  d += line("1", "01", jia, "");
  d += line("2", "02", yi, "<selfpay_prop>0.1000</selfpay_prop>");
  if (bing > 0) d += line("3", "03", bing, "");
  return d;
}

// The admission (2401) of stay `i` of data_2303.
std::string data_2401(int i) {
  char id[32];
  std::snprintf(id, sizeof id, "CABI%04d", i);
  return std::string("<psn_no>") + kPsnNo + "</psn_no><insutype>390</insutype><med_type>21</med_type>" +
         "<begntime>2023-10-01 08:00:00</begntime><mdtrt_id>" + id + "</mdtrt_id><adm_diag_code>J18.901</adm_diag_code>";
}

// Clock readings differ from run to run; everything else must not.
std::string without_times(std::string s) {
  for (const char* name : {"respond_time", "refmsg_time", "setl_time"}) {
    const std::string open = std::string("<") + name + ">", close = std::string("</") + name + ">";
    for (size_t b = s.find(open); b != std::string::npos; b = s.find(open, b + 1)) {
      size_t e = s.find(close, b);
      if (e == std::string::npos) break;
      s.erase(b + open.size(), e - b - open.size());
    }
  }
  return s;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

class CAbi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(h_.rc, YZ_OK) << yz_errmsg(h_.h);
  }
  Handle h_{kConfig};
};

// --- versions and opening --------------------------------------------------

TEST(CAbiOpen, Version) {
  EXPECT_STREQ(yz_version(), YZ_VERSION);
  EXPECT_EQ(yz_version_number(), YZ_VERSION_NUMBER);
  EXPECT_EQ(YZ_VERSION_NUMBER, 200);  // 0.2.0
}

TEST(CAbiOpen, MissingConfigNamesTheFile) {
  Handle h("/nonexistent/yizhan-c-abi/missing.xml");
  EXPECT_NE(h.rc, YZ_OK);
  ASSERT_NE(h.h, nullptr);
  EXPECT_NE(std::string(yz_errmsg(h.h)).find("/nonexistent/yizhan-c-abi/missing.xml"), std::string::npos)
      << yz_errmsg(h.h);
  // Such a handle answers only with errors.
  Response r = call(h.h, request("9001", "0001", ""));
  EXPECT_EQ(r.rc, YZ_ERR_BUSINESS);
  EXPECT_EQ(elem(r.text, "err_code"), "YZ-NOT-OPEN");
  EXPECT_NE(elem(r.text, "err_msg").find("missing.xml"), std::string::npos) << r.text;
  std::string first = yz_errmsg(h.h);
  call(h.h, request("9001", "0002", ""));
  EXPECT_EQ(std::string(yz_errmsg(h.h)), first);  // the same reason each time, not nested
}

TEST(CAbiOpen, MalformedConfigNamesFileAndLine) {
  const std::string path = ::testing::TempDir() + "c_abi_malformed.xml";
  write_file(path,
             "<?xml version=\"1.0\"?>\n<yizhan version=\"1\">\n  <hospital fixmedins_code=\"H62070200001\"\n</yizhan>\n");
  Handle h(path.c_str());
  EXPECT_EQ(h.rc, YZ_ERR_BUSINESS);
  std::string msg = yz_errmsg(h.h);
  EXPECT_NE(msg.find(path + ":"), std::string::npos) << msg;
  std::remove(path.c_str());
}

TEST(CAbiOpen, BadFieldNamesFileLineAndField) {
  const std::string path = ::testing::TempDir() + "c_abi_badfield.xml";
  write_file(path,
             "<?xml version=\"1.0\"?>\n<yizhan version=\"1\">\n"
             "  <hospital fixmedins_code=\"H62070200001\" fixmedins_name=\"x\" admdvs=\"62070\" hosp_lv=\"2\"/>\n"
             "  <policy dir=\"regions\"/>\n  <platform adapter=\"memory\" persons=\"p.xml\"/>\n</yizhan>\n");
  Handle h(path.c_str());
  EXPECT_EQ(h.rc, YZ_ERR_BUSINESS);
  std::string msg = yz_errmsg(h.h);
  EXPECT_NE(msg.find(path + ":3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("admdvs"), std::string::npos) << msg;
  std::remove(path.c_str());
}

TEST(CAbiOpen, NullArguments) {
  yz_handle* h = nullptr;
  EXPECT_EQ(yz_open(nullptr, &h), YZ_ERR_BUSINESS);
  ASSERT_NE(h, nullptr);
  EXPECT_NE(std::string(yz_errmsg(h)).find("YZ-INPUT-NULL"), std::string::npos);
  yz_close(h);
  EXPECT_EQ(yz_open(kConfig, nullptr), YZ_ERR_BUSINESS);
  EXPECT_NE(std::string(yz_errmsg(nullptr)).find("YZ-INPUT-NULL"), std::string::npos);
  yz_close(nullptr);
  yz_free(nullptr);
}

// --- calls ---------------------------------------------------------------

TEST_F(CAbi, NoErrorAfterOpen) { EXPECT_STREQ(yz_errmsg(h_.h), ""); }

TEST_F(CAbi, NullArguments) {
  std::string req = request("9001", "0001", "");
  char* p = nullptr;
  size_t len = 5;
  EXPECT_EQ(yz_call(nullptr, req.data(), req.size(), &p, &len), YZ_ERR_BUSINESS);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(elem(p, "err_code"), "YZ-INPUT-NULL");
  EXPECT_EQ(len, std::strlen(p));
  yz_free(p);

  p = nullptr;
  EXPECT_EQ(yz_call(h_.h, nullptr, 3, &p, &len), YZ_ERR_BUSINESS);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(elem(p, "err_code"), "YZ-INPUT-NULL");
  EXPECT_NE(std::string(yz_errmsg(h_.h)).find("YZ-INPUT-NULL"), std::string::npos);
  yz_free(p);

  p = nullptr;
  EXPECT_EQ(yz_call(h_.h, req.data(), req.size(), &p, nullptr), YZ_ERR_BUSINESS);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(elem(p, "err_code"), "YZ-INPUT-NULL");
  yz_free(p);

  len = 5;
  EXPECT_EQ(yz_call(h_.h, req.data(), req.size(), nullptr, &len), YZ_ERR_BUSINESS);
  EXPECT_EQ(len, 0u);
}

TEST_F(CAbi, GarbageIsABusinessError) {
  std::vector<std::pair<const char*, std::string>> cases = {
      {"empty", ""},
      {"NULs", std::string(16, '\0')},
      {"embedded NUL", std::string("<request>\0<infno>9001</infno></request>", 40)},
      {"invalid UTF-8", "<request><infno>9001</infno><opter_name>\xC3\x28\xFF</opter_name></request>"},
      {"overlong UTF-8", "<request><infno>\xC0\xAF</infno></request>"},
      {"DOCTYPE", "<!DOCTYPE request [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><request><infno>&x;</infno></request>"},
      {"billion laughs", "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]><request>&b;</request>"},
      {"not XML", "GET / HTTP/1.1\r\n\r\n"},
      {"wrong root", "<response/>"},
      {"two roots", "<request/><request/>"},
      {"unclosed", "<request><infno>2303</infno>"},
      {"5 MB of A", std::string(5u << 20, 'A')},
      {"5 MB element", "<request><infno>" + std::string(5u << 20, '9') + "</infno></request>"},
      {"deep", "<request>" + [] { std::string s; for (int i = 0; i < 5000; ++i) s += "<a>"; return s; }()},
      {"envelope without data", request("2303", "0002", "")},
      {"unknown infno", request("0000", "0003", "")},
  };
  for (const auto& [what, req] : cases) {
    Response r = call(h_.h, req);
    EXPECT_EQ(r.rc, YZ_ERR_BUSINESS) << what << "\n" << r.text.substr(0, 2000);
    EXPECT_EQ(elem(r.text, "err_code").rfind("YZ-", 0), 0u) << what;
    EXPECT_FALSE(elem(r.text, "err_msg").empty()) << what;
    EXPECT_STRNE(yz_errmsg(h_.h), "") << what;
  }
}

TEST_F(CAbi, SignInAndPreSettlement) {
  Response r = call(h_.h, request("9001", "0010", "<opter_no>C001</opter_no>"));
  ASSERT_EQ(r.rc, YZ_OK) << r.text;
  EXPECT_FALSE(elem(r.text, "sign_no").empty()) << r.text;

  r = call(h_.h, request("2401", "0011", data_2401(0)));
  ASSERT_EQ(r.rc, YZ_OK) << r.text;
  EXPECT_EQ(elem(r.text, "mdtrt_id"), "CABI0000");

  r = call(h_.h, request("2303", "0012", data_2303(0)));
  ASSERT_EQ(r.rc, YZ_OK) << r.text;
  // By hand (Zhangye DB12 at level 2, REFERENCE-PARAMS.md "Gansu": deductible 500.00, 80%; RULES.md §1):
  // 甲 1000.00 + 乙 500.50 = 1500.50; 先行自付 round(500.50 x 10%) = 50.05; in-policy 1450.45;
  // basic (1450.45 - 500.00) x 80% = 760.36; critical-illness base 690.09 < 2500.00 -> 0.00;
  // assistance 90% x 690.09 = 621.081 -> 621.08; patient 1500.50 - 760.36 - 621.08 = 119.06.
  EXPECT_EQ(elem(r.text, "medfee_sumamt"), "1500.50");
  EXPECT_EQ(elem(r.text, "preselfpay_amt"), "50.05");
  EXPECT_EQ(elem(r.text, "hifp_pay"), "760.36");
  EXPECT_EQ(elem(r.text, "hifmi_pay"), "0.00");
  EXPECT_EQ(elem(r.text, "maf_pay"), "621.08");
  EXPECT_EQ(elem(r.text, "psn_cash_pay"), "119.06");
  EXPECT_EQ(elem(r.text, "mdtrt_id"), "CABI0000");
  EXPECT_NE(r.text.find("<yz_trace>"), std::string::npos);
}

// The thread-local copy of yz_errmsg stays put while other threads fail.
TEST_F(CAbi, ErrmsgIsPerThreadCopy) {
  call(h_.h, "first failure");
  const char* mine = yz_errmsg(h_.h);
  std::string before = mine;
  std::thread([&] {
    call(h_.h, "<request>second failure");
    (void)yz_errmsg(h_.h);
  }).join();
  EXPECT_EQ(std::string(mine), before);
  EXPECT_NE(std::string(yz_errmsg(h_.h)), "");
}

// --- 8 threads on one handle ---------------------------------------------

TEST(CAbiThreads, EightThreadsMatchSequentialByteForByte) {
  constexpr int kThreads = 8, kStays = 12;
  // Thread t sends 2303s for the same 12 stays (mdtrt_id CABI0000…CABI0011),
  // each with its own msgids: the same mdtrt_id is computed by 8 threads at once.
  std::vector<std::vector<std::string>> reqs(kThreads);
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kStays; ++i) reqs[t].push_back(request("2303", seq4(1000 + t * 100 + i), data_2303(i)));

  auto admit_all = [&](yz_handle* h) {
    for (int i = 0; i < kStays; ++i) {
      Response r = call(h, request("2401", seq4(900 + i), data_2401(i)));
      ASSERT_EQ(r.rc, YZ_OK) << r.text;
    }
  };
  std::vector<std::vector<std::string>> seq(kThreads), par(kThreads);
  {
    Handle h(kConfig);
    ASSERT_EQ(h.rc, YZ_OK) << yz_errmsg(h.h);
    admit_all(h.h);
    for (int t = 0; t < kThreads; ++t)
      for (const auto& q : reqs[t]) {
        Response r = call(h.h, q);
        ASSERT_EQ(r.rc, YZ_OK) << r.text;
        seq[t].push_back(without_times(r.text));
      }
  }
  {
    Handle h(kConfig);
    ASSERT_EQ(h.rc, YZ_OK) << yz_errmsg(h.h);
    admit_all(h.h);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        ++ready;
        while (ready.load() < kThreads) std::this_thread::yield();  // start together
        for (const auto& q : reqs[t]) {
          char* p = nullptr;
          size_t len = 0;
          int rc = yz_call(h.h, q.data(), q.size(), &p, &len);
          std::string text = p ? std::string(p, len) : std::string("rc ") + std::to_string(rc);
          yz_free(p);
          par[t].push_back(without_times(text));
        }
      });
    for (auto& th : threads) th.join();
  }
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(par[t].size(), seq[t].size());
    for (int i = 0; i < kStays; ++i) EXPECT_EQ(par[t][i], seq[t][i]) << "thread " << t << " stay " << i;
  }
  // Different stays give different figures (the comparison is not vacuous).
  EXPECT_NE(elem(seq[0][1], "psn_cash_pay"), elem(seq[0][2], "psn_cash_pay"));
}

// --- INIT / BUSINESS_HANDLE (one process-wide handle: one test) -----------

TEST(CAbiCompat, InitRetriesAfterFailureAndBufferTooSmall) {
  std::vector<char> out(4096);
  std::string req = request("9001", "0100", "<opter_no>C001</opter_no>");

  // Before INIT: nothing to call.
  EXPECT_EQ(BUSINESS_HANDLE(req.c_str(), out.data(), 4096), YZ_ERR_BUSINESS);
  EXPECT_EQ(elem(out.data(), "err_code"), "YZ-NOT-OPEN");

  // A bad configuration: an error naming it, and INIT can be retried.
  const std::string bad = ::testing::TempDir() + "c_abi_init_missing.xml";
  ASSERT_EQ(setenv("YIZHAN_CONFIG", bad.c_str(), 1), 0);
  char err[512];
  EXPECT_NE(INIT(err, sizeof err), YZ_OK);
  EXPECT_NE(std::string(err).find(bad), std::string::npos) << err;
  char tiny[6];
  std::memset(tiny, 'x', sizeof tiny);
  EXPECT_NE(INIT(tiny, 4), YZ_OK);
  EXPECT_LE(std::strlen(tiny), 3u);
  EXPECT_EQ(tiny[4], 'x');

  ASSERT_EQ(setenv("YIZHAN_CONFIG", kConfig, 1), 0);
  ASSERT_EQ(INIT(err, sizeof err), YZ_OK) << err;
  EXPECT_STREQ(err, "");
  EXPECT_EQ(INIT(err, sizeof err), YZ_OK);  // again: a no-op
  ASSERT_EQ(setenv("YIZHAN_CONFIG", bad.c_str(), 1), 0);
  EXPECT_EQ(INIT(nullptr, 0), YZ_OK);       // still the first handle

  EXPECT_EQ(BUSINESS_HANDLE(req.c_str(), out.data(), 4096), YZ_OK) << out.data();
  EXPECT_FALSE(elem(out.data(), "sign_no").empty());
  EXPECT_EQ(BUSINESS_HANDLE(nullptr, out.data(), 4096), YZ_ERR_BUSINESS);
  EXPECT_EQ(elem(out.data(), "err_code"), "YZ-INPUT-NULL");
  EXPECT_EQ(BUSINESS_HANDLE(req.c_str(), nullptr, 4096), YZ_ERR_BUSINESS);
  EXPECT_EQ(BUSINESS_HANDLE(req.c_str(), out.data(), 0), YZ_ERR_BUSINESS);

  ASSERT_EQ(BUSINESS_HANDLE(request("2401", "0102", data_2401(3)).c_str(), out.data(), 4096), YZ_OK) << out.data();

  // Too small even for the short answer: -2, an empty string, nothing past the end.
  std::string q = request("2303", "0101", data_2303(3));
  std::vector<char> small(32, 'x');
  EXPECT_EQ(BUSINESS_HANDLE(q.c_str(), small.data(), 16), YZ_ERR_BUSINESS);
  EXPECT_EQ(small[0], '\0');
  EXPECT_EQ(small[16], 'x');

  // Too small for the answer: YZ-BUFFER-SMALL and the size needed.
  std::fill(out.begin(), out.end(), 'x');
  EXPECT_EQ(BUSINESS_HANDLE(q.c_str(), out.data(), 1024), YZ_ERR_BUSINESS);
  std::string shortresp = out.data();
  EXPECT_EQ(elem(shortresp, "err_code"), "YZ-BUFFER-SMALL") << shortresp;
  EXPECT_EQ(out[1024], 'x');
  size_t need = std::stoul(elem(shortresp, "yz_output_len_needed"));
  EXPECT_GT(need, 1024u);
  EXPECT_NE(elem(shortresp, "err_msg").find(std::to_string(need)), std::string::npos) << shortresp;
  EXPECT_EQ(elem(shortresp, "inf_refmsgid"), std::string(kHospital) + "202311221530450101");

  // One byte short still fails; exactly the size works.
  std::vector<char> exact(need);
  EXPECT_EQ(BUSINESS_HANDLE(q.c_str(), exact.data(), int(need - 1)), YZ_ERR_BUSINESS);
  EXPECT_EQ(elem(exact.data(), "err_code"), "YZ-BUFFER-SMALL");
  ASSERT_EQ(BUSINESS_HANDLE(q.c_str(), exact.data(), int(need)), YZ_OK) << exact.data();
  EXPECT_EQ(std::strlen(exact.data()) + 1, need);
  EXPECT_EQ(elem(exact.data(), "mdtrt_id"), "CABI0003");

  // A settlement (2304) answered into a too-small buffer has happened, recorded under its
  // msgid: the same request again gets the recorded answer and settles nothing twice.
  ASSERT_EQ(BUSINESS_HANDLE(request("2401", "0103", data_2401(4)).c_str(), out.data(), 4096), YZ_OK) << out.data();
  std::string settle = request("2304", "0104", data_2303(4));
  EXPECT_EQ(BUSINESS_HANDLE(settle.c_str(), out.data(), 2048), YZ_ERR_BUSINESS);
  EXPECT_EQ(elem(out.data(), "err_code"), "YZ-BUFFER-SMALL") << out.data();
  need = std::stoul(elem(out.data(), "yz_output_len_needed"));
  std::vector<char> big(need + 100);
  ASSERT_EQ(BUSINESS_HANDLE(settle.c_str(), big.data(), int(big.size())), YZ_OK) << big.data();
  EXPECT_EQ(std::strlen(big.data()) + 1, need);
  std::string first = big.data();
  EXPECT_FALSE(elem(first, "setl_id").empty()) << first;
  ASSERT_EQ(BUSINESS_HANDLE(settle.c_str(), big.data(), int(big.size())), YZ_OK);
  EXPECT_EQ(std::string(big.data()), first);  // byte for byte: the recorded response
  // A new msgid for the same stay: already settled.
  EXPECT_EQ(BUSINESS_HANDLE(request("2304", "0105", data_2303(4, false)).c_str(), big.data(), int(big.size())),
            YZ_ERR_BUSINESS);
  EXPECT_EQ(elem(big.data(), "err_code"), "YZ-STAY-SETTLED") << big.data();
}

// --- out of memory --------------------------------------------------------

// Memory runs out in the middle of calls: the address space is capped at what
// the process has, the free heap is taken up, and then given back a little at a
// time. Calls must fail with a code (-1 YZ-SYSTEM, or -2 when nothing was done)
// or succeed, never terminate the process; once memory is back the handle works
// as before (no lock left held, nothing corrupted). In a child process; not under
// sanitizers (they reserve the address space).
TEST(CAbiOom, AllocationFailureBecomesACode) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reserves the address space";
#else
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
  GTEST_SKIP() << "AddressSanitizer reserves the address space";
#endif
#endif
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    Handle h(kConfig);
    if (h.rc != YZ_OK) _exit(10);
    char* p = nullptr;
    size_t len = 0;
    std::string admit = request("2401", "0200", data_2401(5));
    if (yz_call(h.h, admit.data(), admit.size(), &p, &len) != YZ_OK) _exit(10);
    yz_free(p);
    const std::string req = request("2303", "0201", data_2303(5));
    p = nullptr;
    if (yz_call(h.h, req.data(), req.size(), &p, &len) != YZ_OK) _exit(10);
    const std::string expected = without_times(p);
    yz_free(p);

    std::vector<void*> hog;
    hog.reserve(size_t(1) << 20);
    rlimit cur{};
    getrlimit(RLIMIT_AS, &cur);
    long pages = 0;
    {
      std::ifstream statm("/proc/self/statm");
      statm >> pages;
    }
    rlimit lim{};
    lim.rlim_cur = rlim_t(pages) * rlim_t(sysconf(_SC_PAGESIZE));
    lim.rlim_max = cur.rlim_max;
    if (setrlimit(RLIMIT_AS, &lim) != 0) _exit(11);
    while (hog.size() < hog.capacity()) {
      void* q = std::malloc(1024);
      if (q == nullptr) break;
      hog.push_back(q);
    }
    int odd = 0, failed = 0;
    size_t room = 0;
    for (size_t target : {size_t(0), size_t(2) << 10, size_t(8) << 10, size_t(32) << 10, size_t(128) << 10,
                          size_t(512) << 10}) {
      while (room < target && !hog.empty()) {
        std::free(hog.back());
        hog.pop_back();
        room += 1024;
      }
      for (int i = 0; i < 3; ++i) {
        p = nullptr;
        int rc = yz_call(h.h, req.data(), req.size(), &p, &len);
        if (rc != YZ_OK && rc != YZ_ERR_BUSINESS && rc != YZ_ERR_SYSTEM) odd = 1;
        if (p == nullptr && rc != YZ_ERR_SYSTEM) odd = 1;  // no response only when memory ran out
        if (p != nullptr && (std::strstr(p, "<infcode>") == nullptr || std::strstr(p, "</response>") == nullptr))
          odd = 1;  // a whole message or none
        if (rc != YZ_OK) ++failed;
        yz_free(p);
        char buf[64];
        rc = BUSINESS_HANDLE(req.c_str(), buf, sizeof buf);  // not INIT'ed: -2, or -1 without memory
        if (rc != YZ_ERR_BUSINESS && rc != YZ_ERR_SYSTEM) odd = 1;
        if (yz_errmsg(h.h) == nullptr) odd = 1;
      }
    }
    for (void* q : hog) std::free(q);
    if (setrlimit(RLIMIT_AS, &cur) != 0) _exit(11);
    p = nullptr;
    if (yz_call(h.h, req.data(), req.size(), &p, &len) != YZ_OK || without_times(p) != expected) odd = 2;
    yz_free(p);
    if (odd) _exit(odd == 2 ? 14 : 12);
    _exit(failed > 0 ? 0 : 13);  // memory did run out (the test is not vacuous)
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10 open failed, 11 setrlimit failed, 12 odd result, 13 memory never ran "
                                       "out, 14 the handle misbehaved once memory was back";
#endif
}

}  // namespace
