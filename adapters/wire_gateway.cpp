// WireGateway (wire_gateway.h): each call encoded once, posted with bounded
// retries (same bytes, so the same msgid), the answer decoded and checked
// against the msgid it answers.
#include "wire_gateway.h"

#include <algorithm>
#include <functional>
#include <thread>

#include "wire/messages.h"

namespace yz::adapters {

using gateway::CallMeta;
using gateway::GatewayResult;
using gateway::Outcome;
using transport::HttpResult;
using transport::SendState;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kHttp = "YZ-PLATFORM-HTTP";
// A refusal (infcode != 0) that names no err_code: never pass on an empty code.
constexpr const char* kRefused = "YZ-PLATFORM-REFUSED";

// The envelope's inf_refmsgid ("" when absent); the envelope may be the root
// or its child "response" (depending on how a codec names the top level).
std::string refmsgid_of(const wire::Node& root) {
  if (root.find("inf_refmsgid") != nullptr) return std::string(root.value("inf_refmsgid"));
  if (const wire::Node* r = root.find("response")) return std::string(r->value("inf_refmsgid"));
  return {};
}

GatewayResult make(Outcome o, std::string code, std::string msg) { return {o, std::move(code), std::move(msg)}; }

}  // namespace

struct WireGateway::State {
  WireGatewaySettings s;
  std::unique_ptr<wire::Codec> codec;
  std::unique_ptr<transport::HttpsClient> client;

  // Posts the request (retrying per the settings) and decodes the answer
  // into `resp`. Returns the call's result; `resp` is meaningful when Ok.
  GatewayResult exchange(const wire::PlatformRequest& req, wire::PlatformResponse& resp) {
    const CallMeta& m = req.meta;
    const auto start = Clock::now();
    const auto deadline = start + std::max(m.timeout, std::chrono::milliseconds(0));
    std::string body;
    try {
      body = wire::encode_request(*codec, req);
    } catch (const std::exception& e) {
      return make(Outcome::Failed, "YZ-PLATFORM-IO", std::string("cannot encode the request: ") + e.what());
    }
    const std::string ctype = codec->content_type();

    bool maybe_applied = false;   // some attempt may have reached the platform
    GatewayResult last_unknown;   // why the last maybe-applied attempt gave no usable answer
    GatewayResult last_failed;    // why the last certainly-not-sent attempt failed
    last_failed = make(Outcome::Failed, "YZ-PLATFORM-TIMEOUT", "no attempt could be made before the deadline (平台调用超时)");
    auto backoff = s.backoff;
    const int attempts = 1 + std::max(0, s.retries);
    // The caller's work while the platform works: once, whichever attempt gets written.
    bool waited = false;
    std::function<void()> once_waiting;
    if (m.while_waiting)
      once_waiting = [&] {
        if (waited) return;
        waited = true;
        m.while_waiting();
      };

    for (int attempt = 1; attempt <= attempts; ++attempt) {
      if (attempt > 1) {
        // Back off, but never past the deadline (leave the next attempt some time).
        if (Clock::now() + backoff >= deadline) break;
        std::this_thread::sleep_for(backoff);
        backoff *= 2;
      }
      // For the messages of a failed attempt only (not built for an answer).
      auto tag = [&] {
        return " [" + m.infno + " msgid " + m.msgid + ", attempt " + std::to_string(attempt) + "/" +
               std::to_string(attempts) + "]";
      };
      HttpResult h = client->post(kCallServicePath, ctype, body, deadline, once_waiting);

      if (h.state == SendState::NotSent) {
        last_failed = make(Outcome::Failed, h.error_code, h.error + tag());
        // A refused TLS handshake (certificate, protocol) does not heal by retrying.
        if (h.error_code == "YZ-PLATFORM-TLS") break;
        continue;
      }
      if (h.state == SendState::MaybeSent) {
        maybe_applied = true;
        last_unknown = make(Outcome::Unknown, h.error_code, h.error + tag());
        continue;
      }

      // Answered.
      if (h.status == 408 || h.status == 429) {
        // The server did not take the request; try again.
        last_failed = make(Outcome::Failed, kHttp, "HTTP " + std::to_string(h.status) + " from the platform" + tag());
        continue;
      }
      if (h.status >= 500) {
        maybe_applied = true;
        last_unknown = make(Outcome::Unknown, kHttp,
                            "HTTP " + std::to_string(h.status) + " from the platform (平台服务异常，结果未知)" + tag());
        continue;
      }

      wire::Node root;  // read once: for the envelope's msgid and the answer
      Status parsed = codec->read(h.body, root);
      wire::PlatformResponse decoded;
      Status st = parsed ? wire::decode_response(root, m.infno, decoded) : parsed;
      if (h.status >= 400) {
        if (st && !decoded.result.ok()) {
          // The platform refused it with an envelope (e.g. 401 signature): nothing applied.
          std::string ref = refmsgid_of(root);
          if (ref.empty() || ref == m.msgid) {
            if (decoded.result.err_code.empty()) decoded.result.err_code = kRefused;
            return decoded.result;
          }
        }
        if (st && decoded.result.ok()) {
          return make(Outcome::Rejected, kHttp,
                      "HTTP " + std::to_string(h.status) + " from the platform with infcode 0" + tag());
        }
        if (!st) {
          return make(Outcome::Rejected, kHttp,
                      "HTTP " + std::to_string(h.status) + " from the platform without a readable envelope (" +
                          st.message() + ")" + tag());
        }
        // A refusal that answers another msgid: not ours.
        maybe_applied = true;
        last_unknown = make(Outcome::Unknown, "YZ-PLATFORM-IO",
                            "the platform's answer is for msgid " + refmsgid_of(root) + ", not " + m.msgid + tag());
        continue;
      }
      if (h.status < 200 || h.status >= 300) {
        maybe_applied = true;
        last_unknown = make(Outcome::Unknown, kHttp, "unexpected HTTP " + std::to_string(h.status) + tag());
        continue;
      }
      if (!st) {
        // Sent, answered with something we cannot read: it may have been applied.
        maybe_applied = true;
        last_unknown = make(Outcome::Unknown, st.code(),
                            "the platform's answer cannot be read: " + st.message() + " (平台应答无法解析，结果未知)" + tag());
        continue;
      }
      std::string ref = refmsgid_of(root);
      if (ref != m.msgid) {
        maybe_applied = true;
        last_unknown = make(Outcome::Unknown, "YZ-PLATFORM-IO",
                            "the platform's answer is for msgid '" + ref + "', not " + m.msgid +
                                " (平台应答与请求不符，结果未知)" + tag());
        continue;
      }
      if (decoded.result.outcome == Outcome::Unknown) {
        // infcode -1: the platform itself does not know; ask again with the same msgid.
        maybe_applied = true;
        last_unknown = make(Outcome::Unknown, decoded.result.err_code.empty() ? kHttp : decoded.result.err_code,
                            "the platform answered infcode -1 (系统异常，结果未知): " + decoded.result.err_msg + tag());
        continue;
      }
      resp = std::move(decoded);
      if (!resp.result.ok() && resp.result.err_code.empty()) resp.result.err_code = kRefused;
      return resp.result;
    }
    return maybe_applied ? last_unknown : last_failed;
  }

  wire::PlatformRequest request(const CallMeta& m, const char* infno) const {
    wire::PlatformRequest r;
    r.meta = m;
    r.meta.infno = infno;  // the method decides which fields go on the wire
    return r;
  }
};

Status WireGateway::create(const WireGatewaySettings& s, std::unique_ptr<WireGateway>& out) {
  auto st = std::make_unique<State>();
  st->s = s;
  st->codec = wire::make_codec(s.format);
  if (!st->codec)
    return Status::error("YZ-CONFIG-INVALID", "platform wire format '" + s.format + "' is not xml or json (平台报文格式无效)");
  if (s.retries < 0 || s.retries > 10)
    return Status::error("YZ-CONFIG-INVALID", "platform retries must be between 0 and 10");
  if (s.backoff.count() < 0) return Status::error("YZ-CONFIG-INVALID", "platform back-off must not be negative");
  Status cs = transport::HttpsClient::create(s.client, st->client);
  if (!cs) return cs;
  out.reset(new WireGateway());
  out->st_ = std::move(st);
  return Status::ok();
}

WireGateway::~WireGateway() = default;

transport::HttpsClient& WireGateway::client() { return *st_->client; }

GatewayResult WireGateway::sign_in(const CallMeta& m, std::string& sign_no) {
  try {
    auto req = st_->request(m, "9001");
    wire::PlatformResponse resp;
    GatewayResult r = st_->exchange(req, resp);
    if (r.ok()) sign_no = resp.text;
    return r;
  } catch (const std::exception& e) {
    return make(Outcome::Unknown, "YZ-PLATFORM-IO", std::string("internal error: ") + e.what());
  }
}

GatewayResult WireGateway::sign_out(const CallMeta& m) {
  try {
    auto req = st_->request(m, "9002");
    wire::PlatformResponse resp;
    return st_->exchange(req, resp);
  } catch (const std::exception& e) {
    return make(Outcome::Unknown, "YZ-PLATFORM-IO", std::string("internal error: ") + e.what());
  }
}

GatewayResult WireGateway::query_person(const CallMeta& m, const std::string& psn_no, int year,
                                        gateway::PersonInfo& out) {
  try {
    auto req = st_->request(m, "1101");
    req.psn_no = psn_no;
    req.year = year;
    wire::PlatformResponse resp;
    GatewayResult r = st_->exchange(req, resp);
    if (r.ok()) out = std::move(resp.person);
    return r;
  } catch (const std::exception& e) {
    return make(Outcome::Unknown, "YZ-PLATFORM-IO", std::string("internal error: ") + e.what());
  }
}

GatewayResult WireGateway::admit(const CallMeta& m, const gateway::Admission& a, std::string& mdtrt_id) {
  try {
    auto req = st_->request(m, "2401");
    req.admission = a;
    wire::PlatformResponse resp;
    GatewayResult r = st_->exchange(req, resp);
    if (r.ok()) mdtrt_id = resp.text;
    return r;
  } catch (const std::exception& e) {
    return make(Outcome::Unknown, "YZ-PLATFORM-IO", std::string("internal error: ") + e.what());
  }
}

GatewayResult WireGateway::upload_fees(const CallMeta& m, const std::string& mdtrt_id,
                                       const std::vector<FeeLine>& lines) {
  try {
    auto req = st_->request(m, "2301");
    req.mdtrt_id = mdtrt_id;
    req.lines = lines;
    wire::PlatformResponse resp;
    return st_->exchange(req, resp);
  } catch (const std::exception& e) {
    return make(Outcome::Unknown, "YZ-PLATFORM-IO", std::string("internal error: ") + e.what());
  }
}

GatewayResult WireGateway::cancel_fees(const CallMeta& m, const std::string& mdtrt_id,
                                       const std::vector<std::string>& feedetl_sns) {
  try {
    auto req = st_->request(m, "2302");
    req.mdtrt_id = mdtrt_id;
    req.feedetl_sns = feedetl_sns;
    wire::PlatformResponse resp;
    return st_->exchange(req, resp);
  } catch (const std::exception& e) {
    return make(Outcome::Unknown, "YZ-PLATFORM-IO", std::string("internal error: ") + e.what());
  }
}

GatewayResult WireGateway::settle(const CallMeta& m, const Settlement& s, std::string& setl_id) {
  try {
    auto req = st_->request(m, "2304");
    req.settlement = s;
    wire::PlatformResponse resp;
    GatewayResult r = st_->exchange(req, resp);
    if (r.ok()) setl_id = resp.text;
    return r;
  } catch (const std::exception& e) {
    return make(Outcome::Unknown, "YZ-PLATFORM-IO", std::string("internal error: ") + e.what());
  }
}

GatewayResult WireGateway::reverse_settlement(const CallMeta& m, const std::string& setl_id,
                                              std::string& reverse_setl_id) {
  try {
    auto req = st_->request(m, "2305");
    req.setl_id = setl_id;
    wire::PlatformResponse resp;
    GatewayResult r = st_->exchange(req, resp);
    if (r.ok()) reverse_setl_id = resp.text;
    return r;
  } catch (const std::exception& e) {
    return make(Outcome::Unknown, "YZ-PLATFORM-IO", std::string("internal error: ") + e.what());
  }
}

GatewayResult WireGateway::reverse_message(const CallMeta& m, const std::string& omsgid, const std::string& oinfno) {
  try {
    auto req = st_->request(m, "2601");
    req.omsgid = omsgid;
    req.oinfno = oinfno;
    wire::PlatformResponse resp;
    return st_->exchange(req, resp);
  } catch (const std::exception& e) {
    return make(Outcome::Unknown, "YZ-PLATFORM-IO", std::string("internal error: ") + e.what());
  }
}

GatewayResult WireGateway::query_settlement(const CallMeta& m, const std::string& setl_id, const std::string& mdtrt_id,
                                            gateway::SettlementRecord& out) {
  try {
    auto req = st_->request(m, "5203");
    req.setl_id = setl_id;
    req.mdtrt_id = mdtrt_id;
    wire::PlatformResponse resp;
    GatewayResult r = st_->exchange(req, resp);
    if (r.ok()) out = std::move(resp.record);
    return r;
  } catch (const std::exception& e) {
    return make(Outcome::Unknown, "YZ-PLATFORM-IO", std::string("internal error: ") + e.what());
  }
}

GatewayResult WireGateway::reconcile_totals(const CallMeta& m, const std::string& begin_date,
                                            const std::string& end_date, const std::string& fixmedins_code,
                                            recon::Totals& out) {
  try {
    auto req = st_->request(m, "3201");
    req.stmt_begndate = begin_date;
    req.stmt_enddate = end_date;
    req.setl_optins = fixmedins_code;
    wire::PlatformResponse resp;
    GatewayResult r = st_->exchange(req, resp);
    out = r.ok() ? resp.totals : recon::Totals{};
    return r;
  } catch (const std::exception& e) {
    return make(Outcome::Unknown, "YZ-PLATFORM-IO", std::string("internal error: ") + e.what());
  }
}

GatewayResult WireGateway::reconcile_detail(const CallMeta& m, const std::string& begin_date,
                                            const std::string& end_date, const std::string& detail_file_text,
                                            std::vector<recon::Row>& platform_rows) {
  platform_rows.clear();
  try {
    auto req = st_->request(m, "3202");
    req.stmt_begndate = begin_date;
    req.stmt_enddate = end_date;
    req.detail_file = detail_file_text;
    wire::PlatformResponse resp;
    GatewayResult r = st_->exchange(req, resp);
    if (r.ok()) platform_rows = std::move(resp.rows);
    return r;
  } catch (const std::exception& e) {
    return make(Outcome::Unknown, "YZ-PLATFORM-IO", std::string("internal error: ") + e.what());
  }
}

}  // namespace yz::adapters
