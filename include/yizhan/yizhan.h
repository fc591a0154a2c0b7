/*
 * yizhan (一站) — one-stop settlement plug-in for hospital information systems.
 *
 * The only public surface of libyizhan.so. C99 and C++ compatible.
 *
 * Shape (as HIS vendors know it): open once, then one XML request message per
 * transaction (numbered with the national platform's infno), one XML response
 * message back (../shared/spec/HIS-INTERFACE.md §2–3).
 *
 *   yz_handle *h = NULL;
 *   if (yz_open("/etc/yizhan/yizhan.xml", &h) != YZ_OK) { puts(yz_errmsg(h)); yz_close(h); return; }
 *   char *resp = NULL; size_t len = 0;
 *   int rc = yz_call(h, req, strlen(req), &resp, &len);   // resp is always set, also on error
 *   ...
 *   yz_free(resp);
 *   yz_close(h);
 *
 * Return codes are those of the response's <infcode>:
 *   YZ_OK (0)              success;
 *   YZ_ERR_SYSTEM (-1)     system error: the outcome is UNKNOWN. The HIS must query (5203) or
 *                          reverse (2601 with the request's msgid) before it tells anybody
 *                          anything final;
 *   YZ_ERR_BUSINESS (-2)   business error: nothing changed; show err_msg to the cashier.
 *
 * Threads: one handle may be used by several threads at once; calls for the same
 * mdtrt_id are serialised inside. No function writes to stdout/stderr unless
 * logging is configured, and none lets an exception, abort or exit escape.
 */
#ifndef YIZHAN_YIZHAN_H
#define YIZHAN_YIZHAN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  if defined(YZ_BUILDING_LIBRARY)
#    define YZ_API __declspec(dllexport)
#  else
#    define YZ_API __declspec(dllimport)
#  endif
#else
#  define YZ_API __attribute__((visibility("default")))
#endif

#define YZ_VERSION_MAJOR 0
#define YZ_VERSION_MINOR 2
#define YZ_VERSION_PATCH 0
#define YZ_VERSION "0.2.0"
/* MAJOR*10000 + MINOR*100 + PATCH; compare with yz_version_number() at run time. */
#define YZ_VERSION_NUMBER (YZ_VERSION_MAJOR * 10000 + YZ_VERSION_MINOR * 100 + YZ_VERSION_PATCH)

#define YZ_OK 0
#define YZ_ERR_SYSTEM (-1)
#define YZ_ERR_BUSINESS (-2)

/* An open plug-in: its configuration, the region policies, the ledger and the
 * platform adapter. Opaque. */
typedef struct yz_handle yz_handle;

/* Loads the plug-in configuration and every region policy it names, opens the
 * ledger and prepares the platform adapter. On failure returns YZ_ERR_BUSINESS
 * (bad configuration: the message names file, line and field) or YZ_ERR_SYSTEM,
 * and still sets *out (unless memory ran out) so that yz_errmsg(*out) explains;
 * such a handle only answers yz_errmsg and yz_close. */
YZ_API int yz_open(const char *config_path, yz_handle **out);

/* One transaction. *response receives a NUL-terminated XML response message
 * allocated by the library (free it with yz_free), also on error; *response_len
 * its length without the NUL. Returns the response's infcode. */
YZ_API int yz_call(yz_handle *h, const char *request, size_t request_len, char **response,
                   size_t *response_len);

/* Frees what the library allocated. NULL is a no-op. */
YZ_API void yz_free(void *p);

/* Closes a handle (NULL is a no-op). No call may be running on it. */
YZ_API void yz_close(yz_handle *h);

/* The last error message on this handle (yz_open's, or the last failed call's),
 * UTF-8, never NULL; valid until the same thread calls yz_errmsg again.
 * yz_errmsg(NULL) describes a yz_open that could not allocate a handle. */
YZ_API const char *yz_errmsg(const yz_handle *h);

/* The library's version string ("0.2.0") and number (YZ_VERSION_NUMBER of the
 * build); an HIS compiled against another header can compare them. */
YZ_API const char *yz_version(void);
YZ_API int yz_version_number(void);

/* Compatibility pair for vendors whose code already calls it. INIT opens one
 * process-wide handle: config path from the environment variable YIZHAN_CONFIG,
 * else yizhan.xml beside the library. Returns 0, -1 or -2; err_msg receives a
 * NUL-terminated message (truncated to err_len). Calling INIT again after success
 * is a no-op returning 0. */
YZ_API int INIT(char *err_msg, int err_len);

/* One transaction on the process-wide handle: input is a NUL-terminated request
 * message, output receives the NUL-terminated response. Returns 0, -1 or -2.
 * If output_len is too small, returns -2 (err_code YZ-BUFFER-SMALL) and writes,
 * if it fits, a short response whose err_msg says the size needed. A state-
 * changing transaction (2304, 2305 …) that succeeded has then been recorded
 * under its msgid: call again with the SAME msgid and a larger buffer; a
 * repeated msgid returns the recorded response and never executes twice. */
YZ_API int BUSINESS_HANDLE(const char *input, char *output, int output_len);

#ifdef __cplusplus
}
#endif

#endif /* YIZHAN_YIZHAN_H */
