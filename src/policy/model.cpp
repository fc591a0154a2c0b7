#include "policy/model.h"

namespace yz::policy {

namespace {
struct CategoryInfo {
  const char* code;
  const char* name;
};
constexpr CategoryInfo kCategories[kCategoryCount] = {
    {"TK", "特困人员"},         {"GE", "孤儿"},
    {"DB", "低保对象"},         {"DB12", "一、二类低保"},
    {"DB34", "三、四类低保"},   {"DBBY", "低保边缘家庭成员"},
    {"FPZP", "返贫致贫人口"},   {"YFP", "易返贫致贫人口(监测对象)"},
    {"TP", "脱贫人口"},         {"YBZP", "因病致贫重病患者"},
    {"YF", "优抚对象"},         {"CJ", "重度残疾人"},
    {"QT", "其他特殊困难人员"},
};
}  // namespace

const char* category_code(Category c) { return kCategories[int(c)].code; }
const char* category_name(Category c) { return kCategories[int(c)].name; }

std::optional<Category> parse_category(std::string_view code) {
  for (int i = 0; i < kCategoryCount; ++i)
    if (code == kCategories[i].code) return Category(i);
  return std::nullopt;
}

const char* fee_class_code(FeeClass f) {
  switch (f) {
    case FeeClass::Class1: return "class1";
    case FeeClass::City2: return "city2";
    case FeeClass::County2: return "county2";
    case FeeClass::Class3: return "class3";
    case FeeClass::None: break;
  }
  return "";
}

std::optional<FeeClass> parse_fee_class(std::string_view s) {
  if (s == "class1") return FeeClass::Class1;
  if (s == "city2") return FeeClass::City2;
  if (s == "county2") return FeeClass::County2;
  if (s == "class3") return FeeClass::Class3;
  return std::nullopt;
}

// A code matches a range when its first characters (as many as the bound has)
// fall between the bounds: "C34.900" is in C00–C97, "J18.900" in J18.9.
bool DiseaseList::contains(std::string_view icd) const {
  for (const auto& r : ranges) {
    const std::string& hi = r.to.empty() ? r.from : r.to;
    std::string_view lo_key = icd.substr(0, r.from.size());
    std::string_view hi_key = icd.substr(0, hi.size());
    if (lo_key >= r.from && hi_key <= hi) return true;
  }
  return false;
}

}  // namespace yz::policy
