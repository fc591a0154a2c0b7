// Monitoring (*-MON-*): alerts and push records; they change no amount.
#include <algorithm>

#include "engine/context.h"

namespace yz::engine {

namespace {

Fen stay_figure(const Ctx& c, policy::MonitorBase b) {
  const Settlement& s = c.out;
  if (b == policy::MonitorBase::InscpSelfpay)
    return s.split.inscp_scp_amt - s.hifp_pay - s.hifmi_pay - s.supp_pay - s.ma_pay - s.tilt_pay;
  return s.psn_part_amt;
}

void push_rule(Ctx& c, const policy::MonitorPushRule& rule) {
  const Fen figure = stay_figure(c, rule.base);
  // The person's group: the first listed group of their category, else "others".
  const policy::PushGroup* group = nullptr;
  for (const auto& g : rule.groups)
    if (!g.others && c.cat && g.categories.has(*c.cat)) group = &g;
  if (!group)
    for (const auto& g : rule.groups)
      if (g.others) group = &g;
  TraceStep& t = c.step(rule.id, Tier::Monitor);
  t.base = figure;
  if (std::find(rule.med_types.begin(), rule.med_types.end(), c.stay.med_type) == rule.med_types.end()) {
    t.reason = Reason::MedTypeNotCovered;
    return;
  }
  if (!group || (group->rural_only && !c.person.rural)) {
    t.reason = Reason::NoCategory;
    t.figures.push_back(fig_count("yz_rural", c.person.rural));
    return;
  }
  t.figures.push_back(fig_text("group", group->label));
  t.figures.push_back(fig_amount("threshold", group->above));
  if (!(figure > group->above)) {
    t.reason = Reason::BelowThreshold;
    return;
  }
  t.applied = true;
  c.out.alerts.push_back({rule.id, "push", group->recipients, group->label, figure, group->above, true, "stay"});
}

void pool_rule(Ctx& c, const policy::MonitorPoolRule& rule) {
  // Year accumulated personal burden after this stay.
  const Fen figure = rule.base == policy::MonitorBase::PsnPart ? c.acc.psn_burden : c.acc.inscp_burden;
  Fen threshold;
  const char* kind;
  const char* label;
  std::string recipients;
  if (c.ma_cat) {
    threshold = rule.assistance_min;
    kind = "push";
    label = "医疗救助对象";
    recipients = rule.recipients;
  } else if (c.left_assistance) {
    threshold = rule.left_assistance_min;
    kind = "risk_pool";
    label = "因病返贫风险人员";
  } else {
    threshold = rule.non_assistance_min;
    kind = "risk_pool";
    label = "因病致贫风险人员";
  }
  TraceStep& t = c.step(rule.id, Tier::Monitor);
  t.base = figure;
  t.figures.push_back(fig_text("group", label));
  t.figures.push_back(fig_amount("threshold", threshold));
  if (figure < threshold) {
    t.reason = Reason::BelowThreshold;
    return;
  }
  t.applied = true;
  c.out.alerts.push_back({rule.id, kind, recipients.empty() ? "医保" : recipients, label, figure, threshold, false, "year"});
}

// ZS-MON-BOTTOM: assistance objects of the listed categories whose year's
// personal burden reaches the line go on the quarterly bottom-line list; the
// decision is taken case by case, never here.
void bottom_rule(Ctx& c, const policy::MonitorBottomRule& rule) {
  const Fen figure = rule.base == policy::MonitorBase::PsnPart ? c.acc.psn_burden : c.acc.inscp_burden;
  TraceStep& t = c.step(rule.id, Tier::Monitor);
  t.base = figure;
  if (!c.ma_cat || !rule.categories.has(*c.ma_cat)) {
    t.reason = Reason::NoCategory;
    return;
  }
  t.figures.push_back(fig_amount("threshold", rule.min));
  if (figure < rule.min) {
    t.reason = Reason::BelowThreshold;
    return;
  }
  t.applied = true;
  c.out.alerts.push_back({rule.id, "bottom_line", rule.recipients, "特困、低保、低边对象", figure, rule.min, false, "year"});
}

}  // namespace

void apply_monitoring(Ctx& c) {
  if (c.pol.monitor_push) push_rule(c, *c.pol.monitor_push);
  if (c.pol.monitor_pool) pool_rule(c, *c.pol.monitor_pool);
  if (c.pol.monitor_bottom) bottom_rule(c, *c.pol.monitor_bottom);
}

}  // namespace yz::engine
