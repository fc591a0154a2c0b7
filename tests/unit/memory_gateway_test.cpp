// The in-memory platform (src/gateway/memory_gateway.h) and its persons seed
// file (src/gateway/persons_file.h): every call's happy path and refusals,
// idempotent replay by msgid, settle + reverse restoring the accumulators
// exactly, the accumulator check, 2601 by omsgid, the fault hooks, and the
// shipped samples/platform-sim/persons.xml covering every category of every
// seed region.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gateway/memory_gateway.h"
#include "gateway/persons_file.h"
#include "test_support.h"

namespace yz::gateway {
namespace {

using test::D;
using test::Y;

const std::string kPersonsFile = std::string(YZ_SAMPLES_DIR) + "/platform-sim/persons.xml";

// ---- Persons file -------------------------------------------------------------

const char* kSmall = R"(<?xml version="1.0" encoding="UTF-8"?>
<persons>
  <person>
    <psn_no>P1</psn_no><psn_name>王一</psn_name><gend>1</gend><brdy>1960-01-02</brdy>
    <certno>62070219600102201X</certno><insuplc_admdvs>620702</insuplc_admdvs>
    <yz_rural>1</yz_rural>
    <idetinfo><psn_idet_type>230301</psn_idet_type><begntime>2022-01-01</begntime><endtime/></idetinfo>
    <idetinfo><psn_idet_type>2302</psn_idet_type><begntime>2021-01-01 00:00:00</begntime><endtime>2023-06-30</endtime></idetinfo>
    <yz_accum>
      <year>2023</year><inpatient_stays>1</inpatient_stays>
      <basic_paid><pool><name>inpatient</name><amount>3500.00</amount></pool></basic_paid>
      <ci_paid>12.34</ci_paid>
      <ma_paid><pool><name>main</name><amount>800.00</amount></pool><pool><name>large</name><amount>1.00</amount></pool></ma_paid>
      <psn_burden>2100.50</psn_burden>
    </yz_accum>
  </person>
  <person>
    <psn_no>P2</psn_no><psn_name>李二</psn_name><gend>2</gend><brdy>1985-12-31</brdy>
    <certno>330902198512312028</certno><insuplc_admdvs>330900</insuplc_admdvs><insutype>390</insutype>
    <yz_mental_disability>1</yz_mental_disability><yz_resident_tier>2</yz_resident_tier>
  </person>
</persons>
)";

TEST(MemoryGatewayPersons, SmallFileParsesEveryField) {
  std::vector<SeedPerson> ps;
  Status st = parse_persons("small.xml", kSmall, ps);
  ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  ASSERT_EQ(ps.size(), 2u);
  const PersonInfo& a = ps[0].info;
  EXPECT_EQ(a.person.psn_no, "P1");
  EXPECT_EQ(a.psn_name, "王一");
  EXPECT_EQ(a.gend, "1");
  EXPECT_EQ(a.brdy, "1960-01-02");
  EXPECT_EQ(a.certno, "62070219600102201X");
  EXPECT_EQ(a.insuplc_admdvs, "620702");
  EXPECT_EQ(a.person.insutype, "390");  // default
  EXPECT_TRUE(a.person.rural);
  EXPECT_FALSE(a.person.mental_disability);
  ASSERT_EQ(a.person.identities.size(), 2u);
  EXPECT_EQ(a.person.identities[0].psn_idet_type, "230301");
  EXPECT_EQ(a.person.identities[0].begntime, D("2022-01-01"));
  EXPECT_FALSE(a.person.identities[0].endtime.has_value());
  EXPECT_EQ(a.person.identities[1].begntime, D("2021-01-01"));
  EXPECT_EQ(a.person.identities[1].endtime, D("2023-06-30"));
  EXPECT_EQ(ps[0].line, 3u);
  ASSERT_EQ(ps[0].accums.size(), 1u);
  const YearAccum& acc = ps[0].accums[0];
  EXPECT_EQ(acc.year, 2023);
  EXPECT_EQ(acc.inpatient_stays, 1);
  EXPECT_EQ(acc.get(acc.basic_paid, "inpatient"), Y("3500.00"));
  EXPECT_EQ(acc.ci_paid, Y("12.34"));
  EXPECT_EQ(acc.get(acc.ma_paid, "main"), Y("800.00"));
  EXPECT_EQ(acc.get(acc.ma_paid, "large"), Y("1.00"));
  EXPECT_EQ(acc.psn_burden, Y("2100.50"));
  EXPECT_EQ(acc.ci_base, Fen());
  const PersonInfo& b = ps[1].info;
  EXPECT_TRUE(b.person.mental_disability);
  EXPECT_EQ(b.person.resident_tier, 2);
  EXPECT_FALSE(b.person.rural);
  EXPECT_TRUE(b.person.identities.empty());
  EXPECT_TRUE(ps[1].accums.empty());
}

struct BadCase {
  const char* what;
  const char* from;  // substring of kSmall to replace
  const char* to;
  const char* code;
  const char* where;  // expected in the message: "small.xml:LINE: path"
};

TEST(MemoryGatewayPersons, EveryMalformedFileIsRefusedNamingFileLineAndField) {
  const BadCase cases[] = {
      {"missing psn_no", "<psn_no>P1</psn_no>", "", "YZ-PERSONS-MISSING", "small.xml:3: persons/person[1]/psn_no"},
      {"empty psn_name", "<psn_name>王一</psn_name>", "<psn_name> </psn_name>", "YZ-PERSONS-MISSING",
       "small.xml:4: persons/person[1]/psn_name"},
      {"bad psn_no", "<psn_no>P1</psn_no>", "<psn_no>P 1</psn_no>", "YZ-PERSONS-VALUE",
       "small.xml:4: persons/person[1]/psn_no"},
      {"bad gend", "<gend>1</gend>", "<gend>M</gend>", "YZ-PERSONS-VALUE", "small.xml:4: persons/person[1]/gend"},
      {"bad brdy", "<brdy>1960-01-02</brdy>", "<brdy>1960-13-02</brdy>", "YZ-PERSONS-VALUE",
       "small.xml:4: persons/person[1]/brdy"},
      {"certno birthday", "62070219600102201X", "62070219600103201X", "YZ-PERSONS-VALUE",
       "small.xml:5: persons/person[1]/certno"},
      {"certno shape", "62070219600102201X", "6207021960010220", "YZ-PERSONS-VALUE",
       "small.xml:5: persons/person[1]/certno"},
      {"admdvs", "<insuplc_admdvs>620702</insuplc_admdvs>", "<insuplc_admdvs>62070</insuplc_admdvs>",
       "YZ-PERSONS-VALUE", "small.xml:5: persons/person[1]/insuplc_admdvs"},
      {"flag", "<yz_rural>1</yz_rural>", "<yz_rural>yes</yz_rural>", "YZ-PERSONS-VALUE",
       "small.xml:6: persons/person[1]/yz_rural"},
      {"tier", "<yz_resident_tier>2</yz_resident_tier>", "<yz_resident_tier>3</yz_resident_tier>",
       "YZ-PERSONS-VALUE", "small.xml:20: persons/person[2]/yz_resident_tier"},
      {"insutype", "<insutype>390</insutype>", "<insutype>39</insutype>", "YZ-PERSONS-VALUE",
       "small.xml:19: persons/person[2]/insutype"},
      {"unknown element", "<yz_rural>1</yz_rural>", "<yz_rurall>1</yz_rurall>", "YZ-PERSONS-UNKNOWN",
       "small.xml:6: persons/person[1]/yz_rurall"},
      {"duplicate single", "<yz_rural>1</yz_rural>", "<yz_rural>1</yz_rural><yz_rural>0</yz_rural>",
       "YZ-PERSONS-DUP", "small.xml:6: persons/person[1]/yz_rural"},
      {"idet begntime", "<begntime>2022-01-01</begntime>", "<begntime>2022-02-30</begntime>", "YZ-PERSONS-VALUE",
       "small.xml:7: persons/person[1]/idetinfo[1]/begntime"},
      {"idet endtime before", "<endtime>2023-06-30</endtime>", "<endtime>2020-06-30</endtime>", "YZ-PERSONS-VALUE",
       "small.xml:8: persons/person[1]/idetinfo[2]/endtime"},
      {"idet missing type", "<psn_idet_type>2302</psn_idet_type>", "", "YZ-PERSONS-MISSING",
       "small.xml:8: persons/person[1]/idetinfo[2]/psn_idet_type"},
      {"accum amount", "<ci_paid>12.34</ci_paid>", "<ci_paid>12.345</ci_paid>", "YZ-PERSONS-VALUE",
       "small.xml:12: persons/person[1]/yz_accum[1]/ci_paid"},
      {"accum negative", "<psn_burden>2100.50</psn_burden>", "<psn_burden>-1.00</psn_burden>", "YZ-PERSONS-VALUE",
       "small.xml:14: persons/person[1]/yz_accum[1]/psn_burden"},
      {"accum year", "<year>2023</year>", "<year>23</year>", "YZ-PERSONS-VALUE",
       "small.xml:10: persons/person[1]/yz_accum[1]/year"},
      {"accum pool dup", "<pool><name>large</name>", "<pool><name>main</name>", "YZ-PERSONS-DUP",
       "small.xml:13: persons/person[1]/yz_accum[1]/ma_paid/pool[2]/name"},
      {"accum pool amount", "<amount>3500.00</amount>", "<amount>3,500</amount>", "YZ-PERSONS-VALUE",
       "small.xml:11: persons/person[1]/yz_accum[1]/basic_paid/pool[1]/amount"},
      {"accum unknown", "<ci_paid>12.34</ci_paid>", "<ci_payd>12.34</ci_payd>", "YZ-PERSONS-UNKNOWN",
       "small.xml:12: persons/person[1]/yz_accum[1]/ci_payd"},
      {"accum year twice", "    </yz_accum>\n",
       "    </yz_accum>\n    <yz_accum><year>2023</year></yz_accum>\n", "YZ-PERSONS-DUP",
       "small.xml:16: persons/person[1]/yz_accum[2]/year"},
      {"duplicate psn_no", "<psn_no>P2</psn_no>", "<psn_no>P1</psn_no>", "YZ-PERSONS-DUP",
       "small.xml:18: persons/person[2]/psn_no"},
      {"duplicate certno", "<brdy>1985-12-31</brdy>\n    <certno>330902198512312028</certno>",
       "<brdy>1960-01-02</brdy>\n    <certno>62070219600102201X</certno>", "YZ-PERSONS-DUP",
       "small.xml:19: persons/person[2]/certno"},
      {"text in person", "<yz_rural>1</yz_rural>", "<yz_rural>1</yz_rural>stray", "YZ-PERSONS-XML",
       "small.xml:6: persons/person[1] 不应含有文本"},
      {"element in leaf", "<gend>1</gend>", "<gend><x>1</x></gend>", "YZ-PERSONS-XML",
       "small.xml:4: persons/person[1]/gend 应为文本值"},
      {"malformed", "</persons>", "</person>", "YZ-PERSONS-XML", "small.xml:"},
      {"doctype", "<persons>", "<!DOCTYPE persons [<!ENTITY x \"y\">]>\n<persons>", "YZ-PERSONS-XML",
       "small.xml:2: 不允许 DOCTYPE"},
      {"bad utf-8", "王一", "\xff\xfe", "YZ-PERSONS-XML", "small.xml:4: 不是有效的 UTF-8"},
  };
  for (const BadCase& c : cases) {
    std::string xml = kSmall;
    const size_t at = xml.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.what;
    xml.replace(at, std::string(c.from).size(), c.to);
    std::vector<SeedPerson> ps;
    Status st = parse_persons("small.xml", xml, ps);
    EXPECT_EQ(st.code(), c.code) << c.what << ": " << st.message();
    EXPECT_NE(st.message().find(c.where), std::string::npos) << c.what << ": " << st.message();
    EXPECT_TRUE(ps.empty()) << c.what;
  }
}

TEST(MemoryGatewayPersons, WrongRootIsRefused) {
  std::vector<SeedPerson> ps;
  Status st = parse_persons("x.xml", "<?xml version=\"1.0\"?>\n<people><person/></people>", ps);
  EXPECT_EQ(st.code(), "YZ-PERSONS-XML");
  EXPECT_NE(st.message().find("x.xml:2: 根元素应为 <persons>"), std::string::npos) << st.message();
  st = parse_persons("x.xml", "", ps);
  EXPECT_EQ(st.code(), "YZ-PERSONS-XML") << st.message();
}

TEST(MemoryGatewayPersons, UnreadableFileIsNamed) {
  std::vector<SeedPerson> ps;
  Status st = read_persons_file("/nonexistent/persons.xml", ps);
  EXPECT_EQ(st.code(), "YZ-PERSONS-FILE");
  EXPECT_NE(st.message().find("/nonexistent/persons.xml"), std::string::npos);
}

// The shipped sample covers every identity code of every seed region's
// identity_map (so every category), a plain resident per region, and the
// special cases the rules need.
TEST(MemoryGatewayPersons, ShippedSampleCoversEveryCategoryOfEveryRegion) {
  std::vector<SeedPerson> ps;
  Status st = read_persons_file(kPersonsFile, ps);
  ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
  EXPECT_LT(ps.size(), 80u);

  const policy::Registry& reg = test::shipped();
  // Policy region (resolved node id) -> persons insured there.
  std::map<std::string, std::vector<const SeedPerson*>> by_region;
  for (const SeedPerson& p : ps) {
    policy::Resolved r;
    Status rs = reg.resolve(p.info.insuplc_admdvs, D("2023-10-01"), r);
    ASSERT_TRUE(rs.is_ok()) << p.info.person.psn_no << ": " << rs.message();
    by_region[r.region->admdvs].push_back(&p);
    // Every identity code is one the region maps.
    for (const Identity& id : p.info.person.identities)
      EXPECT_TRUE(r.identity_map->count(id.psn_idet_type))
          << p.info.person.psn_no << " has " << id.psn_idet_type << ", unknown to " << r.region->admdvs;
  }
  const std::set<std::string> expected = {"620700", "622922", "500243", "140900", "330900"};
  std::set<std::string> got;
  for (const auto& [k, v] : by_region) got.insert(k);
  EXPECT_EQ(got, expected);

  for (const auto& [admdvs, persons] : by_region) {
    policy::Resolved r;
    ASSERT_TRUE(reg.resolve(admdvs, D("2023-10-01"), r).is_ok());
    // Every identity code of the map held (open-ended) by someone.
    for (const auto& [code, cat] : *r.identity_map) {
      bool held = false;
      for (const SeedPerson* p : persons)
        for (const Identity& id : p->info.person.identities) held = held || (id.psn_idet_type == code && !id.endtime);
      EXPECT_TRUE(held) << admdvs << ": nobody holds " << code << " (" << policy::category_code(cat) << ")";
    }
    bool plain = false, two = false;
    for (const SeedPerson* p : persons) {
      plain = plain || p->info.person.identities.empty();
      two = two || p->info.person.identities.size() >= 2;
    }
    EXPECT_TRUE(plain) << admdvs << ": no plain resident";
    EXPECT_TRUE(two) << admdvs << ": nobody with two identities";
  }
  // Zhangye: both the district 620702 and the city 620700.
  std::set<std::string> zhangye;
  for (const SeedPerson* p : by_region["620700"]) zhangye.insert(p->info.insuplc_admdvs);
  EXPECT_EQ(zhangye, (std::set<std::string>{"620700", "620702"}));

  int expired = 0, mental_zs = 0, rural = 0, urban = 0, tier2 = 0, with_accum = 0;
  for (const SeedPerson& p : ps) {
    for (const Identity& id : p.info.person.identities) expired += id.endtime && *id.endtime < D("2023-10-01");
    mental_zs += p.info.person.mental_disability && p.info.insuplc_admdvs == "330900";
    (p.info.person.rural ? rural : urban)++;
    tier2 += p.info.person.resident_tier == 2;
    with_accum += !p.accums.empty();
  }
  EXPECT_GE(expired, 1);
  EXPECT_EQ(mental_zs, 1);
  EXPECT_GE(rural, 1);
  EXPECT_GE(urban, 1);
  EXPECT_GE(tier2, 1);
  EXPECT_GE(with_accum, 1);
}

// ---- The platform -------------------------------------------------------------

class MemoryGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status st = MemoryGateway::from_persons_file(kPersonsFile, gw_);
    ASSERT_TRUE(st.is_ok()) << st.code() << " " << st.message();
    std::string sn;
    ASSERT_TRUE(gw_->sign_in(meta("9001"), sn).ok());
    sign_no_ = sn;
    ASSERT_FALSE(sign_no_.empty());
  }

  CallMeta meta(const std::string& infno, std::string msgid = "") {
    CallMeta m;
    m.infno = infno;
    m.msgid = msgid.empty() ? next_msgid() : std::move(msgid);
    m.sign_no = sign_no_;
    m.fixmedins_code = "H62070200001";
    m.mdtrtarea_admvs = "620702";
    m.opter = "C001";
    m.inf_time = "2023-10-20 10:00:00";
    return m;
  }
  std::string next_msgid() {
    char buf[40];
    std::snprintf(buf, sizeof buf, "H62070200001202310201000%04d", ++seq_);
    return buf;
  }

  PersonInfo person(const std::string& psn_no, int year = 2023) {
    PersonInfo pi;
    GatewayResult r = gw_->query_person(meta("1101"), psn_no, year, pi);
    EXPECT_TRUE(r.ok()) << r.err_code << " " << r.err_msg;
    return pi;
  }

  // Admits `psn_no` (mdtrt_id assigned by the platform) and uploads the stay's lines.
  Stay admit_and_upload(const std::string& psn_no, const char* end = "2023-10-20", const char* jia = "30000.00",
                        const char* bing = "2000.00") {
    Admission a;
    a.psn_no = psn_no;
    a.insutype = "390";
    a.begndate = D(end);
    std::string id;
    GatewayResult r = gw_->admit(meta("2401"), a, id);
    EXPECT_TRUE(r.ok()) << r.err_code << " " << r.err_msg;
    Stay s = test::stay(id, end, jia, bing);
    r = gw_->upload_fees(meta("2301"), id, s.lines);
    EXPECT_TRUE(r.ok()) << r.err_code << " " << r.err_msg;
    return s;
  }

  // Computes the stay with the engine from the accumulators the platform reports.
  Settlement compute(const std::string& psn_no, const Stay& s, const std::string& insuplc = "620702") {
    PersonInfo pi = person(psn_no, s.enddate.y);
    const Hospital h = test::hospital(insuplc, 2, insuplc == "140900" ? FeeClass::County2 : FeeClass::None);
    Settlement out = test::settle1(insuplc, pi.person, h, s, pi.accum);
    out.mdtrt_id = s.mdtrt_id;
    out.psn_no = psn_no;
    return out;
  }

  std::unique_ptr<MemoryGateway> gw_;
  std::string sign_no_;
  int seq_ = 0;
};

TEST_F(MemoryGatewayTest, OutcomeCodes) {
  EXPECT_STREQ(outcome_code(Outcome::Ok), "ok");
  EXPECT_STREQ(outcome_code(Outcome::Rejected), "rejected");
  EXPECT_STREQ(outcome_code(Outcome::Failed), "failed");
  EXPECT_STREQ(outcome_code(Outcome::Unknown), "unknown");
}

TEST_F(MemoryGatewayTest, SignInAndOut) {
  std::string a, b;
  EXPECT_TRUE(gw_->sign_in(meta("9001"), a).ok());
  EXPECT_TRUE(gw_->sign_in(meta("9001"), b).ok());
  EXPECT_FALSE(a.empty());
  EXPECT_NE(a, b);
  // A business call without a sign_no, or with an unknown one, is refused.
  PersonInfo pi;
  CallMeta m = meta("1101");
  m.sign_no.clear();
  EXPECT_EQ(gw_->query_person(m, "P620702-DB12-01", 2023, pi).err_code, "YZ-PLATFORM-SIGN");
  m = meta("1101");
  m.sign_no = "SN-BOGUS";
  EXPECT_EQ(gw_->query_person(m, "P620702-DB12-01", 2023, pi).err_code, "YZ-PLATFORM-SIGN");
  // The refusal was not recorded: the same msgid works once signed in.
  m.sign_no = a;
  EXPECT_TRUE(gw_->query_person(m, "P620702-DB12-01", 2023, pi).ok());
  // Signed out: refused again.
  m = meta("9002");
  m.sign_no = a;
  EXPECT_TRUE(gw_->sign_out(m).ok());
  m = meta("1101");
  m.sign_no = a;
  GatewayResult r = gw_->query_person(m, "P620702-DB12-01", 2023, pi);
  EXPECT_EQ(r.outcome, Outcome::Rejected);
  EXPECT_EQ(r.err_code, "YZ-PLATFORM-SIGN");
  // The fixture's own sign_no still works.
  EXPECT_TRUE(gw_->query_person(meta("1101"), "P620702-DB12-01", 2023, pi).ok());
}

TEST_F(MemoryGatewayTest, EnvelopeRefusals) {
  PersonInfo pi;
  CallMeta m = meta("1101");
  m.msgid.clear();
  EXPECT_EQ(gw_->query_person(m, "P620702-DB12-01", 2023, pi).err_code, "YZ-PLATFORM-INPUT");
  m = meta("2401");  // infno of the envelope differs from the call
  EXPECT_EQ(gw_->query_person(m, "P620702-DB12-01", 2023, pi).err_code, "YZ-PLATFORM-INPUT");
}

TEST_F(MemoryGatewayTest, QueryPerson) {
  PersonInfo pi;
  GatewayResult r = gw_->query_person(meta("1101"), "P620702-DB12-01", 2023, pi);
  ASSERT_TRUE(r.ok()) << r.err_msg;
  EXPECT_EQ(pi.person.psn_no, "P620702-DB12-01");
  EXPECT_EQ(pi.insuplc_admdvs, "620702");
  ASSERT_EQ(pi.person.identities.size(), 1u);
  EXPECT_EQ(pi.person.identities[0].psn_idet_type, "230301");
  EXPECT_FALSE(pi.psn_name.empty());
  EXPECT_EQ(pi.certno.size(), 18u);
  // No accumulators held: zero, with the year set.
  YearAccum zero;
  zero.year = 2023;
  EXPECT_EQ(pi.accum, zero);

  // Seeded accumulators (persons.xml: P620702-DB34-02, 2023).
  r = gw_->query_person(meta("1101"), "P620702-DB34-02", 2023, pi);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(pi.accum.year, 2023);
  EXPECT_EQ(pi.accum.inpatient_stays, 1);
  EXPECT_EQ(pi.accum.get(pi.accum.basic_paid, "inpatient"), Y("6210.00"));
  EXPECT_EQ(pi.accum.get(pi.accum.ma_paid, "main"), Y("1380.00"));
  EXPECT_EQ(pi.accum.psn_burden, Y("2450.00"));
  // Another year of the same person: zero.
  r = gw_->query_person(meta("1101"), "P620702-DB34-02", 2024, pi);
  ASSERT_TRUE(r.ok());
  zero.year = 2024;
  EXPECT_EQ(pi.accum, zero);

  r = gw_->query_person(meta("1101"), "P-NOBODY", 2023, pi);
  EXPECT_EQ(r.outcome, Outcome::Rejected);
  EXPECT_EQ(r.err_code, "YZ-PLATFORM-PERSON");
  EXPECT_TRUE(pi.person.psn_no.empty());

  CallMeta m = meta("1101");
  m.insuplc_admdvs = "622922";  // not where the person is insured
  EXPECT_EQ(gw_->query_person(m, "P620702-DB12-01", 2023, pi).err_code, "YZ-PLATFORM-REGION");
  m = meta("1101");
  m.insuplc_admdvs = "620702";
  EXPECT_TRUE(gw_->query_person(m, "P620702-DB12-01", 2023, pi).ok());
  EXPECT_EQ(gw_->query_person(meta("1101"), "P620702-DB12-01", 0, pi).err_code, "YZ-PLATFORM-INPUT");
}

TEST_F(MemoryGatewayTest, Admit) {
  Admission a;
  a.psn_no = "P622922-YFP-01";
  a.begndate = D("2023-05-04");
  std::string id;
  GatewayResult r = gw_->admit(meta("2401"), a, id);
  ASSERT_TRUE(r.ok()) << r.err_msg;
  EXPECT_FALSE(id.empty());  // assigned by the platform

  a.mdtrt_id = "HIS-M-0001";
  std::string id2;
  ASSERT_TRUE(gw_->admit(meta("2401"), a, id2).ok());
  EXPECT_EQ(id2, "HIS-M-0001");  // the HIS's proposal kept

  r = gw_->admit(meta("2401"), a, id2);
  EXPECT_EQ(r.outcome, Outcome::Rejected);
  EXPECT_EQ(r.err_code, "YZ-PLATFORM-DUP-STAY");
  EXPECT_TRUE(id2.empty());

  a.mdtrt_id.clear();
  a.psn_no = "P-NOBODY";
  EXPECT_EQ(gw_->admit(meta("2401"), a, id2).err_code, "YZ-PLATFORM-PERSON");
  a.psn_no = "P622922-YFP-01";
  a.insutype = "310";  // the person has 390
  EXPECT_EQ(gw_->admit(meta("2401"), a, id2).err_code, "YZ-PLATFORM-INPUT");
  a.insutype = "390";
  a.med_type = 99;
  EXPECT_EQ(gw_->admit(meta("2401"), a, id2).err_code, "YZ-PLATFORM-INPUT");
}

TEST_F(MemoryGatewayTest, UploadAndCancelFees) {
  Stay s = admit_and_upload("P620702-DB12-01");  // lines 1 and 2
  FeeLine l3 = s.lines[0];
  l3.feedetl_sn = "3";
  EXPECT_TRUE(gw_->upload_fees(meta("2301"), s.mdtrt_id, {l3}).ok());
  // Duplicate against stored lines, and within the batch.
  EXPECT_EQ(gw_->upload_fees(meta("2301"), s.mdtrt_id, {l3}).err_code, "YZ-PLATFORM-DUP-FEE");
  FeeLine l4 = l3, l5 = l3;
  l4.feedetl_sn = l5.feedetl_sn = "4";
  EXPECT_EQ(gw_->upload_fees(meta("2301"), s.mdtrt_id, {l4, l5}).err_code, "YZ-PLATFORM-DUP-FEE");
  // The refused batch applied nothing: line 4 can still be uploaded.
  EXPECT_TRUE(gw_->upload_fees(meta("2301"), s.mdtrt_id, {l4}).ok());
  EXPECT_EQ(gw_->upload_fees(meta("2301"), "NO-SUCH-STAY", {l3}).err_code, "YZ-PLATFORM-STAY");
  EXPECT_EQ(gw_->upload_fees(meta("2301"), s.mdtrt_id, {}).err_code, "YZ-PLATFORM-INPUT");
  EXPECT_EQ(gw_->snapshot().data().stays.at(s.mdtrt_id).lines.size(), 4u);

  // Cancel: named lines, unknown line, unknown stay, then all.
  EXPECT_TRUE(gw_->cancel_fees(meta("2302"), s.mdtrt_id, {"3", "4"}).ok());
  EXPECT_EQ(gw_->snapshot().data().stays.at(s.mdtrt_id).lines.size(), 2u);
  EXPECT_EQ(gw_->cancel_fees(meta("2302"), s.mdtrt_id, {"3"}).err_code, "YZ-PLATFORM-FEE");
  EXPECT_EQ(gw_->cancel_fees(meta("2302"), s.mdtrt_id, {"1", "1"}).err_code, "YZ-PLATFORM-INPUT");
  EXPECT_EQ(gw_->cancel_fees(meta("2302"), "NO-SUCH-STAY", {}).err_code, "YZ-PLATFORM-STAY");
  EXPECT_EQ(gw_->snapshot().data().stays.at(s.mdtrt_id).lines.size(), 2u);
  EXPECT_TRUE(gw_->cancel_fees(meta("2302"), s.mdtrt_id, {}).ok());
  EXPECT_TRUE(gw_->snapshot().data().stays.at(s.mdtrt_id).lines.empty());
}

TEST_F(MemoryGatewayTest, FeesOfASettledStayAreRefused) {
  Stay s = admit_and_upload("P620702-DB12-01");
  std::string setl_id;
  ASSERT_TRUE(gw_->settle(meta("2304"), compute("P620702-DB12-01", s), setl_id).ok());
  FeeLine l3 = s.lines[0];
  l3.feedetl_sn = "3";
  EXPECT_EQ(gw_->upload_fees(meta("2301"), s.mdtrt_id, {l3}).err_code, "YZ-PLATFORM-SETTLED");
  EXPECT_EQ(gw_->cancel_fees(meta("2302"), s.mdtrt_id, {"1"}).err_code, "YZ-PLATFORM-SETTLED");
  EXPECT_EQ(gw_->cancel_fees(meta("2302"), s.mdtrt_id, {}).err_code, "YZ-PLATFORM-SETTLED");
  // Reversed: the stay is open again.
  std::string rev;
  ASSERT_TRUE(gw_->reverse_settlement(meta("2305"), setl_id, rev).ok());
  EXPECT_TRUE(gw_->upload_fees(meta("2301"), s.mdtrt_id, {l3}).ok());
}

TEST_F(MemoryGatewayTest, SettleRecordsAndAddsTheContribution) {
  const std::string psn = "P620702-DB34-02";  // starts 2023 with accumulators
  const YearAccum before = gw_->accum(psn, 2023);
  EXPECT_EQ(before.inpatient_stays, 1);
  Stay s = admit_and_upload(psn);
  Settlement st = compute(psn, s);
  ASSERT_EQ(st.accum_before, before);
  ASSERT_NE(st.accum_after, before);

  std::string setl_id;
  GatewayResult r = gw_->settle(meta("2304"), st, setl_id);
  ASSERT_TRUE(r.ok()) << r.err_code << " " << r.err_msg;
  EXPECT_FALSE(setl_id.empty());
  // The platform now holds exactly the engine's accum_after.
  EXPECT_EQ(gw_->accum(psn, 2023), st.accum_after);
  EXPECT_EQ(person(psn).accum, st.accum_after);
  EXPECT_EQ(gw_->accum(psn, 2023).inpatient_stays, 2);

  // 5203 by setl_id and by mdtrt_id.
  SettlementRecord rec;
  ASSERT_TRUE(gw_->query_settlement(meta("5203"), setl_id, "", rec).ok());
  EXPECT_EQ(rec.setl_id, setl_id);
  EXPECT_EQ(rec.settlement.mdtrt_id, s.mdtrt_id);
  EXPECT_EQ(rec.settlement.psn_cash_pay, st.psn_cash_pay);
  EXPECT_FALSE(rec.reversed);
  SettlementRecord rec2;
  ASSERT_TRUE(gw_->query_settlement(meta("5203"), "", s.mdtrt_id, rec2).ok());
  EXPECT_EQ(rec2.setl_id, setl_id);
  EXPECT_EQ(rec2.msgid, rec.msgid);
  ASSERT_TRUE(gw_->query_settlement(meta("5203"), setl_id, s.mdtrt_id, rec2).ok());
  EXPECT_EQ(gw_->query_settlement(meta("5203"), "SETL-NONE", "", rec2).err_code, "YZ-PLATFORM-NOT-FOUND");
  EXPECT_EQ(gw_->query_settlement(meta("5203"), setl_id, "OTHER", rec2).err_code, "YZ-PLATFORM-NOT-FOUND");
  EXPECT_EQ(gw_->query_settlement(meta("5203"), "", "", rec2).err_code, "YZ-PLATFORM-INPUT");
  EXPECT_EQ(gw_->query_settlement(meta("5203"), "", "NO-SUCH-STAY", rec2).err_code, "YZ-PLATFORM-STAY");
  Stay other = admit_and_upload("P620702-DB12-01");
  EXPECT_EQ(gw_->query_settlement(meta("5203"), "", other.mdtrt_id, rec2).err_code, "YZ-PLATFORM-NOT-FOUND");
}

TEST_F(MemoryGatewayTest, SettleRefusals) {
  const std::string psn = "P620702-DB12-01";
  Stay s = admit_and_upload(psn);
  const Settlement good = compute(psn, s);
  const YearAccum held = gw_->accum(psn, 2023);
  std::string setl_id;

  Settlement x = good;
  x.mdtrt_id = "NO-SUCH-STAY";
  EXPECT_EQ(gw_->settle(meta("2304"), x, setl_id).err_code, "YZ-PLATFORM-STAY");

  x = good;
  x.psn_no = "P620702-TK-01";
  EXPECT_EQ(gw_->settle(meta("2304"), x, setl_id).err_code, "YZ-PLATFORM-INPUT");

  x = good;
  x.med_type = 14;
  EXPECT_EQ(gw_->settle(meta("2304"), x, setl_id).err_code, "YZ-PLATFORM-INPUT");

  // medfee = fund + hosp_part + psn_part broken by one fen.
  x = good;
  x.fund_pay_sumamt += Fen(1);
  GatewayResult r = gw_->settle(meta("2304"), x, setl_id);
  EXPECT_EQ(r.err_code, "YZ-PLATFORM-BALANCE");
  EXPECT_NE(r.err_msg.find("fund_pay_sumamt"), std::string::npos) << r.err_msg;
  // psn_part = cash + acct broken (medfee still balances).
  x = good;
  x.psn_cash_pay -= Fen(1);
  x.acct_pay = Fen(2);
  r = gw_->settle(meta("2304"), x, setl_id);
  EXPECT_EQ(r.err_code, "YZ-PLATFORM-BALANCE");
  EXPECT_NE(r.err_msg.find("psn_cash_pay"), std::string::npos) << r.err_msg;

  // medfee differs from the uploaded lines (balanced, but 1.00 more).
  x = good;
  x.split.medfee_sumamt += Y("1.00");
  x.psn_part_amt += Y("1.00");
  x.psn_cash_pay += Y("1.00");
  r = gw_->settle(meta("2304"), x, setl_id);
  EXPECT_EQ(r.err_code, "YZ-PLATFORM-FEES");

  // accum_before differs from what the platform holds: named.
  x = good;
  x.accum_before.ci_paid += Fen(1);
  r = gw_->settle(meta("2304"), x, setl_id);
  EXPECT_EQ(r.outcome, Outcome::Rejected);
  EXPECT_EQ(r.err_code, "YZ-PLATFORM-ACCUM");
  EXPECT_NE(r.err_msg.find("ci_paid"), std::string::npos) << r.err_msg;
  x = good;
  YearAccum::add(x.accum_before.basic_paid, "inpatient", Y("100.00"));
  r = gw_->settle(meta("2304"), x, setl_id);
  EXPECT_EQ(r.err_code, "YZ-PLATFORM-ACCUM");
  EXPECT_NE(r.err_msg.find("basic_paid[inpatient]"), std::string::npos) << r.err_msg;
  x = good;
  x.accum_before.inpatient_stays = 3;
  r = gw_->settle(meta("2304"), x, setl_id);
  EXPECT_EQ(r.err_code, "YZ-PLATFORM-ACCUM");
  EXPECT_NE(r.err_msg.find("inpatient_stays"), std::string::npos) << r.err_msg;
  x = good;
  x.accum_after.year = 2022;
  EXPECT_EQ(gw_->settle(meta("2304"), x, setl_id).err_code, "YZ-PLATFORM-INPUT");

  // Nothing of the above applied.
  EXPECT_EQ(gw_->accum(psn, 2023), held);
  EXPECT_TRUE(gw_->snapshot().data().settlements.empty());

  ASSERT_TRUE(gw_->settle(meta("2304"), good, setl_id).ok());
  // A second settlement of the settled stay (new msgid): business error.
  std::string again;
  r = gw_->settle(meta("2304"), good, again);
  EXPECT_EQ(r.outcome, Outcome::Rejected);
  EXPECT_EQ(r.err_code, "YZ-PLATFORM-SETTLED");
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(gw_->accum(psn, 2023), good.accum_after);
}

TEST_F(MemoryGatewayTest, SettleThenReverseRestoresAccumulatorsExactly) {
  // Several stays of a seeded person, then reversals in reverse order: each
  // restores the accumulators to their value before that settlement.
  const std::string psn = "P140900-FPZP-01";  // Xinzhou, one stay already in 2023
  std::vector<YearAccum> befores;
  std::vector<std::string> setl_ids;
  const char* amounts[] = {"30000.00", "80000.00", "12000.00"};
  for (const char* jia : amounts) {
    befores.push_back(gw_->accum(psn, 2023));
    Stay s = admit_and_upload(psn, "2023-10-20", jia, "1500.00");
    Settlement st = compute(psn, s, "140900");
    std::string setl_id;
    GatewayResult r = gw_->settle(meta("2304"), st, setl_id);
    ASSERT_TRUE(r.ok()) << r.err_code << " " << r.err_msg;
    EXPECT_EQ(gw_->accum(psn, 2023), st.accum_after);
    setl_ids.push_back(setl_id);
  }
  EXPECT_EQ(gw_->accum(psn, 2023).inpatient_stays, 4);
  for (size_t i = setl_ids.size(); i-- > 0;) {
    std::string rev;
    GatewayResult r = gw_->reverse_settlement(meta("2305"), setl_ids[i], rev);
    ASSERT_TRUE(r.ok()) << r.err_code << " " << r.err_msg;
    EXPECT_FALSE(rev.empty());
    EXPECT_EQ(gw_->accum(psn, 2023), befores[i]) << "after reversing settlement " << i;
    SettlementRecord rec;
    ASSERT_TRUE(gw_->query_settlement(meta("5203"), setl_ids[i], "", rec).ok());
    EXPECT_TRUE(rec.reversed);
    EXPECT_EQ(rec.reverse_setl_id, rev);
  }
  // Back to the seeded figures of persons.xml.
  const YearAccum seeded = gw_->accum(psn, 2023);
  EXPECT_EQ(seeded.inpatient_stays, 1);
  EXPECT_EQ(seeded.get(seeded.basic_paid, "inpatient"), Y("4120.00"));

  std::string rev;
  EXPECT_EQ(gw_->reverse_settlement(meta("2305"), setl_ids[0], rev).err_code, "YZ-PLATFORM-REVERSED");
  EXPECT_EQ(gw_->reverse_settlement(meta("2305"), "SETL-NONE", rev).err_code, "YZ-PLATFORM-NOT-FOUND");
}

TEST_F(MemoryGatewayTest, AReversedStayCanBeSettledAgain) {
  const std::string psn = "P500243-TK-01";
  Stay s = admit_and_upload(psn);
  Settlement st = compute(psn, s, "500243");
  std::string first, rev, second;
  ASSERT_TRUE(gw_->settle(meta("2304"), st, first).ok());
  ASSERT_TRUE(gw_->reverse_settlement(meta("2305"), first, rev).ok());
  Settlement st2 = compute(psn, s, "500243");
  EXPECT_EQ(st2.accum_before, st.accum_before);
  ASSERT_TRUE(gw_->settle(meta("2304"), st2, second).ok());
  EXPECT_NE(first, second);
  SettlementRecord rec;
  ASSERT_TRUE(gw_->query_settlement(meta("5203"), "", s.mdtrt_id, rec).ok());
  EXPECT_EQ(rec.setl_id, second);  // the one in force
  EXPECT_FALSE(rec.reversed);
  // Once the second is reversed, the latest (reversed) one is reported.
  ASSERT_TRUE(gw_->reverse_settlement(meta("2305"), second, rev).ok());
  ASSERT_TRUE(gw_->query_settlement(meta("5203"), "", s.mdtrt_id, rec).ok());
  EXPECT_EQ(rec.setl_id, second);
  EXPECT_TRUE(rec.reversed);
}

TEST_F(MemoryGatewayTest, RepeatedMsgidReturnsTheFirstAnswerAndAppliesOnce) {
  const std::string psn = "P622922-DB12-01";
  Stay s = admit_and_upload(psn, "2023-05-18", "7800.00", "0.00");
  Settlement st = compute(psn, s, "622922");
  const CallMeta m = meta("2304");
  std::string a, b;
  ASSERT_TRUE(gw_->settle(m, st, a).ok());
  const YearAccum after = gw_->accum(psn, 2023);
  GatewayResult r = gw_->settle(m, st, b);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(a, b);
  EXPECT_EQ(gw_->accum(psn, 2023), after);  // not added twice
  EXPECT_EQ(gw_->snapshot().data().settlements.size(), 1u);

  // A refusal is replayed too.
  Settlement bad = st;
  bad.mdtrt_id = "NO-SUCH-STAY";
  const CallMeta mb = meta("2304");
  EXPECT_EQ(gw_->settle(mb, bad, b).err_code, "YZ-PLATFORM-STAY");
  EXPECT_EQ(gw_->settle(mb, bad, b).err_code, "YZ-PLATFORM-STAY");

  // 2401 with a platform-assigned mdtrt_id: the replay gives the same id, one stay.
  Admission adm;
  adm.psn_no = psn;
  const CallMeta ma = meta("2401");
  std::string id1, id2;
  ASSERT_TRUE(gw_->admit(ma, adm, id1).ok());
  const size_t stays = gw_->snapshot().data().stays.size();
  ASSERT_TRUE(gw_->admit(ma, adm, id2).ok());
  EXPECT_EQ(id1, id2);
  EXPECT_EQ(gw_->snapshot().data().stays.size(), stays);

  // 2301 replayed: Ok again, not a duplicate-line refusal.
  const CallMeta mu = meta("2301");
  ASSERT_TRUE(gw_->upload_fees(mu, id1, s.lines).ok());
  EXPECT_TRUE(gw_->upload_fees(mu, id1, s.lines).ok());
  EXPECT_EQ(gw_->snapshot().data().stays.at(id1).lines.size(), s.lines.size());

  // 2305 replayed: same reverse id, subtracted once.
  const CallMeta mr = meta("2305");
  std::string r1, r2;
  ASSERT_TRUE(gw_->reverse_settlement(mr, a, r1).ok());
  const YearAccum reversed = gw_->accum(psn, 2023);
  EXPECT_EQ(reversed, st.accum_before);
  ASSERT_TRUE(gw_->reverse_settlement(mr, a, r2).ok());
  EXPECT_EQ(r1, r2);
  EXPECT_EQ(gw_->accum(psn, 2023), reversed);

  // 1101 replayed: the first answer, even though the accumulators moved since.
  const CallMeta mq = meta("1101");
  PersonInfo p1, p2;
  ASSERT_TRUE(gw_->query_person(mq, psn, 2023, p1).ok());
  EXPECT_EQ(p1.accum, reversed);

  // The same msgid for another transaction or another object: refused.
  std::string x;
  EXPECT_EQ(gw_->admit(m, adm, x).err_code, "YZ-PLATFORM-INPUT");  // envelope infno 2304, call 2401
  CallMeta m2 = m;
  m2.infno.clear();
  r = gw_->admit(m2, adm, x);
  EXPECT_EQ(r.err_code, "YZ-PLATFORM-MSGID-REUSED");
  EXPECT_NE(r.err_msg.find("2304"), std::string::npos);
  Settlement other = st;
  other.mdtrt_id = id1;
  EXPECT_EQ(gw_->settle(m, other, x).err_code, "YZ-PLATFORM-MSGID-REUSED");
}

TEST_F(MemoryGatewayTest, ReverseMessageUndoesASettlement) {
  const std::string psn = "P330900-EXP-01";  // Zhoushan, seeded 2023 accumulators
  const YearAccum seeded = gw_->accum(psn, 2023);
  Stay s = admit_and_upload(psn, "2023-10-20", "40000.00", "3000.00");
  Settlement st = compute(psn, s, "330900");
  const CallMeta m = meta("2304");
  std::string setl_id;
  ASSERT_TRUE(gw_->settle(m, st, setl_id).ok());
  EXPECT_EQ(gw_->accum(psn, 2023), st.accum_after);

  GatewayResult r = gw_->reverse_message(meta("2601"), m.msgid, "2304");
  ASSERT_TRUE(r.ok()) << r.err_code << " " << r.err_msg;
  EXPECT_TRUE(r.err_code.empty());
  EXPECT_EQ(r.err_msg.rfind(kReversed, 0), 0u) << r.err_msg;
  EXPECT_EQ(gw_->accum(psn, 2023), seeded);
  SettlementRecord rec;
  ASSERT_TRUE(gw_->query_settlement(meta("5203"), setl_id, "", rec).ok());
  EXPECT_TRUE(rec.reversed);
  // Again (a new 2601): already undone, still Ok, nothing subtracted twice.
  r = gw_->reverse_message(meta("2601"), m.msgid, "");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.err_msg.rfind(kReversed, 0), 0u) << r.err_msg;
  EXPECT_EQ(gw_->accum(psn, 2023), seeded);
  // The stay can be settled again.
  std::string again;
  EXPECT_TRUE(gw_->settle(meta("2304"), compute(psn, s, "330900"), again).ok());

  // oinfno that does not match the original: refused.
  EXPECT_EQ(gw_->reverse_message(meta("2601"), m.msgid, "2401").err_code, "YZ-PLATFORM-INPUT");
  EXPECT_EQ(gw_->reverse_message(meta("2601"), "", "2304").err_code, "YZ-PLATFORM-INPUT");
}

TEST_F(MemoryGatewayTest, ReverseMessageOfWhatNeverTookEffect) {
  // A msgid the platform never saw.
  GatewayResult r = gw_->reverse_message(meta("2601"), "H62070200001209901010000" "9999", "2304");
  EXPECT_EQ(r.outcome, Outcome::Ok);
  EXPECT_TRUE(r.err_code.empty());
  EXPECT_EQ(r.err_msg.rfind(kNoSuchMessage, 0), 0u) << r.err_msg;
  // A msgid whose answer was a refusal.
  Settlement bad;
  bad.mdtrt_id = "NO-SUCH-STAY";
  const CallMeta m = meta("2304");
  std::string setl_id;
  ASSERT_EQ(gw_->settle(m, bad, setl_id).err_code, "YZ-PLATFORM-STAY");
  r = gw_->reverse_message(meta("2601"), m.msgid, "2304");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.err_msg.rfind(kNoSuchMessage, 0), 0u) << r.err_msg;
  // A query: nothing to undo.
  const CallMeta mq = meta("1101");
  PersonInfo pi;
  ASSERT_TRUE(gw_->query_person(mq, "P620702-TK-01", 2023, pi).ok());
  EXPECT_TRUE(gw_->reverse_message(meta("2601"), mq.msgid, "1101").ok());
  // 2305 cannot be undone by 2601.
  Stay s = admit_and_upload("P620702-TK-01");
  ASSERT_TRUE(gw_->settle(meta("2304"), compute("P620702-TK-01", s), setl_id).ok());
  const CallMeta mr = meta("2305");
  std::string rev;
  ASSERT_TRUE(gw_->reverse_settlement(mr, setl_id, rev).ok());
  EXPECT_EQ(gw_->reverse_message(meta("2601"), mr.msgid, "2305").err_code, "YZ-PLATFORM-REVERSE-BLOCKED");
}

TEST_F(MemoryGatewayTest, ReverseMessageOfAdmissionAndFees) {
  // 2401: the stay disappears (while it has no fees).
  Admission adm;
  adm.psn_no = "P622922-TK-01";
  const CallMeta ma = meta("2401");
  std::string id;
  ASSERT_TRUE(gw_->admit(ma, adm, id).ok());
  ASSERT_TRUE(gw_->reverse_message(meta("2601"), ma.msgid, "2401").ok());
  EXPECT_EQ(gw_->snapshot().data().stays.count(id), 0u);

  // 2301: the lines it uploaded go; 2302: the lines it cancelled come back.
  Stay s = admit_and_upload("P622922-TK-01");  // lines 1, 2
  FeeLine l3 = s.lines[0];
  l3.feedetl_sn = "3";
  const CallMeta mu = meta("2301");
  ASSERT_TRUE(gw_->upload_fees(mu, s.mdtrt_id, {l3}).ok());
  ASSERT_TRUE(gw_->reverse_message(meta("2601"), mu.msgid, "2301").ok());
  EXPECT_EQ(gw_->snapshot().data().stays.at(s.mdtrt_id).lines.size(), 2u);
  const CallMeta mc = meta("2302");
  ASSERT_TRUE(gw_->cancel_fees(mc, s.mdtrt_id, {"2"}).ok());
  EXPECT_EQ(gw_->snapshot().data().stays.at(s.mdtrt_id).lines.size(), 1u);
  ASSERT_TRUE(gw_->reverse_message(meta("2601"), mc.msgid, "2302").ok());
  EXPECT_EQ(gw_->snapshot().data().stays.at(s.mdtrt_id).lines.size(), 2u);
  // The admission of a stay with fees cannot be undone.
  // (Its 2401 msgid is inside admit_and_upload; admit another and add a line.)
  const CallMeta ma2 = meta("2401");
  ASSERT_TRUE(gw_->admit(ma2, adm, id).ok());
  ASSERT_TRUE(gw_->upload_fees(meta("2301"), id, {l3}).ok());
  EXPECT_EQ(gw_->reverse_message(meta("2601"), ma2.msgid, "2401").err_code, "YZ-PLATFORM-REVERSE-BLOCKED");
}

// ---- Fault hooks --------------------------------------------------------------

TEST_F(MemoryGatewayTest, FaultUnknownAfterApplying) {
  const std::string psn = "P620702-YFP-01";
  Stay s = admit_and_upload(psn);
  Settlement st = compute(psn, s);
  gw_->inject("2304", MemoryGateway::Fault::UnknownAfter);
  EXPECT_EQ(gw_->pending_faults("2304"), 1);
  const CallMeta m = meta("2304");
  std::string setl_id = "stale";
  GatewayResult r = gw_->settle(m, st, setl_id);
  EXPECT_EQ(r.outcome, Outcome::Unknown);
  EXPECT_EQ(r.err_code, "YZ-PLATFORM-TIMEOUT");
  EXPECT_TRUE(setl_id.empty());  // no answer reached the caller
  EXPECT_EQ(gw_->pending_faults("2304"), 0);
  // The platform has it: 5203 by mdtrt_id finds it, made by that msgid.
  SettlementRecord rec;
  ASSERT_TRUE(gw_->query_settlement(meta("5203"), "", s.mdtrt_id, rec).ok());
  EXPECT_EQ(rec.msgid, m.msgid);
  EXPECT_EQ(gw_->accum(psn, 2023), st.accum_after);
  // Retrying with the same msgid returns the first answer; nothing twice.
  ASSERT_TRUE(gw_->settle(m, st, setl_id).ok());
  EXPECT_EQ(setl_id, rec.setl_id);
  EXPECT_EQ(gw_->accum(psn, 2023), st.accum_after);
  EXPECT_EQ(gw_->snapshot().data().settlements.size(), 1u);
  EXPECT_EQ(gw_->calls("2304"), 2);
}

TEST_F(MemoryGatewayTest, FaultUnknownBeforeApplying) {
  const std::string psn = "P620702-YFP-01";
  Stay s = admit_and_upload(psn);
  Settlement st = compute(psn, s);
  const YearAccum before = gw_->accum(psn, 2023);
  gw_->inject("2304", MemoryGateway::Fault::UnknownBefore);
  const CallMeta m = meta("2304");
  std::string setl_id;
  GatewayResult r = gw_->settle(m, st, setl_id);
  EXPECT_EQ(r.outcome, Outcome::Unknown);
  EXPECT_TRUE(setl_id.empty());
  // The platform does not have it.
  SettlementRecord rec;
  EXPECT_EQ(gw_->query_settlement(meta("5203"), "", s.mdtrt_id, rec).err_code, "YZ-PLATFORM-NOT-FOUND");
  EXPECT_EQ(gw_->accum(psn, 2023), before);
  EXPECT_EQ(gw_->reverse_message(meta("2601"), m.msgid, "2304").err_msg.rfind(kNoSuchMessage, 0), 0u);
  // The 2601 came first: that msgid can never take effect (a request still on
  // its way is refused when it arrives); a new msgid settles.
  r = gw_->settle(m, st, setl_id);
  EXPECT_EQ(r.err_code, "YZ-PLATFORM-REVERSED");
  EXPECT_TRUE(setl_id.empty());
  EXPECT_EQ(gw_->accum(psn, 2023), before);
  EXPECT_TRUE(gw_->reverse_message(meta("2601"), m.msgid, "2304").ok());  // again: still nothing to undo
  ASSERT_TRUE(gw_->settle(meta("2304"), st, setl_id).ok());
  EXPECT_FALSE(setl_id.empty());
  EXPECT_EQ(gw_->accum(psn, 2023), st.accum_after);
}

TEST_F(MemoryGatewayTest, FaultFailedAndCounts) {
  gw_->inject("1101", MemoryGateway::Fault::Failed, 2);
  EXPECT_EQ(gw_->pending_faults("1101"), 2);
  PersonInfo pi;
  pi.psn_name = "stale";
  const CallMeta m = meta("1101");
  GatewayResult r = gw_->query_person(m, "P620702-TK-01", 2023, pi);
  EXPECT_EQ(r.outcome, Outcome::Failed);
  EXPECT_EQ(r.err_code, "YZ-PLATFORM-CONNECT");
  EXPECT_TRUE(pi.psn_name.empty());
  // Other transactions are not affected.
  std::string sn;
  EXPECT_TRUE(gw_->sign_in(meta("9001"), sn).ok());
  EXPECT_EQ(gw_->query_person(m, "P620702-TK-01", 2023, pi).outcome, Outcome::Failed);
  EXPECT_EQ(gw_->pending_faults("1101"), 0);
  // Failed means not applied: the same msgid is answered afresh.
  EXPECT_TRUE(gw_->query_person(m, "P620702-TK-01", 2023, pi).ok());
  EXPECT_FALSE(pi.psn_name.empty());
  EXPECT_EQ(gw_->calls("1101"), 3);

  // A Failed 2304 is not applied either; rules are consumed in order.
  const std::string psn = "P620702-TP-01";
  Stay s = admit_and_upload(psn);
  Settlement st = compute(psn, s);
  gw_->inject("2304", MemoryGateway::Fault::Failed);
  gw_->inject("2304", MemoryGateway::Fault::UnknownAfter);
  std::string setl_id;
  EXPECT_EQ(gw_->settle(meta("2304"), st, setl_id).outcome, Outcome::Failed);
  EXPECT_TRUE(gw_->snapshot().data().settlements.empty());
  EXPECT_EQ(gw_->settle(meta("2304"), st, setl_id).outcome, Outcome::Unknown);
  EXPECT_EQ(gw_->snapshot().data().settlements.size(), 1u);
  // clear_faults drops what is left.
  gw_->inject("2305", MemoryGateway::Fault::Failed, 5);
  gw_->clear_faults();
  EXPECT_EQ(gw_->pending_faults("2305"), 0);
}

TEST_F(MemoryGatewayTest, FaultUnknownAfterOnAdmissionThenReverseMessage) {
  // The shape of the service's recovery: 2401 unknown -> 2601 by omsgid.
  Admission adm;
  adm.psn_no = "P140900-DB-01";
  adm.mdtrt_id = "HIS-XZ-1";
  gw_->inject("2401", MemoryGateway::Fault::UnknownAfter);
  const CallMeta m = meta("2401");
  std::string id;
  EXPECT_EQ(gw_->admit(m, adm, id).outcome, Outcome::Unknown);
  EXPECT_EQ(gw_->snapshot().data().stays.count("HIS-XZ-1"), 1u);
  GatewayResult r = gw_->reverse_message(meta("2601"), m.msgid, "2401");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.err_msg.rfind(kReversed, 0), 0u);
  EXPECT_EQ(gw_->snapshot().data().stays.count("HIS-XZ-1"), 0u);
  // A fresh admission of the same mdtrt_id works again.
  EXPECT_TRUE(gw_->admit(meta("2401"), adm, id).ok());
}

// ---- Threads -----------------------------------------------------------------

TEST_F(MemoryGatewayTest, ConcurrentCallsFromEightThreads) {
  // Eight threads, each admitting its own stays and uploading lines, while
  // all of them query one person; totals must add up.
  constexpr int kThreads = 8, kStays = 20;
  std::vector<std::string> msgids;
  for (int i = 0; i < kThreads * kStays * 3; ++i) msgids.push_back(next_msgid());
  std::atomic<int> failures{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      for (int k = 0; k < kStays; ++k) {
        const int base = (t * kStays + k) * 3;
        CallMeta m = meta("2401", msgids[base]);
        Admission a;
        a.psn_no = "P620702-PLAIN-01";
        std::string id;
        if (!gw_->admit(m, a, id).ok()) ++failures;
        FeeLine l;
        l.feedetl_sn = "1";
        l.det_item_fee_sumamt = Y("10.00");
        if (!gw_->upload_fees(meta("2301", msgids[base + 1]), id, {l}).ok()) ++failures;
        PersonInfo pi;
        if (!gw_->query_person(meta("1101", msgids[base + 2]), "P620702-PLAIN-01", 2023, pi).ok()) ++failures;
      }
    });
  }
  for (auto& th : ts) th.join();
  EXPECT_EQ(failures.load(), 0);
  const PlatformState snap = gw_->snapshot();
  EXPECT_EQ(snap.data().stays.size(), size_t(kThreads * kStays));
  for (const auto& [id, stay] : snap.data().stays) EXPECT_EQ(stay.lines.size(), 1u) << id;
  EXPECT_EQ(gw_->calls("2401"), kThreads * kStays);
}

// ---- The platform's rules without the gateway --------------------------------

TEST(MemoryGatewayState, AccumDifferenceNamesTheFirstAccumulator) {
  YearAccum a, b;
  a.year = b.year = 2023;
  EXPECT_EQ(accum_difference(a, b), "");
  YearAccum::add(b.ma_paid, "main", Fen());  // a zero pool equals an absent one
  EXPECT_EQ(accum_difference(a, b), "");
  b.tilt_paid = Y("5.00");
  EXPECT_EQ(accum_difference(a, b), "tilt_paid: 平台 0.00，提交 5.00");
  YearAccum::add(b.ma_paid, "special", Y("1.00"));
  EXPECT_EQ(accum_difference(a, b), "ma_paid[special]: 平台 0.00，提交 1.00");
  b.year = 2022;
  EXPECT_EQ(accum_difference(a, b), "year: 平台 2023，提交 2022");
}

TEST(MemoryGatewayState, PlatformStateWithoutSignInAndSeeding) {
  PlatformState::Options o;
  o.require_sign_in = false;
  PlatformState ps(o);
  std::vector<SeedPerson> seeds;
  ASSERT_TRUE(parse_persons("small.xml", kSmall, seeds).is_ok());
  ASSERT_TRUE(ps.add_persons(seeds).is_ok());
  EXPECT_EQ(ps.add_person(seeds[0]).code(), "YZ-PERSONS-DUP");
  CallMeta m;
  m.msgid = "M1";
  PersonInfo pi;
  ASSERT_TRUE(ps.query_person(m, "P1", 2023, pi).ok());  // no sign_no needed
  EXPECT_EQ(pi.accum, seeds[0].accums[0]);
  EXPECT_EQ(ps.accum("P1", 2023), seeds[0].accums[0]);
}

}  // namespace
}  // namespace yz::gateway
