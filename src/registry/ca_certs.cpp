#include "torchdoctor/registry/ca_certs.hpp"

#include <array>

#include "torchdoctor/sys/env.hpp"
#include "torchdoctor/sys/file_system.hpp"

namespace td {
namespace {

// The bundle each distribution family ships, the first one found wins.
constexpr std::array<const char*, 6> k_bundles{
    "/etc/ssl/certs/ca-certificates.crt",                 // Debian, Ubuntu, Gentoo, Arch, Alpine
    "/etc/pki/tls/certs/ca-bundle.crt",                   // Fedora, RHEL 6, Amazon Linux
    "/etc/ssl/ca-bundle.pem",                             // openSUSE, SLES
    "/etc/pki/tls/cacert.pem",                            // OpenELEC
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // CentOS, RHEL 7 and newer
    "/etc/ssl/cert.pem",                                  // Alpine (LibreSSL), Void
};
constexpr std::array<const char*, 3> k_directories{"/etc/ssl/certs", "/etc/pki/tls/certs", "/var/ssl/certs"};

bool is_file(const FileSystem& fs, const std::string& p) { return fs.stat(p).type == FileType::regular; }
bool is_dir(const FileSystem& fs, const std::string& p) { return fs.stat(p).type == FileType::directory; }

}  // namespace

std::optional<CaCertificates> find_ca_certificates(const FileSystem& fs, const Env& env) {
  using Kind = CaCertificates::Kind;
  for (const char* var : {"CURL_CA_BUNDLE", "SSL_CERT_FILE"}) {
    if (auto v = env.get(var); v && !v->empty() && is_file(fs, *v)) return CaCertificates{Kind::bundle, *v, var};
  }
  if (auto v = env.get("SSL_CERT_DIR"); v && !v->empty() && is_dir(fs, *v)) {
    return CaCertificates{Kind::directory, *v, "SSL_CERT_DIR"};
  }
  for (const char* p : k_bundles) {
    if (is_file(fs, p)) return CaCertificates{Kind::bundle, p, "the distribution's bundle"};
  }
  for (const char* p : k_directories) {
    if (is_dir(fs, p)) return CaCertificates{Kind::directory, p, "the distribution's certificate directory"};
  }
  return std::nullopt;
}

}  // namespace td
