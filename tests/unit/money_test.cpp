// yz::Fen, yz::Bp, yz::Exact (src/core/money.h): strict parsing, the one
// rounding (half-up to the fen, away from zero at .5), checked arithmetic and
// formatting. Expected values worked out by hand in the comments.
#include <cstdint>
#include <limits>
#include <string>

#include "core/money.h"
#include "test_support.h"

using namespace yz;

namespace {

#define EXPECT_YUAN(actual, text) EXPECT_EQ((actual).str(), std::string(text))

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();

// fen value of a parsed amount; nullopt when rejected
std::optional<int64_t> fen_of(std::string_view s, bool neg = false) {
  auto f = parse_amount(s, neg);
  if (!f) return std::nullopt;
  return f->fen();
}

}  // namespace

// ---------------------------------------------------------------------------
// parse_amount
TEST(MoneyParseAmount, Accepts) {
  EXPECT_EQ(fen_of("0"), 0);                          // 0 yuan = 0 fen
  EXPECT_EQ(fen_of("0.5"), 50);                       // 0.5 yuan = 50 fen
  EXPECT_EQ(fen_of("0.05"), 5);                       // 5 fen
  EXPECT_EQ(fen_of("123.45"), 12345);                 // 123 x 100 + 45
  EXPECT_EQ(fen_of("123.4"), 12340);                  // one decimal: 40 fen
  EXPECT_EQ(fen_of("7"), 700);
  EXPECT_EQ(fen_of("9999999999.99"), 999999999999);   // the largest amount (kMaxAmount)
  EXPECT_EQ(*parse_amount("9999999999.99"), kMaxAmount);
  EXPECT_EQ(fen_of("0.00"), 0);
}

TEST(MoneyParseAmount, Rejects) {
  const char* bad[] = {
      "",                // empty
      ".5",              // no integer digit
      "1.",              // dot without decimals
      "1.234",           // three decimals
      "1e5",             // exponent
      "+1",              // plus sign
      "-1",              // minus sign without allow_negative
      " 1",              // leading space
      "1 ",              // trailing space
      "10000000000.00",  // 10^10 yuan > 9999999999.99
      "\xEF\xBC\x91",    // "１" full-width digit one (U+FF11)
      "0x10",            // hexadecimal
      "1,000.00",        // thousands separator
      "1.2.3",           // two dots
      "-",               // sign alone
      "NaN",
      "inf",
  };
  for (const char* s : bad) {
    SCOPED_TRACE(std::string("\"") + s + "\"");
    EXPECT_FALSE(parse_amount(s).has_value());
  }
}

TEST(MoneyParseAmount, NegativeOnlyWhenAllowed) {
  EXPECT_FALSE(parse_amount("-1").has_value());
  EXPECT_EQ(fen_of("-1", true), -100);                 // -1 yuan = -100 fen
  EXPECT_EQ(fen_of("-0.50", true), -50);
  EXPECT_EQ(fen_of("-9999999999.99", true), -999999999999);
  EXPECT_FALSE(parse_amount("-10000000000.00", true).has_value());  // beyond the limit in magnitude
  EXPECT_FALSE(parse_amount("--1", true).has_value());
  EXPECT_FALSE(parse_amount("-", true).has_value());
  EXPECT_FALSE(parse_amount("+1", true).has_value());
  EXPECT_FALSE(parse_amount("- 1", true).has_value());
  EXPECT_EQ(fen_of("12.34", true), 1234);              // positives still fine
}

// ---------------------------------------------------------------------------
// round_half_up: Exact is in 1/10000 fen; Fen(x) x Bp(1) = x / 10000 fen exactly.
TEST(MoneyRounding, HalfUpAtFenBoundaries) {
  // +0.4999 fen -> 0; +0.5000 fen -> 1 fen
  EXPECT_EQ(round_half_up(Exact::times(Fen(4999), Bp(1))).fen(), 0);
  EXPECT_EQ(round_half_up(Exact::times(Fen(5000), Bp(1))).fen(), 1);
  // +1.4999 fen -> 1; +1.5000 fen -> 2
  EXPECT_EQ(round_half_up(Exact::times(Fen(14999), Bp(1))).fen(), 1);
  EXPECT_EQ(round_half_up(Exact::times(Fen(15000), Bp(1))).fen(), 2);
  // +0.5001 fen -> 1; +0.9999 fen -> 1
  EXPECT_EQ(round_half_up(Exact::times(Fen(5001), Bp(1))).fen(), 1);
  EXPECT_EQ(round_half_up(Exact::times(Fen(9999), Bp(1))).fen(), 1);
  // -0.4999 fen -> 0; -0.5000 fen -> -1 (away from zero)
  EXPECT_EQ(round_half_up(Exact::times(Fen(-4999), Bp(1))).fen(), 0);
  EXPECT_EQ(round_half_up(Exact::times(Fen(-5000), Bp(1))).fen(), -1);
  // -1.4999 fen -> -1; -1.5000 fen -> -2
  EXPECT_EQ(round_half_up(Exact::times(Fen(-14999), Bp(1))).fen(), -1);
  EXPECT_EQ(round_half_up(Exact::times(Fen(-15000), Bp(1))).fen(), -2);
  // exact whole fen stays: 12345 fen x 100% = 12345 fen; -12345 likewise
  EXPECT_EQ(round_half_up(Exact::of(Fen(12345))).fen(), 12345);
  EXPECT_EQ(round_half_up(Exact::of(Fen(-12345))).fen(), -12345);
  EXPECT_EQ(round_half_up(Exact::times(Fen(12345), Bp(10000))).fen(), 12345);
  EXPECT_EQ(round_half_up(Exact()).fen(), 0);
}

TEST(MoneyRounding, WorkedExamples) {
  // RULES.md §0: 29743.675 yuan -> 29743.68. 5948735 fen x 50% = 2974367.5 fen -> 2974368 fen.
  EXPECT_YUAN(round_half_up(Exact::times(Fen(5948735), Bp(5000))), "29743.68");
  // 3510.05 x 70% = 2457.035 -> 2457.04
  EXPECT_YUAN(apply_ratio(Fen(351005), Bp(7000)), "2457.04");
  // 1500.02 x 85% = 1275.017 -> 1275.02
  EXPECT_YUAN(apply_ratio(Fen(150002), Bp(8500)), "1275.02");
  // 10000.10 x 15% = 1500.015 -> 1500.02
  EXPECT_YUAN(apply_ratio(Fen(1000010), Bp(1500)), "1500.02");
  // 0.01 x 65% = 0.0065 -> 0.01; 0.01 x 40% = 0.004 -> 0.00
  EXPECT_YUAN(apply_ratio(Fen(1), Bp(6500)), "0.01");
  EXPECT_YUAN(apply_ratio(Fen(1), Bp(4000)), "0.00");
  // Sums stay exact until the one rounding: 0.25 fen + 0.25 fen = 0.5 fen -> 1 fen
  // (rounding each first would give 0 + 0 = 0).
  Exact e = Exact::times(Fen(1), Bp(2500)) + Exact::times(Fen(1), Bp(2500));
  EXPECT_EQ(round_half_up(e).fen(), 1);
  // Segments: 0.6 x 50000.00 + 0.7 x 200.00 = 30000.00 + 140.00 = 30140.00
  Exact seg = Exact::times(Fen(5000000), Bp(6000)) + Exact::times(Fen(20000), Bp(7000));
  EXPECT_YUAN(round_half_up(seg), "30140.00");
  // Difference of exacts: 0.3 fen - 0.9 fen = -0.6 fen -> -1 fen
  Exact d = Exact::times(Fen(1), Bp(3000)) - Exact::times(Fen(1), Bp(9000));
  EXPECT_EQ(round_half_up(d).fen(), -1);
}

// ---------------------------------------------------------------------------
// Checked arithmetic.
TEST(MoneyOverflowTest, ThrowsMoneyOverflow) {
  EXPECT_THROW(Fen(kI64Max) + Fen(1), MoneyOverflow);
  EXPECT_THROW(Fen(kI64Min) - Fen(1), MoneyOverflow);
  EXPECT_THROW(Fen(kI64Min) + Fen(-1), MoneyOverflow);
  EXPECT_THROW(Fen(kI64Max) * 2, MoneyOverflow);
  EXPECT_THROW(Fen(kI64Min) * -1, MoneyOverflow);
  EXPECT_THROW(Fen(0) - Fen(kI64Min), MoneyOverflow);
  {
    Fen f(kI64Max);
    EXPECT_THROW(f += Fen(1), MoneyOverflow);
    Fen g(kI64Min);
    EXPECT_THROW(g -= Fen(1), MoneyOverflow);
  }
  // Exact is fen x 10000: anything above INT64_MAX / 10000 fen overflows.
  EXPECT_THROW(Exact::of(Fen(kI64Max / 10000 + 1)), MoneyOverflow);
  EXPECT_THROW(Exact::times(Fen(kI64Max / 10000 + 1), Bp(10000)), MoneyOverflow);
  {
    Exact big = Exact::of(Fen(kI64Max / 10000));
    EXPECT_THROW(big + big, MoneyOverflow);
    EXPECT_THROW(Exact::of(Fen(-(kI64Max / 10000))) - big, MoneyOverflow);
  }
  // MoneyOverflow is an std::overflow_error.
  EXPECT_THROW(Fen(kI64Max) + Fen(1), std::overflow_error);
}

TEST(MoneyOverflowTest, NoThrowAtTheEdges) {
  EXPECT_EQ((Fen(kI64Max - 1) + Fen(1)).fen(), kI64Max);
  EXPECT_EQ((Fen(kI64Min + 1) - Fen(1)).fen(), kI64Min);
  EXPECT_EQ((Fen(kI64Max / 2) * 2).fen(), kI64Max - 1);  // INT64_MAX is odd
  // The largest amount times 100% is far inside Exact's range: 999999999999 x 10000 < 9.22e18.
  EXPECT_YUAN(apply_ratio(kMaxAmount, Bp(10000)), "9999999999.99");
  // And a sum of a thousand maximal amounts is still a Fen.
  Fen sum;
  for (int i = 0; i < 1000; ++i) sum += kMaxAmount;
  EXPECT_EQ(sum.fen(), 999999999999LL * 1000);
}

// ---------------------------------------------------------------------------
// Formatting.
TEST(MoneyFormat, Str) {
  EXPECT_EQ(Fen().str(), "0.00");
  EXPECT_EQ(Fen(5).str(), "0.05");
  EXPECT_EQ(Fen(50).str(), "0.50");
  EXPECT_EQ(Fen(12345).str(), "123.45");
  EXPECT_EQ(Fen(100).str(), "1.00");
  EXPECT_EQ(Fen::yuan(3).str(), "3.00");
  EXPECT_EQ(Fen(-5).str(), "-0.05");
  EXPECT_EQ(Fen(-50).str(), "-0.50");
  EXPECT_EQ(Fen(-12345).str(), "-123.45");
  EXPECT_EQ(kMaxAmount.str(), "9999999999.99");
  EXPECT_EQ(Fen(kI64Max).str(), "92233720368547758.07");   // 9223372036854775807 fen
  EXPECT_EQ(Fen(kI64Min).str(), "-92233720368547758.08");  // -9223372036854775808 fen
  // Round trip through parse_amount.
  for (const char* s : {"0.00", "0.01", "123.45", "9999999999.99", "100.10"}) {
    EXPECT_EQ(parse_amount(s)->str(), s);
  }
  EXPECT_EQ(parse_amount("-0.01", true)->str(), "-0.01");
}

TEST(MoneyFormat, BpStr) {
  EXPECT_EQ(Bp(7000).str(), "0.7000");
  EXPECT_EQ(Bp(10000).str(), "1.0000");
  EXPECT_EQ(Bp(5).str(), "0.0005");
  EXPECT_EQ(Bp(0).str(), "0.0000");
  EXPECT_EQ(Bp(7000).percent_str(), "70%");
  EXPECT_EQ(Bp(7250).percent_str(), "72.5%");
  EXPECT_EQ(Bp(7255).percent_str(), "72.55%");
  EXPECT_EQ(Bp(5).percent_str(), "0.05%");
  EXPECT_EQ(Bp::percent(85).bp(), 8500);
  EXPECT_EQ((Bp(6000) + Bp(500)).bp(), 6500);  // 60% + 5 points
}

// ---------------------------------------------------------------------------
// parse_ratio: "0.7000" (at most 4 places) or "70%" (at most 2 places); 0..100%.
TEST(MoneyParseRatio, Accepts) {
  EXPECT_EQ(parse_ratio("0.7000")->bp(), 7000);
  EXPECT_EQ(parse_ratio("0.7")->bp(), 7000);
  EXPECT_EQ(parse_ratio("70%")->bp(), 7000);
  EXPECT_EQ(parse_ratio("72.5%")->bp(), 7250);
  EXPECT_EQ(parse_ratio("72.55%")->bp(), 7255);
  EXPECT_EQ(parse_ratio("100%")->bp(), 10000);
  EXPECT_EQ(parse_ratio("1")->bp(), 10000);
  EXPECT_EQ(parse_ratio("1.0000")->bp(), 10000);
  EXPECT_EQ(parse_ratio("0")->bp(), 0);
  EXPECT_EQ(parse_ratio("0%")->bp(), 0);
  EXPECT_EQ(parse_ratio("0.0001")->bp(), 1);
}

TEST(MoneyParseRatio, Rejects) {
  const char* bad[] = {
      "1.00001",  // five places (and above 1)
      "0.70005",  // five places
      "101%",     // above 100%
      "100.01%",  // above 100%
      "1.0001",   // above 1
      "72.555%",  // three places in a percent
      "",
      "%",
      "-0.5",
      "-5%",
      "70 %",
      " 70%",
      "0.7 ",
      "70%%",
      "1e-1",
      ".5",
  };
  for (const char* s : bad) {
    SCOPED_TRACE(std::string("\"") + s + "\"");
    EXPECT_FALSE(parse_ratio(s).has_value());
  }
}
