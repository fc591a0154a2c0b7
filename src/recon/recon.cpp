// Reconciliation rows, totals, the detail file and the classification of
// differences (see recon.h for the rules). Sort-merge over row indices; no
// allocation per row beyond the row's own strings.
#include "recon/recon.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace yz::recon {

namespace {

constexpr std::array<const char*, kFundCount> kFundNames = {
    "基本医疗保险统筹基金", "城乡居民大病保险", "惠民型商业补充医疗保险", "医疗救助基金", "倾斜救助", "目录外费用救助"};

constexpr size_t kColumns = 15;
constexpr size_t kMaxIdBytes = 64;

// ---- Amount text -------------------------------------------------------------------

// "1234.50", "-0.05": as Fen::str(), without a temporary string.
void append_fen(std::string& out, Fen f) {
  const int64_t v = f.fen();
  uint64_t mag = v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v);
  char buf[32];
  char* p = buf;
  if (v < 0) *p++ = '-';
  p = std::to_chars(p, buf + sizeof buf, mag / 100).ptr;
  const unsigned cents = unsigned(mag % 100);
  *p++ = '.';
  *p++ = char('0' + cents / 10);
  *p++ = char('0' + cents % 10);
  out.append(buf, size_t(p - buf));
}

// Strict "-?digits.dd" (exactly two decimals), <= kMaxAmount.
bool parse_money(std::string_view s, Fen& out) {
  bool neg = false;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  if (s.size() < 4 || s[s.size() - 3] != '.') return false;
  uint64_t whole = 0;
  const size_t int_len = s.size() - 3;
  if (int_len > 13) return false;
  if (int_len > 1 && s[0] == '0') return false;  // no leading zeros ("007.00")
  for (size_t i = 0; i < int_len; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    whole = whole * 10 + unsigned(c - '0');
  }
  const char d1 = s[int_len + 1], d2 = s[int_len + 2];
  if (d1 < '0' || d1 > '9' || d2 < '0' || d2 > '9') return false;
  const uint64_t fen = whole * 100 + unsigned(d1 - '0') * 10 + unsigned(d2 - '0');
  if (fen > uint64_t(kMaxAmount.fen())) return false;
  out = Fen(neg ? -int64_t(fen) : int64_t(fen));
  return true;
}

bool digits(std::string_view s, size_t from, size_t n) {
  for (size_t i = from; i < from + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

// "yyyy-MM-dd HH:mm:ss" with plausible ranges (month 1-12, day 1-31, hour < 24, …).
bool valid_time(std::string_view t) {
  if (t.size() != 19) return false;
  if (!digits(t, 0, 4) || t[4] != '-' || !digits(t, 5, 2) || t[7] != '-' || !digits(t, 8, 2) || t[10] != ' ' ||
      !digits(t, 11, 2) || t[13] != ':' || !digits(t, 14, 2) || t[16] != ':' || !digits(t, 17, 2))
    return false;
  auto num = [&](size_t at) { return (t[at] - '0') * 10 + (t[at + 1] - '0'); };
  const int mo = num(5), d = num(8), h = num(11), mi = num(14), se = num(17);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && se <= 59;
}

// A field we write must not break the TSV: TAB/CR/LF (and other controls) -> ' '.
void append_field(std::string& out, std::string_view s) {
  size_t start = out.size();
  out.append(s);
  for (size_t i = start; i < out.size(); ++i)
    if (static_cast<unsigned char>(out[i]) < 0x20 || out[i] == 0x7f) out[i] = ' ';
}

bool has_control(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

// ---- Order -------------------------------------------------------------------------

// A row's place in (setl_id, flag) order, cache-friendly: the first 24 bytes
// of setl_id as three big-endian words (zero-padded; ids hold no NUL, so the
// words order like the bytes), the full string consulted only when an id is
// longer than 24 bytes and the words tie. Sorting these instead of row
// indices keeps a million-row sort in memory order (no pointer chasing).
struct SortKey {
  uint64_t w[3];
  uint32_t idx;
  bool rev;
  bool long_id;
};

SortKey make_key(const Row& r, uint32_t idx) {
  unsigned char buf[24] = {};
  std::memcpy(buf, r.setl_id.data(), std::min<size_t>(24, r.setl_id.size()));
  SortKey k;
  for (int i = 0; i < 3; ++i) {
    uint64_t v;
    std::memcpy(&v, buf + 8 * i, 8);
    k.w[i] = __builtin_bswap64(v);
  }
  k.idx = idx;
  k.rev = r.refd_setl_flag;
  k.long_id = r.setl_id.size() > 24;
  return k;
}

// Compares the setl_ids of two keys (each from its own rows).
int id_cmp(const SortKey& a, const std::vector<Row>& ra, const SortKey& b, const std::vector<Row>& rb) {
  for (int i = 0; i < 3; ++i)
    if (a.w[i] != b.w[i]) return a.w[i] < b.w[i] ? -1 : 1;
  if (a.long_id || b.long_id) {
    const int c = ra[a.idx].setl_id.compare(rb[b.idx].setl_id);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  return 0;
}

// Keys of rows in (setl_id, flag, input position) order; not re-sorted when
// the rows are already in order.
std::vector<SortKey> sorted_keys(const std::vector<Row>& rows) {
  std::vector<SortKey> keys;
  keys.reserve(rows.size());
  for (uint32_t i = 0; i < rows.size(); ++i) keys.push_back(make_key(rows[i], i));
  auto less = [&](const SortKey& a, const SortKey& b) {
    const int c = id_cmp(a, rows, b, rows);
    if (c != 0) return c < 0;
    if (a.rev != b.rev) return a.rev < b.rev;
    return a.idx < b.idx;  // duplicates: input order, so the first one is reported first
  };
  for (size_t i = 1; i < keys.size(); ++i)
    if (less(keys[i], keys[i - 1])) {
      std::sort(keys.begin(), keys.end(), less);
      break;
    }
  return keys;
}

// The position in `keys` of the second of two rows with the same (setl_id, flag), or npos.
size_t find_duplicate(const std::vector<Row>& rows, const std::vector<SortKey>& keys) {
  for (size_t i = 1; i < keys.size(); ++i)
    if (keys[i].rev == keys[i - 1].rev && id_cmp(keys[i], rows, keys[i - 1], rows) == 0) return i;
  return size_t(-1);
}

std::string flag_text(bool reverse) { return reverse ? "撤销行" : "正向行"; }

// ---- Differences -------------------------------------------------------------------

struct Sink {
  std::vector<Diff>& out;

  Diff& add(DiffClass cls, const Row& r, bool reverse_row, std::string field) {
    Diff& d = out.emplace_back();
    d.cls = cls;
    d.setl_id = r.setl_id;
    d.mdtrt_id = r.mdtrt_id;
    d.psn_no = r.psn_no;
    d.reverse_row = reverse_row;
    d.field_label = field.empty() ? std::string() : field_label(field);
    d.field = std::move(field);
    return d;
  }

  // A settlement (its forward row) on one side only. `present` is the side that
  // has it; `also_reversed`: that side also has its reverse row.
  void missing(bool at_platform, const Row& present, bool also_reversed) {
    Diff& d = add(at_platform ? DiffClass::MissingAtPlatform : DiffClass::MissingLocally, present, false, "");
    std::string have = "有，医疗费总额 ";
    append_fen(have, present.medfee_sumamt);
    if (also_reversed) have += "（已撤销）";
    (at_platform ? d.local_value : d.platform_value) = std::move(have);
    (at_platform ? d.platform_value : d.local_value) = "无";
    if (at_platform) {
      d.advice = "平台无此结算：先按就诊ID " + present.mdtrt_id +
                 " 用 5203 查询平台。如平台确未结算，按 2601 冲正本地这笔结算（原 2304 的交易流水号），"
                 "再重新结算（2304），并与患者核对已收金额；如平台查得此结算，核对结算ID后重新对账。";
      if (also_reversed)
        d.advice += "本地此结算已撤销（净额为零）：如平台确无此结算，本地结算与撤销一并作废登记，无需向患者退补。";
    } else {
      d.advice = "本地无此结算：平台有此结算（结算ID " + present.setl_id +
                 "），本院台账没有。用 5203 查询平台结算结果，从平台补记本地台账（核对是否已向患者收费，"
                 "不得重复收费），补记后重新对账。";
      if (also_reversed) d.advice += "平台上此结算已撤销（净额为零）：补记结算与撤销两笔。";
    }
  }

  // The reverse row on one side only.
  void reversed_one_side(bool reversed_locally, const Row& r) {
    Diff& d = add(DiffClass::ReversedOneSide, r, true, "refd_setl_flag");
    d.local_value = reversed_locally ? "已撤销" : "未撤销";
    d.platform_value = reversed_locally ? "未撤销" : "已撤销";
    if (reversed_locally)
      d.advice = "单边撤销（本地已撤销，平台未撤销）：用 5203 按结算ID " + r.setl_id +
                 " 查询平台；平台确未撤销的，向平台补做结算撤销（2305），成功后重新对账，并核对已退给患者的金额。";
    else
      d.advice = "单边撤销（平台已撤销，本地未撤销）：平台已撤销结算 " + r.setl_id +
                 "，本院台账仍为有效结算。核实撤销是否由本院发起；在本地补记撤销（恢复年度累计），"
                 "患者仍需结算的重新结算（2304），并核对应退、应补的金额。";
  }

  void amount(const Row& l, bool reverse_row, const char* field, Fen lv, Fen pv) {
    Diff& d = add(DiffClass::AmountMismatch, l, reverse_row, field);
    append_fen(d.local_value, lv);
    append_fen(d.platform_value, pv);
    d.advice = "金额不符（" + d.field_label + "，" + flag_text(reverse_row) + "）：本地 " + d.local_value + " 元，平台 " +
               d.platform_value + " 元。调阅本地结算单，并用 5203 查询平台结算明细，逐项核对" + d.field_label +
               "；以平台为准的，撤销（2305）后按正确费用重新结算，或报医保经办机构调账。";
  }

  void text(const Row& l, bool reverse_row, const char* field, const std::string& lv, const std::string& pv) {
    Diff& d = add(DiffClass::AmountMismatch, l, reverse_row, field);
    d.local_value = lv;
    d.platform_value = pv;
    d.advice = "数据不符（" + d.field_label + "）：本地 " + lv + "，平台 " + pv +
               "。用 5203 查询平台，核对该结算所属的就诊与人员；确属错记的，撤销（2305）后按正确的就诊重新结算。";
  }
};

// Fields compared, in report order; a bit per field so that the reverse row
// does not repeat what the forward row already reported.
enum : uint32_t {
  kFMdtrt = 1u << 0,
  kFPsn = 1u << 1,
  kFMedfee = 1u << 2,
  kFFund = 1u << 3,
  kFAcct = 1u << 4,
  kFCash = 1u << 5,
  kFFundType0 = 1u << 6,  // + i
};

constexpr std::array<const char*, kFundCount> kFundFields = {"fund_390100", "fund_390200", "fund_390300",
                                                             "fund_610100", "fund_610102", "fund_610103"};

uint32_t compare_rows(Sink& sink, const Row& l, const Row& p, bool reverse_row, uint32_t skip) {
  uint32_t seen = 0;
  auto amt = [&](uint32_t bit, const char* field, Fen lv, Fen pv) {
    if (lv == pv) return;
    seen |= bit;
    if (!(skip & bit)) sink.amount(l, reverse_row, field, lv, pv);
  };
  if (l.mdtrt_id != p.mdtrt_id) {
    seen |= kFMdtrt;
    if (!(skip & kFMdtrt)) sink.text(l, reverse_row, "mdtrt_id", l.mdtrt_id, p.mdtrt_id);
  }
  if (l.psn_no != p.psn_no) {
    seen |= kFPsn;
    if (!(skip & kFPsn)) sink.text(l, reverse_row, "psn_no", l.psn_no, p.psn_no);
  }
  amt(kFMedfee, "medfee_sumamt", l.medfee_sumamt, p.medfee_sumamt);
  amt(kFFund, "fund_pay_sumamt", l.fund_pay_sumamt, p.fund_pay_sumamt);
  amt(kFAcct, "acct_pay", l.acct_pay, p.acct_pay);
  amt(kFCash, "psn_cash_pay", l.psn_cash_pay, p.psn_cash_pay);
  for (size_t i = 0; i < kFundCount; ++i) amt(kFFundType0 << i, kFundFields[i], l.fund[i], p.fund[i]);
  return seen;
}

// The rows of one settlement on one side.
struct Group {
  const Row* fwd = nullptr;
  const Row* rev = nullptr;
  bool empty() const { return !fwd && !rev; }
};

void classify(Sink& sink, const Group& l, const Group& p) {
  if (l.empty()) {
    if (p.fwd) sink.missing(false, *p.fwd, p.rev != nullptr);
    else sink.reversed_one_side(false, *p.rev);
    return;
  }
  if (p.empty()) {
    if (l.fwd) sink.missing(true, *l.fwd, l.rev != nullptr);
    else sink.reversed_one_side(true, *l.rev);
    return;
  }
  if (l.fwd && !p.fwd) sink.missing(true, *l.fwd, false);
  if (!l.fwd && p.fwd) sink.missing(false, *p.fwd, false);
  uint32_t seen = 0;
  if (l.fwd && p.fwd) seen = compare_rows(sink, *l.fwd, *p.fwd, false, 0);
  if (l.rev && p.rev) compare_rows(sink, *l.rev, *p.rev, true, seen);
  if (l.rev && !p.rev) sink.reversed_one_side(true, *l.rev);
  if (!l.rev && p.rev) sink.reversed_one_side(false, *p.rev);
}

Status duplicate_error(const char* side, const Row& r) {
  return Status::error("YZ-RECON-DUP", std::string(side) + "的对账明细中结算 " + r.setl_id + " 的" +
                                           flag_text(r.refd_setl_flag) + "重复出现");
}

std::string line_prefix(size_t line) { return "对账明细文件第 " + std::to_string(line) + " 行: "; }

}  // namespace

// ---- Funds and rows ------------------------------------------------------------------

const char* fund_type_name(size_t i) { return i < kFundCount ? kFundNames[i] : ""; }

int fund_index(std::string_view t) {
  for (size_t i = 0; i < kFundCount; ++i)
    if (t == kFundTypes[i]) return int(i);
  return -1;
}

Row forward_row(const Settlement& s, std::string setl_id, std::string setl_time) {
  Row r;
  r.setl_id = std::move(setl_id);
  r.mdtrt_id = s.mdtrt_id;
  r.psn_no = s.psn_no;
  r.medfee_sumamt = s.split.medfee_sumamt;
  r.fund_pay_sumamt = s.fund_pay_sumamt;
  r.acct_pay = s.acct_pay;
  r.psn_cash_pay = s.psn_cash_pay;
  for (const FundLine& f : s.funds) {
    const int i = fund_index(f.fund_pay_type ? f.fund_pay_type : "");
    if (i >= 0) r.fund[size_t(i)] += f.fund_payamt;
  }
  r.setl_time = std::move(setl_time);
  return r;
}

Row reverse_row(const Row& fwd, std::string reversal_time) {
  Row r = fwd;
  auto neg = [](Fen f) { return Fen() - f; };
  r.refd_setl_flag = true;
  r.medfee_sumamt = neg(fwd.medfee_sumamt);
  r.fund_pay_sumamt = neg(fwd.fund_pay_sumamt);
  r.acct_pay = neg(fwd.acct_pay);
  r.psn_cash_pay = neg(fwd.psn_cash_pay);
  for (size_t i = 0; i < kFundCount; ++i) r.fund[i] = neg(fwd.fund[i]);
  r.setl_time = std::move(reversal_time);
  return r;
}

// ---- Totals --------------------------------------------------------------------------

Totals totals(const std::vector<Row>& rows) {
  // Plain int64 sums, checked once at the end: every row is within kMaxAmount
  // (~1e12 fen), so 9 million rows cannot overflow; beyond that, check per row.
  Totals t;
  int64_t med = 0, fund = 0, acct = 0, cash = 0;
  std::array<int64_t, kFundCount> f{};
  const bool small = rows.size() < 9'000'000;
  for (const Row& r : rows) {
    if (r.refd_setl_flag) ++t.reverse_rows;
    else ++t.forward_rows;
    if (small) {
      med += r.medfee_sumamt.fen();
      fund += r.fund_pay_sumamt.fen();
      acct += r.acct_pay.fen();
      cash += r.psn_cash_pay.fen();
      for (size_t i = 0; i < kFundCount; ++i) f[i] += r.fund[i].fen();
    } else {
      t.medfee_sumamt += r.medfee_sumamt;
      t.fund_pay_sumamt += r.fund_pay_sumamt;
      t.acct_pay += r.acct_pay;
      t.psn_cash_pay += r.psn_cash_pay;
      for (size_t i = 0; i < kFundCount; ++i) t.fund[i] += r.fund[i];
    }
  }
  if (small) {
    t.medfee_sumamt = Fen(med);
    t.fund_pay_sumamt = Fen(fund);
    t.acct_pay = Fen(acct);
    t.psn_cash_pay = Fen(cash);
    for (size_t i = 0; i < kFundCount; ++i) t.fund[i] = Fen(f[i]);
  }
  t.setl_cnt = t.forward_rows - t.reverse_rows;
  return t;
}

std::vector<TotalsLine> compare_totals(const Totals& l, const Totals& p) {
  std::vector<TotalsLine> v;
  auto count = [&](const char* key, const char* label, int64_t a, int64_t b) {
    v.push_back({key, label, std::to_string(a), std::to_string(b), a == b});
  };
  auto amount = [&](std::string key, std::string label, Fen a, Fen b) {
    v.push_back({std::move(key), std::move(label), a.str(), b.str(), a == b});
  };
  count("setl_cnt", "结算笔数（正向减撤销）", l.setl_cnt, p.setl_cnt);
  count("forward_rows", "正向结算笔数", l.forward_rows, p.forward_rows);
  count("reverse_rows", "撤销笔数", l.reverse_rows, p.reverse_rows);
  amount("medfee_sumamt", "医疗费总额", l.medfee_sumamt, p.medfee_sumamt);
  amount("fund_pay_sumamt", "基金支付总额", l.fund_pay_sumamt, p.fund_pay_sumamt);
  amount("acct_pay", "个人账户支出", l.acct_pay, p.acct_pay);
  amount("psn_cash_pay", "个人现金支付", l.psn_cash_pay, p.psn_cash_pay);
  for (size_t i = 0; i < kFundCount; ++i)
    amount(kFundFields[i], std::string(kFundNames[i]) + "（" + kFundTypes[i] + "）", l.fund[i], p.fund[i]);
  return v;
}

// ---- Detail file -----------------------------------------------------------------------

std::string write_detail(const std::vector<Row>& rows) {
  const std::vector<SortKey> order = sorted_keys(rows);
  size_t est = std::strlen(kDetailHeader) + 1;
  for (const Row& r : rows) est += r.setl_id.size() + r.mdtrt_id.size() + r.psn_no.size() + r.setl_time.size() + 140;
  std::string out;
  out.reserve(est);
  out += kDetailHeader;
  out += '\n';
  for (const SortKey& k : order) {
    const Row& r = rows[k.idx];
    append_field(out, r.setl_id);
    out += '\t';
    append_field(out, r.mdtrt_id);
    out += '\t';
    append_field(out, r.psn_no);
    out += '\t';
    append_fen(out, r.medfee_sumamt);
    out += '\t';
    append_fen(out, r.fund_pay_sumamt);
    out += '\t';
    append_fen(out, r.acct_pay);
    out += '\t';
    out += r.refd_setl_flag ? '1' : '0';
    out += '\t';
    append_fen(out, r.psn_cash_pay);
    out += '\t';
    append_field(out, r.setl_time);
    for (size_t i = 0; i < kFundCount; ++i) {
      out += '\t';
      append_fen(out, r.fund[i]);
    }
    out += '\n';
  }
  return out;
}

namespace {
Status parse_rows(std::string_view text, std::vector<Row>& out) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  const size_t lines_hint = size_t(std::count(text.begin(), text.end(), '\n'));
  out.reserve(lines_hint);

  size_t pos = 0, line_no = 0;
  bool header_seen = false;
  std::array<std::string_view, kColumns> f;
  while (pos < text.size()) {
    ++line_no;
    const char* start = text.data() + pos;
    const void* nl = std::memchr(start, '\n', text.size() - pos);
    size_t len = nl ? size_t(static_cast<const char*>(nl) - start) : text.size() - pos;
    pos += len + (nl ? 1 : 0);
    std::string_view line(start, len);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    if (!header_seen) {
      if (line != kDetailHeader)
        return Status::error("YZ-RECON-FILE", line_prefix(line_no) + "表头应为 " + std::string(kDetailHeader));
      header_seen = true;
      continue;
    }
    if (line.empty()) return Status::error("YZ-RECON-FILE", line_prefix(line_no) + "空行");

    size_t n = 0, b = 0;
    for (;;) {
      const size_t tab = line.find('\t', b);
      if (n == kColumns) {
        n = kColumns + 1;
        break;
      }
      f[n++] = line.substr(b, tab == std::string_view::npos ? std::string_view::npos : tab - b);
      if (tab == std::string_view::npos) break;
      b = tab + 1;
    }
    if (n != kColumns)
      return Status::error("YZ-RECON-FILE", line_prefix(line_no) + "应有 " + std::to_string(kColumns) +
                                                "列（以 TAB 分隔），实有 " +
                                                (n > kColumns ? "更多" : std::to_string(n)) + " 列");

    Row& r = out.emplace_back();
    auto fail = [&](const std::string& msg) {
      return Status::error("YZ-RECON-FILE", line_prefix(line_no) + msg);
    };
    static constexpr const char* kIdNames[3] = {"setl_id", "mdtrt_id", "psn_no"};
    for (size_t i = 0; i < 3; ++i) {
      if (f[i].empty()) return fail(std::string(kIdNames[i]) + " 为空");
      if (f[i].size() > kMaxIdBytes) return fail(std::string(kIdNames[i]) + " 超过 64 字节");
      if (has_control(f[i])) return fail(std::string(kIdNames[i]) + " 含控制字符");
    }
    if (f[6] == "0") r.refd_setl_flag = false;
    else if (f[6] == "1") r.refd_setl_flag = true;
    else return fail("refd_setl_flag 应为 0 或 1: \"" + std::string(f[6]) + "\"");

    struct AmountCol {
      size_t col;
      const char* name;
      Fen* into;
    };
    const AmountCol cols[] = {{3, "medfee_sumamt", &r.medfee_sumamt},  {4, "fund_pay_sumamt", &r.fund_pay_sumamt},
                              {5, "acct_pay", &r.acct_pay},            {7, "psn_cash_pay", &r.psn_cash_pay},
                              {9, "fund_390100", &r.fund[0]},          {10, "fund_390200", &r.fund[1]},
                              {11, "fund_390300", &r.fund[2]},         {12, "fund_610100", &r.fund[3]},
                              {13, "fund_610102", &r.fund[4]},         {14, "fund_610103", &r.fund[5]}};
    for (const AmountCol& c : cols) {
      if (!parse_money(f[c.col], *c.into))
        return fail(std::string(c.name) + " 不是两位小数的金额: \"" + std::string(f[c.col]) + "\"");
      if (!r.refd_setl_flag && c.into->is_negative())
        return fail(std::string(c.name) + " 在正向行（refd_setl_flag 0）不能为负: " + std::string(f[c.col]));
      if (r.refd_setl_flag && c.into->fen() > 0)
        return fail(std::string(c.name) + " 在撤销行（refd_setl_flag 1）应为负数或 0: " + std::string(f[c.col]));
    }
    if (!f[8].empty() && !valid_time(f[8]))
      return fail("setl_time 应为 yyyy-MM-dd HH:mm:ss: \"" + std::string(f[8]) + "\"");

    r.setl_id.assign(f[0]);
    r.mdtrt_id.assign(f[1]);
    r.psn_no.assign(f[2]);
    r.setl_time.assign(f[8]);
  }
  if (!header_seen) return Status::error("YZ-RECON-FILE", "对账明细文件为空（缺少表头）");

  const std::vector<SortKey> order = sorted_keys(out);
  if (size_t i = find_duplicate(out, order); i != size_t(-1)) {
    // Rows are lines 2.. in file order (no blank lines are allowed).
    const Row& r = out[order[i].idx];
    const size_t first = size_t(std::min(order[i].idx, order[i - 1].idx)) + 2,
                 second = size_t(std::max(order[i].idx, order[i - 1].idx)) + 2;
    Status st = Status::error("YZ-RECON-FILE", line_prefix(second) + "结算 " + r.setl_id + " 的" +
                                                   flag_text(r.refd_setl_flag) + "与第 " + std::to_string(first) +
                                                   " 行重复");
    return st;
  }
  return Status::ok();
}
}  // namespace

Status parse_detail(std::string_view text, std::vector<Row>& out) {
  out.clear();
  Status st = parse_rows(text, out);
  if (!st) out.clear();  // nothing half-read
  return st;
}

// ---- Differences ---------------------------------------------------------------------

const char* diff_class_code(DiffClass c) {
  switch (c) {
    case DiffClass::MissingAtPlatform: return "missing_at_platform";
    case DiffClass::MissingLocally: return "missing_locally";
    case DiffClass::AmountMismatch: return "amount_mismatch";
    case DiffClass::ReversedOneSide: return "reversed_one_side";
  }
  return "";
}

const char* diff_class_name(DiffClass c) {
  switch (c) {
    case DiffClass::MissingAtPlatform: return "平台无此结算";
    case DiffClass::MissingLocally: return "本地无此结算";
    case DiffClass::AmountMismatch: return "金额不符";
    case DiffClass::ReversedOneSide: return "单边撤销";
  }
  return "";
}

std::string field_label(std::string_view field) {
  if (field == "mdtrt_id") return "就诊ID";
  if (field == "psn_no") return "人员编号";
  if (field == "medfee_sumamt") return "医疗费总额";
  if (field == "fund_pay_sumamt") return "基金支付总额";
  if (field == "acct_pay") return "个人账户支出";
  if (field == "psn_cash_pay") return "个人现金支付";
  if (field == "refd_setl_flag") return "撤销标志";
  for (size_t i = 0; i < kFundCount; ++i)
    if (field == kFundFields[i]) return std::string(kFundNames[i]) + "（" + kFundTypes[i] + "）";
  return std::string(field);
}

Status compare(const std::vector<Row>& local, const std::vector<Row>& platform, std::vector<Diff>& out) {
  out.clear();
  const std::vector<SortKey> lo = sorted_keys(local);
  if (size_t i = find_duplicate(local, lo); i != size_t(-1)) return duplicate_error("本地", local[lo[i].idx]);
  const std::vector<SortKey> po = sorted_keys(platform);
  if (size_t i = find_duplicate(platform, po); i != size_t(-1)) return duplicate_error("平台", platform[po[i].idx]);

  Sink sink{out};
  size_t i = 0, j = 0;
  // Takes the rows of one setl_id starting at keys[k] (at most a forward and a reverse row).
  auto take = [](const std::vector<Row>& rows, const std::vector<SortKey>& keys, size_t& k) {
    Group g;
    const size_t first = k;
    do {
      const Row& r = rows[keys[k].idx];
      (r.refd_setl_flag ? g.rev : g.fwd) = &r;
      ++k;
    } while (k < keys.size() && id_cmp(keys[k], rows, keys[first], rows) == 0);
    return g;
  };
  while (i < lo.size() || j < po.size()) {
    int c;
    if (i == lo.size()) c = 1;
    else if (j == po.size()) c = -1;
    else c = id_cmp(lo[i], local, po[j], platform);
    Group l, p;
    if (c <= 0) l = take(local, lo, i);
    if (c >= 0) p = take(platform, po, j);
    classify(sink, l, p);
  }
  return Status::ok();
}

// ---- Result ------------------------------------------------------------------------

Result reconcile_totals(std::string period_begin, std::string period_end, const Totals& local, const Totals& platform) {
  Result r;
  r.period_begin = std::move(period_begin);
  r.period_end = std::move(period_end);
  r.local = local;
  r.platform = platform;
  r.lines = compare_totals(local, platform);
  r.totals_equal = std::all_of(r.lines.begin(), r.lines.end(), [](const TotalsLine& l) { return l.equal; });
  return r;
}

Status reconcile_detail(Result& r, const std::vector<Row>& local, const std::vector<Row>& platform) {
  Status st = compare(local, platform, r.diffs);
  r.detail_run = st.is_ok();
  return st;
}

// ---- Files ---------------------------------------------------------------------------

Status write_detail_file(const std::string& path, const std::vector<Row>& rows) {
  const std::string text = write_detail(rows);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    if (!o) return Status::error("YZ-RECON-FILE", "无法写入对账明细文件: " + tmp);
    o.write(text.data(), std::streamsize(text.size()));
    o.flush();
    if (!o) {
      o.close();
      std::remove(tmp.c_str());
      return Status::error("YZ-RECON-FILE", "写入对账明细文件失败: " + tmp);
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::error("YZ-RECON-FILE", "无法替换对账明细文件: " + path);
  }
  return Status::ok();
}

Status read_detail_file(const std::string& path, std::vector<Row>& out) {
  out.clear();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error("YZ-RECON-FILE", "无法打开对账明细文件: " + path);
  std::string text;
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    text.append(buf, size_t(in.gcount()));
    if (text.size() > kMaxDetailFileBytes)
      return Status::error("YZ-RECON-FILE", "对账明细文件超过 1 GiB: " + path);
  }
  if (in.bad()) return Status::error("YZ-RECON-FILE", "读取对账明细文件失败: " + path);
  return parse_detail(text, out);
}

}  // namespace yz::recon
