// The durable Ledger on SQLite 3. See sqlite_ledger.h for the guarantees and
// ledger.h for the port.
//
// Schema (user_version 1). Amounts are integer fen; times "yyyy-MM-dd HH:mm:ss"
// from the service's clock (they sort as text).
//   his_response(msgid PK, infno, request_hash, response, created_at)
//   stay(mdtrt_id PK, psn_no, insutype, insuplc_admdvs, med_type, begndate,
//        refl_flag, primary_first, setl_id, next_pos, updated_at)
//   stay_line(mdtrt_id, feedetl_sn, pos, med_list_codg, chrgitm_lv,
//        det_item_fee_sumamt, cnt_e4, pric, pric_uplmt_amt, selfpay_prop_bp)
//   platform_call(seq, msgid UNIQUE, infno, his_msgid, key, psn_no,
//        request_hash, state, outcome, err_code, err_msg, answer, detail,
//        resolution, undone_by, attempts, sent_at, answered_at, resolved_at)
//   settlement(msgid PK, setl_id UNIQUE (NULL while pending), status
//        pending|settled, his_msgid, mdtrt_id, psn_no, setl_time, reversed,
//        reverse_setl_id, med_type, insutype, region_id, region_admdvs,
//        policy_version, psn_category, ma_category, major_disease, year,
//        medfee_sumamt … psn_cash_pay (20 fen columns), accum_before,
//        accum_after, output_xml, created_at)
//   person_accum(psn_no, year, accum, source, msgid, updated_at)
//   recovery_log(id, at, msgid, infno, action, result, detail)
#include "service/sqlite_ledger.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <unordered_map>

namespace yz::service {

namespace {

// ---- schema -------------------------------------------------------------------

std::vector<std::string> schema_sql(const std::string& db) {
  const std::string p = db + ".";
  return {
      "CREATE TABLE IF NOT EXISTS " + p +
          "his_response(msgid TEXT PRIMARY KEY, infno TEXT NOT NULL, request_hash TEXT NOT NULL,"
          " response TEXT NOT NULL, created_at TEXT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS " + p +
          "stay(mdtrt_id TEXT PRIMARY KEY, psn_no TEXT NOT NULL, insutype TEXT NOT NULL,"
          " insuplc_admdvs TEXT NOT NULL, med_type INTEGER NOT NULL, begndate TEXT NOT NULL,"
          " refl_flag INTEGER NOT NULL, primary_first INTEGER NOT NULL, setl_id TEXT NOT NULL DEFAULT '',"
          " next_pos INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS " + p +
          "stay_line(mdtrt_id TEXT NOT NULL, feedetl_sn TEXT NOT NULL, pos INTEGER NOT NULL,"
          " med_list_codg TEXT NOT NULL, chrgitm_lv INTEGER NOT NULL, det_item_fee_sumamt INTEGER NOT NULL,"
          " cnt_e4 INTEGER, pric INTEGER, pric_uplmt_amt INTEGER, selfpay_prop_bp INTEGER NOT NULL,"
          " PRIMARY KEY (mdtrt_id, feedetl_sn)) WITHOUT ROWID",
      "CREATE TABLE IF NOT EXISTS " + p +
          "platform_call(seq INTEGER PRIMARY KEY AUTOINCREMENT, msgid TEXT NOT NULL UNIQUE,"
          " infno TEXT NOT NULL, his_msgid TEXT NOT NULL, key TEXT NOT NULL, psn_no TEXT NOT NULL,"
          " request_hash TEXT NOT NULL, state TEXT NOT NULL, outcome TEXT NOT NULL, err_code TEXT NOT NULL,"
          " err_msg TEXT NOT NULL, answer TEXT NOT NULL, detail TEXT NOT NULL, resolution TEXT NOT NULL,"
          " undone_by TEXT NOT NULL, attempts INTEGER NOT NULL, sent_at TEXT NOT NULL,"
          " answered_at TEXT NOT NULL, resolved_at TEXT NOT NULL)",
      "CREATE INDEX IF NOT EXISTS " + p + "platform_call_his ON platform_call(his_msgid)",
      "CREATE INDEX IF NOT EXISTS " + p + "platform_call_key ON platform_call(key)",
      "CREATE INDEX IF NOT EXISTS " + p + "platform_call_state ON platform_call(state)",
      "CREATE TABLE IF NOT EXISTS " + p +
          "settlement(msgid TEXT PRIMARY KEY, setl_id TEXT UNIQUE, status TEXT NOT NULL,"
          " his_msgid TEXT NOT NULL, mdtrt_id TEXT NOT NULL, psn_no TEXT NOT NULL, setl_time TEXT NOT NULL,"
          " reversed INTEGER NOT NULL, reverse_setl_id TEXT NOT NULL, med_type INTEGER NOT NULL,"
          " insutype TEXT NOT NULL, region_id TEXT NOT NULL, region_admdvs TEXT NOT NULL,"
          " policy_version TEXT NOT NULL, psn_category TEXT NOT NULL, ma_category TEXT NOT NULL,"
          " major_disease INTEGER NOT NULL, year INTEGER NOT NULL,"
          " medfee_sumamt INTEGER NOT NULL, fulamt_ownpay_amt INTEGER NOT NULL, overlmt_selfpay INTEGER NOT NULL,"
          " preselfpay_amt INTEGER NOT NULL, inscp_scp_amt INTEGER NOT NULL, act_pay_dedc INTEGER NOT NULL,"
          " hifp_pay INTEGER NOT NULL, pool_prop_selfpay INTEGER NOT NULL, hifmi_pay INTEGER NOT NULL,"
          " supp_pay INTEGER NOT NULL, ma_pay INTEGER NOT NULL, ooc_assist_pay INTEGER NOT NULL,"
          " tilt_pay INTEGER NOT NULL, maf_pay INTEGER NOT NULL, oth_pay INTEGER NOT NULL,"
          " fund_pay_sumamt INTEGER NOT NULL, hosp_part_amt INTEGER NOT NULL, psn_part_amt INTEGER NOT NULL,"
          " acct_pay INTEGER NOT NULL, psn_cash_pay INTEGER NOT NULL,"
          " accum_before TEXT NOT NULL, accum_after TEXT NOT NULL, output_xml TEXT NOT NULL,"
          " created_at TEXT NOT NULL)",
      "CREATE INDEX IF NOT EXISTS " + p + "settlement_mdtrt ON settlement(mdtrt_id)",
      "CREATE TABLE IF NOT EXISTS " + p +
          "person_accum(psn_no TEXT NOT NULL, year INTEGER NOT NULL, accum TEXT NOT NULL, source TEXT NOT NULL,"
          " msgid TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (psn_no, year)) WITHOUT ROWID",
      "CREATE TABLE IF NOT EXISTS " + p +
          "recovery_log(id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, msgid TEXT NOT NULL,"
          " infno TEXT NOT NULL, action TEXT NOT NULL, result TEXT NOT NULL, detail TEXT NOT NULL)",
  };
}

const char* kTables[] = {"platform_call", "settlement", "stay", "stay_line", "his_response", "person_accum",
                         "recovery_log"};

// The settlement's fen columns, in schema order.
struct FenCol {
  const char* name;
  Fen& (*get)(Settlement&);
};
const FenCol kFenCols[] = {
    {"medfee_sumamt", [](Settlement& s) -> Fen& { return s.split.medfee_sumamt; }},
    {"fulamt_ownpay_amt", [](Settlement& s) -> Fen& { return s.split.fulamt_ownpay_amt; }},
    {"overlmt_selfpay", [](Settlement& s) -> Fen& { return s.split.overlmt_selfpay; }},
    {"preselfpay_amt", [](Settlement& s) -> Fen& { return s.split.preselfpay_amt; }},
    {"inscp_scp_amt", [](Settlement& s) -> Fen& { return s.split.inscp_scp_amt; }},
    {"act_pay_dedc", [](Settlement& s) -> Fen& { return s.act_pay_dedc; }},
    {"hifp_pay", [](Settlement& s) -> Fen& { return s.hifp_pay; }},
    {"pool_prop_selfpay", [](Settlement& s) -> Fen& { return s.pool_prop_selfpay; }},
    {"hifmi_pay", [](Settlement& s) -> Fen& { return s.hifmi_pay; }},
    {"supp_pay", [](Settlement& s) -> Fen& { return s.supp_pay; }},
    {"ma_pay", [](Settlement& s) -> Fen& { return s.ma_pay; }},
    {"ooc_assist_pay", [](Settlement& s) -> Fen& { return s.ooc_assist_pay; }},
    {"tilt_pay", [](Settlement& s) -> Fen& { return s.tilt_pay; }},
    {"maf_pay", [](Settlement& s) -> Fen& { return s.maf_pay; }},
    {"oth_pay", [](Settlement& s) -> Fen& { return s.oth_pay; }},
    {"fund_pay_sumamt", [](Settlement& s) -> Fen& { return s.fund_pay_sumamt; }},
    {"hosp_part_amt", [](Settlement& s) -> Fen& { return s.hosp_part_amt; }},
    {"psn_part_amt", [](Settlement& s) -> Fen& { return s.psn_part_amt; }},
    {"acct_pay", [](Settlement& s) -> Fen& { return s.acct_pay; }},
    {"psn_cash_pay", [](Settlement& s) -> Fen& { return s.psn_cash_pay; }},
};

std::string settlement_columns() {
  std::string c =
      "msgid, setl_id, status, his_msgid, mdtrt_id, psn_no, setl_time, reversed, reverse_setl_id, med_type, insutype,"
      " region_id, region_admdvs, policy_version, psn_category, ma_category, major_disease, year";
  for (const FenCol& f : kFenCols) c += std::string(", ") + f.name;
  c += ", accum_before, accum_after, output_xml, created_at";
  return c;
}
constexpr int kSettlementCols = 18 + 20 + 4;

const char* kCallColumns =
    "msgid, infno, his_msgid, key, psn_no, request_hash, state, outcome, err_code, err_msg, answer, detail,"
    " resolution, undone_by, attempts, sent_at, answered_at, resolved_at";

// ---- statements ---------------------------------------------------------------

class Stmt {
 public:
  Stmt(sqlite3_stmt* s) : s_(s) {}
  Stmt(const Stmt&) = delete;
  ~Stmt() {
    if (s_) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  Stmt& text(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), int(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& i64(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  Stmt& opt_text(int i, const std::string& v) { return v.empty() ? null(i) : text(i, v); }
  int step() { return sqlite3_step(s_); }
  void reset() { sqlite3_reset(s_); }  // for the next row of a loop (bindings are rebound)
  std::string col(int i) const {
    const unsigned char* t = sqlite3_column_text(s_, i);
    return t ? std::string(reinterpret_cast<const char*>(t), size_t(sqlite3_column_bytes(s_, i))) : std::string();
  }
  int64_t n(int i) const { return sqlite3_column_int64(s_, i); }
  bool is_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }
  explicit operator bool() const { return s_ != nullptr; }

 private:
  sqlite3_stmt* s_;
};

// ---- the lock file ------------------------------------------------------------

struct LockFile {
  int fd = -1;
  ~LockFile() {
    if (fd >= 0) ::close(fd);  // releases the flock
  }
};

class SqliteLedger : public Ledger {
 public:
  SqliteLedger(std::string path, SqliteLedgerOptions opt) : path_(std::move(path)), opt_(std::move(opt)) {
    if (opt_.archive_path.empty()) opt_.archive_path = path_ + ".archive";
  }
  ~SqliteLedger() override {
    for (auto& [sql, s] : cache_) sqlite3_finalize(s);
    if (db_) sqlite3_close_v2(db_);
  }

  Status open();

  // ---- HIS responses ----
  Status find_response(const std::string& msgid, const std::string& request_hash,
                       std::optional<std::string>& response) override {
    std::lock_guard<std::mutex> lock(mu_);
    response.reset();
    Stmt s = stmt("SELECT infno, request_hash, response FROM his_response WHERE msgid = ?1");
    if (!s) return prep_error();
    s.text(1, msgid);
    int rc = s.step();
    if (rc == SQLITE_DONE) return Status::ok();
    if (rc != SQLITE_ROW) return fail(rc, "读取应答记录");
    if (s.col(1) != request_hash)
      return Status::error("YZ-MSGID-REUSED", "报文 ID msgid " + msgid + " 已用于另一笔不同的交易（" + s.col(0) +
                                                  "），不能重复使用");
    response = s.col(2);
    return Status::ok();
  }

  Status record_response(const std::string& msgid, const std::string& infno, const std::string& request_hash,
                         const std::string& response) override {
    std::lock_guard<std::mutex> lock(mu_);
    return write_tx("记录应答", [&]() -> Status {
      Stmt s = stmt(
          "INSERT OR IGNORE INTO his_response(msgid, infno, request_hash, response, created_at)"
          " VALUES (?1, ?2, ?3, ?4, ?5)");
      if (!s) return prep_error();
      s.text(1, msgid).text(2, infno).text(3, request_hash).text(4, response).text(5, now());
      return done(s.step(), "记录应答");
    });
  }

  // ---- stays ----
  Status put_stay(const StayRecord& st) override {
    std::lock_guard<std::mutex> lock(mu_);
    return write_tx("保存就诊", [&] { return put_stay_locked(st); });
  }

  Status get_stay(const std::string& mdtrt_id, std::optional<StayRecord>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    out.reset();
    Stmt s = stmt(
        "SELECT psn_no, insutype, insuplc_admdvs, med_type, begndate, refl_flag, primary_first, setl_id"
        " FROM stay WHERE mdtrt_id = ?1");
    if (!s) return prep_error();
    s.text(1, mdtrt_id);
    int rc = s.step();
    if (rc == SQLITE_DONE) return Status::ok();
    if (rc != SQLITE_ROW) return fail(rc, "读取就诊");
    StayRecord r;
    r.mdtrt_id = mdtrt_id;
    r.psn_no = s.col(0);
    r.insutype = s.col(1);
    r.insuplc_admdvs = s.col(2);
    r.med_type = int(s.n(3));
    r.begndate = parse_date(s.col(4)).value_or(Date{});
    r.refl_flag = s.n(5) != 0;
    r.primary_first = s.n(6) != 0;
    r.setl_id = s.col(7);
    Stmt l = stmt(
        "SELECT feedetl_sn, med_list_codg, chrgitm_lv, det_item_fee_sumamt, cnt_e4, pric, pric_uplmt_amt,"
        " selfpay_prop_bp FROM stay_line WHERE mdtrt_id = ?1 ORDER BY pos");
    if (!l) return prep_error();
    l.text(1, mdtrt_id);
    while ((rc = l.step()) == SQLITE_ROW) {
      FeeLine f;
      f.feedetl_sn = l.col(0);
      f.med_list_codg = l.col(1);
      f.chrgitm_lv = int(l.n(2));
      f.det_item_fee_sumamt = Fen(l.n(3));
      if (!l.is_null(4)) f.cnt_e4 = l.n(4);
      if (!l.is_null(5)) f.pric = Fen(l.n(5));
      if (!l.is_null(6)) f.pric_uplmt_amt = Fen(l.n(6));
      f.selfpay_prop = Bp(int32_t(l.n(7)));
      r.lines.push_back(std::move(f));
    }
    if (rc != SQLITE_DONE) return fail(rc, "读取费用明细");
    out = std::move(r);
    return Status::ok();
  }

  // ---- settlements ----
  Status put_settlement(const SettlementEntry& e) override {
    std::lock_guard<std::mutex> lock(mu_);
    return write_tx("保存结算", [&] { return upsert_settlement(e, "settled"); });
  }

  Status get_settlement(const std::string& setl_id, std::optional<SettlementEntry>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    return read_settlement("setl_id = ?1 AND status = 'settled'", setl_id, out);
  }

  Status find_settlement_by_msgid(const std::string& msgid, std::optional<SettlementEntry>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    return read_settlement("msgid = ?1 AND status = 'settled'", msgid, out);
  }

  Status list_settlements(const std::string& from, const std::string& to,
                          std::vector<SettlementEntry>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    return list_settlements_locked(from, to, out);
  }

  // ---- journal ----
  bool journaled() const override { return true; }

  Status journal_sent(const PlatformCall& c, std::optional<PlatformCall>& existing) override {
    std::lock_guard<std::mutex> lock(mu_);
    existing.reset();
    std::optional<PlatformCall> cur;
    if (Status st = find_call_locked(c.msgid, cur); !st) return st;
    if (cur) {
      const bool replaceable =
          cur->state == CallState::Rejected && (cur->outcome == "failed" || cur->err_code == "YZ-PLATFORM-SIGN");
      if (!replaceable) {
        if (cur->request_hash != c.request_hash || cur->infno != c.infno)
          return Status::error("YZ-MSGID-REUSED", "报文 ID msgid " + c.msgid + " 已用于另一笔不同的交易（" +
                                                      cur->infno + "），不能重复使用");
        existing = std::move(cur);
        return Status::ok();
      }
    }
    const bool replace = cur.has_value();
    return write_tx("记录平台交易", [&]() -> Status {
      PlatformCall row = c;
      row.state = CallState::Sent;
      Stmt s = stmt(replace ? "UPDATE platform_call SET infno = ?2, his_msgid = ?3, key = ?4, psn_no = ?5,"
                              " request_hash = ?6, state = ?7, outcome = ?8, err_code = ?9, err_msg = ?10,"
                              " answer = ?11, detail = ?12, resolution = ?13, undone_by = ?14, attempts = ?15,"
                              " sent_at = ?16, answered_at = ?17, resolved_at = ?18 WHERE msgid = ?1"
                            : "INSERT INTO platform_call(msgid, infno, his_msgid, key, psn_no, request_hash, state,"
                              " outcome, err_code, err_msg, answer, detail, resolution, undone_by, attempts, sent_at,"
                              " answered_at, resolved_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
                              " ?13, ?14, ?15, ?16, ?17, ?18)");
      if (!s) return prep_error();
      bind_call(s, row);
      if (Status st = done(s.step(), "记录平台交易"); !st) return st;
      if (c.settlement) {
        SettlementEntry e;
        e.msgid = c.msgid;
        e.his_msgid = c.his_msgid;
        e.mdtrt_id = c.settlement->mdtrt_id;
        e.psn_no = c.settlement->psn_no;
        e.settlement = *c.settlement;
        e.output_xml = c.output_xml;
        if (Status st = upsert_settlement(e, "pending"); !st) return st;
      }
      return Status::ok();
    });
  }

  Status journal_update(const PlatformCall& c, CallEffects fx, const RecoveryEntry* log) override {
    std::lock_guard<std::mutex> lock(mu_);
    return write_tx("记录平台应答", [&]() -> Status {
      Stmt s = stmt(
          "UPDATE platform_call SET state = ?2, outcome = ?3, err_code = ?4, err_msg = ?5, answer = ?6,"
          " detail = ?7, resolution = ?8, undone_by = ?9, attempts = ?10, answered_at = ?11, resolved_at = ?12"
          " WHERE msgid = ?1");
      if (!s) return prep_error();
      s.text(1, c.msgid).text(2, call_state_code(c.state)).text(3, c.outcome).text(4, c.err_code).text(5, c.err_msg);
      s.text(6, c.answer).text(7, c.detail).text(8, c.resolution).text(9, c.undone_by).i64(10, c.attempts);
      s.text(11, c.answered_at).text(12, c.resolved_at);
      if (Status st = done(s.step(), "记录平台应答"); !st) return st;
      if (sqlite3_changes(db_) != 1) return Status::error("YZ-LEDGER-IO", "账本中没有平台交易 " + c.msgid);
      if (Status st = apply(fx); !st) return st;
      if (log) return insert_log(*log);
      return Status::ok();
    });
  }

  Status find_call(const std::string& msgid, std::optional<PlatformCall>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    return find_call_locked(msgid, out);
  }

  Status list_calls(const CallQuery& q, std::vector<PlatformCall>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    out.clear();
    std::string sql = std::string("SELECT ") + kCallColumns + " FROM platform_call WHERE 1";
    int n = 0;
    if (!q.states.empty()) {
      sql += " AND state IN (";
      for (size_t i = 0; i < q.states.size(); ++i) sql += (i ? ", ?" : "?") + std::to_string(++n);
      sql += ")";
    }
    const int his = q.his_msgid.empty() ? 0 : ++n;
    if (his) sql += " AND his_msgid = ?" + std::to_string(his);
    const int inf = q.infno.empty() ? 0 : ++n;
    if (inf) sql += " AND infno = ?" + std::to_string(inf);
    const int key = q.key.empty() ? 0 : ++n;
    if (key) sql += " AND key = ?" + std::to_string(key);
    sql += " ORDER BY seq";
    if (q.limit) sql += " LIMIT " + std::to_string(q.limit);
    Stmt s = stmt(sql);
    if (!s) return prep_error();
    for (size_t i = 0; i < q.states.size(); ++i) s.text(int(i) + 1, call_state_code(q.states[i]));
    if (his) s.text(his, q.his_msgid);
    if (inf) s.text(inf, q.infno);
    if (key) s.text(key, q.key);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_call(s));
    if (rc != SQLITE_DONE) return fail(rc, "读取平台交易");
    for (PlatformCall& c : out)
      if (c.infno == "2304")
        if (Status st = attach_settlement(c); !st) return st;
    return Status::ok();
  }

  Status log_recovery(const RecoveryEntry& e) override {
    std::lock_guard<std::mutex> lock(mu_);
    return write_tx("记录恢复日志", [&] { return insert_log(e); });
  }

  Status list_recovery(std::vector<RecoveryEntry>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    out.clear();
    Stmt s = stmt("SELECT id, at, msgid, infno, action, result, detail FROM recovery_log ORDER BY id");
    if (!s) return prep_error();
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
      out.push_back(RecoveryEntry{s.n(0), s.col(1), s.col(2), s.col(3), s.col(4), s.col(5), s.col(6)});
    if (rc != SQLITE_DONE) return fail(rc, "读取恢复日志");
    return Status::ok();
  }

  Status put_accum(const AccumRecord& a, bool& changed) override {
    std::lock_guard<std::mutex> lock(mu_);
    changed = false;
    std::optional<AccumRecord> cur;
    if (Status st = get_accum_locked(a.psn_no, a.accum.year, cur); !st) return st;
    if (cur && cur->accum == a.accum) return Status::ok();
    changed = true;
    return write_tx("保存累计值", [&] { return upsert_accum(a); });
  }

  Status get_accum(const std::string& psn_no, int year, std::optional<AccumRecord>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    return get_accum_locked(psn_no, year, out);
  }

  Status archive(const std::string& cutoff, ArchiveReport& out) override;

  // ---- hooks ----
  Status info(SqliteLedgerInfo& out) {
    std::lock_guard<std::mutex> lock(mu_);
    out = SqliteLedgerInfo{};
    out.path = path_;
    out.journal_mode = pragma_text("PRAGMA journal_mode");
    out.synchronous = int(pragma_int("PRAGMA synchronous"));
    out.user_version = int(pragma_int("PRAGMA user_version"));
    out.busy_timeout_ms = int(pragma_int("PRAGMA busy_timeout"));
    out.page_count = pragma_int("PRAGMA page_count");
    out.page_size = pragma_int("PRAGMA page_size");
    return Status::ok();
  }

  Status limit_pages(int64_t extra) {
    std::lock_guard<std::mutex> lock(mu_);
    // Pages live in the WAL until a checkpoint: count those too.
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    const int64_t n = pragma_int("PRAGMA page_count") + extra;
    return exec(("PRAGMA max_page_count = " + std::to_string(n)).c_str(), "限制页数");
  }

 private:
  // ---- plumbing ----
  std::string now() const;

  Stmt stmt(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return Stmt(it->second);
    sqlite3_stmt* s = nullptr;
    last_prep_rc_ = sqlite3_prepare_v3(db_, sql.c_str(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (last_prep_rc_ != SQLITE_OK) {
      sqlite3_finalize(s);
      return Stmt(nullptr);
    }
    cache_.emplace(sql, s);
    return Stmt(s);
  }

  Status prep_error() { return fail(last_prep_rc_ ? last_prep_rc_ : SQLITE_ERROR, "准备语句"); }

  Status exec(const char* sql, const char* what) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    sqlite3_free(err);
    return rc == SQLITE_OK ? Status::ok() : fail(rc, what);
  }

  Status done(int rc, const char* what) { return rc == SQLITE_DONE || rc == SQLITE_ROW ? Status::ok() : fail(rc, what); }

  // An SQLite error as a Status. I/O errors and corruption make the ledger
  // refuse every later write until it is reopened.
  Status fail(int rc, const std::string& what) {
    const int base = rc & 0xff;
    std::string detail = std::string(sqlite3_errstr(rc)) + (db_ ? std::string("; ") + sqlite3_errmsg(db_) : "") +
                         "，SQLite 错误码 " + std::to_string(rc);
    if (base == SQLITE_FULL)
      return Status::error("YZ-LEDGER-IO", "本地账本" + what + "失败：磁盘已满（" + detail + "），交易已停止，请释放磁盘空间");
    if (base == SQLITE_CORRUPT || base == SQLITE_NOTADB) {
      broken_ = "YZ-LEDGER-CORRUPT";
      return Status::error("YZ-LEDGER-CORRUPT", "本地账本文件损坏（" + detail + "），" + what + "失败；请重新打开插件检查账本");
    }
    if (base == SQLITE_BUSY || base == SQLITE_LOCKED)
      return Status::error("YZ-LEDGER-BUSY", "本地账本被占用（" + detail + "），" + what + "未执行");
    if (base == SQLITE_IOERR) {
      broken_ = "YZ-LEDGER-IO";
      return Status::error("YZ-LEDGER-IO", "本地账本" + what + "失败：写入或同步磁盘出错（" + detail +
                                               "），结算已停止；请检查磁盘后重新打开插件（不会重试同步）");
    }
    return Status::error("YZ-LEDGER-IO", "本地账本" + what + "失败（" + detail + "）");
  }

  template <class F>
  Status write_tx(const char* what, F body) {
    if (opt_.read_only) return Status::error("YZ-LEDGER-IO", std::string("账本以只读方式打开，不能") + what);
    if (!broken_.empty())
      return Status::error(broken_, std::string("本地账本此前写入失败，") + what +
                                        "被拒绝：请检查磁盘并重新打开插件（yz_close 后 yz_open），恢复流程会核对未决交易");
    Stmt b = stmt("BEGIN IMMEDIATE");
    if (!b) return prep_error();
    if (int rc = b.step(); rc != SQLITE_DONE) return fail(rc, what);
    Status st = body();
    if (st) {
      Stmt c = stmt("COMMIT");
      int rc = c ? c.step() : last_prep_rc_;
      if (rc == SQLITE_DONE) return Status::ok();
      st = fail(rc, what);
    }
    if (!sqlite3_get_autocommit(db_)) {
      Stmt r = stmt("ROLLBACK");
      if (r) r.step();
    }
    return st;
  }

  int64_t pragma_int(const char* sql) {
    Stmt s = stmt(sql);
    if (!s || s.step() != SQLITE_ROW) return -1;
    return s.n(0);
  }
  std::string pragma_text(const char* sql) {
    Stmt s = stmt(sql);
    if (!s || s.step() != SQLITE_ROW) return "";
    return s.col(0);
  }

  // ---- rows ----
  static void bind_call(Stmt& s, const PlatformCall& c) {
    s.text(1, c.msgid).text(2, c.infno).text(3, c.his_msgid).text(4, c.key).text(5, c.psn_no).text(6, c.request_hash);
    s.text(7, call_state_code(c.state)).text(8, c.outcome).text(9, c.err_code).text(10, c.err_msg).text(11, c.answer);
    s.text(12, c.detail).text(13, c.resolution).text(14, c.undone_by).i64(15, c.attempts).text(16, c.sent_at);
    s.text(17, c.answered_at).text(18, c.resolved_at);
  }

  static PlatformCall read_call(const Stmt& s) {
    PlatformCall c;
    c.msgid = s.col(0);
    c.infno = s.col(1);
    c.his_msgid = s.col(2);
    c.key = s.col(3);
    c.psn_no = s.col(4);
    c.request_hash = s.col(5);
    c.state = parse_call_state(s.col(6)).value_or(CallState::Unknown);
    c.outcome = s.col(7);
    c.err_code = s.col(8);
    c.err_msg = s.col(9);
    c.answer = s.col(10);
    c.detail = s.col(11);
    c.resolution = s.col(12);
    c.undone_by = s.col(13);
    c.attempts = int(s.n(14));
    c.sent_at = s.col(15);
    c.answered_at = s.col(16);
    c.resolved_at = s.col(17);
    return c;
  }

  Status find_call_locked(const std::string& msgid, std::optional<PlatformCall>& out) {
    out.reset();
    Stmt s = stmt(std::string("SELECT ") + kCallColumns + " FROM platform_call WHERE msgid = ?1");
    if (!s) return prep_error();
    s.text(1, msgid);
    int rc = s.step();
    if (rc == SQLITE_DONE) return Status::ok();
    if (rc != SQLITE_ROW) return fail(rc, "读取平台交易");
    PlatformCall c = read_call(s);
    if (c.infno == "2304")
      if (Status st = attach_settlement(c); !st) return st;
    out = std::move(c);
    return Status::ok();
  }

  // The settlement a 2304 call submitted (pending or settled).
  Status attach_settlement(PlatformCall& c) {
    std::optional<SettlementEntry> e;
    if (Status st = read_settlement("msgid = ?1", c.msgid, e); !st) return st;
    if (e) {
      c.settlement = std::move(e->settlement);
      c.output_xml = std::move(e->output_xml);
    }
    return Status::ok();
  }

  Status upsert_settlement(const SettlementEntry& e, const char* status) {
    static const std::string sql = [] {
      std::string cols = settlement_columns(), q, upd;
      for (int i = 1; i <= kSettlementCols; ++i) q += (i > 1 ? ", ?" : "?") + std::to_string(i);
      // Every column but the key and created_at is replaced.
      size_t start = 0;
      int k = 0;
      while (start < cols.size()) {
        size_t comma = cols.find(',', start);
        std::string name = cols.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        while (!name.empty() && name.front() == ' ') name.erase(0, 1);
        ++k;
        if (name != "msgid" && name != "created_at") upd += (upd.empty() ? "" : ", ") + name + " = excluded." + name;
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return "INSERT INTO settlement(" + cols + ") VALUES (" + q + ") ON CONFLICT(msgid) DO UPDATE SET " + upd;
    }();
    Stmt s = stmt(sql);
    if (!s) return prep_error();
    Settlement st = e.settlement;
    const std::string msgid = e.msgid.empty() ? e.setl_id : e.msgid;
    int i = 0;
    auto t = [&](std::string_view v) { s.text(++i, v); };
    auto n = [&](int64_t v) { s.i64(++i, v); };
    t(msgid);
    if (e.setl_id.empty()) s.null(++i);
    else t(e.setl_id);
    t(status);
    t(e.his_msgid);
    t(e.mdtrt_id.empty() ? st.mdtrt_id : e.mdtrt_id);
    t(e.psn_no.empty() ? st.psn_no : e.psn_no);
    t(e.setl_time);
    n(e.reversed ? 1 : 0);
    t(e.reverse_setl_id);
    n(st.med_type);
    t(st.insutype);
    t(st.region_id);
    t(st.region_admdvs);
    t(st.policy_version);
    t(st.category ? policy::category_code(*st.category) : "");
    t(st.assistance_category ? policy::category_code(*st.assistance_category) : "");
    n(st.major_disease ? 1 : 0);
    n(st.accum_before.year);
    for (const FenCol& f : kFenCols) n(f.get(st).fen());
    t(encode_accum(st.accum_before));
    t(encode_accum(st.accum_after));
    t(e.output_xml);
    s.text(++i, now());
    return done(s.step(), "保存结算");
  }

  Status read_settlement(const char* where, const std::string& v, std::optional<SettlementEntry>& out) {
    out.reset();
    Stmt s = stmt("SELECT " + settlement_columns() + " FROM settlement WHERE " + where);
    if (!s) return prep_error();
    s.text(1, v);
    int rc = s.step();
    if (rc == SQLITE_DONE) return Status::ok();
    if (rc != SQLITE_ROW) return fail(rc, "读取结算");
    SettlementEntry e;
    if (Status r = settlement_of_row(s, e); !r) return r;
    out = std::move(e);
    return Status::ok();
  }

  // The settlement of the current row of a SELECT settlement_columns().
  Status settlement_of_row(Stmt& s, SettlementEntry& e) {
    Settlement& st = e.settlement;
    int i = 0;
    e.msgid = s.col(i++);
    e.setl_id = s.col(i++);
    i++;  // status
    e.his_msgid = s.col(i++);
    e.mdtrt_id = st.mdtrt_id = s.col(i++);
    e.psn_no = st.psn_no = s.col(i++);
    e.setl_time = s.col(i++);
    e.reversed = s.n(i++) != 0;
    e.reverse_setl_id = s.col(i++);
    st.med_type = int(s.n(i++));
    st.insutype = s.col(i++);
    st.region_id = s.col(i++);
    st.region_admdvs = s.col(i++);
    st.policy_version = s.col(i++);
    if (auto c = policy::parse_category(s.col(i++))) st.category = *c;
    if (auto c = policy::parse_category(s.col(i++))) st.assistance_category = *c;
    st.major_disease = s.n(i++) != 0;
    i++;  // year
    for (const FenCol& f : kFenCols) f.get(st) = Fen(s.n(i++));
    if (!decode_accum(s.col(i++), st.accum_before) || !decode_accum(s.col(i++), st.accum_after))
      return Status::error("YZ-LEDGER-CORRUPT", "账本中结算 " + e.msgid + " 的累计值无法解析");
    e.output_xml = s.col(i++);
    return Status::ok();
  }

  Status list_settlements_locked(const std::string& from, const std::string& to, std::vector<SettlementEntry>& out) {
    out.clear();
    Stmt s = stmt("SELECT " + settlement_columns() +
                  " FROM settlement WHERE status = 'settled' AND setl_time >= ?1 AND setl_time <= ?2 ORDER BY setl_id");
    if (!s) return prep_error();
    s.text(1, from).text(2, to);
    for (;;) {
      int rc = s.step();
      if (rc == SQLITE_DONE) return Status::ok();
      if (rc != SQLITE_ROW) return fail(rc, "列出结算");
      SettlementEntry e;
      if (Status r = settlement_of_row(s, e); !r) return r;
      out.push_back(std::move(e));
    }
  }

  Status put_stay_locked(const StayRecord& st) {
    Stmt s = stmt(
        "INSERT INTO stay(mdtrt_id, psn_no, insutype, insuplc_admdvs, med_type, begndate, refl_flag, primary_first,"
        " setl_id, next_pos, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10)"
        " ON CONFLICT(mdtrt_id) DO UPDATE SET psn_no = excluded.psn_no, insutype = excluded.insutype,"
        " insuplc_admdvs = excluded.insuplc_admdvs, med_type = excluded.med_type, begndate = excluded.begndate,"
        " refl_flag = excluded.refl_flag, primary_first = excluded.primary_first, setl_id = excluded.setl_id,"
        " updated_at = excluded.updated_at");
    if (!s) return prep_error();
    s.text(1, st.mdtrt_id).text(2, st.psn_no).text(3, st.insutype).text(4, st.insuplc_admdvs).i64(5, st.med_type);
    s.text(6, st.begndate.str()).i64(7, st.refl_flag).i64(8, st.primary_first).text(9, st.setl_id).text(10, now());
    if (Status r = done(s.step(), "保存就诊"); !r) return r;
    // Lines are identified by feedetl_sn: drop those gone, append those new.
    std::vector<std::string> have;
    {
      Stmt q = stmt("SELECT feedetl_sn FROM stay_line WHERE mdtrt_id = ?1");
      if (!q) return prep_error();
      q.text(1, st.mdtrt_id);
      int rc;
      while ((rc = q.step()) == SQLITE_ROW) have.push_back(q.col(0));
      if (rc != SQLITE_DONE) return fail(rc, "读取费用明细");
    }
    std::vector<std::string> gone;
    for (const std::string& sn : have) {
      bool keep = false;
      for (const FeeLine& l : st.lines) keep = keep || l.feedetl_sn == sn;
      if (!keep) gone.push_back(sn);
    }
    if (Status r = remove_lines(st.mdtrt_id, gone, false); !r) return r;
    std::vector<FeeLine> fresh;
    for (const FeeLine& l : st.lines) {
      bool known = false;
      for (const std::string& sn : have) known = known || sn == l.feedetl_sn;
      if (!known) fresh.push_back(l);
    }
    return add_lines(st.mdtrt_id, fresh);
  }

  Status add_lines(const std::string& mdtrt_id, const std::vector<FeeLine>& lines) {
    if (lines.empty()) return Status::ok();
    int64_t pos = 0;
    {
      Stmt q = stmt("SELECT next_pos FROM stay WHERE mdtrt_id = ?1");
      if (!q) return prep_error();
      q.text(1, mdtrt_id);
      int rc = q.step();
      if (rc == SQLITE_DONE) return Status::ok();  // no such stay: nothing to add to
      if (rc != SQLITE_ROW) return fail(rc, "读取就诊");
      pos = q.n(0);
    }
    Stmt s = stmt(
        "INSERT OR IGNORE INTO stay_line(mdtrt_id, feedetl_sn, pos, med_list_codg, chrgitm_lv, det_item_fee_sumamt,"
        " cnt_e4, pric, pric_uplmt_amt, selfpay_prop_bp) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!s) return prep_error();
    for (const FeeLine& l : lines) {
      s.text(1, mdtrt_id).text(2, l.feedetl_sn).i64(3, pos++).text(4, l.med_list_codg).i64(5, l.chrgitm_lv);
      s.i64(6, l.det_item_fee_sumamt.fen());
      if (l.cnt_e4) s.i64(7, *l.cnt_e4);
      else s.null(7);
      if (l.pric) s.i64(8, l.pric->fen());
      else s.null(8);
      if (l.pric_uplmt_amt) s.i64(9, l.pric_uplmt_amt->fen());
      else s.null(9);
      s.i64(10, l.selfpay_prop.bp());
      int rc = s.step();
      s.reset();
      if (rc != SQLITE_DONE) return fail(rc, "保存费用明细");
    }
    Stmt u = stmt("UPDATE stay SET next_pos = ?2, updated_at = ?3 WHERE mdtrt_id = ?1");
    if (!u) return prep_error();
    u.text(1, mdtrt_id).i64(2, pos).text(3, now());
    return done(u.step(), "保存就诊");
  }

  Status remove_lines(const std::string& mdtrt_id, const std::vector<std::string>& sns, bool all) {
    if (all) {
      Stmt s = stmt("DELETE FROM stay_line WHERE mdtrt_id = ?1");
      if (!s) return prep_error();
      s.text(1, mdtrt_id);
      return done(s.step(), "撤销费用明细");
    }
    if (sns.empty()) return Status::ok();
    Stmt s = stmt("DELETE FROM stay_line WHERE mdtrt_id = ?1 AND feedetl_sn = ?2");
    if (!s) return prep_error();
    for (const std::string& sn : sns) {
      s.text(1, mdtrt_id).text(2, sn);
      int rc = s.step();
      s.reset();
      if (rc != SQLITE_DONE) return fail(rc, "撤销费用明细");
    }
    return Status::ok();
  }

  // The effects of a call, inside journal_update's transaction.
  Status apply(const CallEffects& fx) {
    if (fx.insert_stay)
      if (Status st = put_stay_locked(*fx.insert_stay); !st) return st;
    if (!fx.stay_id.empty()) {
      if (fx.erase_stay) {
        if (Status st = remove_lines(fx.stay_id, {}, true); !st) return st;
        Stmt s = stmt("DELETE FROM stay WHERE mdtrt_id = ?1");
        if (!s) return prep_error();
        s.text(1, fx.stay_id);
        if (Status st = done(s.step(), "撤销就诊"); !st) return st;
      } else {
        if (Status st = remove_lines(fx.stay_id, fx.remove_lines, fx.remove_all_lines); !st) return st;
        if (Status st = add_lines(fx.stay_id, fx.add_lines); !st) return st;
        if (!fx.set_setl_id.empty()) {
          Stmt s = stmt("UPDATE stay SET setl_id = ?2, updated_at = ?3 WHERE mdtrt_id = ?1");
          if (!s) return prep_error();
          s.text(1, fx.stay_id).text(2, fx.set_setl_id).text(3, now());
          if (Status st = done(s.step(), "保存就诊"); !st) return st;
        }
        if (!fx.clear_setl_id.empty()) {
          Stmt s = stmt("UPDATE stay SET setl_id = '', updated_at = ?3 WHERE mdtrt_id = ?1 AND setl_id = ?2");
          if (!s) return prep_error();
          s.text(1, fx.stay_id).text(2, fx.clear_setl_id).text(3, now());
          if (Status st = done(s.step(), "保存就诊"); !st) return st;
        }
      }
    }
    if (fx.new_settlement)
      if (Status st = upsert_settlement(*fx.new_settlement, "settled"); !st) return st;
    if (!fx.reversed_setl_id.empty()) {
      Stmt s = stmt("UPDATE settlement SET reversed = 1, reverse_setl_id = ?2 WHERE setl_id = ?1 AND reversed = 0");
      if (!s) return prep_error();
      s.text(1, fx.reversed_setl_id).text(2, fx.reverse_setl_id);
      if (Status st = done(s.step(), "保存结算"); !st) return st;
    }
    if (fx.accum_set) {
      std::optional<AccumRecord> cur;
      if (Status st = get_accum_locked(fx.accum_psn_no, fx.accum_set->year, cur); !st) return st;
      if (!cur || !(cur->accum == *fx.accum_set))
        if (Status st = upsert_accum({fx.accum_psn_no, *fx.accum_set, fx.accum_source, fx.accum_msgid, fx.at}); !st)
          return st;
    }
    if (fx.accum_undo) {
      std::optional<AccumRecord> cur;
      if (Status st = get_accum_locked(fx.accum_psn_no, fx.accum_undo->year, cur); !st) return st;
      if (cur) {
        AccumRecord a{fx.accum_psn_no, cur->accum.plus(*fx.accum_undo, -1), fx.accum_source, fx.accum_msgid, fx.at};
        a.accum.year = cur->accum.year;
        if (Status st = upsert_accum(a); !st) return st;
      }
    }
    if (!fx.undo_msgid.empty()) {
      Stmt s = stmt(
          "UPDATE platform_call SET undone_by = ?2,"
          " resolution = CASE WHEN state IN ('sent', 'unknown') THEN ?3 ELSE resolution END,"
          " resolved_at = CASE WHEN state IN ('sent', 'unknown') THEN ?4 ELSE resolved_at END,"
          " state = CASE WHEN state IN ('sent', 'unknown') THEN 'resolved' ELSE state END"
          " WHERE msgid = ?1 AND undone_by = ''");
      if (!s) return prep_error();
      s.text(1, fx.undo_msgid).text(2, fx.undo_by).text(3, fx.undo_resolution).text(4, fx.at);
      if (Status st = done(s.step(), "保存冲正"); !st) return st;
    }
    return Status::ok();
  }

  Status get_accum_locked(const std::string& psn_no, int year, std::optional<AccumRecord>& out) {
    out.reset();
    Stmt s = stmt("SELECT accum, source, msgid, updated_at FROM person_accum WHERE psn_no = ?1 AND year = ?2");
    if (!s) return prep_error();
    s.text(1, psn_no).i64(2, year);
    int rc = s.step();
    if (rc == SQLITE_DONE) return Status::ok();
    if (rc != SQLITE_ROW) return fail(rc, "读取累计值");
    AccumRecord a;
    a.psn_no = psn_no;
    if (!decode_accum(s.col(0), a.accum))
      return Status::error("YZ-LEDGER-CORRUPT", "账本中 " + psn_no + " 的累计值无法解析");
    a.source = s.col(1);
    a.msgid = s.col(2);
    a.updated_at = s.col(3);
    out = std::move(a);
    return Status::ok();
  }

  Status upsert_accum(const AccumRecord& a) {
    Stmt s = stmt(
        "INSERT INTO person_accum(psn_no, year, accum, source, msgid, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT(psn_no, year) DO UPDATE SET accum = excluded.accum, source = excluded.source,"
        " msgid = excluded.msgid, updated_at = excluded.updated_at");
    if (!s) return prep_error();
    s.text(1, a.psn_no).i64(2, a.accum.year).text(3, encode_accum(a.accum)).text(4, a.source).text(5, a.msgid);
    s.text(6, a.updated_at.empty() ? now() : a.updated_at);
    return done(s.step(), "保存累计值");
  }

  Status insert_log(const RecoveryEntry& e) {
    Stmt s = stmt(
        "INSERT INTO recovery_log(at, msgid, infno, action, result, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!s) return prep_error();
    s.text(1, e.at.empty() ? now() : e.at).text(2, e.msgid).text(3, e.infno).text(4, e.action).text(5, e.result);
    s.text(6, e.detail);
    return done(s.step(), "记录恢复日志");
  }

  Status check_integrity();
  std::string readable_summary();

  std::string path_;
  SqliteLedgerOptions opt_;
  sqlite3* db_ = nullptr;
  std::mutex mu_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  int last_prep_rc_ = SQLITE_OK;
  std::string broken_;  // set after an I/O error or corruption: no more writes
  LockFile lock_;
};

std::string SqliteLedger::now() const {
  if (opt_.clock) return opt_.clock();
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string SqliteLedger::readable_summary() {
  std::string out;
  for (const char* t : kTables) {
    std::string sql = std::string("SELECT count(*) FROM ") + t;
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_step(s);
    if (!out.empty()) out += "，";
    if (rc == SQLITE_ROW) out += std::string(t) + " " + std::to_string(sqlite3_column_int64(s, 0)) + " 行可读";
    else out += std::string(t) + " 不可读（" + sqlite3_errstr(rc) + "）";
    sqlite3_finalize(s);
  }
  return out;
}

Status SqliteLedger::check_integrity() {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, "PRAGMA quick_check", -1, &s, nullptr);
  std::string problems;
  int rows = 0;
  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      const char* t = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      std::string line = t ? t : "";
      if (line == "ok") continue;
      if (++rows <= 5) problems += (problems.empty() ? "" : "；") + line;
    }
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE && rc != SQLITE_OK)
    problems += (problems.empty() ? "" : "；") + std::string(sqlite3_errstr(rc));
  if (problems.empty()) return Status::ok();
  return Status::error("YZ-LEDGER-CORRUPT",
                       "本地账本文件损坏: " + path_ + "（quick_check: " + problems + (rows > 5 ? " …" : "") +
                           "）。可恢复的部分: " + readable_summary() +
                           "。请保留该文件（含 -wal），用 `yizhan ledger --config 配置 export 文件` 导出可读记录，"
                           "或 sqlite3 " + path_ + " .recover；修复前插件不能结算");
}

Status SqliteLedger::open() {
  if (!opt_.read_only) {
    // One plug-in instance per ledger file.
    lock_.fd = ::open((path_ + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_.fd < 0)
      return Status::error("YZ-LEDGER-IO", "无法创建账本锁文件 " + path_ + ".lock: " + std::strerror(errno));
    if (::flock(lock_.fd, LOCK_EX | LOCK_NB) != 0)
      return Status::error("YZ-LEDGER-BUSY", "账本 " + path_ + " 正被另一个插件实例使用（同一账本只能打开一次）");
    // Patient data: the file is the owner's only (SQLite gives -wal and -shm the same mode).
    int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Status::error("YZ-LEDGER-IO", "无法创建账本文件 " + path_ + ": " + std::strerror(errno));
    ::close(fd);
  }
  const int flags = (opt_.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, opt_.vfs.empty() ? nullptr : opt_.vfs.c_str());
  if (rc != SQLITE_OK)
    return Status::error("YZ-LEDGER-IO", "无法打开账本 " + path_ + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)));
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, opt_.busy_timeout_ms);
  auto corrupt = [&](int code) {
    return Status::error("YZ-LEDGER-CORRUPT", "本地账本文件损坏或不是账本: " + path_ + "（" + sqlite3_errstr(code) +
                                                  "）。请保留该文件，修复或更换后才能结算");
  };
  // The first read of the header tells a file that is not a database.
  {
    sqlite3_stmt* s = nullptr;
    rc = sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &s, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_step(s);
    const int version = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
    sqlite3_finalize(s);
    const int base = rc & 0xff;
    if (base == SQLITE_NOTADB || base == SQLITE_CORRUPT) return corrupt(rc);
    if (rc != SQLITE_ROW) return fail(rc, "读取账本版本");
    if (version > kLedgerSchemaVersion)
      return Status::error("YZ-LEDGER-VERSION", "账本 " + path_ + " 的格式版本 " + std::to_string(version) +
                                                    " 比本插件（" + std::to_string(kLedgerSchemaVersion) +
                                                    "）新，请升级插件");
    if (opt_.read_only && version == 0)
      return Status::error("YZ-LEDGER-IO", "账本 " + path_ + " 不存在或为空");
  }
  if (!opt_.read_only) {
    Status st = exec("PRAGMA journal_mode = WAL", "设置 WAL");
    if (!st) return st;
    if (pragma_text("PRAGMA journal_mode") != "wal")
      return Status::error("YZ-LEDGER-IO", "账本 " + path_ + " 无法使用 WAL 日志模式（文件系统不支持共享内存？）");
  }
  if (Status st = exec("PRAGMA synchronous = FULL", "设置 synchronous"); !st) return st;
  if (opt_.max_page_count > 0)
    if (Status st = exec(("PRAGMA max_page_count = " + std::to_string(opt_.max_page_count)).c_str(), "限制页数"); !st)
      return st;
  if (opt_.check_integrity)
    if (Status st = check_integrity(); !st) return st;
  if (!opt_.read_only) {
    const int64_t version = pragma_int("PRAGMA user_version");
    if (version == 0) {
      Status st = write_tx("创建账本", [&]() -> Status {
        for (const std::string& sql : schema_sql("main"))
          if (Status s = exec(sql.c_str(), "创建账本"); !s) return s;
        return exec(("PRAGMA user_version = " + std::to_string(kLedgerSchemaVersion)).c_str(), "创建账本");
      });
      if (!st) return st;
    }
  }
  return Status::ok();
}

// Archival: copy, then delete what was copied (see sqlite_ledger.h).
Status SqliteLedger::archive(const std::string& cutoff, ArchiveReport& out) {
  std::lock_guard<std::mutex> lock(mu_);
  out = ArchiveReport{};
  out.file = opt_.archive_path;
  if (opt_.read_only) return Status::error("YZ-LEDGER-IO", "账本以只读方式打开，不能归档");
  if (!broken_.empty()) return Status::error(broken_, "本地账本此前写入失败，不能归档：请重新打开插件");
  const std::string call_cond =
      "state IN ('confirmed', 'rejected', 'resolved') AND"
      " COALESCE(NULLIF(resolved_at, ''), NULLIF(answered_at, ''), sent_at) < ?1";
  const std::string setl_cond =
      "((status = 'settled' AND setl_time < ?1) OR (status = 'pending' AND created_at < ?1)) AND msgid NOT IN"
      " (SELECT msgid FROM main.platform_call WHERE state IN ('sent', 'unknown'))";
  const std::string stay_cond =
      "setl_id <> '' AND updated_at < ?1 AND mdtrt_id NOT IN"
      " (SELECT key FROM main.platform_call WHERE state IN ('sent', 'unknown'))";
  const std::string line_cond = "mdtrt_id IN (SELECT mdtrt_id FROM main.stay WHERE " + stay_cond + ")";
  struct Part {
    const char* table;
    std::string cond, key;
    int64_t* count;
  };
  const Part parts[] = {
      {"stay_line", line_cond, "(mdtrt_id, feedetl_sn) IN (SELECT mdtrt_id, feedetl_sn FROM arc.stay_line)", &out.lines},
      {"stay", stay_cond, "mdtrt_id IN (SELECT mdtrt_id FROM arc.stay)", &out.stays},
      {"settlement", setl_cond, "msgid IN (SELECT msgid FROM arc.settlement)", &out.settlements},
      {"platform_call", call_cond, "msgid IN (SELECT msgid FROM arc.platform_call)", &out.calls},
      {"his_response", "created_at < ?1", "msgid IN (SELECT msgid FROM arc.his_response)", &out.responses},
      {"recovery_log", "at < ?1", "id IN (SELECT id FROM arc.recovery_log)", &out.recovery},
  };
  // Nothing old enough: no archive file, no writes.
  bool any = false;
  for (const Part& p : parts) {
    Stmt q = stmt(std::string("SELECT EXISTS (SELECT 1 FROM main.") + p.table + " WHERE " + p.cond + ")");
    if (!q) return prep_error();
    q.text(1, cutoff);
    const int rc = q.step();
    if (rc != SQLITE_ROW) return fail(rc, "归档（检查）");
    any = any || q.n(0) != 0;
  }
  if (!any) return Status::ok();
  {
    int fd = ::open(opt_.archive_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
      return Status::error("YZ-LEDGER-IO", "无法创建归档文件 " + opt_.archive_path + ": " + std::strerror(errno));
    ::close(fd);
  }
  {
    Stmt a = stmt("ATTACH DATABASE ?1 AS arc");
    if (!a) return prep_error();
    a.text(1, opt_.archive_path);
    if (Status st = done(a.step(), "打开归档文件"); !st) return st;
  }
  struct Detach {
    SqliteLedger* l;
    ~Detach() {
      // Statements naming arc must go before DETACH.
      for (auto it = l->cache_.begin(); it != l->cache_.end();) {
        if (it->first.find("arc.") != std::string::npos) {
          sqlite3_finalize(it->second);
          it = l->cache_.erase(it);
        } else {
          ++it;
        }
      }
      sqlite3_exec(l->db_, "DETACH DATABASE arc", nullptr, nullptr, nullptr);
    }
  } detach{this};
  if (Status st = exec("PRAGMA arc.journal_mode = WAL", "设置归档文件"); !st) return st;
  if (Status st = exec("PRAGMA arc.synchronous = FULL", "设置归档文件"); !st) return st;
  if (Status st = write_tx("创建归档文件", [&]() -> Status {
        for (const std::string& sql : schema_sql("arc"))
          if (Status s = exec(sql.c_str(), "创建归档文件"); !s) return s;
        return exec(("PRAGMA arc.user_version = " + std::to_string(kLedgerSchemaVersion)).c_str(), "创建归档文件");
      });
      !st)
    return st;

  // 1. Copy (the current version of a row wins), committed and synced in the archive.
  Status st = write_tx("归档（复制）", [&]() -> Status {
    for (const Part& p : parts) {
      Stmt s = stmt(std::string("INSERT OR REPLACE INTO arc.") + p.table + " SELECT * FROM main." + p.table +
                    " WHERE " + p.cond);
      if (!s) return prep_error();
      s.text(1, cutoff);
      if (Status r = done(s.step(), "归档（复制）"); !r) return r;
    }
    return Status::ok();
  });
  if (!st) return st;
  // 2. Delete here only what the archive holds.
  return write_tx("归档（删除）", [&]() -> Status {
    for (const Part& p : parts) {
      Stmt s = stmt(std::string("DELETE FROM main.") + p.table + " WHERE " + p.cond + " AND " + p.key);
      if (!s) return prep_error();
      s.text(1, cutoff);
      if (Status r = done(s.step(), "归档（删除）"); !r) return r;
      *p.count = sqlite3_changes(db_);
    }
    return Status::ok();
  });
}

}  // namespace

Status make_sqlite_ledger(const std::string& path, const SqliteLedgerOptions& opt, std::unique_ptr<Ledger>& out) {
  if (path.empty()) return Status::error("YZ-LEDGER-IO", "账本路径为空");
  auto l = std::make_unique<SqliteLedger>(path, opt);
  if (Status st = l->open(); !st) return st;
  out = std::move(l);
  return Status::ok();
}

Status sqlite_ledger_info(Ledger& l, SqliteLedgerInfo& out) {
  auto* s = dynamic_cast<SqliteLedger*>(&l);
  if (!s) return Status::error("YZ-LEDGER-KIND", "不是 SQLite 账本");
  return s->info(out);
}

Status sqlite_ledger_limit_pages(Ledger& l, int64_t extra_pages) {
  auto* s = dynamic_cast<SqliteLedger*>(&l);
  if (!s) return Status::error("YZ-LEDGER-KIND", "不是 SQLite 账本");
  return s->limit_pages(extra_pages);
}

}  // namespace yz::service
