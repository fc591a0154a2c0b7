// yz::Date (src/core/date.h): strict yyyy-MM-dd parsing (an optional
// " HH:mm:ss" accepted and ignored), leap years, plus_months with clamping
// to the month's last day, ordering and formatting.
#include <string>

#include "core/date.h"
#include "test_support.h"

using namespace yz;

namespace {
std::string parsed(const char* s) {
  auto d = parse_date(s);
  return d ? d->str() : "rejected";
}
std::string plus(const char* s, int n) { return parse_date(s)->plus_months(n).str(); }
}  // namespace

TEST(DateParse, AcceptsStrictForms) {
  EXPECT_EQ(parsed("2023-01-01"), "2023-01-01");
  EXPECT_EQ(parsed("2023-12-31"), "2023-12-31");
  EXPECT_EQ(parsed("1900-01-01"), "1900-01-01");
  EXPECT_EQ(parsed("9999-12-31"), "9999-12-31");
  // Identity validity comes as a date-time; the time is checked and ignored.
  EXPECT_EQ(parsed("2023-06-10 00:00:00"), "2023-06-10");
  EXPECT_EQ(parsed("2023-06-10 23:59:59"), "2023-06-10");
  auto d = parse_date("2023-06-10");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->y, 2023);
  EXPECT_EQ(d->m, 6);
  EXPECT_EQ(d->d, 10);
}

TEST(DateParse, RejectsEverythingElse) {
  const char* bad[] = {
      "",
      "2023-1-01",            // one-digit month
      "2023-01-1",            // one-digit day
      "23-01-01",             // two-digit year
      "2023/01/01",           // slashes
      "20230101",             // compact
      "2023-01-01T00:00:00",  // ISO 'T'
      "2023-01-01 ",          // trailing space
      " 2023-01-01",          // leading space
      "2023-01-01 24:00:00",  // hour 24
      "2023-01-01 12:60:00",  // minute 60
      "2023-01-01 12:00:60",  // second 60
      "2023-01-01 12:00",     // time without seconds
      "2023-00-10",           // month 0
      "2023-13-01",           // month 13
      "2023-01-00",           // day 0
      "2023-01-32",           // day 32
      "2023-04-31",           // April has 30 days
      "2023-06-31",           // June has 30 days
      "2023-09-31",
      "2023-11-31",
      "1899-12-31",           // before 1900
      "2023-0a-01",
      "２０２３-01-01",        // full-width digits
      "+023-01-01",
  };
  for (const char* s : bad) {
    SCOPED_TRACE(std::string("\"") + s + "\"");
    EXPECT_FALSE(parse_date(s).has_value());
  }
}

TEST(DateParse, LeapYears) {
  EXPECT_EQ(parsed("2024-02-29"), "2024-02-29");  // divisible by 4
  EXPECT_EQ(parsed("2000-02-29"), "2000-02-29");  // divisible by 400
  EXPECT_EQ(parsed("2023-02-29"), "rejected");    // not divisible by 4
  EXPECT_EQ(parsed("1900-02-29"), "rejected");    // divisible by 100, not by 400
  EXPECT_EQ(parsed("2100-02-29"), "rejected");    // likewise
  EXPECT_EQ(parsed("2024-02-30"), "rejected");    // never 30 days in February
  EXPECT_EQ(parsed("2023-02-28"), "2023-02-28");
}

TEST(DatePlusMonths, ClampsToTheMonthsLastDay) {
  EXPECT_EQ(plus("2023-06-10", 6), "2023-12-10");  // ZS-MA-RETRO window end for a 2023-06-10 discharge
  EXPECT_EQ(plus("2023-12-15", 1), "2024-01-15");  // across the year
  EXPECT_EQ(plus("2023-01-31", 1), "2023-02-28");  // 31 -> 28 (2023 not leap)
  EXPECT_EQ(plus("2024-01-31", 1), "2024-02-29");  // 31 -> 29 (2024 leap)
  EXPECT_EQ(plus("2023-08-31", 6), "2024-02-29");  // Aug + 6 = Feb 2024, clamped to 29
  EXPECT_EQ(plus("2023-03-31", 1), "2023-04-30");  // April has 30 days
  EXPECT_EQ(plus("2023-10-31", 1), "2023-11-30");
  EXPECT_EQ(plus("2024-02-29", 12), "2025-02-28");  // leap day + 1 year
  EXPECT_EQ(plus("2024-02-29", 48), "2028-02-29");  // 2028 is leap
  EXPECT_EQ(plus("2023-05-20", 0), "2023-05-20");
  EXPECT_EQ(plus("2023-05-20", 24), "2025-05-20");
  // Negative: backwards, same clamping.
  EXPECT_EQ(plus("2023-03-31", -1), "2023-02-28");
  EXPECT_EQ(plus("2024-03-31", -1), "2024-02-29");
  EXPECT_EQ(plus("2024-01-15", -1), "2023-12-15");
  EXPECT_EQ(plus("2023-12-10", -6), "2023-06-10");
  EXPECT_EQ(plus("2023-01-01", -13), "2021-12-01");
}

TEST(DateCompare, OrderAndFormat) {
  EXPECT_LT(*parse_date("2023-06-10"), *parse_date("2023-06-11"));
  EXPECT_LT(*parse_date("2023-06-30"), *parse_date("2023-07-01"));
  EXPECT_LT(*parse_date("2022-12-31"), *parse_date("2023-01-01"));
  EXPECT_EQ(*parse_date("2023-06-10"), *parse_date("2023-06-10 08:00:00"));
  EXPECT_LT(Date::min(), *parse_date("1900-01-01"));
  EXPECT_LT(*parse_date("9999-12-30"), Date::max());
  EXPECT_EQ(Date::max().str(), "9999-12-31");
  EXPECT_EQ((Date{2023, 1, 5}).str(), "2023-01-05");
  EXPECT_EQ(Date::min().str(), "0001-01-01");
}
