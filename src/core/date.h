// A calendar date (yyyy-MM-dd) as used by the policy (effective dates) and the
// messages (begndate, enddate, identity validity). No clocks: the engine gets
// every date from its input.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace yz {

struct Date {
  int y = 0, m = 0, d = 0;
  constexpr auto operator<=>(const Date&) const = default;
  std::string str() const;  // yyyy-MM-dd
  // Same day n months later (clamped to the month's last day).
  Date plus_months(int n) const;
  static constexpr Date min() { return {1, 1, 1}; }
  static constexpr Date max() { return {9999, 12, 31}; }
};

// Strict yyyy-MM-dd (a trailing " HH:mm:ss" is accepted and ignored, since
// identity validity times come as date-times from the platform).
std::optional<Date> parse_date(std::string_view s);

}  // namespace yz
