// The plug-in's service over the in-memory platform, with a fixed clock, for
// the tests that drive transactions by request XML (service_test.cpp,
// err_codes_test.cpp).
#pragma once

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "gateway/memory_gateway.h"
#include "service/service.h"

namespace yz::service::harness {

inline const char* kHospital = "H62070200001";

inline std::string config_xml(const std::string& admdvs, int level) {
  return std::string("<yizhan version=\"1\"><hospital fixmedins_code=\"") + kHospital +
         "\" fixmedins_name=\"测试医院\" admdvs=\"" + admdvs + "\" hosp_lv=\"" + std::to_string(level) +
         "\" yz_fee_class=\"county2\"/><policy dir=\"" YZ_CONFIG_DIR "\"/>"
         "<platform adapter=\"memory\" persons=\"" YZ_SAMPLES_DIR "/platform-sim/persons.xml\"/></yizhan>";
}

struct Harness {
  gateway::MemoryGateway* platform = nullptr;  // owned by the service
  std::unique_ptr<Service> svc;
  int seq = 0;

  explicit Harness(const std::string& admdvs = "620702", int level = 2) {
    PluginConfig cfg;
    Status st = parse_plugin_config("test.xml", config_xml(admdvs, level), "/", cfg);
    EXPECT_TRUE(st.is_ok()) << st.message();
    std::unique_ptr<gateway::MemoryGateway> gw;
    st = gateway::MemoryGateway::from_persons_file(cfg.platform.persons_file, gw);
    EXPECT_TRUE(st.is_ok()) << st.message();
    platform = gw.get();
    st = Service::open_with(cfg, std::move(gw), make_memory_ledger(), [] { return std::string("2023-10-20 10:00:00"); },
                            svc);
    EXPECT_TRUE(st.is_ok()) << st.message();
  }

  std::string msgid() {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d", ++seq % 10000);
    return std::string(kHospital) + "20231020100000" + buf;
  }

  static std::string request(const std::string& infno, const std::string& msgid, const std::string& data,
                             const std::string& insuplc = "") {
    return "<request><infno>" + infno + "</infno><msgid>" + msgid + "</msgid>" +
           (insuplc.empty() ? "" : "<insuplc_admdvs>" + insuplc + "</insuplc_admdvs>") +
           "<inf_time>2023-10-20 10:00:00</inf_time><fixmedins_code>" + kHospital +
           "</fixmedins_code><input><data>" + data + "</data></input></request>";
  }

  int call(const std::string& req, pugi::xml_document& doc, std::string* raw = nullptr) {
    std::string resp;
    int rc = svc->call(req, resp);
    if (raw) *raw = resp;
    EXPECT_TRUE(doc.load_string(resp.c_str())) << resp;
    EXPECT_EQ(std::to_string(rc), std::string(doc.child("response").child_value("infcode"))) << resp;
    return rc;
  }

  // 2401 for psn_no; returns mdtrt_id.
  std::string admit(const std::string& psn_no, const std::string& extra = "") {
    pugi::xml_document d;
    int rc = call(request("2401", msgid(),
                          "<psn_no>" + psn_no + "</psn_no><insutype>390</insutype><med_type>21</med_type>"
                          "<begntime>2023-10-01</begntime>" + extra),
                  d);
    EXPECT_EQ(rc, 0) << d.child("response").child_value("err_msg");
    return d.child("response").child("output").child("result").child_value("mdtrt_id");
  }

  int upload(const std::string& mdtrt_id, const std::string& lines, pugi::xml_document& d) {
    return call(request("2301", msgid(), "<mdtrt_id>" + mdtrt_id + "</mdtrt_id>" + lines), d);
  }

  static std::string settle_data(const std::string& psn_no, const std::string& mdtrt_id, const std::string& total,
                                 const std::string& med_type = "21", const std::string& begn = "2023-10-01",
                                 const std::string& end = "2023-10-20") {
    return "<psn_no>" + psn_no + "</psn_no><mdtrt_id>" + mdtrt_id + "</mdtrt_id><insutype>390</insutype><med_type>" +
           med_type + "</med_type><begndate>" + begn + "</begndate><enddate>" + end +
           "</enddate><dscg_maindiag_code>J18.900</dscg_maindiag_code><medfee_sumamt>" + total + "</medfee_sumamt>";
  }
};

inline std::string err_code(pugi::xml_document& d) { return d.child("response").child_value("err_code"); }

}  // namespace yz::service::harness
