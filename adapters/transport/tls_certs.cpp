// Certificates with the OpenSSL 3 API (tls_certs.h): EC P-256 keys, SHA-256
// signatures, X509v3 extensions. PEM in memory; ensure_sim_certs writes files.
#include "transport/tls_certs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

namespace yz::transport {
namespace {

constexpr const char* kCode = "YZ-SIM-CERT";

struct Free {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(X509_NAME* p) const { X509_NAME_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

// The OpenSSL error queue as text (emptied).
std::string ssl_errors() {
  std::string out;
  unsigned long e;
  char buf[256];
  while ((e = ERR_get_error()) != 0) {
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? std::string("no OpenSSL error") : out;
}

Status fail(const std::string& what) { return Status::error(kCode, what + ": " + ssl_errors()); }

Ptr<EVP_PKEY> new_p256_key() {
  return Ptr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

bool set_random_serial(X509* x) {
  unsigned char buf[16];
  if (RAND_bytes(buf, sizeof buf) != 1) return false;
  buf[0] &= 0x7f;  // positive
  buf[0] |= 0x01;  // non-zero, fixed length
  Ptr<BIGNUM> bn(BN_bin2bn(buf, sizeof buf, nullptr));
  if (!bn) return false;
  return BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x)) != nullptr;
}

bool add_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  Ptr<X509_EXTENSION> ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext) return false;
  return X509_add_ext(cert, ext.get(), -1) == 1;
}

bool set_cn(X509_NAME* name, const std::string& cn) {
  return X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("yizhan"),
                                    -1, -1, 0) == 1 &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) == 1;
}

Status to_pem(X509* cert, EVP_PKEY* key, Pem& out) {
  Ptr<BIO> cb(BIO_new(BIO_s_mem())), kb(BIO_new(BIO_s_mem()));
  if (!cb || !kb) return fail("BIO_new");
  if (PEM_write_bio_X509(cb.get(), cert) != 1) return fail("PEM_write_bio_X509");
  // PKCS#8, unencrypted (the files are 0600).
  if (PEM_write_bio_PrivateKey(kb.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return fail("PEM_write_bio_PrivateKey");
  char* p = nullptr;
  long n = BIO_get_mem_data(cb.get(), &p);
  out.cert.assign(p, static_cast<size_t>(n));
  n = BIO_get_mem_data(kb.get(), &p);
  out.key.assign(p, static_cast<size_t>(n));
  return Status::ok();
}

Ptr<X509> read_cert(const std::string& pem) {
  Ptr<BIO> b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!b) return nullptr;
  return Ptr<X509>(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
}

Ptr<EVP_PKEY> read_key(const std::string& pem) {
  Ptr<BIO> b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!b) return nullptr;
  return Ptr<EVP_PKEY>(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
}

// A name that would be parsed as several subjectAltName entries is refused.
bool san_value_ok(const std::string& v) {
  if (v.empty()) return false;
  for (char c : v)
    if (c == ',' || c == '\n' || c == '\r' || c == '\0') return false;
  return true;
}

// Common part: a fresh key, version 3, serial, validity, subject, public key.
Status new_cert_base(const std::string& cn, long not_before_s, long not_after_s, Ptr<X509>& cert,
                     Ptr<EVP_PKEY>& key) {
  if (cn.empty()) return Status::error(kCode, "certificate common name is empty");
  if (not_after_s <= not_before_s) return Status::error(kCode, "certificate validity: not_after before not_before");
  key = new_p256_key();
  if (!key) return fail("EC P-256 key generation");
  cert.reset(X509_new());
  if (!cert) return fail("X509_new");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) return fail("X509_set_version");
  if (!set_random_serial(cert.get())) return fail("serial number");
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), not_before_s) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), not_after_s))
    return fail("validity");
  if (!set_cn(X509_get_subject_name(cert.get()), cn)) return fail("subject name");
  if (X509_set_pubkey(cert.get(), key.get()) != 1) return fail("X509_set_pubkey");
  return Status::ok();
}

// ---- files ----

Status read_file(const std::filesystem::path& p, std::string& out) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::error(kCode, "cannot open " + p.string() + ": " + std::strerror(errno));
  out.clear();
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return Status::error(kCode, "cannot read " + p.string() + ": " + std::strerror(e));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (1u << 20)) {
      ::close(fd);
      return Status::error(kCode, p.string() + " is larger than 1 MiB");
    }
  }
  ::close(fd);
  return Status::ok();
}

// Writes `data` to a temporary file next to `p` with `mode`, fsyncs it; the
// caller renames it into place.
Status write_temp(const std::filesystem::path& p, const std::string& data, mode_t mode, std::string& tmp_out) {
  unsigned char r[6];
  if (RAND_bytes(r, sizeof r) != 1) return fail("RAND_bytes");
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".tmp%d.%02x%02x%02x%02x%02x%02x", static_cast<int>(::getpid()), r[0], r[1],
                r[2], r[3], r[4], r[5]);
  std::string tmp = p.string() + suffix;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Status::error(kCode, "cannot create " + tmp + ": " + std::strerror(errno));
  ::fchmod(fd, mode);  // umask may have narrowed or the mode must be exact
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::error(kCode, "cannot write " + tmp + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Status::error(kCode, "cannot sync " + tmp + ": " + std::strerror(e));
  }
  tmp_out = tmp;
  return Status::ok();
}

struct PendingFile {
  std::filesystem::path path;
  std::string data;
  mode_t mode;
};

// Writes every file to a temporary name first, then renames them all (keys
// before certificates), then fsyncs the directory.
Status write_all(const std::filesystem::path& dir, const std::vector<PendingFile>& files) {
  std::vector<std::string> tmps;
  auto cleanup = [&] {
    for (auto& t : tmps) ::unlink(t.c_str());
  };
  for (const auto& f : files) {
    std::string tmp;
    Status s = write_temp(f.path, f.data, f.mode, tmp);
    if (!s) {
      cleanup();
      return s;
    }
    tmps.push_back(tmp);
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (::rename(tmps[i].c_str(), files[i].path.c_str()) != 0) {
      int e = errno;
      for (size_t j = i; j < tmps.size(); ++j) ::unlink(tmps[j].c_str());
      return Status::error(kCode, "cannot rename " + tmps[i] + " to " + files[i].path.string() + ": " +
                                      std::strerror(e));
    }
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::ok();
}

// A PEM pair on disk that parses and whose key matches the certificate.
bool load_pair(const std::filesystem::path& crt, const std::filesystem::path& key, Pem& out) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(crt, ec) || !std::filesystem::is_regular_file(key, ec)) return false;
  Pem p;
  if (!read_file(crt, p.cert) || !read_file(key, p.key)) return false;
  auto c = read_cert(p.cert);
  auto k = read_key(p.key);
  bool ok = c && k && X509_check_private_key(c.get(), k.get()) == 1;
  ERR_clear_error();
  if (ok) out = std::move(p);
  return ok;
}

// The leaf was issued by `ca` (signature checks with the CA's key).
bool issued_by(const Pem& leaf, const Pem& ca) {
  auto l = read_cert(leaf.cert);
  auto c = read_cert(ca.cert);
  bool ok = false;
  if (l && c) {
    Ptr<EVP_PKEY> pub(X509_get_pubkey(c.get()));
    ok = pub && X509_verify(l.get(), pub.get()) == 1;
  }
  ERR_clear_error();
  return ok;
}

}  // namespace

Status make_ca(const std::string& common_name, long not_after_s, Pem& out) {
  Ptr<X509> cert;
  Ptr<EVP_PKEY> key;
  Status s = new_cert_base(common_name, -3600, not_after_s, cert, key);
  if (!s) return s;
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1) return fail("issuer name");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  if (!add_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !add_ext(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !add_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash") ||
      !add_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"))
    return fail("CA extensions");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) return fail("X509_sign (CA)");
  return to_pem(cert.get(), key.get(), out);
}

Status issue_cert(const Pem& ca, const CertRequest& req, Pem& out) {
  auto ca_cert = read_cert(ca.cert);
  if (!ca_cert) return fail("CA certificate PEM");
  auto ca_key = read_key(ca.key);
  if (!ca_key) return fail("CA key PEM");
  if (X509_check_private_key(ca_cert.get(), ca_key.get()) != 1) return fail("CA key does not match the CA certificate");

  std::string san;
  for (const auto& d : req.dns_names) {
    if (!san_value_ok(d)) return Status::error(kCode, "invalid subjectAltName DNS name '" + d + "'");
    san += (san.empty() ? "DNS:" : ",DNS:") + d;
  }
  for (const auto& ip : req.ip_addresses) {
    if (!san_value_ok(ip)) return Status::error(kCode, "invalid subjectAltName IP address '" + ip + "'");
    san += (san.empty() ? "IP:" : ",IP:") + ip;
  }

  Ptr<X509> cert;
  Ptr<EVP_PKEY> key;
  Status s = new_cert_base(req.common_name, req.not_before_s, req.not_after_s, cert, key);
  if (!s) return s;
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())) != 1) return fail("issuer name");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca_cert.get(), cert.get(), nullptr, nullptr, 0);
  if (!add_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
      !add_ext(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature,keyAgreement") ||
      !add_ext(cert.get(), &ctx, NID_ext_key_usage, req.client ? "clientAuth" : "serverAuth") ||
      !add_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash") ||
      !add_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"))
    return fail("certificate extensions");
  if (!san.empty() && !add_ext(cert.get(), &ctx, NID_subject_alt_name, san)) return fail("subjectAltName '" + san + "'");
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) <= 0) return fail("X509_sign");
  return to_pem(cert.get(), key.get(), out);
}

Status ensure_sim_certs(const std::string& dir_s) {
  namespace fs = std::filesystem;
  if (dir_s.empty()) return Status::error(kCode, "certificate directory is empty");
  const fs::path dir(dir_s);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir, ec))
    return Status::error(kCode, "cannot create certificate directory " + dir_s + ": " + ec.message());

  // Reuse what is there and consistent; regenerate the rest. A new CA means
  // new leaves (the old ones would not verify).
  Pem ca, server, client;
  bool new_ca = !load_pair(dir / "ca.crt", dir / "ca.key", ca);
  bool new_server = new_ca || !load_pair(dir / "server.crt", dir / "server.key", server) || !issued_by(server, ca);
  bool new_client = new_ca || !load_pair(dir / "client.crt", dir / "client.key", client) || !issued_by(client, ca);
  if (!new_ca && !new_server && !new_client) return Status::ok();

  std::vector<PendingFile> files;
  if (new_ca) {
    Status s = make_ca("yizhan platform-sim CA", 10L * 365 * 24 * 3600, ca);
    if (!s) return s;
    files.push_back({dir / "ca.key", ca.key, 0600});
    files.push_back({dir / "ca.crt", ca.cert, 0644});
  }
  if (new_server) {
    CertRequest r;
    r.common_name = "localhost";
    r.dns_names = {"localhost"};
    r.ip_addresses = {"127.0.0.1"};
    Status s = issue_cert(ca, r, server);
    if (!s) return s;
    files.push_back({dir / "server.key", server.key, 0600});
    files.push_back({dir / "server.crt", server.cert, 0644});
  }
  if (new_client) {
    CertRequest r;
    r.common_name = "yizhan-plugin";
    r.client = true;
    Status s = issue_cert(ca, r, client);
    if (!s) return s;
    files.push_back({dir / "client.key", client.key, 0600});
    files.push_back({dir / "client.crt", client.cert, 0644});
  }
  return write_all(dir, files);
}

}  // namespace yz::transport
