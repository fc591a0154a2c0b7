// The crash harness's HIS (tests/crash/README.md): a cashier station that
// settles stays through libyizhan.so's C ABI, keeps what the HIS was told in
// an answers log, and may be SIGKILLed at any instant.
//
//   crash_driver --config CFG --log ANSWERS --profile zhangye|pengshui [--seed N]
//                [--finish] [--kill-after-call N] [--reconcile FROM TO]
//
// Workload: stay i (0, 1, 2 …) of person persons[i % n] is admitted (2401),
// its fee lines uploaded (2301) and settled (2304); every 6th stay (i % 6 == 2)
// is then reversed (2305), and every 6th (i % 6 == 5) reversed and settled
// again. The stays run one after another until the process is killed.
//
// The answers log (one line per event, each appended and fdatasync'd before the
// driver goes on):
//   B <stay> <op> <attempt> <infno> <msgid> <omsgid|->   a request is about to be sent
//                                                         (its msgid from now on belongs to it)
//   F <msgid> <infno> <infcode> <err_code|-> <answer fields…>
//                                                         a FINAL answer the HIS saw (0 or -2)
//   G <stay>                                             the driver gave up on a stay
// Answer fields: 2401 mdtrt_id; 2304 setl_id medfee_sumamt fund_pay_sumamt
// psn_cash_pay medins_setl_id mdtrt_id; 2305 reverse setl_id, orig_setl_id;
// 2601 omsgid.
//
// At start the driver replays its log: the last B without an F is the request
// in flight when it died, and is sent again with the SAME msgid (what the
// header asks an HIS to do after -1 or a crash). An infcode -1 answer is not
// final: the same request is sent again after a pause, or (sometimes, for
// 2401/2301/2304) undone with a 2601 naming its msgid, after which the
// operation is done again under a new msgid. A -2 is final: the operation is
// done again under a new msgid (YZ-MSGID-REVERSED, YZ-PLATFORM-UNAVAILABLE), or
// after three other refusals the stay is given up.
//
// msgids are derived from (profile's fixmedins_code, stay, op, attempt), so a
// replay rebuilds them: H62070200001S12O2A0; the 2601 that undoes it adds "U".
//
// --finish (the harness's last, clean run): complete the stay in progress and
// exit 0. --kill-after-call N: SIGKILL itself right after the N-th yz_call
// returned, before the answer is logged (the HIS dies holding an answer).
// --reconcile FROM TO (after the clean run): only a 3202 (3201 totals, then
// the detail) for the days FROM..TO (yyyy-MM-dd); prints the result and every
// difference; exit 0 when both are 平, 6 otherwise.
// Prints "open <ms>" on stdout once yz_open returned. Exit status: 0 finished;
// 2 usage; 3 yz_open failed; 4 the log cannot be written; 5 stuck (--finish);
// 6 not 平 (--reconcile).
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "yizhan/yizhan.h"
#include "workload.h"

namespace {

using namespace yzcrash;

// ---- messages -----------------------------------------------------------------------

std::string now_text() {
  time_t t = time(nullptr);
  struct tm tmv;
  localtime_r(&t, &tmv);
  char b[32];
  strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tmv);
  return b;
}

std::string envelope(const Profile& p, const std::string& infno, const std::string& msgid, const std::string& insuplc,
                     const std::string& data) {
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<request><infno>" << infno << "</infno><msgid>" << msgid
    << "</msgid><mdtrtarea_admvs>" << p.admdvs << "</mdtrtarea_admvs><insuplc_admdvs>" << insuplc
    << "</insuplc_admdvs><recer_sys_code>YZ</recer_sys_code><infver>V1.0</infver><opter_type>1</opter_type>"
    << "<opter>C001</opter><opter_name>收费员甲</opter_name><inf_time>" << now_text() << "</inf_time><fixmedins_code>"
    << p.fixmedins_code << "</fixmedins_code><fixmedins_name>" << p.fixmedins_name
    << "</fixmedins_name><sign_no></sign_no><input><data>" << data << "</data></input></request>\n";
  return o.str();
}

// The text of the first <name>…</name> after `from` (empty if none).
std::string elem(const std::string& xml, const std::string& name, size_t from = 0) {
  const std::string open = "<" + name + ">", close = "</" + name + ">";
  const size_t b = xml.find(open, from);
  if (b == std::string::npos) return "";
  const size_t e = xml.find(close, b + open.size());
  if (e == std::string::npos) return "";
  return xml.substr(b + open.size(), e - b - open.size());
}

std::string dash(const std::string& v) { return v.empty() ? "-" : v; }

// ---- the answers log ----------------------------------------------------------------

struct Log {
  int fd = -1;
  bool append(const std::string& line) {
    const std::string l = line + "\n";
    size_t off = 0;
    while (off < l.size()) {
      const ssize_t n = ::write(fd, l.data() + off, l.size() - off);
      if (n <= 0) return false;
      off += size_t(n);
    }
    return ::fdatasync(fd) == 0;
  }
};

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> f;
  std::string cur;
  for (char c : line) {
    if (c == '\t') {
      f.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  f.push_back(cur);
  return f;
}

// ---- the state, rebuilt from the log ------------------------------------------------

struct State {
  long stay = 0;
  size_t op = 0;
  int attempt = 0;
  int refusals = 0;                // -2 answers of this op other than the transient ones
  std::string mdtrt_id;            // the stay's, from its 2401 answer
  std::string setl_id;             // its last settlement, from a 2304 answer
  // The request in flight (a B without F).
  bool pending = false;
  std::string p_infno, p_msgid, p_omsgid;
};

bool transient(const std::string& code) {
  return code == "YZ-MSGID-REVERSED" || code == "YZ-PLATFORM-UNAVAILABLE";
}

void next_stay(State& s) {
  ++s.stay;
  s.op = 0;
  s.attempt = 0;
  s.refusals = 0;
  s.mdtrt_id.clear();
  s.setl_id.clear();
}

// A final answer to the request in flight (the log's F line, fields as logged).
void on_final(State& s, const std::vector<std::string>& f) {
  const std::string& infno = f[2];
  const int code = std::atoi(f[3].c_str());
  const std::string err = f[4] == "-" ? "" : f[4];
  s.pending = false;
  if (infno == "2601" && s.p_omsgid != "-" && !s.p_omsgid.empty()) {
    // The undo of the op's attempt: answered 0, the op is done again under a
    // new msgid; refused, the original msgid is asked again.
    if (code == 0) {
      ++s.attempt;
    } else {
      s.pending = true;
      s.p_msgid = s.p_omsgid;
      s.p_omsgid = "-";
      s.p_infno = plan(s.stay)[s.op];
    }
    return;
  }
  if (code == 0) {
    if (infno == "2401" && f.size() > 5) s.mdtrt_id = f[5];
    if (infno == "2304" && f.size() > 5) s.setl_id = f[5];
    ++s.op;
    s.attempt = 0;
    s.refusals = 0;
    if (s.op >= plan(s.stay).size()) next_stay(s);
    return;
  }
  ++s.attempt;
  if (!transient(err) && ++s.refusals >= 3) next_stay(s);
}

bool replay(const std::string& path, State& s, long& lines) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return true;  // no log yet
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t at = 0;
  lines = 0;
  while (at < all.size()) {
    const size_t nl = all.find('\n', at);
    if (nl == std::string::npos) break;  // a torn last line: never happened
    const std::vector<std::string> f = split_tabs(all.substr(at, nl - at));
    at = nl + 1;
    ++lines;
    if (f[0] == "B" && f.size() >= 7) {
      s.stay = std::atol(f[1].c_str());
      s.op = size_t(std::atol(f[2].c_str()));
      s.attempt = std::atoi(f[3].c_str());
      s.pending = true;
      s.p_infno = f[4];
      s.p_msgid = f[5];
      s.p_omsgid = f[6];
    } else if (f[0] == "F" && f.size() >= 5) {
      if (s.pending && f[1] == s.p_msgid) on_final(s, f);
    } else if (f[0] == "G" && f.size() >= 2) {
      s.stay = std::atol(f[1].c_str());
      s.pending = false;
      next_stay(s);
    }
  }
  // The log may end in a torn line only if the process died inside write();
  // cut it so that the next line starts clean.
  if (at < all.size()) {
    if (::truncate(path.c_str(), off_t(at)) != 0) return false;
  }
  return true;
}

// ---- the driver ---------------------------------------------------------------------

struct Driver {
  const Profile* p = nullptr;
  yz_handle* h = nullptr;
  Log log;
  State s;
  uint64_t rng = 1;
  long calls = 0;
  long kill_after_call = 0;
  bool finish = false;
  long finish_stay = -1;  // --finish: exit once this stay is done

  uint64_t next_rand() {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
  }

  std::string msgid_of(long stay, size_t op, int attempt) const {
    return std::string(p->fixmedins_code) + "S" + std::to_string(stay) + "O" + std::to_string(op) + "A" +
           std::to_string(attempt);
  }

  // The request of the op (or 2601 undo) in flight.
  std::string request() const {
    const StayData d = stay_data(*p, s.stay);
    std::ostringstream data;
    const std::string& infno = s.p_infno;
    if (infno == "2601") {
      data << "<omsgid>" << s.p_omsgid << "</omsgid><oinfno>" << plan(s.stay)[s.op] << "</oinfno>";
    } else if (infno == "2401") {
      data << "<psn_no>" << d.psn_no << "</psn_no><insutype>390</insutype><med_type>21</med_type><begntime>"
           << d.begndate << " 08:00:00</begntime><mdtrt_id>" << p->fixmedins_code << "M" << s.stay
           << "</mdtrt_id><adm_diag_code>" << p->diag << "</adm_diag_code><yz_refl_flag>" << p->refl
           << "</yz_refl_flag><yz_primary_first>" << p->primary << "</yz_primary_first>";
    } else if (infno == "2301") {
      data << "<mdtrt_id>" << s.mdtrt_id << "</mdtrt_id><psn_no>" << d.psn_no << "</psn_no>" << d.lines;
    } else if (infno == "2304") {
      data << "<psn_no>" << d.psn_no << "</psn_no><mdtrt_id>" << s.mdtrt_id
           << "</mdtrt_id><insutype>390</insutype><med_type>21</med_type><begndate>" << d.begndate
           << "</begndate><enddate>" << d.enddate << "</enddate><dscg_maindiag_code>" << p->diag
           << "</dscg_maindiag_code><medfee_sumamt>" << money(d.total) << "</medfee_sumamt><yz_refl_flag>" << p->refl
           << "</yz_refl_flag><yz_primary_first>" << p->primary << "</yz_primary_first>";
    } else if (infno == "2305") {
      data << "<setl_id>" << s.setl_id << "</setl_id>";
    }
    return envelope(*p, infno, s.p_msgid, d.insuplc, data.str());
  }

  int call(const std::string& req, std::string& resp) {
    char* out = nullptr;
    size_t len = 0;
    const int rc = yz_call(h, req.data(), req.size(), &out, &len);
    resp.assign(out ? out : "", out ? len : 0);
    yz_free(out);
    ++calls;
    if (kill_after_call > 0 && calls == kill_after_call) ::kill(::getpid(), SIGKILL);
    return rc;
  }

  // The F line of a final answer.
  std::string final_line(int rc, const std::string& resp) const {
    std::string l = "F\t" + s.p_msgid + "\t" + s.p_infno + "\t" + std::to_string(rc) + "\t" + dash(elem(resp, "err_code"));
    if (rc != 0) return l;
    const std::string& infno = s.p_infno;
    if (infno == "2401") {
      l += "\t" + dash(elem(resp, "mdtrt_id"));
    } else if (infno == "2304") {
      const size_t info = resp.find("<setlinfo>");
      const size_t at = info == std::string::npos ? 0 : info;
      l += "\t" + dash(elem(resp, "setl_id", at)) + "\t" + dash(elem(resp, "medfee_sumamt", at)) + "\t" +
           dash(elem(resp, "fund_pay_sumamt", at)) + "\t" + dash(elem(resp, "psn_cash_pay", at)) + "\t" +
           dash(elem(resp, "medins_setl_id", at)) + "\t" + dash(elem(resp, "mdtrt_id", at));
    } else if (infno == "2305") {
      l += "\t" + dash(elem(resp, "setl_id")) + "\t" + dash(elem(resp, "orig_setl_id"));
    } else if (infno == "2601") {
      l += "\t" + dash(elem(resp, "omsgid"));
    }
    return l;
  }

  bool begin(const std::string& infno, const std::string& msgid, const std::string& omsgid) {
    s.pending = true;
    s.p_infno = infno;
    s.p_msgid = msgid;
    s.p_omsgid = omsgid;
    return log.append("B\t" + std::to_string(s.stay) + "\t" + std::to_string(s.op) + "\t" + std::to_string(s.attempt) +
                      "\t" + infno + "\t" + msgid + "\t" + omsgid);
  }

  // Runs until killed (or, with --finish, until the stay in progress is done).
  int run() {
    int unknowns = 0;  // -1 answers in a row
    for (;;) {
      if (finish && s.stay > finish_stay && !s.pending) return 0;
      if (!s.pending) {
        const std::string infno = plan(s.stay)[s.op];
        if (!begin(infno, msgid_of(s.stay, s.op, s.attempt), "-")) return 4;
      }
      std::string resp;
      const int rc = call(request(), resp);
      if (rc == YZ_ERR_SYSTEM) {
        // Not final: the same msgid again, or (sometimes) undo it with 2601.
        ++unknowns;
        if (finish && unknowns > 400) {
          std::fprintf(stderr, "crash_driver: %s still -1 after %d tries: %s\n", s.p_msgid.c_str(), unknowns,
                       elem(resp, "err_msg").c_str());
          return 5;
        }
        const bool undoable = s.p_infno == "2401" || s.p_infno == "2301" || s.p_infno == "2304";
        if (undoable && s.p_omsgid == "-" && next_rand() % 3 == 0) {
          const std::string orig = s.p_msgid;
          if (!begin("2601", orig + "U", orig)) return 4;
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(std::min(20 * unknowns, 300)));
        }
        continue;
      }
      unknowns = 0;
      const std::string line = final_line(rc, resp);
      if (!log.append(line)) return 4;
      const std::vector<std::string> f = split_tabs(line);
      if (rc != 0 && transient(f[4])) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (rc != 0 && !transient(f[4]))
        std::fprintf(stderr, "crash_driver: %s %s -2 %s: %s\n", s.p_infno.c_str(), s.p_msgid.c_str(), f[4].c_str(),
                     elem(resp, "err_msg").c_str());
      const long before = s.stay;
      on_final(s, f);
      if (s.stay != before && s.op == 0 && f[0] == "F" && rc != 0 && !transient(f[4])) {
        if (!log.append("G\t" + std::to_string(before))) return 4;
      }
    }
  }
};

int usage() {
  std::fputs("usage: crash_driver --config CFG --log ANSWERS --profile zhangye|pengshui [--seed N] [--finish] "
             "[--kill-after-call N] [--reconcile FROM TO]\n",
             stderr);
  return 2;
}

// --reconcile: 3202 over the period through yz_call; 0 when totals and detail are 平.
int reconcile(Driver& d, const std::string& from, const std::string& to) {
  const std::string req = envelope(*d.p, "3202", std::string(d.p->fixmedins_code) + "RECON" + now_text().substr(11, 2) +
                                                    now_text().substr(14, 2) + now_text().substr(17, 2),
                                   "", "<stmt_begndate>" + from + "</stmt_begndate><stmt_enddate>" + to + "</stmt_enddate>");
  std::string resp;
  const int rc = d.call(req, resp);
  const std::string rslt = elem(resp, "stmt_rslt"), diffs = elem(resp, "diff_cnt");
  std::printf("reconcile %s..%s infcode %d stmt_rslt %s local_rows %s platform_rows %s diff_cnt %s %s\n", from.c_str(),
              to.c_str(), rc, rslt.c_str(), elem(resp, "local_rows").c_str(), elem(resp, "platform_rows").c_str(),
              diffs.c_str(), rc == 0 ? "" : elem(resp, "err_msg").c_str());
  for (size_t at = resp.find("<diff>"); at != std::string::npos; at = resp.find("<diff>", at + 1))
    std::printf("  %s %s flag %s field %s local %s platform %s\n", elem(resp, "diff_type", at).c_str(),
                elem(resp, "setl_id", at).c_str(), elem(resp, "refd_setl_flag", at).c_str(),
                elem(resp, "field", at).c_str(), elem(resp, "local_value", at).c_str(),
                elem(resp, "platform_value", at).c_str());
  return rc == 0 && rslt == "0" && diffs == "0" ? 0 : 6;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config, log_path, profile, recon_from, recon_to;
  Driver d;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--config") config = value();
    else if (a == "--log") log_path = value();
    else if (a == "--profile") profile = value();
    else if (a == "--seed") d.rng = std::strtoull(value().c_str(), nullptr, 10) | 1;
    else if (a == "--finish") d.finish = true;
    else if (a == "--kill-after-call") d.kill_after_call = std::atol(value().c_str());
    else if (a == "--reconcile") {
      recon_from = value();
      recon_to = value();
      if (recon_to.empty()) return usage();
    } else return usage();
  }
  for (const Profile& p : kProfiles)
    if (profile == p.name) d.p = &p;
  if (config.empty() || log_path.empty() || d.p == nullptr) return usage();

  long lines = 0;
  if (!replay(log_path, d.s, lines)) {
    std::fprintf(stderr, "crash_driver: cannot repair %s\n", log_path.c_str());
    return 4;
  }
  d.log.fd = ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (d.log.fd < 0) {
    std::fprintf(stderr, "crash_driver: cannot open %s\n", log_path.c_str());
    return 4;
  }
  const auto t0 = std::chrono::steady_clock::now();
  yz_handle* h = nullptr;
  if (yz_open(config.c_str(), &h) != YZ_OK) {
    std::fprintf(stderr, "crash_driver: yz_open: %s\n", yz_errmsg(h));
    yz_close(h);
    return 3;
  }
  d.h = h;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  std::printf("open %lld stay %ld op %zu%s\n", static_cast<long long>(ms), d.s.stay, d.s.op,
              d.s.pending ? " pending" : "");
  std::fflush(stdout);
  d.finish_stay = d.s.stay;
  const int rc = recon_from.empty() ? d.run() : reconcile(d, recon_from, recon_to);
  yz_close(h);
  ::close(d.log.fd);
  if (d.finish) std::printf("finished stay %ld calls %ld\n", d.s.stay, d.calls);
  return rc;
}
