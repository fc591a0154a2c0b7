/*
 * The C ABI of libyizhan.so, from C: compiled as C99 with -pedantic -Wall
 * -Werror, includes only yizhan.h (and the C standard library), links the
 * shared library as an HIS would.
 *
 * usage: abi_test CONFIG.xml                 (ctest c.abi; YIZHAN_CONFIG=CONFIG.xml for INIT)
 *        abi_test --init-beside-library DIR  (ctest c.abi.init_beside_library; YIZHAN_CONFIG empty)
 * Prints one line per failed check and exits 1 if any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yizhan/yizhan.h"

static int failures;
static int checks;

#define CHECK(cond)                                                           \
  do {                                                                        \
    ++checks;                                                                 \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                             \
    }                                                                         \
  } while (0)

#define CHECK_CONTAINS(hay, needle)                                                                        \
  do {                                                                                                     \
    const char *h_ = (hay);                                                                                \
    ++checks;                                                                                              \
    if (h_ == NULL || strstr(h_, (needle)) == NULL) {                                                      \
      fprintf(stderr, "%s:%d: \"%s\" not found in:\n%s\n", __FILE__, __LINE__, (needle), h_ ? h_ : "(null)"); \
      ++failures;                                                                                          \
    }                                                                                                      \
  } while (0)

/* The demo hospital of config/yizhan.xml and a person of its persons file. */
#define HOSPITAL "H62070200001"
#define ADMDVS "620702"
#define PSN_NO "P620702-DB12-01"

/* ---- messages ---------------------------------------------------------- */

static unsigned seq;

/* A request envelope (HIS-INTERFACE.md §2) around `data`, into a malloc'ed
 * string; msgid = HOSPITAL + a fixed time + a fresh 4-digit sequence. */
static char *request(const char *infno, const char *data) {
  static const char fmt[] =
      "<request><infno>%s</infno><msgid>" HOSPITAL "20231122153045%04u</msgid>"
      "<mdtrtarea_admvs>" ADMDVS "</mdtrtarea_admvs><insuplc_admdvs>" ADMDVS "</insuplc_admdvs>"
      "<recer_sys_code>YZ</recer_sys_code><infver>V1.0</infver>"
      "<opter_type>1</opter_type><opter>C001</opter><opter_name>收费员甲</opter_name>"
      "<inf_time>2023-11-22 15:30:45</inf_time>"
      "<fixmedins_code>" HOSPITAL "</fixmedins_code><fixmedins_name>示例县人民医院</fixmedins_name>"
      "<sign_no></sign_no><input><data>%s</data></input></request>";
  size_t n = sizeof fmt + strlen(infno) + strlen(data) + 16;
  char *p = malloc(n);
  if (p == NULL) {
    fputs("out of memory\n", stderr);
    exit(2);
  }
  seq = (seq + 1) % 10000;
  sprintf(p, fmt, infno, seq, data);
  return p;
}

/* The admission (2401) of the stay that k2303 pre-settles. */
static const char k2401[] =
    "<psn_no>" PSN_NO "</psn_no><insutype>390</insutype><med_type>21</med_type>"
    "<begntime>2023-10-01 08:00:00</begntime><mdtrt_id>C-ABI-0001</mdtrt_id><adm_diag_code>K80.100</adm_diag_code>"
    "<yz_refl_flag>0</yz_refl_flag><yz_primary_first>0</yz_primary_first>";

/* A 2303 for the demo person (一、二类低保 DB12 of Zhangye, no 2023 accumulators) at the demo hospital
 * (level 2), with the fee details inline: 3 lines, 10500.00 in all. Worked by hand (REFERENCE-PARAMS.md
 * "Gansu" level 2: deductible 500.00, 80%; RULES.md §1): 丙 500.00; 先行自付 2000.00 x 10% = 200.00;
 * in-policy 9800.00; basic (9800.00 - 500.00) x 80% = 7440.00; critical-illness base 2360.00 is below
 * DB12's tilt threshold 2500.00 -> 0.00; assistance (GS-MA-RATIO) 90% x 2360.00 = 2124.00; second tilt:
 * 236.00 left, not above 6000.00 -> 0.00; the patient pays 10500.00 - 9564.00 = 936.00. */
static const char k2303[] =
    "<psn_no>" PSN_NO "</psn_no><mdtrt_id>C-ABI-0001</mdtrt_id><insutype>390</insutype><med_type>21</med_type>"
    "<begndate>2023-10-01</begndate><enddate>2023-10-10</enddate><dscg_maindiag_code>J18.901</dscg_maindiag_code>"
    "<medfee_sumamt>10500.00</medfee_sumamt><yz_refl_flag>1</yz_refl_flag><yz_primary_first>1</yz_primary_first>"
    "<feedetail><feedetl_sn>1</feedetl_sn><med_list_codg>X1</med_list_codg><chrgitm_lv>01</chrgitm_lv>"
    "<det_item_fee_sumamt>8000.00</det_item_fee_sumamt></feedetail>"
    "<feedetail><feedetl_sn>2</feedetl_sn><med_list_codg>X2</med_list_codg><chrgitm_lv>02</chrgitm_lv>"
    "<det_item_fee_sumamt>2000.00</det_item_fee_sumamt><selfpay_prop>0.1000</selfpay_prop></feedetail>"
    "<feedetail><feedetl_sn>3</feedetl_sn><med_list_codg>X3</med_list_codg><chrgitm_lv>03</chrgitm_lv>"
    "<det_item_fee_sumamt>500.00</det_item_fee_sumamt></feedetail>";

/* The text of the first <name>…</name> of a response, into dst (no entity decoding). */
static const char *elem(const char *xml, const char *name, char *dst, size_t cap) {
  char open[64], close[64];
  const char *b, *e;
  dst[0] = '\0';
  if (xml == NULL) return dst;
  sprintf(open, "<%s>", name);
  sprintf(close, "</%s>", name);
  b = strstr(xml, open);
  if (b == NULL) return dst;
  b += strlen(open);
  e = strstr(b, close);
  if (e == NULL || (size_t)(e - b) >= cap) return dst;
  memcpy(dst, b, (size_t)(e - b));
  dst[e - b] = '\0';
  return dst;
}

/* One yz_call; checks the response invariants every call must keep. */
static int call(yz_handle *h, const char *req, size_t len, char **resp) {
  size_t rlen = 12345;
  char code[64];
  int rc;
  *resp = NULL;
  rc = yz_call(h, req, len, resp, &rlen);
  CHECK(rc == YZ_OK || rc == YZ_ERR_SYSTEM || rc == YZ_ERR_BUSINESS);
  CHECK(*resp != NULL);
  if (*resp == NULL) return rc;
  CHECK(rlen == strlen(*resp));
  CHECK(strncmp(elem(*resp, "infcode", code, sizeof code), rc == 0 ? "0" : rc == -1 ? "-1" : "-2", 3) == 0);
  if (rc != YZ_OK) CHECK(elem(*resp, "err_code", code, sizeof code)[0] != '\0');
  return rc;
}

/* A garbage request: business error, stable err_code, nothing else. */
static void check_garbage(yz_handle *h, const char *what, const char *req, size_t len) {
  char *resp = NULL, code[64];
  int rc = call(h, req, len, &resp);
  if (rc != YZ_ERR_BUSINESS) fprintf(stderr, "garbage '%s': rc %d\n%s\n", what, rc, resp ? resp : "(null)");
  CHECK(rc == YZ_ERR_BUSINESS);
  CHECK(strncmp(elem(resp, "err_code", code, sizeof code), "YZ-", 3) == 0);
  CHECK(yz_errmsg(h)[0] != '\0');
  yz_free(resp);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(2);
  }
  fputs(text, f);
  fclose(f);
}

/* ---- the checks --------------------------------------------------------- */

static void test_version(void) {
  CHECK(strcmp(yz_version(), YZ_VERSION) == 0);
  CHECK(yz_version_number() == YZ_VERSION_NUMBER);
  CHECK(YZ_VERSION_NUMBER == YZ_VERSION_MAJOR * 10000 + YZ_VERSION_MINOR * 100 + YZ_VERSION_PATCH);
}

static void test_open_errors(void) {
  yz_handle *h = NULL;
  char *resp = NULL;
  size_t len = 0;
  int rc;

  /* a missing file: the message names it */
  rc = yz_open("/nonexistent/yizhan-abi-test/missing.xml", &h);
  CHECK(rc != YZ_OK);
  CHECK(h != NULL);
  CHECK_CONTAINS(yz_errmsg(h), "/nonexistent/yizhan-abi-test/missing.xml");
  /* such a handle answers calls with a business error, and yz_close */
  rc = yz_call(h, "<request/>", 10, &resp, &len);
  CHECK(rc == YZ_ERR_BUSINESS);
  CHECK_CONTAINS(resp, "YZ-NOT-OPEN");
  yz_free(resp);
  yz_close(h);

  /* not well-formed: file and line */
  write_file("abi_test_malformed.xml",
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<yizhan version=\"1\">\n"
             "  <hospital fixmedins_code=\"H62070200001\"\n"
             "</yizhan>\n");
  h = NULL;
  rc = yz_open("abi_test_malformed.xml", &h);
  CHECK(rc == YZ_ERR_BUSINESS);
  CHECK(h != NULL);
  CHECK_CONTAINS(yz_errmsg(h), "abi_test_malformed.xml:");
  yz_close(h);

  /* well-formed, one bad field: file, line and field */
  write_file("abi_test_badfield.xml",
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<yizhan version=\"1\">\n"
             "  <hospital fixmedins_code=\"H62070200001\" fixmedins_name=\"x\" admdvs=\"620702\"\n"
             "            hosp_lv=\"7\"/>\n"
             "  <policy dir=\"regions\"/>\n"
             "  <platform adapter=\"memory\" persons=\"persons.xml\"/>\n"
             "</yizhan>\n");
  h = NULL;
  rc = yz_open("abi_test_badfield.xml", &h);
  CHECK(rc == YZ_ERR_BUSINESS);
  CHECK_CONTAINS(yz_errmsg(h), "abi_test_badfield.xml:3");
  CHECK_CONTAINS(yz_errmsg(h), "hosp_lv");
  yz_close(h);
  remove("abi_test_malformed.xml");
  remove("abi_test_badfield.xml");

  /* NULL arguments */
  h = NULL;
  rc = yz_open(NULL, &h);
  CHECK(rc == YZ_ERR_BUSINESS);
  CHECK(h != NULL);
  CHECK_CONTAINS(yz_errmsg(h), "YZ-INPUT-NULL");
  yz_close(h);
  rc = yz_open("whatever.xml", NULL);
  CHECK(rc == YZ_ERR_BUSINESS);
  CHECK_CONTAINS(yz_errmsg(NULL), "YZ-INPUT-NULL");
  CHECK(yz_errmsg(NULL) != NULL);
  yz_close(NULL);
  yz_free(NULL);
}

static void test_null_arguments(yz_handle *h) {
  char *req = request("9001", "");
  char *resp = NULL;
  size_t len = 99;
  int rc;

  rc = yz_call(NULL, req, strlen(req), &resp, &len);
  CHECK(rc == YZ_ERR_BUSINESS);
  CHECK_CONTAINS(resp, "<err_code>YZ-INPUT-NULL</err_code>");
  CHECK(resp != NULL && len == strlen(resp));
  yz_free(resp);

  resp = NULL;
  rc = yz_call(h, NULL, 10, &resp, &len);
  CHECK(rc == YZ_ERR_BUSINESS);
  CHECK_CONTAINS(resp, "<err_code>YZ-INPUT-NULL</err_code>");
  CHECK_CONTAINS(yz_errmsg(h), "YZ-INPUT-NULL");
  yz_free(resp);

  resp = NULL;
  rc = yz_call(h, req, strlen(req), &resp, NULL);
  CHECK(rc == YZ_ERR_BUSINESS);
  CHECK_CONTAINS(resp, "<err_code>YZ-INPUT-NULL</err_code>");
  yz_free(resp);

  /* nowhere to put a response: nothing done, the reason in yz_errmsg */
  len = 99;
  rc = yz_call(h, req, strlen(req), NULL, &len);
  CHECK(rc == YZ_ERR_BUSINESS);
  CHECK(len == 0);
  CHECK_CONTAINS(yz_errmsg(h), "YZ-INPUT-NULL");
  free(req);
}

static void test_garbage(yz_handle *h) {
  static const char nuls[] = "<request>\0<infno>9001</infno>\0</request>";
  static const char bad_utf8[] = "<request><infno>9001</infno><opter_name>\xC3\x28\xFF\xFE</opter_name></request>";
  static const char xxe[] =
      "<?xml version=\"1.0\"?><!DOCTYPE request [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
      "<request><infno>&x;</infno></request>";
  const size_t big = 5u * 1024u * 1024u;
  char *as, *deep, *rnd;
  size_t i;
  unsigned state = 12345u;

  check_garbage(h, "empty", "", 0);
  check_garbage(h, "NULs only", "\0\0\0\0", 4);
  check_garbage(h, "embedded NULs", nuls, sizeof nuls - 1);
  check_garbage(h, "invalid UTF-8", bad_utf8, sizeof bad_utf8 - 1);
  check_garbage(h, "DOCTYPE / external entity", xxe, sizeof xxe - 1);
  check_garbage(h, "not XML", "hello, world", 12);
  check_garbage(h, "wrong root", "<response><infcode>0</infcode></response>", 41);
  check_garbage(h, "unclosed", "<request><infno>9001</infno>", 28);
  check_garbage(h, "unknown infno", "<request><infno>0000</infno></request>", 38);

  as = malloc(big);
  if (as == NULL) exit(2);
  memset(as, 'A', big);
  check_garbage(h, "5 MB of A", as, big);
  free(as);

  deep = malloc(10000 * 3 + 16);
  if (deep == NULL) exit(2);
  strcpy(deep, "<request>");
  for (i = 0; i < 10000; ++i) memcpy(deep + 9 + 3 * i, "<a>", 4); /* the last copy writes the NUL */
  check_garbage(h, "10000 open elements", deep, strlen(deep));
  free(deep);

  rnd = malloc(4096);
  if (rnd == NULL) exit(2);
  for (i = 0; i < 4096; ++i) {
    state = state * 1103515245u + 12345u;
    rnd[i] = (char)(state >> 16);
  }
  check_garbage(h, "random bytes", rnd, 4096);
  free(rnd);
}

static void test_transactions(yz_handle *h) {
  char *req, *resp = NULL, v[256];
  int rc;

  req = request("9001", "<opter_no>C001</opter_no>");
  rc = call(h, req, strlen(req), &resp);
  if (rc != YZ_OK) fprintf(stderr, "9001:\n%s\n", resp ? resp : "(null)");
  CHECK(rc == YZ_OK);
  CHECK(elem(resp, "sign_no", v, sizeof v)[0] != '\0');
  yz_free(resp);
  free(req);

  req = request("2401", k2401);
  rc = call(h, req, strlen(req), &resp);
  if (rc != YZ_OK) fprintf(stderr, "2401:\n%s\n", resp ? resp : "(null)");
  CHECK(rc == YZ_OK);
  CHECK_CONTAINS(resp, "<mdtrt_id>C-ABI-0001</mdtrt_id>");
  yz_free(resp);
  free(req);

  req = request("2303", k2303);
  rc = call(h, req, strlen(req), &resp);
  if (rc != YZ_OK) fprintf(stderr, "2303:\n%s\n", resp ? resp : "(null)");
  CHECK(rc == YZ_OK);
  CHECK_CONTAINS(resp, "<medfee_sumamt>10500.00</medfee_sumamt>");
  CHECK_CONTAINS(resp, "<hifp_pay>7440.00</hifp_pay>");
  CHECK_CONTAINS(resp, "<hifmi_pay>0.00</hifmi_pay>");
  CHECK_CONTAINS(resp, "<maf_pay>2124.00</maf_pay>");
  CHECK_CONTAINS(resp, "<psn_cash_pay>936.00</psn_cash_pay>");
  CHECK_CONTAINS(resp, "<setlinfo>");
  CHECK_CONTAINS(resp, "<yz_trace>");
  yz_free(resp);
  free(req);
}

static void test_init_and_business_handle(void) {
  char err[512], small[16], *req, *out;
  char code[64], need[32];
  size_t needed;
  int rc, len;

  /* before INIT: nothing to call */
  req = request("9001", "<opter_no>C001</opter_no>");
  out = malloc(4096);
  if (out == NULL) exit(2);
  rc = BUSINESS_HANDLE(req, out, 4096);
  CHECK(rc == YZ_ERR_BUSINESS);
  CHECK_CONTAINS(out, "YZ-NOT-OPEN");

  rc = INIT(err, (int)sizeof err);
  if (rc != YZ_OK) fprintf(stderr, "INIT: %s\n", err);
  CHECK(rc == YZ_OK);
  CHECK(err[0] == '\0');
  CHECK(INIT(err, (int)sizeof err) == YZ_OK); /* again: a no-op */
  CHECK(INIT(NULL, 0) == YZ_OK);

  rc = BUSINESS_HANDLE(req, out, 4096);
  CHECK(rc == YZ_OK);
  CHECK(elem(out, "sign_no", code, sizeof code)[0] != '\0');
  free(req);

  /* NULLs */
  CHECK(BUSINESS_HANDLE(NULL, out, 4096) == YZ_ERR_BUSINESS);
  CHECK_CONTAINS(out, "YZ-INPUT-NULL");
  req = request("9001", "<opter_no>C001</opter_no>");
  CHECK(BUSINESS_HANDLE(req, NULL, 4096) == YZ_ERR_BUSINESS);
  CHECK(BUSINESS_HANDLE(req, out, 0) == YZ_ERR_BUSINESS);
  CHECK(BUSINESS_HANDLE(req, out, -5) == YZ_ERR_BUSINESS);
  free(req);

  /* the stay the 2303 below pre-settles, on this (process-wide) handle */
  req = request("2401", k2401);
  rc = BUSINESS_HANDLE(req, out, 4096);
  if (rc != YZ_OK) fprintf(stderr, "2401:\n%s\n", out);
  CHECK(rc == YZ_OK);
  free(req);

  /* too small for anything: -2, an empty string, never a byte past the end */
  req = request("2303", k2303);
  memset(small, 'x', sizeof small);
  rc = BUSINESS_HANDLE(req, small, 8);
  CHECK(rc == YZ_ERR_BUSINESS);
  CHECK(small[0] == '\0');
  CHECK(small[8] == 'x');

  /* too small for the answer: -2 YZ-BUFFER-SMALL with the size needed */
  memset(out, 'x', 4096);
  rc = BUSINESS_HANDLE(req, out, 1024);
  CHECK(rc == YZ_ERR_BUSINESS);
  CHECK(strcmp(elem(out, "err_code", code, sizeof code), "YZ-BUFFER-SMALL") == 0);
  CHECK(out[1024] == 'x');
  needed = (size_t)atol(elem(out, "yz_output_len_needed", need, sizeof need));
  CHECK(needed > 1024);
  CHECK_CONTAINS(out, need); /* the err_msg says it too */
  /* the same request (same msgid) with exactly the size needed */
  free(out);
  len = (int)needed;
  out = malloc(needed);
  if (out == NULL) exit(2);
  rc = BUSINESS_HANDLE(req, out, len);
  CHECK(rc == YZ_OK);
  CHECK(strlen(out) + 1 == needed);
  CHECK_CONTAINS(out, "<psn_cash_pay>936.00</psn_cash_pay>");
  free(req);
  free(out);
}

/* INIT without YIZHAN_CONFIG: yizhan.xml beside the library, absent here. */
static int init_beside_library(const char *libdir) {
  char err[1024], tiny[8], expect[1024];
  int rc = INIT(err, (int)sizeof err);
  CHECK(rc != YZ_OK);
  sprintf(expect, "%.900s/yizhan.xml", libdir);
  CHECK_CONTAINS(err, expect);
  /* truncated to err_len, NUL-terminated, and re-tryable */
  memset(tiny, 'x', sizeof tiny);
  rc = INIT(tiny, 5);
  CHECK(rc != YZ_OK);
  CHECK(strlen(tiny) <= 4);
  CHECK(tiny[5] == 'x');
  return 0;
}

int main(int argc, char **argv) {
  yz_handle *h = NULL;
  int rc;

  if (argc == 3 && strcmp(argv[1], "--init-beside-library") == 0) {
    init_beside_library(argv[2]);
  } else if (argc == 2) {
    test_version();
    test_open_errors();
    rc = yz_open(argv[1], &h);
    if (rc != YZ_OK) fprintf(stderr, "yz_open(%s): %s\n", argv[1], yz_errmsg(h));
    CHECK(rc == YZ_OK);
    if (rc == YZ_OK) {
      CHECK(yz_errmsg(h)[0] == '\0');
      test_null_arguments(h);
      test_garbage(h);
      test_transactions(h);
    }
    yz_close(h);
    test_init_and_business_handle();
  } else {
    fputs("usage: abi_test CONFIG.xml | abi_test --init-beside-library DIR\n", stderr);
    return 2;
  }
  printf("%d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
