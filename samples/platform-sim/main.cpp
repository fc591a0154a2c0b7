// yizhan-platform-sim: the platform simulator as a program (sim_server.h).
//
//   yizhan-platform-sim [--state-dir DIR] [--persons FILE] [--port N] [--admin-port N]
//                       [--host 127.0.0.1] [--access-key K] [--threads N] [--no-fsync]
//                       [--require-client-cert] [--ready-file F]
//                       [--handshake-timeout-ms N] [--read-timeout-ms N] [--write-timeout-ms N]
//
// Prints one line on stdout once it listens; writes "port admin_port\n" to the
// ready file (atomically) for scripts; stops cleanly on SIGINT or SIGTERM.
// Exit status: 0 stopped by a signal, 1 could not start, 2 usage.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "sim_server.h"

namespace {

const char* kUsage =
    "usage: yizhan-platform-sim [options]\n"
    "  --state-dir DIR         certificates, client.secret and journal (default var/platform-sim)\n"
    "  --persons FILE          persons seed file (default samples/platform-sim/persons.xml\n"
    "                          under the current directory, when it exists)\n"
    "  --port N                HTTPS port on 127.0.0.1 (default 8443; 0 = any free port)\n"
    "  --admin-port N          plain-HTTP admin port on 127.0.0.1 (default 8444; 0 = any)\n"
    "  --host ADDR             loopback address to listen on (default 127.0.0.1)\n"
    "  --access-key K          access key clients sign with (default YZDEMO)\n"
    "  --threads N             I/O threads (default 1)\n"
    "  --no-fsync              do not fsync the journal (faster, not crash-safe)\n"
    "  --require-client-cert   mutual TLS: refuse clients without a certificate from the CA\n"
    "  --ready-file F          write \"port admin_port\" to F once listening\n"
    "  --handshake-timeout-ms N  per connection: TLS handshake (default 10000)\n"
    "  --read-timeout-ms N       reading one whole request; a client that trickles bytes is cut\n"
    "                            off (default 30000)\n"
    "  --write-timeout-ms N      writing one answer (default 30000)\n"
    "The signing secret is state-dir/client.secret (generated at first start); the CA\n"
    "clients must trust is state-dir/ca.crt; client.crt/client.key serve mutual TLS.\n"
    "Admin (curl http://127.0.0.1:ADMIN/...): POST /fault (body \"infno=2304 kind=drop-after\n"
    "times=1 delay_ms=0\"), POST /clear, POST /restart, GET /settlements, GET /accum?psn_no=P&year=Y,\n"
    "GET /requests?infno=N, GET /health.\n"
    "Reconciliation faults (journaled): POST /recon-fault with a body such as\n"
    "  \"kind=forget setl_id=S\"  \"kind=amount setl_id=S field=fund_390100 delta=-100.00\"\n"
    "  \"kind=reverse setl_id=S\"  \"kind=unreverse setl_id=S\"\n"
    "  \"kind=phantom psn_no=P mdtrt_id=M fixmedins_code=H medfee_sumamt=1000.00 fund_pay_sumamt=600.00\"\n"
    "(optional at=yyyy-MM-dd%20HH:mm:ss); POST /expire-sessions ends every session (sign_no).\n";

bool parse_port(const char* s, uint16_t& out) {
  if (s == nullptr || *s == '\0' || std::strlen(s) > 5) return false;
  long v = 0;
  for (const char* p = s; *p; ++p) {
    if (*p < '0' || *p > '9') return false;
    v = v * 10 + (*p - '0');
  }
  if (v > 65535) return false;
  out = static_cast<uint16_t>(v);
  return true;
}

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "yizhan-platform-sim: %s\n%s", msg.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  yz::sim::SimOptions opt;
  opt.state_dir = "var/platform-sim";
  opt.port = 8443;
  opt.admin_port = 8444;
  std::string ready_file;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)name;
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--state-dir") {
      const char* v = value("--state-dir");
      if (!v || !*v) return usage_error("--state-dir needs a directory");
      opt.state_dir = v;
    } else if (a == "--persons") {
      const char* v = value("--persons");
      if (!v || !*v) return usage_error("--persons needs a file");
      opt.persons_file = v;
    } else if (a == "--port") {
      if (!parse_port(value("--port"), opt.port)) return usage_error("--port needs 0..65535");
    } else if (a == "--admin-port") {
      if (!parse_port(value("--admin-port"), opt.admin_port)) return usage_error("--admin-port needs 0..65535");
    } else if (a == "--host") {
      const char* v = value("--host");
      if (!v) return usage_error("--host needs an address");
      opt.host = v;
    } else if (a == "--access-key") {
      const char* v = value("--access-key");
      if (!v || !*v) return usage_error("--access-key needs a value");
      opt.access_key = v;
    } else if (a == "--threads") {
      uint16_t n = 0;
      if (!parse_port(value("--threads"), n) || n < 1 || n > 64) return usage_error("--threads needs 1..64");
      opt.threads = n;
    } else if (a == "--handshake-timeout-ms" || a == "--read-timeout-ms" || a == "--write-timeout-ms") {
      const char* v = value(a.c_str());
      char* end = nullptr;
      const long ms = v ? std::strtol(v, &end, 10) : 0;
      if (!v || !*v || *end || ms < 1 || ms > 3'600'000) return usage_error(a + " needs 1..3600000");
      (a == "--handshake-timeout-ms" ? opt.handshake_timeout_ms
                                     : a == "--read-timeout-ms" ? opt.read_timeout_ms : opt.write_timeout_ms) = int(ms);
    } else if (a == "--no-fsync") {
      opt.fsync = false;
    } else if (a == "--require-client-cert") {
      opt.require_client_cert = true;
    } else if (a == "--ready-file") {
      const char* v = value("--ready-file");
      if (!v || !*v) return usage_error("--ready-file needs a path");
      ready_file = v;
    } else {
      return usage_error("unknown option " + a);
    }
  }
  if (opt.persons_file.empty()) {
    const char* dflt = "samples/platform-sim/persons.xml";
    if (::access(dflt, R_OK) != 0)
      return usage_error(std::string("--persons FILE is required (no ") + dflt + " under the current directory)");
    opt.persons_file = dflt;
  }

  // SIGINT/SIGTERM are taken by sigwait below; the server's threads inherit the mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<yz::sim::SimServer> server;
  if (yz::Status st = yz::sim::SimServer::start(opt, server); !st) {
    std::fprintf(stderr, "yizhan-platform-sim: %s %s\n", st.code().c_str(), st.message().c_str());
    return 1;
  }
  if (!ready_file.empty()) {
    const std::string tmp = ready_file + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << server->port() << ' ' << server->admin_port() << '\n';
      if (!out) {
        std::fprintf(stderr, "yizhan-platform-sim: YZ-SIM-IO cannot write %s\n", tmp.c_str());
        return 1;
      }
    }
    if (std::rename(tmp.c_str(), ready_file.c_str()) != 0) {
      std::fprintf(stderr, "yizhan-platform-sim: YZ-SIM-IO cannot write %s\n", ready_file.c_str());
      return 1;
    }
  }
  std::printf("yizhan-platform-sim: listening on https://%s:%u (admin http://%s:%u), CA %s, secret %s/client.secret, "
              "journal %s/journal%s\n",
              opt.host.c_str(), static_cast<unsigned>(server->port()), opt.host.c_str(),
              static_cast<unsigned>(server->admin_port()), server->ca_file().c_str(), opt.state_dir.c_str(),
              opt.state_dir.c_str(), opt.fsync ? "" : " (no fsync)");
  std::fflush(stdout);

  int sig = 0;
  while (sigwait(&sigs, &sig) != 0) {
  }
  server->stop();
  server.reset();
  std::fprintf(stderr, "yizhan-platform-sim: stopped (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  return 0;
}
