// ZS-MON-BOTTOM (RULES.md §2, 二(五)1): 特困/低保/低边 whose year's personal
// burden after everything is >= 50000.00 are flagged for the quarterly
// bottom-line list. Zhoushan figures (REFERENCE-PARAMS.md): level 2 deductible
// 600.00, basic 85%; CI tilt threshold 7500.00; supplementary above 20000.00;
// assistance DB 80%.
#include "test_support.h"

namespace yz::test {
namespace {

const Alert* alert(const Settlement& s, const std::string& rule) {
  for (const auto& a : s.alerts)
    if (a.rule_id == rule) return &a;
  return nullptr;
}

// 甲 10000.00 + 丙 `bing`, DB (2303), level 2 in Zhoushan:
// dedc 600.00; hifp = (10000 - 600) x 85% = 7990.00;
// CI base 10000 - 7990 = 2010.00 < 7500.00 -> 0; supplementary 2010.00 < 20000.00 -> 0;
// assistance 2010.00 x 80% = 1608.00; funds 7990.00 + 1608.00 = 9598.00.
Settlement db_stay(const char* bing) {
  return settle1("330900", person("2303"), hospital("330900", 2), stay("ZB1", "2023-09-10", "10000.00", bing));
}

TEST(ZhoushanBottom, AboveTheLineIsListed) {
  // medfee 60000.00; psn_part = 60000.00 - 9598.00 = 50402.00 >= 50000.00
  Settlement s = db_stay("50000.00");
  expect_balanced(s);
  EXPECT_EQ(s.psn_part_amt, Y("50402.00"));
  const Alert* a = alert(s, "ZS-MON-BOTTOM");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->kind, "bottom_line");
  EXPECT_EQ(a->figure, Y("50402.00"));
  EXPECT_EQ(a->threshold, Y("50000.00"));
}

TEST(ZhoushanBottom, ExactlyAtTheLineIsListed) {
  // medfee 59598.00; psn_part = 59598.00 - 9598.00 = 50000.00: ">=" holds
  Settlement s = db_stay("49598.00");
  EXPECT_EQ(s.psn_part_amt, Y("50000.00"));
  EXPECT_NE(alert(s, "ZS-MON-BOTTOM"), nullptr);
}

TEST(ZhoushanBottom, OneFenBelowIsNot) {
  // medfee 59597.99; psn_part = 49999.99 < 50000.00
  Settlement s = db_stay("49597.99");
  EXPECT_EQ(s.psn_part_amt, Y("49999.99"));
  EXPECT_EQ(alert(s, "ZS-MON-BOTTOM"), nullptr);
  const TraceStep* t = step(s, "ZS-MON-BOTTOM");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->reason, Reason::BelowThreshold);
  // ZS-MON-POOL still pushes the assistance object (49999.99 >= 10000.00)
  EXPECT_NE(alert(s, "ZS-MON-POOL"), nullptr);
}

TEST(ZhoushanBottom, AccumulatesOverTheYear) {
  // Two DB stays of 甲 10000.00 + 丙 20000.00 each.
  // Stay 1: as db_stay: funds 9598.00; psn_part 30000.00 - 9598.00 = 20402.00.
  // Stay 2: dedc 600.00 again, hifp 7990.00; CI year base 2010.00 + 2010.00 = 4020.00 < 7500.00 -> 0;
  //         supplementary 4020.00 < 20000.00 -> 0; assistance 1608.00; psn_part 20402.00.
  // Year burden 40804.00 < 50000.00: not listed; a third such stay gives 61206.00: listed.
  Person p = person("2303");
  Hospital h = hospital("330900", 2);
  auto r = settle_all("330900", p, h,
                      {stay("A", "2023-03-01", "10000.00", "20000.00"), stay("B", "2023-05-01", "10000.00", "20000.00"),
                       stay("C", "2023-07-01", "10000.00", "20000.00")});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].psn_part_amt, Y("20402.00"));
  EXPECT_EQ(r[1].psn_part_amt, Y("20402.00"));
  EXPECT_EQ(r[1].accum_after.psn_burden, Y("40804.00"));
  EXPECT_EQ(alert(r[1], "ZS-MON-BOTTOM"), nullptr);
  // Stay 3: CI year base 6030.00 < 7500.00 -> 0; psn_part 20402.00; year 61206.00 >= 50000.00
  EXPECT_EQ(r[2].psn_part_amt, Y("20402.00"));
  const Alert* a = alert(r[2], "ZS-MON-BOTTOM");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->figure, Y("61206.00"));
}

TEST(ZhoushanBottom, OtherCategoriesAndNonAssistanceAreNotListed) {
  // QT (2360, other hardship) is an assistance object but not on the bottom-line list.
  Settlement q = settle1("330900", person("2360"), hospital("330900", 2), stay("Q", "2023-09-10", "10000.00", "60000.00"));
  EXPECT_EQ(alert(q, "ZS-MON-BOTTOM"), nullptr);
  EXPECT_EQ(step(q, "ZS-MON-BOTTOM")->reason, Reason::NoCategory);
  // No identity: CI ordinary threshold 15000.00 -> 0; no assistance; psn_part = 70000.00 - 7990.00 = 62010.00;
  // not listed, but ZS-MON-POOL's 因病致贫 risk pool (>= 30000.00) is raised.
  Settlement n = settle1("330900", person(""), hospital("330900", 2), stay("N", "2023-09-10", "10000.00", "60000.00"));
  EXPECT_EQ(n.psn_part_amt, Y("62010.00"));
  EXPECT_EQ(alert(n, "ZS-MON-BOTTOM"), nullptr);
  const Alert* pool = alert(n, "ZS-MON-POOL");
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->kind, "risk_pool");
  EXPECT_EQ(pool->threshold, Y("30000.00"));
}

}  // namespace
}  // namespace yz::test
