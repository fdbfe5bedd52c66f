// Content digests and the encodings the registry protocol uses.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace td {

/// "sha256:<hex>" of `data`.
std::string sha256_digest(std::string_view data);

/// True when `data` hashes to `digest` (sha256 only; other algorithms are not verified and return false).
bool digest_matches(std::string_view digest, std::string_view data);

/// True for "sha256:" followed by exactly 64 lower-case hex digits: the only digests a path or a
/// URL is built from.
bool is_sha256_digest(std::string_view digest);

/// Standard base64 (with padding).
std::string base64_encode(std::string_view data);

/// Decodes standard or URL-safe base64, padding optional; nullopt on malformed input.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace td
