// Request signing (PLATFORM-INTERFACE.md "Request signing"):
//   x-yz-signature = hex(HMAC-SHA256(secret, timestamp + "\n" + nonce + "\n" + hex(SHA256(body))))
// with x-yz-access-key, x-yz-timestamp (Unix ms) and x-yz-nonce. The client
// signs; the simulator verifies (signature, clock skew, nonce not reused).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace yz::transport {

inline constexpr const char* kHeaderAccessKey = "x-yz-access-key";
inline constexpr const char* kHeaderTimestamp = "x-yz-timestamp";
inline constexpr const char* kHeaderNonce = "x-yz-nonce";
inline constexpr const char* kHeaderSignature = "x-yz-signature";

std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
std::string sign_request(std::string_view secret, std::string_view timestamp_ms, std::string_view nonce,
                         std::string_view body);
// Constant-time comparison of two hex signatures.
bool signature_equal(std::string_view a, std::string_view b);
// 32 hex characters from the OS's CSPRNG (RAND_bytes).
std::string random_nonce();
int64_t unix_ms_now();

}  // namespace yz::transport
