#include "core/date.h"

#include <cstdio>

namespace yz {

namespace {
bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in(int y, int m) {
  static const int k[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : k[m - 1];
}
bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}
}  // namespace

std::string Date::str() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

Date Date::plus_months(int n) const {
  int total = y * 12 + (m - 1) + n;
  Date r{total / 12, total % 12 + 1, d};
  if (r.d > days_in(r.y, r.m)) r.d = days_in(r.y, r.m);
  return r;
}

std::optional<Date> parse_date(std::string_view s) {
  if (s.size() != 10 && s.size() != 19) return std::nullopt;
  if (s[4] != '-' || s[7] != '-') return std::nullopt;
  Date r;
  if (!digits(s, 0, 4, r.y) || !digits(s, 5, 2, r.m) || !digits(s, 8, 2, r.d)) return std::nullopt;
  if (r.y < 1900 || r.m < 1 || r.m > 12 || r.d < 1 || r.d > days_in(r.y, r.m)) return std::nullopt;
  if (s.size() == 19) {
    int hh, mm, ss;
    if (s[10] != ' ' || s[13] != ':' || s[16] != ':') return std::nullopt;
    if (!digits(s, 11, 2, hh) || !digits(s, 14, 2, mm) || !digits(s, 17, 2, ss)) return std::nullopt;
    if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;
  }
  return r;
}

}  // namespace yz
