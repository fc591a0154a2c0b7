// Reconciliation faults and the other admin edits of the platform's state
// (sim_server.h ReconFault, sim_internal.h "Admin edits").
//
// Why journaled rather than in-memory test faults: the simulator's promise is
// that a restart rebuilds exactly the state its clients saw (the crash harness
// and the vendors' demos restart it under load). A difference injected for a
// reconciliation must survive that, or a restart between the injection and the
// 3201/3202 would silently turn a "不平" day into a "平" one. So an edit is
// checked first (nothing changes when it does not apply), appended to the
// journal as its canonical text, then applied; replay applies it again at the
// same point among the requests.
#include <cstdio>
#include <ctime>

#include "core/date.h"
#include "recon/recon.h"
#include "sim_internal.h"

namespace yz::sim {

namespace {

Status fail(std::string msg) { return Status::error("YZ-SIM-FAULT", std::move(msg)); }

const char* kind_name(ReconFaultKind k) {
  switch (k) {
    case ReconFaultKind::Forget: return "forget";
    case ReconFaultKind::Phantom: return "phantom";
    case ReconFaultKind::Amount: return "amount";
    case ReconFaultKind::Reverse: return "reverse";
    case ReconFaultKind::Unreverse: return "unreverse";
  }
  return "?";
}

bool kind_of(const std::string& name, ReconFaultKind& out) {
  for (ReconFaultKind k : {ReconFaultKind::Forget, ReconFaultKind::Phantom, ReconFaultKind::Amount,
                           ReconFaultKind::Reverse, ReconFaultKind::Unreverse})
    if (name == kind_name(k)) {
      out = k;
      return true;
    }
  return false;
}

// "yyyy-MM-dd HH:mm:ss"
bool valid_time(const std::string& t) {
  if (t.size() != 19 || t[10] != ' ' || t[13] != ':' || t[16] != ':' || !parse_date(t.substr(0, 10))) return false;
  for (size_t i : {11, 12, 14, 15, 17, 18})
    if (t[i] < '0' || t[i] > '9') return false;
  return (t[11] - '0') * 10 + (t[12] - '0') < 24 && (t[14] - '0') < 6 && (t[17] - '0') < 6;
}

// A value safe for parse_kv: space, '%', '&', '+', '=' and controls %-encoded.
std::string encode(const std::string& v) {
  std::string out;
  for (unsigned char c : v) {
    if (c <= 0x20 || c == '%' || c == '&' || c == '+' || c == 0x7f) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// The settlement amount a field names (nullptr for an unknown field); a fund
// line of that type is added (zero) when `create` and there is none.
Fen* field_of(Settlement& s, const std::string& field, bool create) {
  if (field == "medfee_sumamt") return &s.split.medfee_sumamt;
  if (field == "fund_pay_sumamt") return &s.fund_pay_sumamt;
  if (field == "acct_pay") return &s.acct_pay;
  if (field == "psn_cash_pay") return &s.psn_cash_pay;
  if (field.rfind("fund_", 0) != 0) return nullptr;
  const int i = recon::fund_index(std::string_view(field).substr(5));
  if (i < 0) return nullptr;
  for (FundLine& f : s.funds)
    if (f.fund_pay_type && recon::fund_index(f.fund_pay_type) == i) return &f.fund_payamt;
  if (!create) return nullptr;
  s.funds.push_back(
      {recon::kFundTypes[size_t(i)], recon::fund_type_name(size_t(i)), Fen(), std::nullopt, Fen(), "SIM-RECON-FAULT"});
  return &s.funds.back().fund_payamt;
}

bool known_field(const std::string& field) {
  if (field == "medfee_sumamt" || field == "fund_pay_sumamt" || field == "acct_pay" || field == "psn_cash_pay")
    return true;
  return field.rfind("fund_", 0) == 0 && recon::fund_index(std::string_view(field).substr(5)) >= 0;
}

std::string next_setl_id(const gateway::PlatformData& d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "SETL%010llu", static_cast<unsigned long long>(d.seq + 1));
  return buf;
}

// A platform-style id "SETL" + 10 digits: reserved for the platform's own.
bool platform_style_id(const std::string& id) {
  if (id.size() != 14 || id.rfind("SETL", 0) != 0) return false;
  for (size_t i = 4; i < id.size(); ++i)
    if (id[i] < '0' || id[i] > '9') return false;
  return true;
}

}  // namespace

bool parse_recon_fault(const std::string& text, ReconFault& out, std::string& why) {
  out = ReconFault{};
  std::map<std::string, std::string> kv;
  if (!parse_kv(text, kv)) {
    why = "expected key=value pairs";
    return false;
  }
  auto amount = [&](const std::string& k, const std::string& v, bool negative_ok, Fen& into) {
    auto a = parse_amount(v, negative_ok);
    if (!a) {
      why = k + " must be an amount in yuan (\"1234.50\"" + (negative_ok ? ", \"-1.00\"" : "") + "): \"" +
            v.substr(0, 32) + "\"";
      return false;
    }
    into = *a;
    return true;
  };
  bool has_kind = false;
  for (const auto& [k, v] : kv) {
    if (v.size() > 64) {
      why = k + " is too long";
      return false;
    }
    if (k == "op" && v == "recon-fault") continue;  // the journal's tag
    if (k == "kind") {
      if (!kind_of(v, out.kind)) {
        why = "unknown kind \"" + v.substr(0, 32) + "\" (forget, phantom, amount, reverse, unreverse)";
        return false;
      }
      has_kind = true;
    } else if (k == "setl_id") {
      out.setl_id = v;
    } else if (k == "field") {
      out.field = v;
    } else if (k == "delta") {
      if (!amount(k, v, true, out.delta)) return false;
    } else if (k == "psn_no") {
      out.psn_no = v;
    } else if (k == "mdtrt_id") {
      out.mdtrt_id = v;
    } else if (k == "fixmedins_code") {
      out.fixmedins_code = v;
    } else if (k == "at") {
      out.at = v;
    } else if (k == "medfee_sumamt") {
      if (!amount(k, v, false, out.medfee_sumamt)) return false;
    } else if (k == "fund_pay_sumamt" || k == "acct_pay" || k == "psn_cash_pay") {
      Fen f;
      if (!amount(k, v, false, f)) return false;
      (k == "fund_pay_sumamt" ? out.fund_pay_sumamt : k == "acct_pay" ? out.acct_pay : out.psn_cash_pay) = f;
    } else if (k.rfind("fund_", 0) == 0 && recon::fund_index(std::string_view(k).substr(5)) >= 0) {
      Fen f;
      if (!amount(k, v, false, f)) return false;
      out.funds[k.substr(5)] = f;
    } else {
      why = "unknown key \"" + k.substr(0, 32) + "\"";
      return false;
    }
  }
  if (!has_kind) {
    why = "kind is required (forget, phantom, amount, reverse, unreverse)";
    return false;
  }
  return true;
}

std::string recon_fault_text(const ReconFault& f) {
  std::string out = std::string("kind=") + kind_name(f.kind);
  auto put = [&](const char* k, const std::string& v) {
    if (!v.empty()) out += std::string(" ") + k + "=" + encode(v);
  };
  put("setl_id", f.setl_id);
  if (f.kind == ReconFaultKind::Amount) {
    put("field", f.field);
    put("delta", f.delta.str());
  }
  if (f.kind == ReconFaultKind::Phantom) {
    put("psn_no", f.psn_no);
    put("mdtrt_id", f.mdtrt_id);
    put("fixmedins_code", f.fixmedins_code);
    put("medfee_sumamt", f.medfee_sumamt.str());
    if (f.fund_pay_sumamt) put("fund_pay_sumamt", f.fund_pay_sumamt->str());
    if (f.acct_pay) put("acct_pay", f.acct_pay->str());
    if (f.psn_cash_pay) put("psn_cash_pay", f.psn_cash_pay->str());
    for (const auto& [type, amt] : f.funds) put(("fund_" + type).c_str(), amt.str());
  }
  put("at", f.at);
  return out;
}

std::string recon_fault_edit_text(const ReconFault& f) { return "op=recon-fault " + recon_fault_text(f); }

void fill_fault_time(ReconFault& f) {
  if (!f.at.empty()) return;
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  f.at = buf;
}

Status apply_recon_fault(gateway::PlatformState& st, const ReconFault& f, bool dry_run, std::string& setl_id) {
  gateway::PlatformData& d = st.mutable_data();
  setl_id = f.setl_id;
  const bool timed = f.kind == ReconFaultKind::Phantom || f.kind == ReconFaultKind::Reverse;
  if (timed && !valid_time(f.at)) return fail("at must be a time \"yyyy-MM-dd HH:mm:ss\": \"" + f.at.substr(0, 32) + "\"");

  if (f.kind == ReconFaultKind::Phantom) {
    if (f.psn_no.empty() || f.mdtrt_id.empty()) return fail("phantom: psn_no and mdtrt_id are required");
    if (setl_id.empty()) {
      setl_id = next_setl_id(d);
    } else if (platform_style_id(setl_id)) {
      return fail("phantom: setl_id \"" + setl_id + "\" has the form of the platform's own ids (SETL + 10 digits); "
                  "leave it out or choose another");
    }
    if (d.settlements.count(setl_id)) return fail("phantom: setl_id \"" + setl_id + "\" already exists");
    auto stay = d.stays.find(f.mdtrt_id);
    std::string fixmedins = f.fixmedins_code;
    if (stay != d.stays.end()) {
      if (!fixmedins.empty() && fixmedins != stay->second.fixmedins_code)
        return fail("phantom: stay " + f.mdtrt_id + " belongs to " + stay->second.fixmedins_code + ", not " + fixmedins);
      fixmedins = stay->second.fixmedins_code;
      if (stay->second.admission.psn_no != f.psn_no)
        return fail("phantom: stay " + f.mdtrt_id + " is " + stay->second.admission.psn_no + "'s, not " + f.psn_no);
    } else if (fixmedins.empty()) {
      return fail("phantom: mdtrt_id " + f.mdtrt_id + " is not a stay the platform knows: fixmedins_code is required");
    }
    Settlement s;
    s.mdtrt_id = f.mdtrt_id;
    s.psn_no = f.psn_no;
    s.insutype = "390";
    s.begndate = s.enddate = *parse_date(f.at.substr(0, 10));
    s.split.medfee_sumamt = s.split.inscp_scp_amt = f.medfee_sumamt;
    Fen funds;
    for (const auto& [type, amt] : f.funds) funds += amt;
    s.fund_pay_sumamt = f.fund_pay_sumamt ? *f.fund_pay_sumamt : funds;
    s.acct_pay = f.acct_pay ? *f.acct_pay : Fen();
    s.psn_cash_pay = f.psn_cash_pay ? *f.psn_cash_pay : s.split.medfee_sumamt - s.fund_pay_sumamt - s.acct_pay;
    if (s.psn_cash_pay < Fen())
      return fail("phantom: psn_cash_pay would be negative (medfee_sumamt " + f.medfee_sumamt.str() +
                  " - fund_pay_sumamt " + s.fund_pay_sumamt.str() + " - acct_pay " + s.acct_pay.str() + ")");
    s.psn_part_amt = s.psn_cash_pay + s.acct_pay;
    if (f.funds.empty()) {
      if (s.fund_pay_sumamt > Fen()) {
        s.hifp_pay = s.fund_pay_sumamt;
        s.funds.push_back({recon::kFundTypes[0], recon::fund_type_name(0), s.split.medfee_sumamt, std::nullopt,
                           s.fund_pay_sumamt, "SIM-RECON-FAULT"});
      }
    } else {
      for (const auto& [type, amt] : f.funds) {
        const size_t i = size_t(recon::fund_index(type));
        s.funds.push_back({recon::kFundTypes[i], recon::fund_type_name(i), s.split.medfee_sumamt, std::nullopt, amt,
                           "SIM-RECON-FAULT"});
      }
    }
    s.accum_before.year = s.accum_after.year = s.enddate.y;
    if (dry_run) return Status::ok();
    if (f.setl_id.empty()) ++d.seq;  // the id was the platform's next one
    if (stay == d.stays.end()) {
      gateway::PlatformData::StayRecord sr;
      sr.admission.psn_no = f.psn_no;
      sr.admission.insutype = "390";
      sr.admission.mdtrt_id = f.mdtrt_id;
      sr.admission.begndate = s.begndate;
      sr.fixmedins_code = fixmedins;
      stay = d.stays.emplace(f.mdtrt_id, std::move(sr)).first;
    }
    stay->second.setl_ids.push_back(setl_id);  // on record, never "in force": the stay stays free to settle
    gateway::SettlementRecord rec;
    rec.setl_id = setl_id;
    rec.msgid = "SIM-RECON-FAULT-" + setl_id;
    rec.settlement = std::move(s);
    rec.setl_time = f.at;
    d.settlements.emplace(setl_id, std::move(rec));
    return Status::ok();
  }

  if (setl_id.empty()) return fail(std::string(kind_name(f.kind)) + ": setl_id is required");
  auto it = d.settlements.find(setl_id);
  if (it == d.settlements.end()) return fail(std::string(kind_name(f.kind)) + ": no settlement " + setl_id);
  gateway::SettlementRecord& rec = it->second;
  auto stay = d.stays.find(rec.settlement.mdtrt_id);

  switch (f.kind) {
    case ReconFaultKind::Forget:
      if (dry_run) return Status::ok();
      if (stay != d.stays.end()) {
        std::erase(stay->second.setl_ids, setl_id);
        if (stay->second.active_setl_id == setl_id) stay->second.active_setl_id.clear();
      }
      d.settlements.erase(it);
      return Status::ok();
    case ReconFaultKind::Amount: {
      if (!known_field(f.field))
        return fail("amount: field must be medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay or fund_<type> "
                    "(390100 390200 390300 610100 610102 610103): \"" + f.field.substr(0, 32) + "\"");
      if (f.delta == Fen()) return fail("amount: delta must not be zero");
      Settlement probe = rec.settlement;
      Fen* v = field_of(probe, f.field, true);
      const Fen after = *v + f.delta;
      if (after < Fen())
        return fail("amount: " + f.field + " of " + setl_id + " would become " + after.str() + " (now " + v->str() + ")");
      if (dry_run) return Status::ok();
      *field_of(rec.settlement, f.field, true) = after;
      return Status::ok();
    }
    case ReconFaultKind::Reverse:
      if (rec.reversed) return fail("reverse: " + setl_id + " is already reversed (" + rec.reverse_setl_id + ")");
      if (dry_run) return Status::ok();
      rec.reversed = true;
      rec.reverse_setl_id = "R" + setl_id;
      rec.reverse_time = f.at;
      if (stay != d.stays.end() && stay->second.active_setl_id == setl_id) stay->second.active_setl_id.clear();
      return Status::ok();
    case ReconFaultKind::Unreverse:
      if (!rec.reversed) return fail("unreverse: " + setl_id + " is not reversed");
      if (dry_run) return Status::ok();
      rec.reversed = false;
      rec.reverse_setl_id.clear();
      rec.reverse_time.clear();
      if (stay != d.stays.end() && stay->second.active_setl_id.empty()) stay->second.active_setl_id = setl_id;
      return Status::ok();
    case ReconFaultKind::Phantom:
      break;
  }
  return fail("unknown fault");
}

int expire_sessions(gateway::PlatformState& st) {
  int n = 0;
  for (auto& [sign_no, live] : st.mutable_data().sign_nos) {
    if (live) ++n;
    live = false;
  }
  return n;
}

Status apply_admin_edit(gateway::PlatformState& st, std::string_view text) {
  if (text == kExpireSessionsEdit) {
    expire_sessions(st);
    return Status::ok();
  }
  if (text.rfind("op=recon-fault ", 0) != 0)
    return fail("unknown admin edit \"" + std::string(text.substr(0, 40)) + "\"");
  ReconFault f;
  std::string why;
  if (!parse_recon_fault(std::string(text), f, why)) return fail("admin edit does not parse: " + why);
  std::string setl_id;
  return apply_recon_fault(st, f, false, setl_id);
}

}  // namespace yz::sim
