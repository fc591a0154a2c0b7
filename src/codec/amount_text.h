// Amounts as text without temporaries, for the response writer and the trace
// sentences (hot when a 2303 is answered): the same characters as Fen::str()
// ("-12.05", "0.00", INT64_MIN included).
#pragma once

#include <cstdint>
#include <string>

#include "core/money.h"

namespace yz::codec {

inline void append_amount(std::string& out, Fen f) {
  const int64_t v = f.fen();
  uint64_t mag = v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v);
  char buf[24];
  char* p = buf + sizeof buf;
  const unsigned cents = unsigned(mag % 100);
  *--p = char('0' + cents % 10);
  *--p = char('0' + cents / 10);
  *--p = '.';
  mag /= 100;
  do {
    *--p = char('0' + mag % 10);
    mag /= 10;
  } while (mag != 0);
  if (v < 0) *--p = '-';
  out.append(p, size_t(buf + sizeof buf - p));
}

// "12.05 元"
inline std::string yuan_text(Fen f) {
  std::string s;  // no allocation up to 15 bytes: "12345678.90 元"
  append_amount(s, f);
  s += " 元";
  return s;
}

}  // namespace yz::codec
