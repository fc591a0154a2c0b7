#include "core/money.h"

#include <cstdlib>

namespace yz {

std::string Fen::str() const {
  // Work on the magnitude as unsigned so INT64_MIN prints too.
  uint64_t mag = v_ < 0 ? uint64_t(0) - uint64_t(v_) : uint64_t(v_);
  std::string s = std::to_string(mag / 100);
  unsigned cents = unsigned(mag % 100);
  s += '.';
  s += char('0' + cents / 10);
  s += char('0' + cents % 10);
  return v_ < 0 ? "-" + s : s;
}

std::string Bp::str() const {
  int32_t mag = v_ < 0 ? -v_ : v_;
  std::string frac = std::to_string(mag % kOne);
  frac.insert(0, 4 - frac.size(), '0');
  return (v_ < 0 ? "-" : "") + std::to_string(mag / kOne) + "." + frac;
}

std::string Bp::percent_str() const {
  std::string s = std::to_string(v_ / 100);
  int rem = std::abs(v_ % 100);
  if (rem) {
    s += '.';
    s += char('0' + rem / 10);
    if (rem % 10) s += char('0' + rem % 10);
  }
  return s + "%";
}

Fen round_half_up(Exact e) {
  const int64_t raw = e.raw();
  const int64_t q = raw / Exact::kScale;
  const int64_t r = raw % Exact::kScale;  // same sign as raw
  if (r >= Exact::kScale / 2) return Fen(q + 1);
  if (r <= -Exact::kScale / 2) return Fen(q - 1);
  return Fen(q);
}

namespace {
// Parses [digits][.digits] with bounded decimals into an integer scaled by
// 10^places. Returns false on any character outside the grammar.
bool parse_fixed(std::string_view s, int places, int64_t limit, int64_t& out) {
  if (s.empty()) return false;
  int64_t whole = 0;
  size_t i = 0;
  size_t int_digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (++int_digits > 13) return false;
    whole = whole * 10 + (s[i] - '0');
  }
  if (int_digits == 0) return false;
  int64_t frac = 0;
  int frac_digits = 0;
  if (i < s.size()) {
    if (s[i] != '.') return false;
    ++i;
    if (i == s.size()) return false;  // "12." is not a number here
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      if (++frac_digits > places) return false;
      frac = frac * 10 + (s[i] - '0');
    }
  }
  for (int k = frac_digits; k < places; ++k) frac *= 10;
  int64_t scale = 1;
  for (int k = 0; k < places; ++k) scale *= 10;
  int64_t v;
  if (__builtin_mul_overflow(whole, scale, &v) || __builtin_add_overflow(v, frac, &v)) return false;
  if (v > limit) return false;
  out = v;
  return true;
}
}  // namespace

std::optional<Fen> parse_amount(std::string_view s, bool allow_negative) {
  bool neg = false;
  if (!s.empty() && s[0] == '-') {
    if (!allow_negative) return std::nullopt;
    neg = true;
    s.remove_prefix(1);
  }
  int64_t v;
  if (!parse_fixed(s, 2, kMaxAmount.fen(), v)) return std::nullopt;
  return Fen(neg ? -v : v);
}

std::optional<Bp> parse_ratio(std::string_view s) {
  int64_t v;
  if (!s.empty() && s.back() == '%') {
    if (!parse_fixed(s.substr(0, s.size() - 1), 2, 10000, v)) return std::nullopt;
    return Bp(int32_t(v));
  }
  if (!parse_fixed(s, 4, Bp::kOne, v)) return std::nullopt;
  return Bp(int32_t(v));
}

}  // namespace yz
