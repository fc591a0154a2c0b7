// Internal to the service: the open plug-in's state and what the transaction
// handlers share.
#pragma once

#include <pugixml.hpp>

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "codec/strict_xml.h"
#include "policy/registry.h"
#include "service/service.h"

namespace yz::service {

// The request envelope (HIS-INTERFACE.md §2).
struct Envelope {
  std::string infno, msgid, mdtrtarea_admvs, insuplc_admdvs, opter_type, opter, opter_name, inf_time,
      fixmedins_code, sign_no;
  pugi::xml_node data;  // input/data (may be empty)
};

class CallClaims;
class RecoveryWorker;

struct Service::Impl {
  PluginConfig cfg;
  policy::Registry registry;
  // The journaling decorator (journaled_gateway.h) over the configured
  // gateway: every state-changing call is recorded in the ledger first.
  std::unique_ptr<gateway::PlatformGateway> gateway;
  std::unique_ptr<Ledger> ledger;
  Clock clock;
  std::unique_ptr<CallClaims> claims;  // platform msgids being sent or resolved

  std::mutex sign_mu;
  std::string sign_no;  // from 9001; empty until signed in

  // What the last 1101 of each (psn_no, year) answered: a 2304 settles ahead
  // on it while its own 1101 is on the way, and keeps that result only if the
  // answer is the same (tx_settle.cpp). Cleared when it grows past 4096.
  std::mutex persons_mu;
  std::map<std::pair<std::string, int>, gateway::PersonInfo> last_persons;

  // Calls for the same mdtrt_id (or msgid) are serialised on a stripe.
  std::array<std::mutex, 64> stripes;
  std::atomic<unsigned long long> seq{0};
  unsigned nonce = 0;  // drawn at open; keeps internal msgids unique across processes

  // A msgid for the plug-in's own platform calls (sign-in, the 1101 inside a
  // settlement): institution code + time + "Y" + nonce + counter, never a HIS's.
  std::string internal_msgid();
  // CallMeta for a platform call made on behalf of `env` (msgid as given).
  gateway::CallMeta meta(const Envelope& env, const char* infno, const std::string& msgid);
  // Signs in if needed; returns the sign_no to use.
  Status ensure_signed_in(const Envelope& env, std::string& sign_no);

  // Recovery (recovery.h): one pass at a time; the last unresolved note
  // logged per msgid (not repeated every pass).
  std::mutex recovery_mu;
  std::mutex recovery_note_mu;
  std::map<std::string, std::string> recovery_noted;
  // Last member: stopped and joined first when the service closes.
  std::unique_ptr<RecoveryWorker> worker;
};

// Error codes of the plug-in's own (documented in the README).
inline constexpr const char* kErrSystem = "YZ-SYSTEM";
inline constexpr const char* kErrUnknown = "YZ-PLATFORM-UNKNOWN";      // -1: outcome unknown
inline constexpr const char* kErrUnavailable = "YZ-PLATFORM-UNAVAILABLE";  // -2: known not applied
inline constexpr const char* kPlatformSign = "YZ-PLATFORM-SIGN";            // -2: the platform does not know the session

// A business error unless its code marks a system error or an unknown outcome.
int infcode_of(const Status& st);
// A gateway result as a Status (Ok -> ok).
Status from_gateway(const gateway::GatewayResult& r, const char* what);

// Field readers on input/data, with the case reader's codes and paths.
using codec::opt_amount;
using codec::opt_date;
using codec::opt_flag;
using codec::opt_text;
using codec::req_amount;
using codec::req_date;
using codec::req_text;

// The transactions. Each fills `out` (the response's <output>) on success.
Status tx_9001(Service::Impl& s, const Envelope& env, pugi::xml_node out);
Status tx_9002(Service::Impl& s, const Envelope& env, pugi::xml_node out);
Status tx_1101(Service::Impl& s, const Envelope& env, pugi::xml_node out);
Status tx_2401(Service::Impl& s, const Envelope& env, pugi::xml_node out);
Status tx_2301(Service::Impl& s, const Envelope& env, pugi::xml_node out);
Status tx_2302(Service::Impl& s, const Envelope& env, pugi::xml_node out);
Status tx_2303(Service::Impl& s, const Envelope& env, pugi::xml_node out);
Status tx_2304(Service::Impl& s, const Envelope& env, pugi::xml_node out);
Status tx_2305(Service::Impl& s, const Envelope& env, pugi::xml_node out);
Status tx_2601(Service::Impl& s, const Envelope& env, pugi::xml_node out);
Status tx_5203(Service::Impl& s, const Envelope& env, pugi::xml_node out);
Status tx_3201(Service::Impl& s, const Envelope& env, pugi::xml_node out);  // tx_recon.cpp
Status tx_3202(Service::Impl& s, const Envelope& env, pugi::xml_node out);

// Every <feedetail> of input/data, unique feedetl_sn.
Status read_fee_lines(const Service::Impl& s, pugi::xml_node data, std::vector<FeeLine>& out);
// Uploads lines for a stay (platform, then ledger); `stay` is updated.
Status upload_lines(Service::Impl& s, const Envelope& env, const std::string& msgid, StayRecord& stay,
                    const std::vector<FeeLine>& lines);

// Shared by 1101, 2401, 2303/2304: the person from the platform for a year.
// `while_waiting`: the caller's work while the platform answers
// (gateway::CallMeta::while_waiting; may never run).
Status query_person(Service::Impl& s, const Envelope& env, const std::string& psn_no, int year,
                    gateway::PersonInfo& out, const std::function<void()>& while_waiting = {});
// What the last 1101 answered for (psn_no, year), if any.
std::optional<gateway::PersonInfo> last_person(Service::Impl& s, const std::string& psn_no, int year);

}  // namespace yz::service
