// Where the host keeps its CA certificates, for the registry client's TLS.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace td {

class Env;
class FileSystem;

/// A CA certificate bundle (a PEM file) or a hashed certificate directory.
struct CaCertificates {
  enum class Kind : std::uint8_t { bundle, directory };
  Kind kind = Kind::bundle;
  std::string path;    ///< a path inside the file system it was found in
  std::string source;  ///< why this one: the variable that named it, or "the distribution's bundle"
};

/// The CA certificates the registry client should trust. In order: CURL_CA_BUNDLE, SSL_CERT_FILE
/// (files) and SSL_CERT_DIR (a directory), when they name something that exists; then the bundle
/// where each distribution family keeps it (Debian/Ubuntu/Alpine/Gentoo, RHEL/Fedora/Amazon Linux,
/// SUSE, older RHEL, OpenELEC, FreeBSD-style), then the certificate directories (/etc/ssl/certs,
/// /etc/pki/tls/certs). nullopt when none is there: libcurl's built-in default then applies.
/// A variable that names a missing file is passed over (the next place is tried), as OpenSSL does.
std::optional<CaCertificates> find_ca_certificates(const FileSystem& fs, const Env& env);

}  // namespace td
