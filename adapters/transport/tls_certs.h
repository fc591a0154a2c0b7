// Certificates for the platform simulator and the TLS tests, made with the
// OpenSSL 3 API (EC P-256, SHA-256): a self-signed CA and leaf certificates it
// issues (server: SAN DNS/IP; client: for mutual TLS). Validity is given as
// offsets from now so that tests can make an expired certificate.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace yz::transport {

struct Pem {
  std::string cert, key;  // PEM text
};

struct CertRequest {
  std::string common_name;
  std::vector<std::string> dns_names;   // subjectAltName DNS:
  std::vector<std::string> ip_addresses;  // subjectAltName IP: ("127.0.0.1")
  long not_before_s = -3600;            // relative to now
  long not_after_s = 825L * 24 * 3600;
  bool client = false;                  // extendedKeyUsage clientAuth instead of serverAuth
};

Status make_ca(const std::string& common_name, long not_after_s, Pem& out);
Status issue_cert(const Pem& ca, const CertRequest& req, Pem& out);

// The simulator's files in `dir`, generated once when missing: ca.crt, ca.key,
// server.crt, server.key (SAN localhost, 127.0.0.1), client.crt, client.key
// (for mutual TLS). Keys are written 0600. YZ-SIM-CERT on failure.
Status ensure_sim_certs(const std::string& dir);

}  // namespace yz::transport
