// The registry client's CA certificates: found where each distribution keeps them, on a fake root
// (a real directory tree read through the same rooted file system `--root` probes use).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "torchdoctor/registry/ca_certs.hpp"
#include "torchdoctor/sys/env.hpp"
#include "torchdoctor/sys/file_system.hpp"

using namespace td;
namespace fs = std::filesystem;

namespace {

class FakeRoot {
 public:
  FakeRoot()
      : m_dir(fs::temp_directory_path() /
              ("td-ca-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
  }
  ~FakeRoot() { fs::remove_all(m_dir); }
  FakeRoot(const FakeRoot&) = delete;
  FakeRoot& operator=(const FakeRoot&) = delete;
  FakeRoot& file(const std::string& p) {
    fs::create_directories((m_dir / p.substr(1)).parent_path());
    std::ofstream(m_dir / p.substr(1)) << "-----BEGIN CERTIFICATE-----\n";
    return *this;
  }
  FakeRoot& dir(const std::string& p) {
    fs::create_directories(m_dir / p.substr(1));
    return *this;
  }
  FakeRoot& link(const std::string& p, const std::string& target) {
    fs::create_directories((m_dir / p.substr(1)).parent_path());
    fs::create_symlink(target, m_dir / p.substr(1));
    return *this;
  }
  [[nodiscard]] std::optional<CaCertificates> find(const Env& env = MapEnv{}) const {
    return find_ca_certificates(*make_real_file_system(m_dir.string()), env);
  }

 private:
  fs::path m_dir;
};

}  // namespace

TEST(CaCertificates, DebianUbuntuBundle) {
  FakeRoot root;
  root.file("/usr/share/ca-certificates/mozilla/a.crt")
      .link("/etc/ssl/certs/a.pem", "/usr/share/ca-certificates/mozilla/a.crt");
  root.file("/etc/ssl/certs/ca-certificates.crt");
  auto ca = root.find();
  ASSERT_TRUE(ca);
  EXPECT_EQ(ca->kind, CaCertificates::Kind::bundle);
  EXPECT_EQ(ca->path, "/etc/ssl/certs/ca-certificates.crt");
}

TEST(CaCertificates, RhelFedoraAmazonBundleThroughItsLink) {
  // RHEL 7+, Fedora and Amazon Linux: /etc/pki/tls/certs/ca-bundle.crt links into ca-trust's extract.
  FakeRoot root;
  root.file("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem")
      .link("/etc/pki/tls/certs/ca-bundle.crt", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem");
  auto ca = root.find();
  ASSERT_TRUE(ca);
  EXPECT_EQ(ca->path, "/etc/pki/tls/certs/ca-bundle.crt");
  // A dangling link (ca-trust not extracted) is passed over for the next place.
  FakeRoot broken;
  broken.link("/etc/pki/tls/certs/ca-bundle.crt", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem")
      .dir("/etc/pki/tls/certs");
  ca = broken.find();
  ASSERT_TRUE(ca);
  EXPECT_EQ(ca->kind, CaCertificates::Kind::directory);
  EXPECT_EQ(ca->path, "/etc/pki/tls/certs");
}

TEST(CaCertificates, SuseAndAlpine) {
  FakeRoot suse;
  suse.file("/etc/ssl/ca-bundle.pem").dir("/etc/ssl/certs");
  ASSERT_TRUE(suse.find());
  EXPECT_EQ(suse.find()->path, "/etc/ssl/ca-bundle.pem");
  FakeRoot alpine;  // without the ca-certificates package: only LibreSSL's /etc/ssl/cert.pem
  alpine.file("/etc/ssl/cert.pem");
  ASSERT_TRUE(alpine.find());
  EXPECT_EQ(alpine.find()->path, "/etc/ssl/cert.pem");
}

TEST(CaCertificates, VariablesComeFirstWhenWhatTheyNameExists) {
  FakeRoot root;
  root.file("/etc/ssl/certs/ca-certificates.crt").file("/opt/corp/ca.pem").file("/opt/other.pem").dir("/opt/certs");
  auto ca = root.find(MapEnv{{{"SSL_CERT_FILE", "/opt/other.pem"}, {"CURL_CA_BUNDLE", "/opt/corp/ca.pem"}}});
  ASSERT_TRUE(ca);
  EXPECT_EQ(ca->path, "/opt/corp/ca.pem");
  EXPECT_EQ(ca->source, "CURL_CA_BUNDLE");
  ca = root.find(MapEnv{{{"SSL_CERT_FILE", "/opt/other.pem"}}});
  ASSERT_TRUE(ca);
  EXPECT_EQ(ca->path, "/opt/other.pem");
  ca = root.find(MapEnv{{{"SSL_CERT_DIR", "/opt/certs"}}});
  ASSERT_TRUE(ca);
  EXPECT_EQ(ca->kind, CaCertificates::Kind::directory);
  EXPECT_EQ(ca->path, "/opt/certs");
  // A variable naming nothing (or the wrong kind) is passed over.
  ca = root.find(MapEnv{
      {{"CURL_CA_BUNDLE", "/missing.pem"}, {"SSL_CERT_FILE", "/opt/certs"}, {"SSL_CERT_DIR", "/opt/corp/ca.pem"}}});
  ASSERT_TRUE(ca);
  EXPECT_EQ(ca->path, "/etc/ssl/certs/ca-certificates.crt");
}

TEST(CaCertificates, NoneFoundLeavesLibcurlsDefault) {
  FakeRoot root;
  root.dir("/etc");
  EXPECT_FALSE(root.find());
}
