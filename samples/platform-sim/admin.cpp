// The admin endpoint's texts (sim_internal.h).
#include <cctype>

#include "sim_internal.h"

namespace yz::sim {

std::string settlements_tsv(const gateway::PlatformData& d) {
  std::string out;
  for (const auto& [id, rec] : d.settlements) {
    const Settlement& s = rec.settlement;
    out += id + '\t' + rec.msgid + '\t' + s.mdtrt_id + '\t' + s.psn_no + '\t' + s.split.medfee_sumamt.str() + '\t' +
           s.fund_pay_sumamt.str() + '\t' + s.psn_cash_pay.str() + '\t' + (rec.reversed ? "1" : "0") + '\n';
  }
  return out;
}

std::string accum_lines(const YearAccum& a) {
  std::string out;
  auto line = [&](const std::string& k, const std::string& v) { out += k + '=' + v + '\n'; };
  line("year", std::to_string(a.year));
  line("inpatient_stays", std::to_string(a.inpatient_stays));
  for (const NamedAmount& p : a.basic_paid) line("basic_paid." + p.name, p.amount.str());
  line("ci_base", a.ci_base.str());
  line("ci_paid", a.ci_paid.str());
  line("supp_base", a.supp_base.str());
  line("supp_paid", a.supp_paid.str());
  for (const NamedAmount& p : a.ma_paid) line("ma_paid." + p.name, p.amount.str());
  line("tilt_base", a.tilt_base.str());
  line("tilt_paid", a.tilt_paid.str());
  line("psn_burden", a.psn_burden.str());
  line("inscp_burden", a.inscp_burden.str());
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool parse_kv(std::string_view text, std::map<std::string, std::string>& out) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == '&' || std::isspace(static_cast<unsigned char>(text[i])))) ++i;
    if (i >= text.size()) break;
    size_t j = i;
    while (j < text.size() && text[j] != '&' && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    std::string_view tok = text.substr(i, j - i);
    const size_t eq = tok.find('=');
    if (eq == std::string_view::npos || eq == 0) return false;
    out[percent_decode(tok.substr(0, eq))] = percent_decode(tok.substr(eq + 1));
    i = j;
  }
  return true;
}

}  // namespace yz::sim
