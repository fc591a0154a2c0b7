/*
 * A sample HIS client of the yizhan plug-in, written the way a cashier system
 * integrates it: it loads libyizhan.so at run time (dlopen/dlsym), knows only
 * the types and constants of include/yizhan/yizhan.h, and speaks the request
 * and response messages of HIS-INTERFACE.md §2–3.
 *
 * For each stay of a stay file (the case format of HIS-INTERFACE.md §5) it runs
 *   9001 sign-in → 1101 person → 2401 admission → 2301 fee upload →
 *   2303 pre-settlement → 2304 settlement (→ 9002 sign-out at the end)
 * and prints what the cashier sees: the deposit decision of the admission, each
 * payer's amount, what the patient pays now, and the explanation.
 *
 * usage: his-client [--open | --compat] [--lib LIB] [--config CONFIG] [--run-id ID] [--verbose] STAYS.xml
 *   --open     yz_open / yz_call / yz_free / yz_close (default)
 *   --compat   INIT / BUSINESS_HANDLE with a caller-owned buffer (grown on YZ-BUFFER-SMALL,
 *              retried with the same msgid, as the header asks)
 *   --lib      the library to load (default $YIZHAN_LIB, else "libyizhan.so" on the loader's path)
 *   --config   the plug-in configuration (default $YIZHAN_CONFIG; INIT reads YIZHAN_CONFIG itself)
 *   --run-id   appended to every mdtrt_id of the stay file ("-ID"), so that the same stays can be
 *              admitted again on a platform that keeps its state (the demo runs more than once)
 *   --verbose  also print every request and response message
 * exit status: 0 every stay settled; 1 usage; 2 a transaction failed (its err_code and err_msg
 * are printed); 3 the library could not be loaded or opened.
 *
 * Dependency-free C99 + POSIX (dlopen). The response is parsed by string search
 * for elements, which is enough for a sample: a real HIS uses its XML library.
 */
#define _POSIX_C_SOURCE 200809L

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "yizhan/yizhan.h"

/* ---- the library's functions, looked up by name ------------------------- */

typedef int (*open_fn)(const char *, yz_handle **);
typedef int (*call_fn)(yz_handle *, const char *, size_t, char **, size_t *);
typedef void (*free_fn)(void *);
typedef void (*close_fn)(yz_handle *);
typedef const char *(*errmsg_fn)(const yz_handle *);
typedef const char *(*version_fn)(void);
typedef int (*version_number_fn)(void);
typedef int (*init_fn)(char *, int);
typedef int (*business_fn)(const char *, char *, int);

static struct {
  void *dl;
  open_fn open;
  call_fn call;
  free_fn free;
  close_fn close;
  errmsg_fn errmsg;
  version_fn version;
  version_number_fn version_number;
  init_fn init;
  business_fn business;
  int compat;            /* use INIT / BUSINESS_HANDLE */
  yz_handle *handle;     /* --open */
  char *buf;             /* --compat: the output buffer */
  int buf_len;
  int verbose;
} lib;

/* dlsym returns an object pointer; ISO C has no conversion to a function
 * pointer, POSIX guarantees the representation: copy the bytes. */
static int lookup(const char *name, void *fn, size_t fn_size) {
  void *sym = dlsym(lib.dl, name);
  if (sym == NULL) {
    fprintf(stderr, "his-client: %s not found in the library: %s\n", name, dlerror());
    return 0;
  }
  memcpy(fn, &sym, fn_size);
  return 1;
}
#define LOOKUP(name, field) lookup(name, &lib.field, sizeof lib.field)

static int load_library(const char *path) {
  lib.dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (lib.dl == NULL) {
    fprintf(stderr, "his-client: cannot load %s: %s\n", path, dlerror());
    return 0;
  }
  return LOOKUP("yz_open", open) && LOOKUP("yz_call", call) && LOOKUP("yz_free", free) &&
         LOOKUP("yz_close", close) && LOOKUP("yz_errmsg", errmsg) && LOOKUP("yz_version", version) &&
         LOOKUP("yz_version_number", version_number) && LOOKUP("INIT", init) &&
         LOOKUP("BUSINESS_HANDLE", business);
}

/* ---- a growable string ---------------------------------------------------- */

typedef struct {
  char *p;
  size_t len, cap;
} buf_t;

static void die_oom(void) {
  fputs("his-client: out of memory\n", stderr);
  exit(3);
}

static void buf_add(buf_t *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (b->len + n + 1 > cap) cap *= 2;
    b->p = realloc(b->p, cap);
    if (b->p == NULL) die_oom();
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void buf_printf(buf_t *b, const char *fmt, ...) {
  char small[1024];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    buf_add(b, small, (size_t)n);
  } else {
    char *big = malloc((size_t)n + 1);
    if (big == NULL) die_oom();
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf_add(b, big, (size_t)n);
    free(big);
  }
}

/* ---- minimal XML reading: find <name>…</name> by string search ---------- */

/* A region of a text: [b, e). */
typedef struct {
  const char *b, *e;
} span_t;

/* The next element <name>…</name> (or <name/>) at or after `from` inside `in`;
 * its content in *out. Returns 0 if there is none. */
static int find_elem(span_t in, const char *name, const char **from, span_t *out) {
  size_t nl = strlen(name);
  const char *p = from && *from ? *from : in.b;
  while (p < in.e) {
    const char *lt = memchr(p, '<', (size_t)(in.e - p));
    const char *q;
    if (lt == NULL || (size_t)(in.e - lt) < nl + 2) return 0;
    q = lt + 1 + nl;
    if (strncmp(lt + 1, name, nl) == 0 && (*q == '>' || *q == '/' || *q == ' ')) {
      const char *gt = memchr(q, '>', (size_t)(in.e - q));
      if (gt == NULL) return 0;
      if (gt[-1] == '/') { /* <name/> or <name /> */
        out->b = out->e = gt + 1;
        if (from) *from = gt + 1;
        return 1;
      } else {
        /* the matching close tag (elements of one name do not nest in these messages) */
        const char *c = gt + 1;
        while (c < in.e) {
          const char *lt2 = memchr(c, '<', (size_t)(in.e - c));
          if (lt2 == NULL || (size_t)(in.e - lt2) < nl + 3) return 0;
          if (lt2[1] == '/' && strncmp(lt2 + 2, name, nl) == 0 && lt2[2 + nl] == '>') {
            out->b = gt + 1;
            out->e = lt2;
            if (from) *from = lt2 + 3 + nl;
            return 1;
          }
          c = lt2 + 1;
        }
        return 0;
      }
    }
    p = lt + 1;
  }
  return 0;
}

/* The text of the first <name> in `in`, entities decoded, into dst[cap] ("" if absent). */
static const char *text_of(span_t in, const char *name, char *dst, size_t cap) {
  span_t s;
  size_t n = 0;
  const char *p;
  dst[0] = '\0';
  if (!find_elem(in, name, NULL, &s)) return dst;
  for (p = s.b; p < s.e && n + 1 < cap; ++p) {
    static const struct { const char *ent; char c; } ents[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    size_t i;
    char c = *p;
    if (c == '&') {
      for (i = 0; i < sizeof ents / sizeof ents[0]; ++i) {
        size_t el = strlen(ents[i].ent);
        if ((size_t)(s.e - p) >= el && strncmp(p, ents[i].ent, el) == 0) {
          c = ents[i].c;
          p += el - 1;
          break;
        }
      }
    }
    dst[n++] = c;
  }
  dst[n] = '\0';
  return dst;
}

/* The text of the first <name> in `in` as written (entities kept), for values
 * copied from the stay file into a request. */
static const char *raw_of(span_t in, const char *name, char *dst, size_t cap) {
  span_t s;
  size_t n;
  dst[0] = '\0';
  if (!find_elem(in, name, NULL, &s)) return dst;
  while (s.b < s.e && (*s.b == ' ' || *s.b == '\n' || *s.b == '\r' || *s.b == '\t')) ++s.b;
  while (s.e > s.b && (s.e[-1] == ' ' || s.e[-1] == '\n' || s.e[-1] == '\r' || s.e[-1] == '\t')) --s.e;
  n = (size_t)(s.e - s.b);
  if (n >= cap) n = cap - 1;
  memcpy(dst, s.b, n);
  dst[n] = '\0';
  return dst;
}

static span_t whole(const char *s) {
  span_t w;
  w.b = s;
  w.e = s + strlen(s);
  return w;
}

/* ---- messages --------------------------------------------------------------- */

static struct {
  char fixmedins_code[64];
  char fixmedins_name[128];
  char mdtrtarea_admvs[16];
  char insuplc_admdvs[16];
  char sign_no[128];
  unsigned seq;
} ctx;

static void now_text(char *dst, size_t cap, const char *fmt) {
  time_t t = time(NULL);
  struct tm tmv;
  localtime_r(&t, &tmv);
  strftime(dst, cap, fmt, &tmv);
}

/* msgid = fixmedins_code (12) + yyyyMMddHHmmss (14) + a 4-digit sequence; fresh per call. */
static void new_msgid(char *dst, size_t cap) {
  char stamp[32];
  now_text(stamp, sizeof stamp, "%Y%m%d%H%M%S");
  ctx.seq = (ctx.seq + 1) % 10000;
  snprintf(dst, cap, "%.12s%s%04u", ctx.fixmedins_code, stamp, ctx.seq);
}

/* The request envelope of HIS-INTERFACE.md §2 around `data` (already XML). */
static void build_request(buf_t *req, const char *infno, const char *msgid, const char *data) {
  char inf_time[32];
  now_text(inf_time, sizeof inf_time, "%Y-%m-%d %H:%M:%S");
  req->len = 0;
  buf_printf(req,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<request>\n"
             "  <infno>%s</infno>\n  <msgid>%s</msgid>\n"
             "  <mdtrtarea_admvs>%s</mdtrtarea_admvs>\n  <insuplc_admdvs>%s</insuplc_admdvs>\n"
             "  <recer_sys_code>YZ</recer_sys_code>\n  <infver>V1.0</infver>\n"
             "  <opter_type>1</opter_type><opter>C001</opter><opter_name>收费员甲</opter_name>\n"
             "  <inf_time>%s</inf_time>\n"
             "  <fixmedins_code>%s</fixmedins_code><fixmedins_name>%s</fixmedins_name>\n"
             "  <sign_no>%s</sign_no>\n"
             "  <input><data>%s</data></input>\n</request>\n",
             infno, msgid, ctx.mdtrtarea_admvs, ctx.insuplc_admdvs, inf_time, ctx.fixmedins_code,
             ctx.fixmedins_name, ctx.sign_no, data);
}

/* One transaction through the library; *resp receives the response message (a
 * heap copy owned by the caller, free()). Returns the infcode. */
static int transact(const char *infno, const char *data, char **resp) {
  char msgid[64];
  buf_t req = {0};
  int rc;
  new_msgid(msgid, sizeof msgid);
  build_request(&req, infno, msgid, data);
  if (lib.verbose) printf("---- request %s ----\n%s", infno, req.p);
  *resp = NULL;
  if (!lib.compat) {
    char *r = NULL;
    size_t len = 0;
    rc = lib.call(lib.handle, req.p, req.len, &r, &len);
    if (r == NULL) {
      fprintf(stderr, "his-client: %s: no response (rc %d): %s\n", infno, rc, lib.errmsg(lib.handle));
    } else {
      *resp = malloc(len + 1);
      if (*resp == NULL) die_oom();
      memcpy(*resp, r, len + 1);
      lib.free(r);
    }
  } else {
    for (;;) {
      char code[64];
      rc = lib.business(req.p, lib.buf, lib.buf_len);
      text_of(whole(lib.buf), "err_code", code, sizeof code);
      if (rc == YZ_ERR_BUSINESS && strcmp(code, "YZ-BUFFER-SMALL") == 0) {
        /* The transaction is recorded under its msgid: grow the buffer and ask
         * again with the SAME request (same msgid); it is not executed twice. */
        char need[32];
        long n = atol(text_of(whole(lib.buf), "yz_output_len_needed", need, sizeof need));
        if (n <= lib.buf_len) n = (long)lib.buf_len * 2;
        if (lib.verbose) printf("---- %s: buffer of %d bytes too small, retrying with %ld ----\n", infno, lib.buf_len, n);
        lib.buf = realloc(lib.buf, (size_t)n);
        if (lib.buf == NULL) die_oom();
        lib.buf_len = (int)n;
        continue;
      }
      break;
    }
    *resp = malloc(strlen(lib.buf) + 1);
    if (*resp == NULL) die_oom();
    strcpy(*resp, lib.buf);
  }
  if (lib.verbose && *resp) printf("---- response %s (infcode %d) ----\n%s\n", infno, rc, *resp);
  free(req.p);
  return rc;
}

/* Prints a failed transaction as the cashier would see it. */
static void report_failure(const char *what, int rc, const char *resp) {
  char code[128], msg[2048];
  if (resp == NULL) {
    printf("%s 失败 (返回 %d)\n", what, rc);
    return;
  }
  text_of(whole(resp), "err_code", code, sizeof code);
  text_of(whole(resp), "err_msg", msg, sizeof msg);
  printf("%s 失败 (infcode %d, %s): %s\n", what, rc, code, msg);
  if (rc == YZ_ERR_SYSTEM) printf("  结果未知：须先查询 (5203) 或冲正 (2601) 后再告知患者\n");
}

/* ---- the stay file ------------------------------------------------------ */

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  buf_t b = {0};
  char chunk[65536];
  size_t n;
  if (f == NULL) return NULL;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_add(&b, chunk, n);
  fclose(f);
  if (b.p == NULL) buf_add(&b, "", 0);
  return b.p;
}

/* Blanks out comments so that the string search does not see tags inside them. */
static void blank_comments(char *s) {
  char *p = s;
  while ((p = strstr(p, "<!--")) != NULL) {
    char *e = strstr(p + 4, "-->");
    char *end = e ? e + 3 : p + strlen(p);
    memset(p, ' ', (size_t)(end - p));
    p = end;
  }
}

/* "123.45" → 12345 fen; -1 if it is not an amount. */
static long long to_fen(const char *s) {
  long long v = 0;
  int dec = -1;
  if (*s == '\0') return -1;
  for (; *s; ++s) {
    if (*s == '.' && dec < 0) {
      dec = 0;
    } else if (*s >= '0' && *s <= '9') {
      if (dec >= 2) return -1;
      v = v * 10 + (*s - '0');
      if (dec >= 0) ++dec;
    } else {
      return -1;
    }
  }
  if (dec < 0) dec = 0;
  while (dec++ < 2) v *= 10;
  return v;
}

static void fen_text(long long f, char *dst, size_t cap) { snprintf(dst, cap, "%lld.%02lld", f / 100, f % 100); }

/* ---- the cashier's view ---------------------------------------------------- */

static void print_amount_line(const char *label, const char *amount) {
  printf("  %14s 元  %s\n", amount, label); /* amounts first: they line up whatever the label's width */
}

static void print_settlement(const char *resp) {
  span_t all = whole(resp), out, info, detail, trace, row, step;
  const char *cursor;
  char v[4096], name[256];
  int i;
  if (!find_elem(all, "output", NULL, &out) || !find_elem(out, "setlinfo", NULL, &info)) {
    printf("  (应答中没有 setlinfo)\n");
    return;
  }
  {
    char setl_id[128], cat[64];
    printf("  结算号 %s，政策 %s，身份类别 %s\n", text_of(info, "setl_id", setl_id, sizeof setl_id),
           text_of(info, "yz_policy", name, sizeof name), text_of(info, "yz_psn_category", cat, sizeof cat));
  }
  print_amount_line("医疗费总额 medfee_sumamt", text_of(info, "medfee_sumamt", v, sizeof v));
  print_amount_line("  其中 全自费 fulamt_ownpay_amt", text_of(info, "fulamt_ownpay_amt", v, sizeof v));
  print_amount_line("  其中 超限价自费 overlmt_selfpay", text_of(info, "overlmt_selfpay", v, sizeof v));
  print_amount_line("  其中 先行自付 preselfpay_amt", text_of(info, "preselfpay_amt", v, sizeof v));
  print_amount_line("  其中 政策范围内 inscp_scp_amt", text_of(info, "inscp_scp_amt", v, sizeof v));
  printf("  各方支付：\n");
  if (find_elem(out, "setldetail", NULL, &detail)) {
    cursor = NULL;
    while (find_elem(detail, "row", &cursor, &row)) {
      char label[512], code[32];
      snprintf(label, sizeof label, "  %s (%s)", text_of(row, "fund_pay_type_name", name, sizeof name),
               text_of(row, "fund_pay_type", code, sizeof code));
      print_amount_line(label, text_of(row, "fund_payamt", v, sizeof v));
    }
  }
  print_amount_line("  基金支付合计 fund_pay_sumamt", text_of(info, "fund_pay_sumamt", v, sizeof v));
  print_amount_line("  医院负担 hosp_part_amt", text_of(info, "hosp_part_amt", v, sizeof v));
  print_amount_line("  个人负担 psn_part_amt", text_of(info, "psn_part_amt", v, sizeof v));
  print_amount_line("患者现在支付 psn_cash_pay", text_of(info, "psn_cash_pay", v, sizeof v));
  if (find_elem(out, "yz_monitor", NULL, &trace)) {
    span_t alert;
    cursor = NULL;
    while (find_elem(trace, "alert", &cursor, &alert)) {
      char rule[64];
      printf("  监测提示 %s：%s\n", text_of(alert, "rule_id", rule, sizeof rule), text_of(alert, "text", v, sizeof v));
    }
  }
  printf("  计算说明：\n");
  if (find_elem(out, "yz_trace", NULL, &trace)) {
    cursor = NULL;
    i = 0;
    while (find_elem(trace, "step", &cursor, &step)) {
      char rule[64];
      printf("   %2d. [%s] %s\n", ++i, text_of(step, "rule_id", rule, sizeof rule), text_of(step, "text", v, sizeof v));
    }
  }
}

/* ---- the flow ------------------------------------------------------------ */

static const char *run_id = NULL; /* --run-id: suffix of every mdtrt_id */

static int run_stay(span_t stay, const char *psn_no, const char *insutype) {
  char mdtrt_id[128], med_type[16], begndate[32], enddate[32], diag[64], refl[8], primary[8], v[2048];
  char amount[32], *resp = NULL;
  buf_t data = {0}, fees = {0};
  span_t fd;
  const char *cursor = NULL;
  long long total = 0;
  int rc, lines = 0;

  raw_of(stay, "mdtrt_id", mdtrt_id, sizeof mdtrt_id);
  if (run_id != NULL && strlen(mdtrt_id) + strlen(run_id) + 2 < sizeof mdtrt_id) {
    strcat(mdtrt_id, "-");
    strcat(mdtrt_id, run_id);
  }
  raw_of(stay, "med_type", med_type, sizeof med_type);
  raw_of(stay, "begndate", begndate, sizeof begndate);
  raw_of(stay, "enddate", enddate, sizeof enddate);
  raw_of(stay, "dscg_maindiag_code", diag, sizeof diag);
  raw_of(stay, "yz_refl_flag", refl, sizeof refl);
  raw_of(stay, "yz_primary_first", primary, sizeof primary);
  if (refl[0] == '\0') strcpy(refl, "0");
  if (primary[0] == '\0') strcpy(primary, "0");
  if (med_type[0] == '\0') strcpy(med_type, "21");

  printf("\n=== 住院 %s：%s 至 %s，诊断 %s ===\n", mdtrt_id, begndate, enddate, diag);

  /* 2401 admission: the HIS proposes mdtrt_id, the platform may assign another. */
  buf_printf(&data,
             "<psn_no>%s</psn_no><insutype>%s</insutype><med_type>%s</med_type>"
             "<begntime>%s 08:00:00</begntime><mdtrt_id>%s</mdtrt_id><adm_diag_code>%s</adm_diag_code>"
             "<yz_refl_flag>%s</yz_refl_flag><yz_primary_first>%s</yz_primary_first>",
             psn_no, insutype, med_type, begndate, mdtrt_id, diag, refl, primary);
  rc = transact("2401", data.p, &resp);
  if (rc != YZ_OK) {
    report_failure("入院登记 2401", rc, resp);
    goto fail;
  }
  {
    span_t all = whole(resp);
    char waived[8], rule[64];
    char assigned[128];
    text_of(all, "mdtrt_id", assigned, sizeof assigned);
    if (assigned[0] != '\0') strcpy(mdtrt_id, assigned);
    text_of(all, "yz_deposit_waived", waived, sizeof waived);
    text_of(all, "yz_deposit_rule", rule, sizeof rule);
    text_of(all, "yz_deposit_reason", v, sizeof v);
    printf("入院登记：就诊号 %s\n", mdtrt_id);
    printf("  押金：%s（规则 %s：%s）\n", strcmp(waived, "1") == 0 ? "免交住院押金" : "可按规定收取押金",
           rule[0] ? rule : "无", v[0] ? v : "—");
  }
  free(resp);
  resp = NULL;

  /* 2301 fee upload: every <feedetail> of the stay, as written. */
  while (find_elem(stay, "feedetail", &cursor, &fd)) {
    char sum[64];
    long long f = to_fen(text_of(fd, "det_item_fee_sumamt", sum, sizeof sum));
    if (f < 0) {
      printf("费用明细 %d 的 det_item_fee_sumamt 不是金额：\"%s\"\n", lines + 1, sum);
      goto fail;
    }
    total += f;
    ++lines;
    buf_add(&fees, "<feedetail>", 11);
    buf_add(&fees, fd.b, (size_t)(fd.e - fd.b));
    buf_add(&fees, "</feedetail>", 12);
  }
  data.len = 0;
  buf_printf(&data, "<mdtrt_id>%s</mdtrt_id><psn_no>%s</psn_no>%s", mdtrt_id, psn_no, fees.p ? fees.p : "");
  rc = transact("2301", data.p, &resp);
  if (rc != YZ_OK) {
    report_failure("费用上传 2301", rc, resp);
    goto fail;
  }
  fen_text(total, amount, sizeof amount);
  printf("费用上传：%d 条明细，合计 %s 元\n", lines, amount);
  free(resp);
  resp = NULL;

  /* 2303 pre-settlement, then 2304 settlement on the same inputs. */
  data.len = 0;
  buf_printf(&data,
             "<psn_no>%s</psn_no><mdtrt_id>%s</mdtrt_id><insutype>%s</insutype><med_type>%s</med_type>"
             "<begndate>%s</begndate><enddate>%s</enddate><dscg_maindiag_code>%s</dscg_maindiag_code>"
             "<medfee_sumamt>%s</medfee_sumamt><yz_refl_flag>%s</yz_refl_flag><yz_primary_first>%s</yz_primary_first>",
             psn_no, mdtrt_id, insutype, med_type, begndate, enddate, diag, amount, refl, primary);
  rc = transact("2303", data.p, &resp);
  if (rc != YZ_OK) {
    report_failure("预结算 2303", rc, resp);
    goto fail;
  }
  {
    char pre[32];
    text_of(whole(resp), "psn_cash_pay", pre, sizeof pre);
    printf("预结算：患者应付 %s 元\n", pre);
    free(resp);
    resp = NULL;
    rc = transact("2304", data.p, &resp);
    if (rc != YZ_OK) {
      report_failure("结算 2304", rc, resp);
      goto fail;
    }
    text_of(whole(resp), "psn_cash_pay", v, sizeof v);
    printf("结算：%s\n", strcmp(pre, v) == 0 ? "与预结算一致" : "与预结算不一致！");
  }
  print_settlement(resp);
  free(resp);
  free(data.p);
  free(fees.p);
  return 1;
fail:
  free(resp);
  free(data.p);
  free(fees.p);
  return 0;
}

static int usage(void) {
  fputs("usage: his-client [--open | --compat] [--lib LIB] [--config CONFIG] [--run-id ID] [--verbose] STAYS.xml\n"
        "  LIB defaults to $YIZHAN_LIB, else libyizhan.so; CONFIG to $YIZHAN_CONFIG.\n"
        "  STAYS.xml: the case format of HIS-INTERFACE.md section 5 (samples/his-client/*.xml).\n",
        stderr);
  return 1;
}

int main(int argc, char **argv) {
  const char *lib_path = getenv("YIZHAN_LIB");
  const char *config = getenv("YIZHAN_CONFIG");
  const char *stays_path = NULL;
  char *text, *resp = NULL, psn_no[128], insutype[16], v[2048];
  span_t all, person, stay;
  const char *cursor = NULL;
  int i, rc, status = 0, settled = 0;

  for (i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--open") == 0) lib.compat = 0;
    else if (strcmp(argv[i], "--compat") == 0) lib.compat = 1;
    else if (strcmp(argv[i], "--verbose") == 0) lib.verbose = 1;
    else if (strcmp(argv[i], "--lib") == 0 && i + 1 < argc) lib_path = argv[++i];
    else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) config = argv[++i];
    else if (strcmp(argv[i], "--run-id") == 0 && i + 1 < argc) run_id = argv[++i];
    else if (argv[i][0] == '-' || stays_path != NULL) return usage();
    else stays_path = argv[i];
  }
  if (stays_path == NULL) return usage();
  if (lib_path == NULL || lib_path[0] == '\0') lib_path = "libyizhan.so";

  text = read_file(stays_path);
  if (text == NULL) {
    fprintf(stderr, "his-client: cannot read %s\n", stays_path);
    return 1;
  }
  blank_comments(text);
  all = whole(text);
  if (!find_elem(all, "person", NULL, &person)) {
    fprintf(stderr, "his-client: %s has no <person>\n", stays_path);
    free(text);
    return 1;
  }
  /* The hospital as the HIS knows it; the plug-in takes level and fee class from its own config. */
  {
    span_t medins;
    if (find_elem(all, "medins", NULL, &medins)) {
      raw_of(medins, "fixmedins_code", ctx.fixmedins_code, sizeof ctx.fixmedins_code);
      raw_of(medins, "admdvs", ctx.mdtrtarea_admvs, sizeof ctx.mdtrtarea_admvs);
      raw_of(medins, "fixmedins_name", ctx.fixmedins_name, sizeof ctx.fixmedins_name); /* optional */
    }
  }
  raw_of(all, "insuplc_admdvs", ctx.insuplc_admdvs, sizeof ctx.insuplc_admdvs);
  raw_of(person, "psn_no", psn_no, sizeof psn_no);
  raw_of(person, "insutype", insutype, sizeof insutype);
  if (insutype[0] == '\0') strcpy(insutype, "390");
  ctx.seq = (unsigned)getpid() % 1000 * 10; /* two runs in one second do not reuse msgids */

  if (!load_library(lib_path)) {
    free(text);
    return 3;
  }
  printf("一站式结算插件 %s (接口版本 %d，本程序编译时 %s)\n", lib.version(), lib.version_number(), YZ_VERSION);
  if (lib.version_number() / 10000 != YZ_VERSION_MAJOR) {
    fprintf(stderr, "his-client: library major version differs from the header\n");
    status = 3;
    goto out;
  }

  if (!lib.compat) {
    rc = lib.open(config ? config : "yizhan.xml", &lib.handle);
    if (rc != YZ_OK) {
      printf("打开插件失败 (%d)：%s\n", rc, lib.errmsg(lib.handle));
      status = 3;
      goto out;
    }
  } else {
    char err[1024];
    if (config != NULL) setenv("YIZHAN_CONFIG", config, 1);
    rc = lib.init(err, (int)sizeof err);
    if (rc != YZ_OK) {
      printf("INIT 失败 (%d)：%s\n", rc, err);
      status = 3;
      goto out;
    }
    lib.buf_len = 4096; /* deliberately small: settlement responses are larger, see transact() */
    lib.buf = malloc((size_t)lib.buf_len);
    if (lib.buf == NULL) die_oom();
  }

  /* 9001 sign-in: later messages carry its sign_no. */
  rc = transact("9001", "<opter_no>C001</opter_no><mac></mac><ip></ip>", &resp);
  if (rc != YZ_OK) {
    report_failure("签到 9001", rc, resp);
    status = 2;
    goto out;
  }
  text_of(whole(resp), "sign_no", ctx.sign_no, sizeof ctx.sign_no);
  printf("签到：sign_no %s\n", ctx.sign_no);
  free(resp);
  resp = NULL;

  /* 1101 person: who the platform says the patient is. */
  {
    buf_t data = {0};
    span_t r;
    buf_printf(&data, "<psn_no>%s</psn_no>", psn_no);
    rc = transact("1101", data.p, &resp);
    free(data.p);
    if (rc != YZ_OK) {
      report_failure("人员信息 1101", rc, resp);
      status = 2;
      goto out;
    }
    r = whole(resp);
    {
      char name[128], certno[64], cat[64];
      span_t idet;
      const char *c2 = NULL;
      printf("患者：%s，证件号 %s，参保地 %s，救助类别 %s\n", text_of(r, "psn_name", name, sizeof name),
             text_of(r, "certno", certno, sizeof certno), text_of(r, "insuplc_admdvs", v, sizeof v),
             text_of(r, "yz_psn_category", cat, sizeof cat)[0] ? cat : "无");
      while (find_elem(r, "idetinfo", &c2, &idet)) {
        char type[32], b[32], e[32];
        printf("  身份 %s：%s 至 %s\n", text_of(idet, "psn_idet_type", type, sizeof type),
               text_of(idet, "begntime", b, sizeof b), text_of(idet, "endtime", e, sizeof e)[0] ? e : "（长期）");
      }
    }
    free(resp);
    resp = NULL;
  }

  while (find_elem(all, "stay", &cursor, &stay)) {
    if (!run_stay(stay, psn_no, insutype)) {
      status = 2;
      break;
    }
    ++settled;
  }
  if (status == 0 && settled == 0) {
    printf("%s 中没有 <stay>\n", stays_path);
    status = 1;
  }
  if (status == 0) printf("\n全部 %d 次住院已结算\n", settled);

  /* 9002 sign-out. */
  if (transact("9002", "<sign_no></sign_no>", &resp) != YZ_OK) report_failure("签退 9002", YZ_ERR_BUSINESS, resp);
  free(resp);
  resp = NULL;

out:
  if (lib.handle != NULL) lib.close(lib.handle);
  free(lib.buf);
  free(text);
  /* The library stays loaded until exit, as in an HIS (INIT's handle lives for the process). */
  return status;
}
