// The parts of the Ledger port every implementation shares: state names, the
// defaults of a ledger without a journal, and the stable text forms of
// accumulators and fee lines (ledger.h).
#include <charconv>

#include "service/ledger.h"

namespace yz::service {

const char* call_state_code(CallState s) {
  switch (s) {
    case CallState::Prepared: return "prepared";
    case CallState::Sent: return "sent";
    case CallState::Confirmed: return "confirmed";
    case CallState::Rejected: return "rejected";
    case CallState::Unknown: return "unknown";
    case CallState::Resolved: return "resolved";
  }
  return "";
}

std::optional<CallState> parse_call_state(std::string_view s) {
  for (CallState c : {CallState::Prepared, CallState::Sent, CallState::Confirmed, CallState::Rejected,
                      CallState::Unknown, CallState::Resolved})
    if (s == call_state_code(c)) return c;
  return std::nullopt;
}

// ---- defaults: a ledger without a journal -----------------------------------

Status Ledger::journal_sent(const PlatformCall&, std::optional<PlatformCall>& existing) {
  existing.reset();
  return Status::ok();
}

Status Ledger::journal_update(const PlatformCall&, CallEffects fx, const RecoveryEntry*) {
  return apply_effects_plain(*this, fx);
}

Status Ledger::find_call(const std::string&, std::optional<PlatformCall>& out) {
  out.reset();
  return Status::ok();
}

Status Ledger::list_calls(const CallQuery&, std::vector<PlatformCall>& out) {
  out.clear();
  return Status::ok();
}

Status Ledger::list_settlements(const std::string&, const std::string&, std::vector<SettlementEntry>& out) {
  out.clear();
  return Status::error("YZ-LEDGER-UNSUPPORTED", "此账本不支持按期间列出结算（对账）");
}

Status Ledger::log_recovery(const RecoveryEntry&) { return Status::ok(); }

Status Ledger::list_recovery(std::vector<RecoveryEntry>& out) {
  out.clear();
  return Status::ok();
}

Status Ledger::put_accum(const AccumRecord&, bool& changed) {
  changed = false;
  return Status::ok();
}

Status Ledger::get_accum(const std::string&, int, std::optional<AccumRecord>& out) {
  out.reset();
  return Status::ok();
}

Status Ledger::archive(const std::string&, ArchiveReport& out) {
  out = ArchiveReport{};
  return Status::ok();
}

Status apply_effects_plain(Ledger& l, const CallEffects& fx) {
  if (fx.insert_stay)
    if (Status s = l.put_stay(*fx.insert_stay); !s) return s;
  const bool stay_ops = !fx.add_lines.empty() || !fx.remove_lines.empty() || fx.remove_all_lines ||
                        !fx.set_setl_id.empty() || !fx.clear_setl_id.empty();
  if (!fx.stay_id.empty() && stay_ops) {
    std::optional<StayRecord> st;
    if (Status s = l.get_stay(fx.stay_id, st); !s) return s;
    if (st) {
      if (fx.remove_all_lines) st->lines.clear();
      for (const std::string& sn : fx.remove_lines)
        std::erase_if(st->lines, [&](const FeeLine& x) { return x.feedetl_sn == sn; });
      for (const FeeLine& x : fx.add_lines) st->lines.push_back(x);
      if (!fx.set_setl_id.empty()) st->setl_id = fx.set_setl_id;
      if (!fx.clear_setl_id.empty() && st->setl_id == fx.clear_setl_id) st->setl_id.clear();
      if (Status s = l.put_stay(*st); !s) return s;
    }
  }
  if (fx.new_settlement)
    if (Status s = l.put_settlement(*fx.new_settlement); !s) return s;
  if (!fx.reversed_setl_id.empty()) {
    std::optional<SettlementEntry> e;
    if (Status s = l.get_settlement(fx.reversed_setl_id, e); !s) return s;
    if (e && !e->reversed) {
      e->reversed = true;
      e->reverse_setl_id = fx.reverse_setl_id;
      if (Status s = l.put_settlement(*e); !s) return s;
    }
  }
  bool changed = false;
  if (fx.accum_set) {
    AccumRecord a{fx.accum_psn_no, *fx.accum_set, fx.accum_source, fx.accum_msgid, fx.at};
    if (Status s = l.put_accum(a, changed); !s) return s;
  }
  if (fx.accum_undo) {
    std::optional<AccumRecord> cur;
    if (Status s = l.get_accum(fx.accum_psn_no, fx.accum_undo->year, cur); !s) return s;
    if (cur) {
      AccumRecord a{fx.accum_psn_no, cur->accum.plus(*fx.accum_undo, -1), fx.accum_source, fx.accum_msgid,
                    fx.at};
      a.accum.year = cur->accum.year;
      if (Status s = l.put_accum(a, changed); !s) return s;
    }
  }
  return Status::ok();
}

// ---- text forms ---------------------------------------------------------------

namespace {

bool plain_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '.' ||
         c == '-' || static_cast<unsigned char>(c) >= 0x80;
}

void escape(std::string& out, std::string_view v) {
  static const char* hex = "0123456789ABCDEF";
  for (char c : v) {
    if (plain_char(c)) {
      out += c;
    } else {
      out += '%';
      out += hex[(static_cast<unsigned char>(c) >> 4) & 15];
      out += hex[static_cast<unsigned char>(c) & 15];
    }
  }
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool unescape(std::string_view v, std::string& out) {
  out.clear();
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '%') {
      out += v[i];
      continue;
    }
    if (i + 2 >= v.size()) return false;
    const int a = hexval(v[i + 1]), b = hexval(v[i + 2]);
    if (a < 0 || b < 0) return false;
    out += static_cast<char>(a * 16 + b);
    i += 2;
  }
  return true;
}

bool to_i64(std::string_view v, int64_t& out) {
  if (v.empty()) return false;
  auto r = std::from_chars(v.data(), v.data() + v.size(), out);
  return r.ec == std::errc() && r.ptr == v.data() + v.size();
}

std::vector<std::string_view> split(std::string_view v, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= v.size(); ++i) {
    if (i == v.size() || v[i] == sep) {
      parts.push_back(v.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

void add_pools(std::string& out, const std::vector<NamedAmount>& v) {
  bool first = true;
  for (const NamedAmount& n : v) {
    if (!first) out += ',';
    first = false;
    escape(out, n.name);
    out += ':';
    out += std::to_string(n.amount.fen());
  }
}

bool read_pools(std::string_view v, std::vector<NamedAmount>& out) {
  out.clear();
  if (v.empty()) return true;
  for (std::string_view p : split(v, ',')) {
    const size_t colon = p.rfind(':');
    if (colon == std::string_view::npos) return false;
    NamedAmount n;
    int64_t f = 0;
    if (!unescape(p.substr(0, colon), n.name) || !to_i64(p.substr(colon + 1), f)) return false;
    n.amount = Fen(f);
    out.push_back(std::move(n));
  }
  return true;
}

}  // namespace

// y=2023;n=1;bp=inpatient:3960000;cb=…;cp=…;sb=…;sp=…;mp=main:0;tb=…;tp=…;pb=…;ib=… (fen)
std::string encode_accum(const YearAccum& a) {
  std::string o = "y=" + std::to_string(a.year) + ";n=" + std::to_string(a.inpatient_stays) + ";bp=";
  add_pools(o, a.basic_paid);
  auto f = [&](const char* k, Fen v) { o += std::string(";") + k + "=" + std::to_string(v.fen()); };
  f("cb", a.ci_base);
  f("cp", a.ci_paid);
  f("sb", a.supp_base);
  f("sp", a.supp_paid);
  o += ";mp=";
  add_pools(o, a.ma_paid);
  f("tb", a.tilt_base);
  f("tp", a.tilt_paid);
  f("pb", a.psn_burden);
  f("ib", a.inscp_burden);
  return o;
}

bool decode_accum(std::string_view text, YearAccum& out) {
  YearAccum a;
  for (std::string_view kv : split(text, ';')) {
    const size_t eq = kv.find('=');
    if (eq == std::string_view::npos) return false;
    const std::string_view k = kv.substr(0, eq), v = kv.substr(eq + 1);
    int64_t n = 0;
    if (k == "bp") {
      if (!read_pools(v, a.basic_paid)) return false;
      continue;
    }
    if (k == "mp") {
      if (!read_pools(v, a.ma_paid)) return false;
      continue;
    }
    if (!to_i64(v, n)) return false;
    if (k == "y") a.year = int(n);
    else if (k == "n") a.inpatient_stays = int(n);
    else if (k == "cb") a.ci_base = Fen(n);
    else if (k == "cp") a.ci_paid = Fen(n);
    else if (k == "sb") a.supp_base = Fen(n);
    else if (k == "sp") a.supp_paid = Fen(n);
    else if (k == "tb") a.tilt_base = Fen(n);
    else if (k == "tp") a.tilt_paid = Fen(n);
    else if (k == "pb") a.psn_burden = Fen(n);
    else if (k == "ib") a.inscp_burden = Fen(n);
    else return false;
  }
  out = std::move(a);
  return true;
}

// One line per fee line: sn TAB codg TAB lv TAB amount TAB cnt_e4 TAB pric TAB uplmt TAB selfpay_bp
// (fen and basis points; an absent optional is empty; text fields percent-escaped).
std::string encode_lines(const std::vector<FeeLine>& lines) {
  std::string o;
  for (const FeeLine& l : lines) {
    escape(o, l.feedetl_sn);
    o += '\t';
    escape(o, l.med_list_codg);
    o += '\t' + std::to_string(l.chrgitm_lv) + '\t' + std::to_string(l.det_item_fee_sumamt.fen()) + '\t';
    if (l.cnt_e4) o += std::to_string(*l.cnt_e4);
    o += '\t';
    if (l.pric) o += std::to_string(l.pric->fen());
    o += '\t';
    if (l.pric_uplmt_amt) o += std::to_string(l.pric_uplmt_amt->fen());
    o += '\t' + std::to_string(l.selfpay_prop.bp()) + '\n';
  }
  return o;
}

bool decode_lines(std::string_view text, std::vector<FeeLine>& out) {
  out.clear();
  for (std::string_view row : split(text, '\n')) {
    if (row.empty()) continue;
    auto f = split(row, '\t');
    if (f.size() != 8) return false;
    FeeLine l;
    int64_t n = 0;
    if (!unescape(f[0], l.feedetl_sn) || !unescape(f[1], l.med_list_codg)) return false;
    if (!to_i64(f[2], n)) return false;
    l.chrgitm_lv = int(n);
    if (!to_i64(f[3], n)) return false;
    l.det_item_fee_sumamt = Fen(n);
    if (!f[4].empty()) {
      if (!to_i64(f[4], n)) return false;
      l.cnt_e4 = n;
    }
    if (!f[5].empty()) {
      if (!to_i64(f[5], n)) return false;
      l.pric = Fen(n);
    }
    if (!f[6].empty()) {
      if (!to_i64(f[6], n)) return false;
      l.pric_uplmt_amt = Fen(n);
    }
    if (!to_i64(f[7], n)) return false;
    l.selfpay_prop = Bp(int32_t(n));
    out.push_back(std::move(l));
  }
  return true;
}

}  // namespace yz::service
