// libFuzzer target for the plug-in's C ABI (include/yizhan/yizhan.h): every
// input goes through yz_call (and, for one input in eight, BUSINESS_HANDLE with
// a buffer that is often too small), as an HIS would send it.
//
//   build: scripts/fuzz.sh (clang, -fsanitize=fuzzer,address,undefined; libyizhan.so
//          instrumented with -fsanitize=fuzzer-no-link,address,undefined)
//   run:   build-fuzz/tests/fuzz/fuzz_yz_call -dict=tests/fuzz/yizhan.dict CORPUS_DIR
//   replay one input on a fresh handle:
//          YZ_FUZZ_REOPEN=1 build-fuzz/tests/fuzz/fuzz_yz_call crash-<sha1>
//
// An input is one request message, or several separated by a line "----"
// ("\n----\n"), sent in order on the same handle, so that one input can admit,
// upload, settle, query and reverse a stay. Before each request is sent these
// placeholders are replaced (so that a sequence keeps working whatever the
// platform's state, and a repeated input does not just hit the msgid cache):
//   {msgid}       a fresh msgid (unique in the process)
//   {prev_msgid}  the msgid of the previous request of this input
//   {mdtrt_id}    the last <mdtrt_id> a response of this input returned
//   {setl_id}     the last <setl_id> a response of this input returned
// Literal msgids and ids are left alone (the idempotency cache is fuzzed too).
//
// The plug-in is opened once through yz_open (config: $YZ_FUZZ_CONFIG, else the
// one CMake wrote under the build dir: the demo hospital, config/regions and
// samples/platform-sim/persons.xml) and re-opened every $YZ_FUZZ_REOPEN inputs
// (default 500) so that the in-memory platform's stays stay bounded. INIT's
// process-wide handle (BUSINESS_HANDLE) cannot be closed; only one input in
// eight reaches it.
//
// Beyond the sanitizers, every answer is checked (a failed check aborts, which
// libFuzzer reports as a crash with the input saved):
//   - the return code is 0 or -2 (-1 means "outcome unknown": the in-memory
//     platform never loses an answer, so -1 here is an internal error);
//   - a response is always handed back, NUL-terminated, *response_len = its
//     length, valid UTF-8, a well-formed <response> whose <infcode> is the
//     return code; an error has an err_code and an err_msg, and yz_errmsg says
//     something;
//   - BUSINESS_HANDLE writes a NUL-terminated text inside the buffer it was
//     given (the buffer is allocated to its exact size, so ASan sees one byte
//     too many), either nothing, the response, or a YZ-BUFFER-SMALL answer.
#include <pugixml.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "yizhan/yizhan.h"

#ifndef YZ_FUZZ_CONFIG_DEFAULT
#define YZ_FUZZ_CONFIG_DEFAULT "yizhan-fuzz.xml"
#endif

namespace {

constexpr std::string_view kSeparator = "\n----\n";
constexpr size_t kMaxRequests = 16;

yz_handle* g_handle = nullptr;
std::string g_config;
long g_reopen_every = 500;
long g_inputs = 0;
unsigned long long g_msgid_seq = 0;
bool g_init_ok = false;

[[noreturn]] void fail(const char* what, std::string_view request, std::string_view response) {
  std::fprintf(stderr, "\n==fuzz_yz_call== CHECK FAILED: %s\n--- request (%zu bytes) ---\n%.*s\n--- response ---\n%.*s\n",
               what, request.size(), int(request.size() > 4000 ? 4000 : request.size()), request.data(),
               int(response.size() > 4000 ? 4000 : response.size()), response.data());
  std::abort();
}

void open_handle() {
  if (g_handle != nullptr) yz_close(g_handle);
  g_handle = nullptr;
  if (yz_open(g_config.c_str(), &g_handle) != YZ_OK) {
    std::fprintf(stderr, "fuzz_yz_call: yz_open(%s) failed: %s\n", g_config.c_str(), yz_errmsg(g_handle));
    std::exit(2);
  }
}

void close_handle() {
  yz_close(g_handle);
  g_handle = nullptr;
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// The text of the first <name>…</name> in a response (no entities expected in ids).
std::string element_text(std::string_view xml, const std::string& name) {
  const std::string open = "<" + name + ">", close = "</" + name + ">";
  size_t b = xml.find(open);
  if (b == std::string_view::npos) return {};
  b += open.size();
  size_t e = xml.find(close, b);
  if (e == std::string_view::npos) return {};
  return std::string(xml.substr(b, e - b));
}

// A well-formed <response> whose infcode is rc; errors carry a code and a message.
void check_response(int rc, std::string_view request, std::string_view resp, bool from_yz_call) {
  if (rc != YZ_OK && rc != YZ_ERR_BUSINESS && rc != YZ_ERR_SYSTEM) fail("return code not 0/-1/-2", request, resp);
  if (!valid_utf8(resp)) fail("response is not valid UTF-8", request, resp);
  pugi::xml_document doc;
  pugi::xml_parse_result pr = doc.load_buffer(resp.data(), resp.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!pr) fail("response is not well-formed XML", request, resp);
  pugi::xml_node r = doc.child("response");
  if (!r || doc.first_child() != r) fail("response root is not <response>", request, resp);
  if (std::string(r.child_value("infcode")) != std::to_string(rc)) fail("<infcode> differs from the return code", request, resp);
  if (rc == YZ_ERR_SYSTEM) fail("system error (-1) against the in-memory platform", request, resp);
  if (rc != YZ_OK) {
    if (*r.child_value("err_code") == '\0') fail("error without err_code", request, resp);
    if (*r.child_value("err_msg") == '\0') fail("error without err_msg", request, resp);
    if (from_yz_call) {
      const char* m = yz_errmsg(g_handle);
      if (m == nullptr || *m == '\0') fail("yz_errmsg empty after a failed call", request, resp);
      if (!valid_utf8(m)) fail("yz_errmsg is not valid UTF-8", request, m);
    }
  }
}

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
}

uint64_t fnv1a(const uint8_t* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

// Sends one request through yz_call from an exactly-sized, non-terminated copy.
std::string call(const std::string& request) {
  char* buf = static_cast<char*>(std::malloc(request.size() ? request.size() : 1));
  if (buf == nullptr) std::abort();
  std::memcpy(buf, request.data(), request.size());
  char* resp = nullptr;
  size_t len = 12345;
  int rc = yz_call(g_handle, buf, request.size(), &resp, &len);
  std::free(buf);
  if (resp == nullptr) fail("yz_call handed back no response", request, {});
  if (std::strlen(resp) != len) fail("*response_len differs from strlen(response)", request, resp);
  std::string out(resp, len);
  yz_free(resp);
  check_response(rc, request, out, true);
  return out;
}

// Sends one request through BUSINESS_HANDLE with an output buffer of `cap`
// bytes; returns what it wrote. A YZ-BUFFER-SMALL answer names the size needed:
// the same request again with that size must then fit (a state-changing
// transaction returns its recorded response, byte for byte the same size).
std::string call_compat(const std::string& request, int cap, bool retried = false) {
  char* out = static_cast<char*>(std::malloc(size_t(cap)));
  if (out == nullptr) std::abort();
  std::memset(out, 'X', size_t(cap));
  int rc = BUSINESS_HANDLE(request.c_str(), out, cap);
  if (std::memchr(out, '\0', size_t(cap)) == nullptr) fail("BUSINESS_HANDLE left its output without a NUL", request, {});
  std::string text(out);
  std::free(out);
  if (rc != YZ_OK && rc != YZ_ERR_BUSINESS && rc != YZ_ERR_SYSTEM) fail("BUSINESS_HANDLE return code", request, text);
  if (text.empty()) {
    // Nothing fitted, not even the error: allowed for errors only.
    if (rc == YZ_OK) fail("BUSINESS_HANDLE succeeded with an empty output", request, text);
    return text;
  }
  check_response(rc, request, text, false);
  if (element_text(text, "err_code") == "YZ-BUFFER-SMALL") {
    const std::string need = element_text(text, "yz_output_len_needed");
    const long n = std::strtol(need.c_str(), nullptr, 10);
    if (n <= cap || n > (64 << 20)) fail("YZ-BUFFER-SMALL with a bad yz_output_len_needed", request, text);
    if (retried) {
      static const char* kStateChanging[] = {"2401", "2301", "2302", "2304", "2305", "2601"};
      const std::string infno = element_text(request, "infno");
      for (const char* k : kStateChanging)
        if (infno == k) fail("a retry with the size YZ-BUFFER-SMALL asked for is still too small", request, text);
      return text;
    }
    return call_compat(request, int(n), true);
  }
  return text;
}

// The ids a sequence refers to with placeholders (at most 100 bytes each, so
// that many placeholders cannot blow a request up quadratically).
struct Ids {
  std::string prev_msgid, mdtrt_id, setl_id;

  std::string substitute(std::string req) {
    replace_all(req, "{msgid}", "FZ" + std::to_string(++g_msgid_seq));
    replace_all(req, "{prev_msgid}", prev_msgid);
    replace_all(req, "{mdtrt_id}", mdtrt_id);
    replace_all(req, "{setl_id}", setl_id);
    prev_msgid = element_text(req, "msgid").substr(0, 100);
    return req;
  }
  void learn(const std::string& resp) {
    if (std::string v = element_text(resp, "mdtrt_id"); !v.empty()) mdtrt_id = v.substr(0, 100);
    if (std::string v = element_text(resp, "setl_id"); !v.empty()) setl_id = v.substr(0, 100);
  }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* cfg = std::getenv("YZ_FUZZ_CONFIG");
  g_config = (cfg != nullptr && *cfg != '\0') ? cfg : YZ_FUZZ_CONFIG_DEFAULT;
  if (const char* n = std::getenv("YZ_FUZZ_REOPEN"); n != nullptr && *n != '\0') g_reopen_every = std::strtol(n, nullptr, 10);
  if (g_reopen_every < 1) g_reopen_every = 1;
  open_handle();
  std::atexit(close_handle);
  // INIT's process-wide handle for BUSINESS_HANDLE.
  setenv("YIZHAN_CONFIG", g_config.c_str(), 1);
  char err[1024];
  if (INIT(err, sizeof err) != 0) {
    std::fprintf(stderr, "fuzz_yz_call: INIT failed: %s\n", err);
    std::exit(2);
  }
  g_init_ok = true;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (g_reopen_every == 1 || (g_inputs > 0 && g_inputs % g_reopen_every == 0)) open_handle();
  ++g_inputs;

  const uint64_t h = fnv1a(data, size);
  const bool compat = g_init_ok && (h & 7) == 0;
  static constexpr int kCaps[] = {1, 2, 64, 300, 700, 4096, 1 << 20};
  const int cap = kCaps[(h >> 3) % (sizeof kCaps / sizeof kCaps[0])];

  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> requests;
  for (size_t pos = 0; requests.size() < kMaxRequests && pos <= input.size();) {
    size_t end = input.find(kSeparator, pos);
    if (end == std::string_view::npos) end = input.size();
    requests.emplace_back(input.substr(pos, end - pos));
    pos = end + kSeparator.size();
  }

  Ids ids;
  for (const std::string& r : requests) ids.learn(call(ids.substitute(r)));
  if (compat) {
    Ids cids;  // the INIT handle is another platform: its own ids
    for (const std::string& r : requests) cids.learn(call_compat(cids.substitute(r), cap));
  }
  return 0;
}
