// The crash harness (issue 5, tests/crash/README.md): a settlement workload
// through libyizhan.so against the platform simulator, the client SIGKILLed at
// random points hundreds of times, the simulator faulted and restarted; then
// the ledger, the platform and what the HIS was told are compared.
//
//   yizhan_crash_harness --sim SIM --driver DRIVER --persons FILE --policy-dir DIR
//                        [--kills N] [--seed S] [--keep]
//
// Environment: YZ_CRASH_SEED and YZ_CRASH_KILLS override --seed and --kills
// (to reproduce a run, give the seed it printed). Exit status 0 only when
// every check holds; the work directory is kept when one does not.
//
// One cycle: pick a hospital (zhangye over https-xml, pengshui over https-json;
// each its own plug-in config, SQLite ledger and answers log), maybe inject
// simulator faults (drop-before, drop-after, delay, 5xx, truncated answer) or
// restart the simulator (POST /restart, or kill -9 and start it again on the
// same ports), start the driver and kill it:
//   timer     SIGKILL from here after a random delay: while it starts and
//             yz_open runs recovery, or after it opened, in the middle of the
//             transactions (a delay fault on 2304/2305/2301 keeps requests
//             "applied at the platform, answer not yet back" for a while)
//   failpoint YZ_FAILPOINT=point[:infno]@n (src/service/journaled_gateway.cpp):
//             the plug-in SIGKILLs itself before the journal write
//             (before_sent), after it (after_sent), after the platform answered
//             but before the answer is recorded (after_send), after it is
//             recorded but before the HIS is told (after_answer)
//   his       the driver SIGKILLs itself right after yz_call returned, before
//             its answers log has the answer (--kill-after-call N)
//   sim       the simulator is killed -9 while the driver runs (then the
//             driver is killed too, and the simulator restarted)
// After the last kill: faults cleared, one clean run of each driver (--finish:
// yz_open resolves what is open, the stay in progress is completed), then the
// checks (see check_*).
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "service/ledger.h"
#include "service/sqlite_ledger.h"
#include "workload.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct Options {
  std::string sim, driver, persons, policy_dir;
  int kills = 200;
  uint64_t seed = 0;
  bool keep = false;
  int max_seconds = 600;
};

// ---- small helpers --------------------------------------------------------------------

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < text.size()) {
    const size_t nl = text.find('\n', at);
    if (nl == std::string::npos) break;  // a torn last line is not a line
    if (nl > at) out.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  return out;
}

// "123.45" / "-0.50" -> fen; nullopt if not an amount.
std::optional<int64_t> fen_of(const std::string& s) {
  if (s.empty()) return std::nullopt;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    i = 1;
  }
  int64_t v = 0;
  int dec = -1;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.' && dec < 0) {
      dec = 0;
    } else if (c >= '0' && c <= '9') {
      if (dec >= 2) return std::nullopt;
      v = v * 10 + (c - '0');
      if (dec >= 0) ++dec;
    } else {
      return std::nullopt;
    }
  }
  if (dec < 0) dec = 0;
  while (dec++ < 2) v *= 10;
  return neg ? -v : v;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// ---- the simulator's admin endpoint (plain HTTP on loopback) ---------------------------

struct HttpAnswer {
  int status = 0;
  std::string body;
};

bool admin(uint16_t port, const std::string& method, const std::string& target, const std::string& body,
           HttpAnswer& out) {
  out = HttpAnswer{};
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return false;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body;
  size_t off = 0;
  while (off < req.size()) {
    const ssize_t n = ::send(fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      return false;
    }
    off += size_t(n);
  }
  std::string resp;
  char buf[65536];
  size_t want = std::string::npos;
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    resp.append(buf, size_t(n));
    const size_t head = resp.find("\r\n\r\n");
    if (head != std::string::npos && want == std::string::npos) {
      std::string h = resp.substr(0, head);
      std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return char(std::tolower(c)); });
      const size_t cl = h.find("content-length:");
      if (cl != std::string::npos) want = head + 4 + size_t(std::atoll(h.c_str() + cl + 15));
    }
    if (want != std::string::npos && resp.size() >= want) break;
  }
  ::close(fd);
  const size_t head = resp.find("\r\n\r\n");
  if (resp.rfind("HTTP/1.", 0) != 0 || head == std::string::npos) return false;
  out.status = std::atoi(resp.c_str() + 9);
  out.body = resp.substr(head + 4);
  return true;
}

// ---- processes ---------------------------------------------------------------------------

// fork + exec; stdout to a pipe (*out_fd) or to `log`; stderr to `log`.
// Today by the local clock (the plug-in's clock dates its settlements so).
std::string local_date() {
  const time_t t = ::time(nullptr);
  struct tm tmv;
  ::localtime_r(&t, &tmv);
  char b[16];
  std::strftime(b, sizeof b, "%Y-%m-%d", &tmv);
  return b;
}

pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env_add, const std::string& log,
            int* out_fd) {
  int p[2] = {-1, -1};
  if (out_fd && ::pipe2(p, O_CLOEXEC) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    const int lf = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (lf >= 0) {
      ::dup2(lf, 2);
      if (!out_fd) ::dup2(lf, 1);
    }
    if (out_fd) ::dup2(p[1], 1);
    const int nul = ::open("/dev/null", O_RDONLY);
    if (nul >= 0) ::dup2(nul, 0);
    for (const std::string& e : env_add) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  if (out_fd) {
    ::close(p[1]);
    *out_fd = p[0];
  }
  return pid;
}

// ---- the simulator -------------------------------------------------------------------------

struct Sim {
  Options* opt = nullptr;
  std::string dir, state_dir, log;
  pid_t pid = -1;
  uint16_t port = 0, admin_port = 0;
  int starts = 0;

  bool start() {
    const std::string ready = dir + "/sim.ready." + std::to_string(++starts);
    std::vector<std::string> argv = {opt->sim,        "--state-dir", state_dir, "--persons", opt->persons,
                                     "--ready-file", ready,         "--port",  std::to_string(port),
                                     "--admin-port", std::to_string(admin_port)};
    pid = spawn(argv, {}, log, nullptr);
    if (pid < 0) return false;
    const auto t0 = Clock::now();
    while (seconds_since(t0) < 20) {
      std::ifstream in(ready);
      unsigned p = 0, a = 0;
      if (in >> p >> a) {
        port = uint16_t(p);
        admin_port = uint16_t(a);
        return true;
      }
      int st = 0;
      if (::waitpid(pid, &st, WNOHANG) == pid) {
        pid = -1;
        return false;
      }
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  void kill9() {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    int st = 0;
    ::waitpid(pid, &st, 0);
    pid = -1;
  }

  void stop() {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    int st = 0;
    for (int i = 0; i < 500; ++i) {
      if (::waitpid(pid, &st, WNOHANG) == pid) {
        pid = -1;
        return;
      }
      std::this_thread::sleep_for(10ms);
    }
    kill9();
  }

  bool post(const std::string& target, const std::string& body) {
    HttpAnswer a;
    return admin(admin_port, "POST", target, body, a) && a.status == 200;
  }
  bool get(const std::string& target, std::string& body) {
    HttpAnswer a;
    if (!admin(admin_port, "GET", target, "", a) || a.status != 200) return false;
    body = std::move(a.body);
    return true;
  }
};

// ---- a hospital (one plug-in config, ledger, answers log) -------------------------------------

struct Hospital {
  const yzcrash::Profile* p = nullptr;
  std::string dir, config, ledger, answers, err_log;
  int runs = 0;
};

bool write_config(const Options& opt, const Sim& sim, const Hospital& h) {
  const bool json = std::string(h.p->name) == "pengshui";
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<yizhan version=\"1\">\n"
    << "  <hospital fixmedins_code=\"" << h.p->fixmedins_code << "\" fixmedins_name=\"" << h.p->fixmedins_name
    << "\" admdvs=\"" << h.p->admdvs << "\" hosp_lv=\"2\"" << (json ? "" : " yz_fee_class=\"county2\"") << "/>\n"
    << "  <policy dir=\"" << opt.policy_dir << "\"/>\n"
    << "  <platform adapter=\"" << (json ? "https-json" : "https-xml") << "\" base_url=\"https://127.0.0.1:" << sim.port
    << "\" ca_file=\"" << sim.state_dir << "/ca.crt\" access_key=\"YZDEMO\" secret_file=\"" << sim.state_dir
    << "/client.secret\" timeout_ms=\"1500\" connect_timeout_ms=\"400\" retries=\"2\"/>\n"
    << "  <ledger kind=\"sqlite\" path=\"" << h.ledger << "\" recover_every_s=\"1\"/>\n"
    << "  <log level=\"off\"/>\n</yizhan>\n";
  std::ofstream out(h.config, std::ios::trunc);
  out << o.str();
  return bool(out);
}

// ---- the run ----------------------------------------------------------------------------------

struct Figures {
  int cycles = 0, kills = 0;
  std::map<std::string, int> kill_kinds;   // timer-open, timer-work, failpoint:<point>, his-after-call, sim-down
  std::map<std::string, int> faults;       // kind -> injected
  int sim_soft_restarts = 0, sim_hard_restarts = 0, sim_kills_mid_run = 0;
  int backstop_kills = 0;                  // failpoint/his runs that the timer ended
  int sim_port_changes = 0;                // the simulator could not get its ports back
  std::vector<int> open_ms;
};

struct Driven {
  bool ok = true;
  std::string why;
};

struct Harness {
  Options opt;
  std::mt19937_64 rng;
  std::string work;
  Sim sim;
  std::vector<Hospital> hospitals;
  Figures fig;
  int mismatches = 0, lost = 0, duplicated = 0;

  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
  bool chance(int percent) { return pick(1, 100) <= percent; }

  void mismatch(const std::string& what) {
    ++mismatches;
    if (mismatches <= 40) std::printf("MISMATCH: %s\n", what.c_str());
  }

  std::string tail_of(const std::string& path, size_t n = 1500) {
    const std::string t = read_all(path);
    return t.size() > n ? t.substr(t.size() - n) : t;
  }

  void inject_faults() {
    static const char* kinds[] = {"drop-after", "drop-before", "delay", "http-5xx", "truncated", "drop-after", "delay"};
    static const char* infnos[] = {"2304", "2304", "2301", "2401", "2305", "2601", "5203", "1101", "*"};
    const int n = pick(1, 2);
    for (int i = 0; i < n; ++i) {
      const std::string kind = kinds[pick(0, 6)];
      const std::string infno = infnos[pick(0, 8)];
      int times = pick(1, 3);
      std::string body = "infno=" + infno + " kind=" + kind + " times=" + std::to_string(times);
      if (kind == "delay") body += " delay_ms=" + std::to_string(chance(20) ? pick(1600, 2000) : pick(80, 400));
      if (sim.post("/fault", body)) ++fig.faults[kind];
    }
  }

  bool restart_sim_hard() {
    sim.kill9();
    // On the same ports (the plug-in configs name them); should another
    // process have taken one meanwhile, on new ones, with the configs rewritten.
    bool up = false;
    for (int i = 0; i < 3 && !up; ++i) {
      if (i > 0) std::this_thread::sleep_for(200ms);
      up = sim.start();
    }
    if (!up) {
      sim.port = sim.admin_port = 0;
      up = sim.start();
      for (const Hospital& h : hospitals) up = up && write_config(opt, sim, h);
      if (up) ++fig.sim_port_changes;
    }
    if (!up) {
      std::printf("harness: the simulator did not come back: %s\n", tail_of(sim.log).c_str());
      return false;
    }
    ++fig.sim_hard_restarts;
    return true;
  }

  // One driver run. kill_mode: "timer-open" (delay from the start), "timer-work"
  // (delay after it opened), "failpoint", "his", "sim-down", "finish".
  Driven drive(Hospital& h, const std::string& mode) {
    Driven res;
    std::vector<std::string> argv = {opt.driver, "--config", h.config, "--log", h.answers, "--profile", h.p->name,
                                     "--seed", std::to_string(rng() % 1000000007ull)};
    std::vector<std::string> env;
    if (mode == "finish") argv.push_back("--finish");
    std::string fp;
    if (mode == "failpoint") {
      static const char* points[] = {"before_sent", "after_sent", "after_send", "after_answer"};
      static const char* infnos[] = {"", ":2304", ":2304", ":2401", ":2301", ":2305", ":2601"};
      fp = std::string(points[pick(0, 3)]) + infnos[pick(0, 6)];
      env.push_back("YZ_FAILPOINT=" + fp + "@" + std::to_string(pick(1, 2)));
    } else {
      env.push_back("YZ_FAILPOINT=");
    }
    if (mode == "his") {
      argv.push_back("--kill-after-call");
      argv.push_back(std::to_string(pick(1, 8)));
    }
    int out = -1;
    const auto t0 = Clock::now();
    const pid_t pid = spawn(argv, env, h.err_log, &out);
    if (pid < 0) return {false, "cannot start the driver"};
    ++h.runs;
    // When to kill (relative to t0 or to the open line).
    std::optional<Clock::time_point> kill_at, sim_kill_at;
    const int typical_open = fig.open_ms.empty() ? 150 : fig.open_ms[fig.open_ms.size() / 2];
    if (mode == "timer-open") kill_at = t0 + std::chrono::milliseconds(pick(0, typical_open + 30));
    if (mode == "finish") kill_at = t0 + std::chrono::seconds(120);  // stuck: fail
    bool killed_by_us = false, opened = false, sim_killed = false;
    std::string pending;
    int status = 0;
    for (;;) {
      const auto now = Clock::now();
      if (kill_at && now >= *kill_at && !killed_by_us) {
        ::kill(pid, SIGKILL);
        killed_by_us = true;
      }
      if (sim_kill_at && now >= *sim_kill_at && !sim_killed) {
        sim.kill9();
        sim_killed = true;
        // The driver goes on against a dead platform for a moment, then dies too.
        kill_at = now + std::chrono::milliseconds(pick(0, 150));
      }
      int timeout = 50;
      for (auto t : {kill_at, sim_kill_at})
        if (t) timeout = std::max(0, std::min<int>(timeout, int(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                     *t - now).count()) + 1));
      pollfd pf{out, POLLIN, 0};
      if (out >= 0 && ::poll(&pf, 1, timeout) > 0) {
        char buf[512];
        const ssize_t n = ::read(out, buf, sizeof buf);
        if (n <= 0) {
          ::close(out);
          out = -1;
        } else {
          pending.append(buf, size_t(n));
          size_t nl;
          while ((nl = pending.find('\n')) != std::string::npos) {
            const std::string line = pending.substr(0, nl);
            pending.erase(0, nl + 1);
            if (line.rfind("open ", 0) == 0 && !opened) {
              opened = true;
              fig.open_ms.push_back(std::atoi(line.c_str() + 5));
              std::sort(fig.open_ms.begin(), fig.open_ms.end());
              const auto at = Clock::now();
              if (mode == "timer-work") kill_at = at + std::chrono::milliseconds(pick(0, 260));
              if (mode == "failpoint" || mode == "his") kill_at = at + 700ms;  // backstop
              if (mode == "sim-down") sim_kill_at = at + std::chrono::milliseconds(pick(0, 200));
            }
          }
        }
      } else if (out < 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(timeout));
      }
      const pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) break;
    }
    if (out >= 0) ::close(out);
    if (sim_killed) {
      ++fig.sim_kills_mid_run;
      if (!restart_sim_hard()) return {false, "simulator restart failed"};
    }
    const bool sigkill = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    if (mode == "finish") {
      if (killed_by_us) return {false, std::string(h.p->name) + ": the clean run did not finish in 120 s"};
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return {false, std::string(h.p->name) + ": the clean run failed (status " + std::to_string(status) + ")"};
      return res;
    }
    if (!sigkill) {
      return {false, std::string(h.p->name) + ": the driver ended by itself (status " + std::to_string(status) +
                         ", mode " + mode + "): " + tail_of(h.err_log)};
    }
    ++fig.kills;
    std::string kind;
    if (sim_killed) kind = "sim-down";
    else if (!killed_by_us && mode == "failpoint") kind = "failpoint:" + fp.substr(0, fp.find(':'));
    else if (!killed_by_us && mode == "his") kind = "his-after-call";
    else if (mode == "failpoint" || mode == "his") {
      ++fig.backstop_kills;
      kind = "timer-work";
    } else if (!opened) kind = "timer-open";
    else kind = "timer-work";
    ++fig.kill_kinds[kind];
    return res;
  }

  bool cycle() {
    ++fig.cycles;
    Hospital& h = hospitals[size_t(pick(0, int(hospitals.size()) - 1))];
    if (chance(30)) inject_faults();
    if (chance(8)) sim.post("/clear", "");
    if (fig.cycles % 23 == 0) {
      if (!sim.post("/restart", "")) {
        std::printf("harness: POST /restart failed\n");
        return false;
      }
      ++fig.sim_soft_restarts;
    } else if (fig.cycles % 37 == 0) {
      if (!restart_sim_hard()) return false;
    }
    std::string mode;
    const int r = pick(1, 100);
    if (r <= 12) mode = "timer-open";
    else if (r <= 50) mode = "timer-work";
    else if (r <= 82) mode = "failpoint";
    else if (r <= 94) mode = "his";
    else mode = "sim-down";
    if (mode == "timer-work" && chance(40)) {
      // Keep answers in the air: applied at the platform, not yet back.
      static const char* infnos[] = {"2304", "2304", "2305", "2301", "2401"};
      const std::string body = std::string("infno=") + infnos[pick(0, 4)] + " kind=delay times=" +
                               std::to_string(pick(1, 3)) + " delay_ms=" + std::to_string(pick(100, 400));
      if (sim.post("/fault", body)) ++fig.faults["delay"];
    }
    Driven d = drive(h, mode);
    if (!d.ok) {
      std::printf("harness: %s\n", d.why.c_str());
      return false;
    }
    return true;
  }

  // ---- the checks -----------------------------------------------------------------------------

  struct PlatformSetl {
    std::string setl_id, msgid, mdtrt_id, psn_no;
    int64_t medfee = 0, fund = 0, cash = 0;
    bool reversed = false;
  };

  std::map<std::string, std::map<std::string, int64_t>> baseline;  // psn_no -> accum figures at the start

  std::map<std::string, int64_t> accum_figures(const std::string& psn_no, bool& ok) {
    std::map<std::string, int64_t> f;
    std::string body;
    ok = sim.get("/accum?psn_no=" + psn_no + "&year=2023", body);
    if (!ok) return f;
    for (const std::string& line : lines_of(body)) {
      const size_t eq = line.find('=');
      if (eq == std::string::npos) continue;
      const std::string k = line.substr(0, eq), v = line.substr(eq + 1);
      if (k == "year") continue;
      if (k == "inpatient_stays") {
        f[k] = std::atoll(v.c_str());
        continue;
      }
      const auto fen = fen_of(v);
      if (!fen) continue;
      std::string key = k;
      if (k.rfind("basic_paid.", 0) == 0) key = "basic_paid";
      if (k.rfind("ma_paid.", 0) == 0) key = "ma_paid";
      f[key] += *fen;
      f["raw:" + k] = *fen;
    }
    return f;
  }

  bool take_baseline() {
    for (const Hospital& h : hospitals)
      for (const yzcrash::Person& p : h.p->persons) {
        bool ok = false;
        baseline[p.psn_no] = accum_figures(p.psn_no, ok);
        if (!ok) return false;
      }
    return true;
  }

  bool check() {
    using namespace yz::service;
    using yz::NamedAmount;
    using yz::Settlement;
    using yz::YearAccum;
    std::string tsv;
    if (!sim.get("/settlements", tsv)) {
      std::printf("harness: GET /settlements failed\n");
      return false;
    }
    std::map<std::string, PlatformSetl> plat;  // by setl_id
    for (const std::string& line : lines_of(tsv)) {
      const std::vector<std::string> f = split(line, '\t');
      if (f.size() < 8) {
        mismatch("platform: unreadable settlement row: " + line);
        continue;
      }
      PlatformSetl s;
      s.setl_id = f[0];
      s.msgid = f[1];
      s.mdtrt_id = f[2];
      s.psn_no = f[3];
      s.medfee = fen_of(f[4]).value_or(-1);
      s.fund = fen_of(f[5]).value_or(-1);
      s.cash = fen_of(f[6]).value_or(-1);
      s.reversed = f[7] == "1";
      plat[s.setl_id] = s;
    }
    // No msgid twice, no stay with two active settlements (the platform).
    {
      std::map<std::string, int> by_msgid, active_by_stay;
      for (const auto& [id, s] : plat) {
        if (++by_msgid[s.msgid] == 2) {
          ++duplicated;
          mismatch("platform: msgid " + s.msgid + " settled twice");
        }
        if (!s.reversed && ++active_by_stay[s.mdtrt_id] == 2) {
          ++duplicated;
          mismatch("platform: stay " + s.mdtrt_id + " has two active settlements");
        }
      }
    }
    int settlements_total = 0, settlements_active = 0, settlements_reversed = 0;
    for (const auto& [id, s] : plat) {
      ++settlements_total;
      s.reversed ? ++settlements_reversed : ++settlements_active;
    }

    std::map<std::string, Settlement> figures_by_setl;  // from the ledgers
    std::map<std::string, int> recovery_actions;
    int open_calls = 0, ledger_settlements = 0, answers_ok = 0, answers_refused = 0, answers_checked = 0;
    std::map<std::string, int> refusal_codes;
    for (const Hospital& h : hospitals) {
      const std::string code = h.p->fixmedins_code;
      SqliteLedgerOptions lo;
      lo.read_only = true;
      std::unique_ptr<Ledger> led;
      if (yz::Status st = make_sqlite_ledger(h.ledger, lo, led); !st) {
        mismatch(std::string(h.p->name) + ": ledger cannot be opened: " + st.code() + " " + st.message());
        continue;
      }
      std::vector<PlatformCall> calls;
      if (yz::Status st = led->list_calls({}, calls); !st) {
        mismatch(std::string(h.p->name) + ": ledger list_calls: " + st.message());
        continue;
      }
      std::map<std::string, const PlatformCall*> call_by_msgid;
      for (const PlatformCall& c : calls) {
        call_by_msgid[c.msgid] = &c;
        if (c.open()) {
          ++open_calls;
          mismatch(std::string(h.p->name) + ": ledger call " + c.msgid + " (" + c.infno + ") still open after the clean run");
        }
      }
      std::vector<RecoveryEntry> log;
      if (led->list_recovery(log))
        for (const RecoveryEntry& e : log)
          ++recovery_actions[e.infno + " by " + e.action.substr(0, e.action.find(' ')) + ": " + e.result];

      // Ledger settlements, by setl_id (each 2304 call's).
      std::map<std::string, SettlementEntry> ledger_setl;
      for (const PlatformCall& c : calls) {
        if (c.infno != "2304") continue;
        std::optional<SettlementEntry> e;
        if (yz::Status st = led->find_settlement_by_msgid(c.msgid, e); !st) {
          mismatch(std::string(h.p->name) + ": ledger find_settlement_by_msgid " + c.msgid + ": " + st.message());
          continue;
        }
        if (!e) {
          if (c.applied()) {
            ++lost;
            mismatch(std::string(h.p->name) + ": ledger call " + c.msgid + " applied but no settlement row");
          }
          continue;
        }
        if (ledger_setl.count(e->setl_id)) {
          ++duplicated;
          mismatch(std::string(h.p->name) + ": ledger holds settlement " + e->setl_id + " twice");
        }
        ledger_setl[e->setl_id] = *e;
        ++ledger_settlements;
      }
      // Ledger: at most one active settlement per stay.
      {
        std::map<std::string, int> active;
        for (const auto& [id, e] : ledger_setl)
          if (!e.reversed && ++active[e.mdtrt_id] == 2) {
            ++duplicated;
            mismatch(std::string(h.p->name) + ": ledger has two active settlements of stay " + e.mdtrt_id);
          }
      }
      // Platform -> ledger.
      for (const auto& [id, s] : plat) {
        if (s.msgid.rfind(code, 0) != 0) continue;  // another hospital's
        auto it = ledger_setl.find(id);
        if (it == ledger_setl.end()) {
          ++lost;
          mismatch(std::string(h.p->name) + ": platform settlement " + id + " (msgid " + s.msgid + ", stay " +
                   s.mdtrt_id + (s.reversed ? ", reversed" : ", active") + ") is not in the ledger");
          continue;
        }
        const SettlementEntry& e = it->second;
        const Settlement& x = e.settlement;
        if (e.msgid != s.msgid || e.mdtrt_id != s.mdtrt_id || e.psn_no != s.psn_no)
          mismatch(std::string(h.p->name) + ": settlement " + id + " differs (msgid/stay/person): ledger " + e.msgid +
                   " " + e.mdtrt_id + " " + e.psn_no + ", platform " + s.msgid + " " + s.mdtrt_id + " " + s.psn_no);
        if (x.split.medfee_sumamt.fen() != s.medfee || x.fund_pay_sumamt.fen() != s.fund || x.psn_cash_pay.fen() != s.cash)
          mismatch(std::string(h.p->name) + ": settlement " + id + " figures differ between ledger and platform");
        if (e.reversed != s.reversed)
          mismatch(std::string(h.p->name) + ": settlement " + id + " is " + (s.reversed ? "reversed" : "active") +
                   " at the platform but " + (e.reversed ? "reversed" : "active") + " in the ledger");
        figures_by_setl[id] = x;
      }
      // Ledger -> platform.
      for (const auto& [id, e] : ledger_setl)
        if (!plat.count(id)) mismatch(std::string(h.p->name) + ": ledger settlement " + id + " (msgid " + e.msgid +
                                      ") is not at the platform");

      // The HIS's answers log against the platform.
      auto his_of = [&](const std::string& pmsgid) {
        auto c = call_by_msgid.find(pmsgid);
        return c == call_by_msgid.end() || c->second->his_msgid.empty() ? pmsgid : c->second->his_msgid;
      };
      std::map<std::string, std::string> expected_active;  // mdtrt_id -> setl_id the HIS believes active ("" none)
      std::map<std::string, std::string> stay_of_setl;
      std::set<std::string> known_stays;
      std::set<std::string> begun, answered;  // msgids with a B line, with an F line (or undone by a 2601 answered 0)
      for (const std::string& line : lines_of(read_all(h.answers))) {
        const std::vector<std::string> f = split(line, '\t');
        if (f[0] == "B") {
          if (f.size() > 5) begun.insert(f[5]);
          continue;
        }
        if (f[0] == "G") {
          mismatch(std::string(h.p->name) + ": the HIS gave up stay " + (f.size() > 1 ? f[1] : "?") +
                   " after refusals (see the answers log)");
          continue;
        }
        if (f[0] != "F" || f.size() < 5) continue;
        answered.insert(f[1]);
        if (f[2] == "2601" && f[3] == "0" && f.size() > 5) answered.insert(f[5]);
        const std::string& msgid = f[1];
        const std::string& infno = f[2];
        const int rc = std::atoi(f[3].c_str());
        ++answers_checked;
        if (rc == 0) ++answers_ok;
        else {
          ++answers_refused;
          ++refusal_codes[infno + " " + f[4]];
        }
        if (rc != 0 && rc != -2) mismatch(std::string(h.p->name) + ": answers log has a non-final infcode: " + line);
        if (infno == "2401" && rc == 0 && f.size() > 5) {
          known_stays.insert(f[5]);
          expected_active.emplace(f[5], "");
        } else if (infno == "2304" && rc == 0) {
          if (f.size() < 11) {
            mismatch(std::string(h.p->name) + ": short 2304 answer: " + line);
            continue;
          }
          const std::string& setl = f[5];
          auto p = plat.find(setl);
          if (p == plat.end()) {
            ++lost;
            mismatch(std::string(h.p->name) + ": the HIS was told " + setl + " (msgid " + msgid +
                     ") but the platform has no such settlement");
            continue;
          }
          const PlatformSetl& s = p->second;
          if (his_of(s.msgid) != msgid)
            mismatch(std::string(h.p->name) + ": " + setl + " was answered to msgid " + msgid +
                     " but the platform holds it from " + s.msgid + " (HIS msgid " + his_of(s.msgid) + ")");
          if (fen_of(f[6]).value_or(-1) != s.medfee || fen_of(f[7]).value_or(-1) != s.fund ||
              fen_of(f[8]).value_or(-1) != s.cash)
            mismatch(std::string(h.p->name) + ": the HIS's figures of " + setl + " differ from the platform's: " + line);
          if (f[9] != msgid) mismatch(std::string(h.p->name) + ": medins_setl_id " + f[9] + " is not the msgid " + msgid);
          if (f[10] != s.mdtrt_id)
            mismatch(std::string(h.p->name) + ": the HIS's stay of " + setl + " is " + f[10] + ", the platform's " + s.mdtrt_id);
          expected_active[s.mdtrt_id] = setl;
          stay_of_setl[setl] = s.mdtrt_id;
        } else if (infno == "2304" && rc == -2) {
          for (const auto& [id, s] : plat)
            if (!s.reversed && his_of(s.msgid) == msgid)
              mismatch(std::string(h.p->name) + ": the HIS was refused (" + f[4] + ") for msgid " + msgid +
                       " but the platform holds active settlement " + id + " from it");
        } else if (infno == "2305" && rc == 0) {
          const std::string orig = f.size() > 6 ? f[6] : "";
          auto p = plat.find(orig);
          if (p == plat.end() || !p->second.reversed)
            mismatch(std::string(h.p->name) + ": the HIS was told " + orig + " is reversed but the platform has it " +
                     (p == plat.end() ? "missing" : "active"));
          auto st = stay_of_setl.find(orig);
          if (st != stay_of_setl.end() && expected_active[st->second] == orig) expected_active[st->second] = "";
        } else if (infno == "2601" && rc == 0) {
          const std::string omsgid = f.size() > 5 ? f[5] : "";
          for (const auto& [id, s] : plat)
            if (!s.reversed && his_of(s.msgid) == omsgid)
              mismatch(std::string(h.p->name) + ": 2601 of " + omsgid + " was answered 0 but settlement " + id +
                       " from it is active");
        }
      }
      for (const std::string& m : begun)
        if (!answered.count(m))
          mismatch(std::string(h.p->name) + ": request " + m + " never got a final answer (nor was it undone)");
      // Per stay: what the HIS believes is what the platform holds.
      std::map<std::string, std::string> platform_active;
      for (const auto& [id, s] : plat)
        if (!s.reversed && s.msgid.rfind(code, 0) == 0) platform_active[s.mdtrt_id] = id;
      for (const auto& [stay, setl] : expected_active) {
        auto p = platform_active.find(stay);
        const std::string held = p == platform_active.end() ? "" : p->second;
        if (held != setl)
          mismatch(std::string(h.p->name) + ": stay " + stay + ": the HIS believes " + (setl.empty() ? "unsettled" : setl) +
                   ", the platform holds " + (held.empty() ? "none" : held));
      }
      for (const auto& [stay, setl] : platform_active)
        if (!known_stays.count(stay))
          mismatch(std::string(h.p->name) + ": the platform holds settlement " + setl + " of stay " + stay +
                   " that the HIS never saw admitted");

      // The ledger's accumulators against the platform's.
      for (const yzcrash::Person& p : h.p->persons) {
        std::optional<AccumRecord> a;
        if (!led->get_accum(p.psn_no, 2023, a) || !a) continue;
        bool ok = false;
        const auto plat_acc = accum_figures(p.psn_no, ok);
        if (!ok) continue;
        const YearAccum& y = a->accum;
        int64_t basic = 0, ma = 0;
        for (const NamedAmount& n : y.basic_paid) basic += n.amount.fen();
        for (const NamedAmount& n : y.ma_paid) ma += n.amount.fen();
        auto get = [&](const char* k) {
          auto it = plat_acc.find(k);
          return it == plat_acc.end() ? int64_t(0) : it->second;
        };
        if (y.inpatient_stays != get("inpatient_stays") || basic != get("basic_paid") || ma != get("ma_paid") ||
            y.ci_paid.fen() != get("ci_paid") || y.tilt_paid.fen() != get("tilt_paid") ||
            y.psn_burden.fen() != get("psn_burden"))
          mismatch(std::string(h.p->name) + ": the ledger's accumulators of " + p.psn_no + " (" + encode_accum(y) +
                   ", from " + a->source + " " + a->msgid + ") differ from the platform's");
      }
    }

    // The platform's accumulators = the start + the active settlements' contributions.
    std::map<std::string, std::map<std::string, int64_t>> sums;
    for (const auto& [id, s] : plat) {
      if (s.reversed) continue;
      auto x = figures_by_setl.find(id);
      if (x == figures_by_setl.end()) continue;  // reported above
      auto& m = sums[s.psn_no];
      const Settlement& z = x->second;
      if (z.med_type == 21) m["inpatient_stays"] += 1;
      m["basic_paid"] += z.hifp_pay.fen();
      m["ci_paid"] += z.hifmi_pay.fen();
      m["tilt_paid"] += z.tilt_pay.fen();
      m["psn_burden"] += z.psn_part_amt.fen();
    }
    int persons_checked = 0;
    for (const Hospital& h : hospitals)
      for (const yzcrash::Person& p : h.p->persons) {
        bool ok = false;
        auto now = accum_figures(p.psn_no, ok);
        if (!ok) {
          mismatch(std::string("platform: /accum of ") + p.psn_no + " failed");
          continue;
        }
        ++persons_checked;
        for (const char* k : {"inpatient_stays", "basic_paid", "ci_paid", "tilt_paid", "psn_burden"}) {
          const int64_t delta = now[k] - baseline[p.psn_no][k];
          if (delta != sums[p.psn_no][k])
            mismatch(std::string("platform: ") + p.psn_no + " " + k + " grew by " + std::to_string(delta) +
                     " but its active settlements sum to " + std::to_string(sums[p.psn_no][k]));
        }
      }

    std::printf("settlements at the platform: %d (%d active, %d reversed); in the ledgers: %d\n", settlements_total,
                settlements_active, settlements_reversed, ledger_settlements);
    std::printf("answers the HIS logged: %d (%d ok, %d refused -2), all compared with the platform; open ledger calls: %d\n",
                answers_checked, answers_ok, answers_refused, open_calls);
    if (!refusal_codes.empty()) {
      std::printf("refusals:");
      for (const auto& [k, n] : refusal_codes) std::printf(" %s x%d;", k.c_str(), n);
      std::printf("\n");
    }
    std::printf("recovery log:");
    for (const auto& [k, n] : recovery_actions) std::printf(" %s x%d;", k.c_str(), n);
    std::printf("\naccumulators checked for %d persons (platform = start + active settlements; ledger = platform)\n",
                persons_checked);
    settlements_ = settlements_total;
    reversed_ = settlements_reversed;
    return true;
  }
  int settlements_ = 0, reversed_ = 0;
};

int usage() {
  std::fputs("usage: yizhan_crash_harness --sim SIM --driver DRIVER --persons FILE --policy-dir DIR [--kills N] "
             "[--seed S] [--keep]\n  env: YZ_CRASH_SEED, YZ_CRASH_KILLS override --seed and --kills\n",
             stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Harness H;
  Options& o = H.opt;
  bool seeded = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--sim") o.sim = value();
    else if (a == "--driver") o.driver = value();
    else if (a == "--persons") o.persons = value();
    else if (a == "--policy-dir") o.policy_dir = value();
    else if (a == "--kills") o.kills = std::atoi(value().c_str());
    else if (a == "--seed") {
      o.seed = std::strtoull(value().c_str(), nullptr, 10);
      seeded = true;
    } else if (a == "--keep") o.keep = true;
    else return usage();
  }
  if (const char* s = std::getenv("YZ_CRASH_SEED"); s && *s) {
    o.seed = std::strtoull(s, nullptr, 10);
    seeded = true;
  }
  if (const char* k = std::getenv("YZ_CRASH_KILLS"); k && *k) o.kills = std::atoi(k);
  if (o.sim.empty() || o.driver.empty() || o.persons.empty() || o.policy_dir.empty() || o.kills < 0) return usage();
  for (std::string* path : {&o.sim, &o.driver, &o.persons, &o.policy_dir}) *path = fs::absolute(*path).string();
  if (!seeded) o.seed = std::random_device{}() % 1000000000u;
  H.rng.seed(o.seed);
  ::signal(SIGPIPE, SIG_IGN);

  char tmpl[] = "/tmp/yz-crash.XXXXXX";
  if (!::mkdtemp(tmpl)) {
    std::perror("mkdtemp");
    return 1;
  }
  H.work = tmpl;
  std::printf("crash harness: seed %llu (YZ_CRASH_SEED=%llu to repeat), %d kills, work dir %s\n",
              static_cast<unsigned long long>(o.seed), static_cast<unsigned long long>(o.seed), o.kills, H.work.c_str());
  std::fflush(stdout);
  const auto t0 = Clock::now();
  const std::string start_date = local_date();

  H.sim.opt = &o;
  H.sim.dir = H.work;
  H.sim.state_dir = H.work + "/sim";
  H.sim.log = H.work + "/sim.log";
  fs::create_directories(H.sim.state_dir);
  bool ok = H.sim.start();
  if (!ok) std::printf("harness: the simulator did not start: %s\n", H.tail_of(H.sim.log).c_str());
  for (const yzcrash::Profile& p : yzcrash::kProfiles) {
    Hospital h;
    h.p = &p;
    h.dir = H.work + "/" + p.name;
    fs::create_directories(h.dir);
    h.config = h.dir + "/yizhan.xml";
    h.ledger = h.dir + "/ledger.db";
    h.answers = h.dir + "/answers.log";
    h.err_log = h.dir + "/driver.err";
    if (ok && !write_config(o, H.sim, h)) {
      std::printf("harness: cannot write %s\n", h.config.c_str());
      ok = false;
    }
    H.hospitals.push_back(h);
  }
  if (ok && !H.take_baseline()) {
    std::printf("harness: cannot read the accumulators from the simulator\n");
    ok = false;
  }
  while (ok && H.fig.kills < o.kills) {
    if (seconds_since(t0) > o.max_seconds) {
      std::printf("harness: only %d kills in %d s\n", H.fig.kills, o.max_seconds);
      ok = false;
      break;
    }
    ok = H.cycle();
  }
  const double kill_s = seconds_since(t0);
  // The clean end: no faults, then each driver once to the end of its stay.
  if (ok) ok = H.sim.post("/clear", "");
  for (Hospital& h : H.hospitals) {
    if (!ok) break;
    Driven d = H.drive(h, "finish");
    if (!d.ok) {
      std::printf("harness: %s: %s\n", d.why.c_str(), H.tail_of(h.err_log).c_str());
      ok = false;
    }
  }
  if (ok) ok = H.check();
  // Then the days reconcile: what the ledgers hold is the platform's record,
  // dated the same (3201 totals and 3202 detail 平 for each hospital).
  for (Hospital& h : H.hospitals) {
    if (!ok) break;
    const std::string out = h.dir + "/reconcile.txt";
    const pid_t pid = spawn({o.driver, "--config", h.config, "--log", h.answers, "--profile", h.p->name, "--reconcile",
                             start_date, local_date()},
                            {"YZ_FAILPOINT="}, out, nullptr);
    int st = 0;
    if (pid < 0 || ::waitpid(pid, &st, 0) != pid) {
      std::printf("harness: cannot run the reconciliation of %s\n", h.p->name);
      ok = false;
      break;
    }
    const std::string text = read_all(out);
    const size_t at = text.find("reconcile");  // after the "open" line
    std::printf("%s: %s", h.p->name, (at == std::string::npos ? text : text.substr(at)).c_str());
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
      H.mismatch(std::string(h.p->name) + ": the days do not reconcile (" + out + ")");
  }

  const Figures& f = H.fig;
  std::printf("kills: %d in %d driver runs (", f.kills, f.cycles);
  bool first = true;
  for (const auto& [k, n] : f.kill_kinds) {
    std::printf("%s%s %d", first ? "" : ", ", k.c_str(), n);
    first = false;
  }
  std::printf("); failpoint/his runs ended by the backstop timer: %d\n", f.backstop_kills);
  std::printf("simulator: faults injected");
  for (const auto& [k, n] : f.faults) std::printf(" %s %d", k.c_str(), n);
  std::printf("; restarts: %d soft (POST /restart), %d kill -9 (%d of them while a driver ran%s)\n",
              f.sim_soft_restarts, f.sim_hard_restarts, f.sim_kills_mid_run,
              f.sim_port_changes ? (", " + std::to_string(f.sim_port_changes) + " on new ports").c_str() : "");
  if (!f.open_ms.empty())
    std::printf("yz_open (with recovery): median %d ms, max %d ms\n", f.open_ms[f.open_ms.size() / 2], f.open_ms.back());
  const double total_s = seconds_since(t0);
  std::printf("kills=%d restarts=%d settlements=%d reversals=%d mismatches=%d lost=%d duplicated=%d (%.1f s: %.1f s "
              "killing, seed %llu)\n",
              f.kills, f.sim_soft_restarts + f.sim_hard_restarts, H.settlements_, H.reversed_, H.mismatches, H.lost,
              H.duplicated, total_s, kill_s, static_cast<unsigned long long>(o.seed));
  H.sim.stop();
  const bool pass = ok && H.mismatches == 0 && H.lost == 0 && H.duplicated == 0 && f.kills >= o.kills;
  if (pass && !o.keep) {
    std::error_code ec;
    fs::remove_all(H.work, ec);
  } else {
    std::printf("work dir kept: %s\n", H.work.c_str());
  }
  std::printf("%s\n", pass ? "crash harness: PASSED" : "crash harness: FAILED");
  return pass ? 0 : 1;
}
