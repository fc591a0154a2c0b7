// The C ABI of libyizhan.so (include/yizhan/yizhan.h): a thin shell over
// yz::service::Service.
//
// Rules of this file:
//   - every exported function is noexcept in effect: its body runs inside
//     try { … } catch (...) and every failure becomes a return code plus a
//     message (the response's err_code/err_msg, or yz_errmsg);
//   - nothing is written to stdout/stderr;
//   - memory handed to the caller comes from malloc and is released by yz_free;
//   - the only process-wide state is the INIT handle (the header asks for one);
//     yz_errmsg's copy lives in a thread_local buffer.
#include "yizhan/yizhan.h"

#include <dlfcn.h>

#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>

#include "service/service.h"

// The opaque handle of the header.
struct yz_handle {
  std::unique_ptr<yz::service::Service> svc;  // null when yz_open failed
  std::string open_error;                     // yz_open's failure ("CODE: message"), when svc is null
  mutable std::mutex mu;                      // guards last_error
  std::string last_error;                     // "ERR-CODE: message" of yz_open or the last failed call
};

namespace {

// --- messages -------------------------------------------------------------

constexpr const char* kNoMemory = "YZ-SYSTEM: 内存不足";
constexpr size_t kErrBufSize = 4096;

// yz_errmsg's result: copied per thread so that another thread's failing call
// cannot change the text under the caller's feet.
thread_local char tl_errmsg[kErrBufSize];
// yz_open failures that have no handle to live in (out == NULL, or no memory
// for the handle): what yz_errmsg(NULL) reports on the same thread.
thread_local char tl_nohandle[512];

// Length of the longest prefix of s (at most max bytes) that does not cut a
// UTF-8 sequence in two.
size_t utf8_prefix(const char* s, size_t len, size_t max) {
  if (len <= max) return len;
  size_t n = max;
  // Step back over continuation bytes (10xxxxxx) to the lead byte, and drop
  // the lead byte too: its sequence did not fit.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

// Copies s into dst[cap] (NUL-terminated, cut at a UTF-8 boundary).
void copy_text(char* dst, size_t cap, const char* s, size_t len) noexcept {
  if (dst == nullptr || cap == 0) return;
  size_t n = utf8_prefix(s, len, cap - 1);
  std::memcpy(dst, s, n);
  dst[n] = '\0';
}
void copy_text(char* dst, size_t cap, const char* s) noexcept { copy_text(dst, cap, s, std::strlen(s)); }

void set_error(yz_handle* h, const std::string& code, const std::string& msg) noexcept;

// yz_open failed: remember why for yz_errmsg and for later calls on the handle.
void open_failed(yz_handle* h, const std::string& code, const std::string& msg) noexcept {
  try {
    h->open_error = code + ": " + msg;
  } catch (...) {
  }
  set_error(h, code, msg);
}

void set_error(yz_handle* h, const std::string& code, const std::string& msg) noexcept {
  if (h == nullptr) return;
  try {
    std::string text = code.empty() ? msg : code + ": " + msg;
    std::lock_guard<std::mutex> lock(h->mu);
    h->last_error.swap(text);
  } catch (...) {
    try {  // best effort: this allocates too
      std::lock_guard<std::mutex> lock(h->mu);
      h->last_error.assign(kNoMemory);
    } catch (...) {
    }
  }
}

// --- response messages built by the shell ----------------------------------

void append_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        // Control characters are not XML 1.0 (tab, LF and CR are).
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') break;
        out += c;
    }
  }
}

void append_element(std::string& out, const char* name, std::string_view text) {
  if (text.empty()) {
    out += "  <";
    out += name;
    out += " />\n";
    return;
  }
  out += "  <";
  out += name;
  out += '>';
  append_escaped(out, text);
  out += "</";
  out += name;
  out += ">\n";
}

std::string now_text() {
  try {
    return yz::service::system_clock_now();
  } catch (...) {
    return {};
  }
}

// A response envelope of HIS-INTERFACE.md §2 for errors found by the shell
// itself (before or around the service). `extra_output` is placed inside
// <output> as is (already XML).
std::string shell_response(int infcode, const std::string& code, const std::string& msg,
                           std::string_view refmsgid = {}, std::string_view extra_output = {}) {
  std::string out;
  out.reserve(256 + msg.size() + extra_output.size());
  out += "<response>\n";
  append_element(out, "infcode", std::to_string(infcode));
  append_element(out, "err_code", code);
  append_element(out, "err_msg", msg);
  append_element(out, "inf_refmsgid", refmsgid);
  append_element(out, "refmsg_time", {});
  append_element(out, "respond_time", now_text());
  if (extra_output.empty()) {
    out += "  <output />\n";
  } else {
    out += "  <output>";
    out += extra_output;
    out += "</output>\n";
  }
  out += "</response>\n";
  return out;
}

// The last-resort response when building one failed (no memory).
constexpr const char kOomResponse[] =
    "<response>\n  <infcode>-1</infcode>\n"
    "  <err_code>YZ-SYSTEM</err_code>\n  <err_msg>内存不足</err_msg>\n  <inf_refmsgid />\n"
    "  <refmsg_time />\n  <respond_time />\n  <output />\n</response>\n";

// The text of the first <name>…</name> in an XML message (entities of the
// writer decoded); empty when absent. Used only on responses we produced.
std::string element_text(std::string_view xml, std::string_view name) {
  std::string open = "<" + std::string(name) + ">";
  std::string close = "</" + std::string(name) + ">";
  size_t b = xml.find(open);
  if (b == std::string_view::npos) return {};
  b += open.size();
  size_t e = xml.find(close, b);
  if (e == std::string_view::npos) return {};
  std::string_view raw = xml.substr(b, e - b);
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '&') {
      out += raw[i];
      continue;
    }
    static constexpr struct { std::string_view ent; char c; } kEnts[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    bool done = false;
    for (const auto& k : kEnts) {
      if (raw.substr(i, k.ent.size()) == k.ent) {
        out += k.c;
        i += k.ent.size() - 1;
        done = true;
        break;
      }
    }
    if (!done) out += '&';
  }
  return out;
}

int normalise_rc(int rc) { return (rc == YZ_OK || rc == YZ_ERR_BUSINESS) ? rc : YZ_ERR_SYSTEM; }

// Hands `text` to the caller as a malloc'ed NUL-terminated copy.
bool give(const std::string& text, char** response, size_t* response_len) noexcept {
  char* p = static_cast<char*>(std::malloc(text.size() + 1));
  if (p == nullptr) return false;
  std::memcpy(p, text.data(), text.size());
  p[text.size()] = '\0';
  *response = p;
  if (response_len != nullptr) *response_len = text.size();
  return true;
}

// The static out-of-memory response, or nothing at all.
int give_oom(char** response, size_t* response_len) noexcept {
  char* p = static_cast<char*>(std::malloc(sizeof kOomResponse));
  if (p != nullptr) std::memcpy(p, kOomResponse, sizeof kOomResponse);
  *response = p;
  if (response_len != nullptr) *response_len = p != nullptr ? sizeof kOomResponse - 1 : 0;
  return YZ_ERR_SYSTEM;
}

// Runs one request through the handle's service: the body of yz_call and of
// BUSINESS_HANDLE. Always fills `response` (unless memory runs out, which
// throws std::bad_alloc to the caller) and returns its infcode.
int run(yz_handle* h, std::string_view request, std::string& response) {
  if (h->svc == nullptr) {  // open_error is written once, by yz_open
    const std::string msg = "插件未成功打开，不能办理业务：" + h->open_error;
    response = shell_response(YZ_ERR_BUSINESS, "YZ-NOT-OPEN", msg);
    set_error(h, "YZ-NOT-OPEN", msg);
    return YZ_ERR_BUSINESS;
  }
  int rc;
  try {
    rc = normalise_rc(h->svc->call(request, response));
  } catch (const std::bad_alloc&) {
    // The service promises not to throw; if it did, what it did is unknown.
    response = shell_response(YZ_ERR_SYSTEM, "YZ-SYSTEM", "内存不足，交易结果未知，请查询或冲正");
    rc = YZ_ERR_SYSTEM;
  } catch (...) {
    response = shell_response(YZ_ERR_SYSTEM, "YZ-SYSTEM", "内部错误，交易结果未知，请查询或冲正");
    rc = YZ_ERR_SYSTEM;
  }
  // A response that is not a whole message (e.g. its writer ran out of memory)
  // cannot be trusted, whatever the transaction did: outcome unknown.
  const std::string expect = "<infcode>" + std::to_string(rc) + "</infcode>";
  const size_t end = response.rfind("</response>");
  if (response.find(expect) == std::string::npos || end == std::string::npos ||
      response.find_first_not_of(" \t\r\n", end + 11) != std::string::npos) {
    response = shell_response(YZ_ERR_SYSTEM, "YZ-SYSTEM", "插件未能生成完整的应答（内存不足？），交易结果未知，请查询或冲正");
    rc = YZ_ERR_SYSTEM;
  }
  if (rc != YZ_OK) {
    std::string code = element_text(response, "err_code");
    std::string msg = element_text(response, "err_msg");
    set_error(h, code, msg.empty() ? "交易失败" : msg);
  }
  return rc;
}

// --- the process-wide handle of INIT / BUSINESS_HANDLE ---------------------

std::mutex g_init_mu;                         // serialises INIT
std::atomic<yz_handle*> g_handle{nullptr};    // published once open succeeded; never closed

// yizhan.xml in the directory this library was loaded from.
std::string config_beside_library() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<const void*>(&INIT), &info) != 0 && info.dli_fname != nullptr) {
    std::string lib = info.dli_fname;
    size_t slash = lib.rfind('/');
    if (slash != std::string::npos) return lib.substr(0, slash + 1) + "yizhan.xml";
  }
  return "yizhan.xml";
}

}  // namespace

// --- exported functions ----------------------------------------------------

extern "C" {

YZ_API int yz_open(const char* config_path, yz_handle** out) {
  if (out == nullptr) {
    copy_text(tl_nohandle, sizeof tl_nohandle, "YZ-INPUT-NULL: yz_open 的 out 参数为 NULL");
    return YZ_ERR_BUSINESS;
  }
  *out = nullptr;
  yz_handle* h = new (std::nothrow) yz_handle;
  if (h == nullptr) {
    copy_text(tl_nohandle, sizeof tl_nohandle, kNoMemory);
    return YZ_ERR_SYSTEM;
  }
  *out = h;
  try {
    if (config_path == nullptr) {
      open_failed(h, "YZ-INPUT-NULL", "yz_open 的 config_path 参数为 NULL");
      return YZ_ERR_BUSINESS;
    }
    std::unique_ptr<yz::service::Service> svc;
    yz::Status st = yz::service::Service::open(config_path, svc);
    if (!st.is_ok() || svc == nullptr) {
      const std::string code = st.code().empty() ? "YZ-SYSTEM" : st.code();
      open_failed(h, code, st.message().empty() ? "打开插件失败" : st.message());
      // A configuration that cannot be used is a business error (the message
      // names file, line and field); only internal failures are system errors.
      return code == "YZ-SYSTEM" ? YZ_ERR_SYSTEM : YZ_ERR_BUSINESS;
    }
    h->svc = std::move(svc);
    return YZ_OK;
  } catch (const std::bad_alloc&) {
    h->svc.reset();
    open_failed(h, "YZ-SYSTEM", "内存不足");
    return YZ_ERR_SYSTEM;
  } catch (...) {
    h->svc.reset();
    open_failed(h, "YZ-SYSTEM", "打开插件时发生内部错误");
    return YZ_ERR_SYSTEM;
  }
}

YZ_API int yz_call(yz_handle* h, const char* request, size_t request_len, char** response,
                   size_t* response_len) {
  if (response == nullptr) {
    // Nothing can be handed back; nothing was done either.
    if (response_len != nullptr) *response_len = 0;
    set_error(h, "YZ-INPUT-NULL", "yz_call 的 response 参数为 NULL，未办理业务");
    return YZ_ERR_BUSINESS;
  }
  *response = nullptr;
  if (response_len != nullptr) *response_len = 0;
  try {
    std::string resp;
    int rc;
    if (h == nullptr || request == nullptr || response_len == nullptr) {
      const char* which = h == nullptr ? "h（句柄）" : request == nullptr ? "request" : "response_len";
      std::string msg = std::string("yz_call 的 ") + which + " 参数为 NULL，未办理业务";
      set_error(h, "YZ-INPUT-NULL", msg);
      resp = shell_response(YZ_ERR_BUSINESS, "YZ-INPUT-NULL", msg);
      rc = YZ_ERR_BUSINESS;
    } else {
      rc = run(h, std::string_view(request, request_len), resp);
    }
    if (!give(resp, response, response_len)) return give_oom(response, response_len);
    return rc;
  } catch (...) {
    // Only allocation can fail here; whatever the service did is unknown.
    set_error(h, "YZ-SYSTEM", "内存不足");
    return give_oom(response, response_len);
  }
}

YZ_API void yz_free(void* p) { std::free(p); }

YZ_API void yz_close(yz_handle* h) {
  try {
    delete h;
  } catch (...) {
  }
}

YZ_API const char* yz_errmsg(const yz_handle* h) {
  if (h == nullptr) return tl_nohandle;
  try {
    std::lock_guard<std::mutex> lock(h->mu);
    copy_text(tl_errmsg, sizeof tl_errmsg, h->last_error.data(), h->last_error.size());
  } catch (...) {
    copy_text(tl_errmsg, sizeof tl_errmsg, "YZ-SYSTEM: 无法读取错误信息");
  }
  return tl_errmsg;
}

YZ_API const char* yz_version(void) { return YZ_VERSION; }

YZ_API int yz_version_number(void) { return YZ_VERSION_NUMBER; }

YZ_API int INIT(char* err_msg, int err_len) {
  auto report = [&](const char* text) noexcept {
    if (err_msg != nullptr && err_len > 0) copy_text(err_msg, static_cast<size_t>(err_len), text);
  };
  try {
    std::lock_guard<std::mutex> lock(g_init_mu);
    if (g_handle.load(std::memory_order_acquire) != nullptr) {
      report("");
      return YZ_OK;
    }
    const char* env = std::getenv("YIZHAN_CONFIG");
    std::string path = (env != nullptr && *env != '\0') ? std::string(env) : config_beside_library();
    yz_handle* h = nullptr;
    int rc = yz_open(path.c_str(), &h);
    if (rc != YZ_OK) {
      std::string msg = h != nullptr ? std::string(yz_errmsg(h)) : std::string(yz_errmsg(nullptr));
      yz_close(h);  // INIT may be called again (e.g. after the configuration is fixed)
      report(msg.c_str());
      return rc;
    }
    g_handle.store(h, std::memory_order_release);
    report("");
    return YZ_OK;
  } catch (...) {
    report(kNoMemory);
    return YZ_ERR_SYSTEM;
  }
}

YZ_API int BUSINESS_HANDLE(const char* input, char* output, int output_len) {
  if (output == nullptr || output_len <= 0) return YZ_ERR_BUSINESS;  // nowhere to answer: do nothing
  output[0] = '\0';
  const size_t cap = static_cast<size_t>(output_len);
  // Writes `text` if it fits whole (a truncated XML message helps nobody).
  auto put = [&](const std::string& text) noexcept {
    if (text.size() < cap) std::memcpy(output, text.c_str(), text.size() + 1);
  };
  try {
    yz_handle* h = g_handle.load(std::memory_order_acquire);
    if (h == nullptr) {
      put(shell_response(YZ_ERR_BUSINESS, "YZ-NOT-OPEN", "插件未初始化：请先调用 INIT 并确认其返回 0"));
      return YZ_ERR_BUSINESS;
    }
    if (input == nullptr) {
      put(shell_response(YZ_ERR_BUSINESS, "YZ-INPUT-NULL", "BUSINESS_HANDLE 的 input 参数为 NULL，未办理业务"));
      return YZ_ERR_BUSINESS;
    }
    std::string resp;
    int rc = run(h, std::string_view(input, std::strlen(input)), resp);
    if (resp.size() < cap) {
      std::memcpy(output, resp.c_str(), resp.size() + 1);
      return rc;
    }
    // Too small. Whatever the transaction did is recorded under its msgid:
    // the same msgid with a larger buffer gets the recorded response.
    const size_t need = resp.size() + 1;
    std::string msgid = element_text(resp, "inf_refmsgid");
    std::string msg = "输出缓冲区太小：应答需要 " + std::to_string(need) + " 字节（含结尾的 NUL），只提供了 " +
                      std::to_string(output_len) + " 字节；请用同一 msgid、至少 " + std::to_string(need) +
                      " 字节的缓冲区重新调用（同一 msgid 不会重复办理）";
    std::string extra = "<yz_output_len_needed>" + std::to_string(need) + "</yz_output_len_needed>";
    put(shell_response(YZ_ERR_BUSINESS, "YZ-BUFFER-SMALL", msg, msgid, extra));
    return YZ_ERR_BUSINESS;
  } catch (...) {
    // Allocation failed somewhere; if the service ran, its outcome is unknown.
    static constexpr size_t kLen = sizeof kOomResponse;
    if (kLen <= cap) std::memcpy(output, kOomResponse, kLen);
    return YZ_ERR_SYSTEM;
  }
}

}  // extern "C"
