// The persons seed file of the in-memory platform and the platform simulator
// (samples/platform-sim/persons.xml): the insured persons the platform knows,
// their identities, and optional year-to-date accumulators they start with.
//
// Format (UTF-8 XML; element names are the national field names of 1101 and
// of HIS-INTERFACE.md §5's <person>, accumulators as in the 2304 yz_accum):
//
//   <persons>
//     <person>
//       <psn_no>P620702-DB12-01</psn_no>               required, <= 64 chars [0-9A-Za-z._-]
//       <psn_name>王建国</psn_name>                     required, <= 64 bytes
//       <gend>1</gend>                                 required: 1 male, 2 female, 0 unknown, 9 unstated
//       <brdy>1958-04-12</brdy>                        required, yyyy-MM-dd
//       <certno>620702195804120014</certno>            required: 17 digits + digit or X, birth date = brdy
//       <insuplc_admdvs>620702</insuplc_admdvs>        required, 6 digits (the insured region)
//       <insutype>390</insutype>                       optional, 3 digits, default 390
//       <yz_rural>1</yz_rural>                         optional 0/1, default 0
//       <yz_mental_disability>0</yz_mental_disability> optional 0/1, default 0
//       <yz_resident_tier>1</yz_resident_tier>         optional 1/2, default 1
//       <idetinfo>                                     0..n
//         <psn_idet_type>230301</psn_idet_type>        required
//         <begntime>2023-01-01</begntime>              required (a trailing " HH:mm:ss" is accepted)
//         <endtime>2023-06-30</endtime>                optional; absent or empty = open; >= begntime
//       </idetinfo>
//       <yz_accum>                                     0..n, one per year: accumulators held at start
//         <year>2023</year>                            required, 1900..9999, once per person
//         <inpatient_stays>1</inpatient_stays>         optional count
//         <basic_paid><pool><name>inpatient</name><amount>3500.00</amount></pool></basic_paid>
//         <ci_base/> <ci_paid/> <supp_base/> <supp_paid/>                    optional amounts
//         <ma_paid><pool><name>main</name><amount>0.00</amount></pool></ma_paid>
//         <tilt_base/> <tilt_paid/> <psn_burden/> <inscp_burden/>          optional amounts
//       </yz_accum>
//     </person>
//   </persons>
//
// Strict: unknown elements, duplicates of single elements, a DOCTYPE, bad
// values, duplicate psn_no or certno are errors. Every error names
// file:line and the element path, e.g.
//   persons.xml:41: persons/person[5]/idetinfo[1]/begntime 日期格式错误: "2023-13-01"
// with a stable code: YZ-PERSONS-FILE (unreadable), YZ-PERSONS-XML,
// YZ-PERSONS-LIMIT, YZ-PERSONS-UNKNOWN, YZ-PERSONS-MISSING, YZ-PERSONS-DUP,
// YZ-PERSONS-VALUE.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "gateway/platform_gateway.h"

namespace yz::gateway {

struct SeedPerson {
  PersonInfo info;               // info.accum unused (year 0)
  std::vector<YearAccum> accums;  // starting accumulators, one per year
  size_t line = 0;               // where it was declared (for messages)
};

// Reads and checks a persons file. Nothing is returned on error.
Status read_persons_file(const std::string& path, std::vector<SeedPerson>& out);
// The same from text; `name` stands for the file in messages.
Status parse_persons(const std::string& name, std::string_view xml, std::vector<SeedPerson>& out);

}  // namespace yz::gateway
