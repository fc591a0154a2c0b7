// Money is integer fen (分); ratios are basis points (1/10000). No floating point.
//
// Fen      : an amount, int64, overflow-checked, no implicit conversions.
// Bp       : a ratio in basis points (7000 = 70%).
// Exact    : an intermediate amount in 1/10000 fen, the exact product Fen x Bp.
//            It becomes Fen only through round_half_up(), the one named rounding
//            (half-up to the fen), applied once per tier result (RULES.md §0).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace yz {

// Thrown by checked arithmetic; caught at every boundary (CLI, C ABI) and
// reported as a business error, never across the ABI.
struct MoneyOverflow : std::overflow_error {
  using std::overflow_error::overflow_error;
};

namespace detail {
inline int64_t checked_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) throw MoneyOverflow("amount overflow (add)");
  return r;
}
inline int64_t checked_sub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) throw MoneyOverflow("amount overflow (sub)");
  return r;
}
inline int64_t checked_mul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) throw MoneyOverflow("amount overflow (mul)");
  return r;
}
}  // namespace detail

class Fen {
 public:
  constexpr Fen() = default;
  constexpr explicit Fen(int64_t fen) : v_(fen) {}
  static constexpr Fen zero() { return Fen(); }
  static constexpr Fen yuan(int64_t y) { return Fen(y * 100); }

  constexpr int64_t fen() const { return v_; }
  constexpr bool is_zero() const { return v_ == 0; }
  constexpr bool is_negative() const { return v_ < 0; }

  Fen operator+(Fen o) const { return Fen(detail::checked_add(v_, o.v_)); }
  Fen operator-(Fen o) const { return Fen(detail::checked_sub(v_, o.v_)); }
  Fen& operator+=(Fen o) { return *this = *this + o; }
  Fen& operator-=(Fen o) { return *this = *this - o; }
  Fen operator*(int64_t k) const { return Fen(detail::checked_mul(v_, k)); }

  constexpr auto operator<=>(const Fen&) const = default;

  // "123.45", "-0.50"; always two decimals.
  std::string str() const;

 private:
  int64_t v_ = 0;
};

inline Fen min(Fen a, Fen b) { return a < b ? a : b; }
inline Fen max(Fen a, Fen b) { return a < b ? b : a; }
// max(0, a)
inline Fen pos(Fen a) { return a.is_negative() ? Fen() : a; }

class Bp {
 public:
  static constexpr int32_t kOne = 10000;
  constexpr Bp() = default;
  constexpr explicit Bp(int32_t bp) : v_(bp) {}
  static constexpr Bp percent(int32_t p) { return Bp(p * 100); }
  constexpr int32_t bp() const { return v_; }
  constexpr auto operator<=>(const Bp&) const = default;
  Bp operator+(Bp o) const { return Bp(v_ + o.v_); }
  // "0.7000" (four places, as in the HIS messages)
  std::string str() const;
  // "70%" / "72.5%" for human text
  std::string percent_str() const;

 private:
  int32_t v_ = 0;
};

// An exact amount in 1/10000 fen: what Fen x Bp yields before rounding.
class Exact {
 public:
  static constexpr int64_t kScale = 10000;
  constexpr Exact() = default;
  static Exact of(Fen f) { return Exact(detail::checked_mul(f.fen(), kScale)); }
  static Exact times(Fen f, Bp r) { return Exact(detail::checked_mul(f.fen(), r.bp())); }
  // f x q / 10000 where q is a quantity scaled by 10000 (1.5 -> 15000).
  static Exact scaled(Fen f, int64_t q_e4) { return Exact(detail::checked_mul(f.fen(), q_e4)); }
  constexpr int64_t raw() const { return v_; }
  Exact operator+(Exact o) const { return Exact(detail::checked_add(v_, o.v_)); }
  Exact operator-(Exact o) const { return Exact(detail::checked_sub(v_, o.v_)); }
  bool is_negative() const { return v_ < 0; }
  Exact& operator+=(Exact o) { return *this = *this + o; }
  constexpr auto operator<=>(const Exact&) const = default;

 private:
  constexpr explicit Exact(int64_t raw) : v_(raw) {}
  int64_t v_ = 0;
};

// The one rounding of this product: half-up to the fen (away from zero at .5).
// 29743.675 yuan -> 29743.68 yuan.
Fen round_half_up(Exact e);

// ratio x amount, rounded half-up to the fen.
inline Fen apply_ratio(Fen base, Bp r) { return round_half_up(Exact::times(base, r)); }

// Largest amount accepted anywhere: 9,999,999,999.99 yuan.
inline constexpr Fen kMaxAmount = Fen(999'999'999'999);

// Strict decimal parsing straight to fen: digits, optional '.', at most two
// decimals, no sign unless allow_negative, no exponent, no spaces, <= kMaxAmount.
// Never strtod. Returns nullopt on anything else.
std::optional<Fen> parse_amount(std::string_view s, bool allow_negative = false);

// Ratio parsing: "0.7000" (decimal fraction, at most 4 places) or "70%" /
// "72.5%" (percent, at most 2 places). Range 0..10000 bp.
std::optional<Bp> parse_ratio(std::string_view s);

}  // namespace yz
