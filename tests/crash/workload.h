// The crash harness's workload (tests/crash/README.md), shared by the driver
// (the HIS) and the harness (which checks the outcome): two hospitals, their
// persons, and what is done to stay i.
#pragma once

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace yzcrash {

struct Person {
  const char* psn_no;
  const char* insuplc;
};

struct Profile {
  const char* name;
  const char* fixmedins_code;
  const char* fixmedins_name;
  const char* admdvs;
  const char* diag;
  const char* refl;
  const char* primary;
  std::vector<Person> persons;
};

inline const Profile kProfiles[] = {
    {"zhangye", "H62070200001", "示例县人民医院", "620702", "K80.100", "0", "0",
     {{"P620702-DB12-01", "620702"},
      {"P620702-TK-01", "620702"},
      {"P620702-FPZP-01", "620702"},
      {"P620702-PLAIN-01", "620702"},
      {"P620702-DB34-02", "620702"},
      {"P620700-DB12-01", "620700"}}},
    {"pengshui", "H50024300001", "彭水县人民医院", "500243", "C34.900", "1", "1",
     {{"P500243-TK-01", "500243"},
      {"P500243-DB-01", "500243"},
      {"P500243-FPZP-01", "500243"},
      {"P500243-PLAIN-01", "500243"}}},
};

// The operations of stay i, in order.
inline std::vector<std::string> plan(long i) {
  std::vector<std::string> p = {"2401", "2301", "2304"};
  if (i % 6 == 2) p.push_back("2305");
  if (i % 6 == 5) {
    p.push_back("2305");
    p.push_back("2304");
  }
  return p;
}

inline std::string money(long long fen) {
  char b[32];
  std::snprintf(b, sizeof b, "%lld.%02lld", fen / 100, fen % 100);
  return b;
}

// 2023-01-01 + d days (d < 365), as yyyy-MM-dd.
inline std::string day_of_2023(int d) {
  static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int m = 0;
  while (d >= len[m]) d -= len[m++];
  char b[32];
  std::snprintf(b, sizeof b, "2023-%02d-%02d", m + 1, d + 1);
  return b;
}

struct StayData {
  std::string psn_no, insuplc, begndate, enddate;
  std::string lines;      // <feedetail>…
  long long total = 0;    // fen
};

inline StayData stay_data(const Profile& p, long i) {
  StayData s;
  const Person& who = p.persons[size_t(i) % p.persons.size()];
  s.psn_no = who.psn_no;
  s.insuplc = who.insuplc;
  const int start = int((i * 7) % 330);
  s.begndate = day_of_2023(start);
  s.enddate = day_of_2023(start + 3 + int(i % 9));
  const long long a = 100000 + (i * 13577) % 1500000;   // 1000.00 .. 15999.99 (甲)
  const long long b = 20000 + (i * 3571) % 400000;      // 乙, 10 x price
  const long long b_price = b / 10;
  const long long b_amount = b_price * 10;
  const long long c = 5000 + (i * 911) % 80000;         // 丙
  std::ostringstream o;
  o << "<feedetail><feedetl_sn>1</feedetl_sn><med_list_codg>003310000010000</med_list_codg><chrgitm_lv>01</chrgitm_lv>"
    << "<det_item_fee_sumamt>" << money(a) << "</det_item_fee_sumamt><fee_ocur_time>" << s.begndate
    << " 09:00:00</fee_ocur_time></feedetail>";
  o << "<feedetail><feedetl_sn>2</feedetl_sn><med_list_codg>XJ01DDT117B002010100442</med_list_codg><chrgitm_lv>02</chrgitm_lv>"
    << "<det_item_fee_sumamt>" << money(b_amount) << "</det_item_fee_sumamt><cnt>10</cnt><pric>" << money(b_price)
    << "</pric><selfpay_prop>0.1000</selfpay_prop><fee_ocur_time>" << s.begndate << " 10:00:00</fee_ocur_time></feedetail>";
  o << "<feedetail><feedetl_sn>3</feedetl_sn><med_list_codg>ZF0000000000000000101</med_list_codg><chrgitm_lv>03</chrgitm_lv>"
    << "<det_item_fee_sumamt>" << money(c) << "</det_item_fee_sumamt><fee_ocur_time>" << s.begndate
    << " 11:00:00</fee_ocur_time></feedetail>";
  s.lines = o.str();
  s.total = a + b_amount + c;
  return s;
}

}  // namespace yzcrash
