// 9001 / 9002 sign in and out, 1101 person information.
#include "codec/response_writer.h"
#include "engine/engine.h"
#include "service/impl.h"

namespace yz::service {

using codec::add_text;

Status tx_9001(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  std::string sign_no;
  {
    std::lock_guard<std::mutex> lock(s.sign_mu);
    s.sign_no.clear();  // an explicit sign-in always asks the platform
  }
  YZ_TRY(s.ensure_signed_in(env, sign_no));
  pugi::xml_node o = out.append_child("signinoutb");
  add_text(o, "sign_no", sign_no);
  add_text(o, "sign_time", s.clock());
  return Status::ok();
}

Status tx_9002(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  gateway::CallMeta m = s.meta(env, "9002", env.msgid);
  if (m.sign_no.empty()) return Status::error("YZ-NOT-SIGNED-IN", "尚未签到，无需签退");
  YZ_TRY(from_gateway(s.gateway->sign_out(m), "签退"));
  {
    std::lock_guard<std::mutex> lock(s.sign_mu);
    s.sign_no.clear();
  }
  pugi::xml_node o = out.append_child("signoutoutb");
  add_text(o, "sign_time", s.clock());
  return Status::ok();
}

Status query_person(Service::Impl& s, const Envelope& env, const std::string& psn_no, int year,
                    gateway::PersonInfo& out, const std::function<void()>& while_waiting) {
  // Asked without insuplc_admdvs: the person's insured region is what we learn
  // here, and the caller compares it with the HIS's claim (YZ-INPUT-INSUPLC).
  Envelope e = env;
  e.insuplc_admdvs.clear();
  gateway::CallMeta m = s.meta(e, "1101", s.internal_msgid());
  m.while_waiting = while_waiting;
  gateway::GatewayResult r = s.gateway->query_person(m, psn_no, year, out);
  if (r.outcome == gateway::Outcome::Rejected && r.err_code == "YZ-PLATFORM-SIGN") {
    // The platform forgot our sign-in (restart): sign in again once.
    {
      std::lock_guard<std::mutex> lock(s.sign_mu);
      s.sign_no.clear();
    }
    std::string sign_no;
    YZ_TRY(s.ensure_signed_in(env, sign_no));
    m = s.meta(e, "1101", s.internal_msgid());
    m.while_waiting = while_waiting;
    r = s.gateway->query_person(m, psn_no, year, out);
  }
  // A read: an unanswered one changed nothing, so it is not an unknown outcome.
  if (r.outcome == gateway::Outcome::Unknown) r.outcome = gateway::Outcome::Failed;
  YZ_TRY(from_gateway(r, "查询人员信息"));
  // The ledger keeps the person's accumulators as the platform last reported
  // them (written only when they changed: another station may have settled).
  if (out.accum.year > 0) {
    bool changed = false;
    YZ_TRY(s.ledger->put_accum(AccumRecord{psn_no, out.accum, "1101", m.msgid, s.clock()}, changed));
  }
  {
    std::lock_guard<std::mutex> lock(s.persons_mu);
    if (s.last_persons.size() >= 4096) s.last_persons.clear();
    gateway::PersonInfo& kept = s.last_persons[{psn_no, year}];
    kept = out;
    // Only what the engine reads is kept: not the name, sex, birth date, ID number.
    kept.psn_name.clear();
    kept.gend.clear();
    kept.brdy.clear();
    kept.certno.clear();
  }
  return Status::ok();
}

std::optional<gateway::PersonInfo> last_person(Service::Impl& s, const std::string& psn_no, int year) {
  std::lock_guard<std::mutex> lock(s.persons_mu);
  auto it = s.last_persons.find({psn_no, year});
  if (it == s.last_persons.end()) return std::nullopt;
  return it->second;
}

namespace {
int year_of(const std::string& t) { return t.size() >= 4 ? std::stoi(t.substr(0, 4)) : 0; }
}  // namespace

Status tx_1101(Service::Impl& s, const Envelope& env, pugi::xml_node out) {
  if (!env.data) return Status::error(codec::kMissing, "input/data 缺失（必填）");
  std::string psn_no, path;
  YZ_TRY(req_text(env.data, "psn_no", "data", psn_no, path));
  std::optional<std::string> y;
  YZ_TRY(opt_text(env.data, "year", "data", y, path));
  int year = year_of(s.clock());
  if (y) {
    if (!codec::all_digits(*y, 4)) return codec::bad_code(path, *y, "4 位年度");
    year = std::stoi(*y);
  }
  gateway::PersonInfo p;
  YZ_TRY(query_person(s, env, psn_no, year, p));

  pugi::xml_node b = out.append_child("baseinfo");
  add_text(b, "psn_no", p.person.psn_no);
  add_text(b, "psn_name", p.psn_name);
  add_text(b, "gend", p.gend);
  add_text(b, "brdy", p.brdy);
  add_text(b, "certno", p.certno);
  pugi::xml_node ins = out.append_child("insuinfo");
  add_text(ins, "insutype", p.person.insutype);
  add_text(ins, "insuplc_admdvs", p.insuplc_admdvs);
  add_text(ins, "yz_rural", p.person.rural ? "1" : "0");
  add_text(ins, "yz_mental_disability", p.person.mental_disability ? "1" : "0");
  add_text(ins, "yz_resident_tier", std::to_string(p.person.resident_tier));
  for (const Identity& id : p.person.identities) {
    pugi::xml_node i = out.append_child("idetinfo");
    add_text(i, "psn_idet_type", id.psn_idet_type);
    add_text(i, "begntime", id.begntime.str());
    add_text(i, "endtime", id.endtime ? id.endtime->str() : "");
  }
  // The plug-in's resolved category in the insured region, today.
  std::optional<Category> cat;
  const std::string today = s.clock().substr(0, 10);
  if (auto d = parse_date(today)) YZ_TRY(resolve_category(s.registry, p.insuplc_admdvs, p.person, *d, cat));
  add_text(out, "yz_psn_category", cat ? policy::category_code(*cat) : "");
  add_text(out, "yz_psn_category_name", cat ? policy::category_name(*cat) : "");
  pugi::xml_node acc = out.append_child("yz_accum");
  codec::write_accum(acc, "current", p.accum);
  return Status::ok();
}

}  // namespace yz::service
