// Request signing with the OpenSSL 3 EVP API (signing.h).
#include "transport/signing.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <chrono>

namespace yz::transport {
namespace {

std::string to_hex(const unsigned char* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 0x0f];
  }
  return out;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest: one-shot, fetches SHA-256 from the default provider.
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) return {};
  return to_hex(md, len);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // HMAC() with an empty key needs a non-null pointer.
  static const unsigned char kEmpty = 0;
  const void* k = key.empty() ? static_cast<const void*>(&kEmpty) : static_cast<const void*>(key.data());
  if (HMAC(EVP_sha256(), k, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), md, &len) == nullptr)
    return {};
  return to_hex(md, len);
}

std::string sign_request(std::string_view secret, std::string_view timestamp_ms, std::string_view nonce,
                         std::string_view body) {
  std::string msg;
  msg.reserve(timestamp_ms.size() + nonce.size() + 66);
  msg.append(timestamp_ms);
  msg.push_back('\n');
  msg.append(nonce);
  msg.push_back('\n');
  msg.append(sha256_hex(body));
  return hmac_sha256_hex(secret, msg);
}

bool signature_equal(std::string_view a, std::string_view b) {
  // The lengths are public (always 64 hex characters for a well-formed signature).
  if (a.size() != b.size() || a.empty()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_nonce() {
  unsigned char buf[16];
  if (RAND_bytes(buf, sizeof buf) != 1) {
    // Without a CSPRNG there is no safe nonce; an empty nonce is refused by the verifier.
    return {};
  }
  return to_hex(buf, sizeof buf);
}

int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace yz::transport
