// KB bundles: verify (Ed25519 over the manifest, SHA-512 per file), read, install (docs/kb.md, "Updates").
#include "torchdoctor/kb/bundle.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "monocypher-ed25519.h"
#include "torchdoctor/sys/file_reader.hpp"
#include "torchdoctor/sys/file_writer.hpp"

namespace td {
namespace {

std::vector<std::string>& trusted() {
  static std::vector<std::string> keys = [] {
    std::vector<std::string> k;
#ifdef TD_KB_RELEASE_KEY
    const std::string release = TD_KB_RELEASE_KEY;
    if (!release.empty()) k.push_back(release);
#endif
    return k;
  }();
  return keys;
}
bool g_test_key = false;

std::optional<std::vector<std::uint8_t>> from_hex(std::string_view hex, std::size_t bytes) {
  if (hex.size() != bytes * 2) return std::nullopt;
  std::vector<std::uint8_t> out(bytes);
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < bytes; ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return out;
}

bool valid_date(const std::string& d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9')) return false;
  }
  return true;
}

bool valid_file_name(const std::string& n) {
  if (n.size() < 6 || n.size() > 64 || n.compare(n.size() - 5, 5, ".toml") != 0) return false;
  return std::all_of(n.begin(), n.end() - 5,
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; });
}

Error bad(const std::string& m) { return make_error(ErrorKind::bad_input, m); }

// Lower-case hex SHA-512 (Monocypher's), the checksum a manifest gives for each file.
std::string sha512_hex(std::string_view data) {
  std::array<std::uint8_t, 64> h{};
  crypto_sha512(h.data(), reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const auto b : h) {
    out += digits[b >> 4U];
    out += digits[b & 15U];
  }
  return out;
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf.data();
}

}  // namespace

const std::vector<std::string>& kb_trusted_keys() { return trusted(); }

void trust_kb_key(const std::string& hex_public_key) {
  if (std::find(trusted().begin(), trusted().end(), hex_public_key) == trusted().end())
    trusted().push_back(hex_public_key);
  g_test_key = true;
}

bool kb_test_key_trusted() { return g_test_key; }

Result<BundleManifest> verify_manifest(std::string_view manifest, std::string_view signature) {
  // manifest.sig: {"algorithm": "ed25519", "key": "<64 hex>", "signature": "<128 hex>"}
  nlohmann::json sig;
  try {
    sig = nlohmann::json::parse(signature);
  } catch (const nlohmann::json::exception&) {
    return bad("manifest.sig is not JSON: the bundle is unsigned or corrupt");
  }
  if (!sig.is_object() || sig.value("algorithm", "") != "ed25519" || !sig.contains("key") || !sig["key"].is_string() ||
      !sig.contains("signature") || !sig["signature"].is_string()) {
    return bad("manifest.sig is not an ed25519 signature (algorithm, key, signature)");
  }
  const std::string key = sig["key"].get<std::string>();
  const auto& keys = kb_trusted_keys();
  if (keys.empty()) {
    return bad(
        "this torchdoctor trusts no knowledge-base signing key (none was set when it was built: TD_KB_RELEASE_KEY), so "
        "no update can be verified");
  }
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
    return bad("the bundle is signed with key " + key.substr(0, 16) + "..., which this torchdoctor does not trust");
  }
  const auto pub = from_hex(key, 32);
  const auto sig_bytes = from_hex(sig["signature"].get<std::string>(), 64);
  if (!pub || !sig_bytes) return bad("manifest.sig: the key or signature is not lower-case hex of the right length");
  if (crypto_ed25519_check(sig_bytes->data(), pub->data(), reinterpret_cast<const std::uint8_t*>(manifest.data()),
                           manifest.size()) != 0) {
    return bad("the signature does not match manifest.json: the bundle was altered or signed with another key");
  }
  BundleManifest m;
  m.key = key;
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(manifest);
  } catch (const nlohmann::json::exception&) {
    return bad("manifest.json is not JSON");
  }
  if (!doc.is_object() || doc.value("schema", "") != k_bundle_schema)
    return bad(std::string("manifest.json: schema is not ") + k_bundle_schema);
  m.as_of = doc.value("as_of", "");
  m.version = doc.value("version", "");
  if (!valid_date(m.as_of)) return bad("manifest.json: as_of is not a YYYY-MM-DD date");
  if (!doc.contains("files") || !doc["files"].is_array() || doc["files"].empty() ||
      doc["files"].size() > k_bundle_max_files) {
    return bad("manifest.json: files must list 1 to " + std::to_string(k_bundle_max_files) + " files");
  }
  for (const auto& f : doc["files"]) {
    if (!f.is_object() || !f.contains("name") || !f["name"].is_string() || !f.contains("size") ||
        !f["size"].is_number_unsigned() || !f.contains("sha512") || !f["sha512"].is_string()) {
      return bad("manifest.json: each file needs name, size and sha512");
    }
    BundleFile b{f["name"].get<std::string>(), f["size"].get<std::size_t>(), f["sha512"].get<std::string>()};
    if (!valid_file_name(b.name)) return bad("manifest.json: '" + b.name + "' is not a plain *.toml file name");
    if (!from_hex(b.sha512, 64))
      return bad("manifest.json: the sha512 of " + b.name + " is not 128 lower-case hex digits");
    if (b.size > k_bundle_max_file)
      return bad("manifest.json: " + b.name + " is larger than " + limit_text(k_bundle_max_file));
    for (const auto& other : m.files) {
      if (other.name == b.name) return bad("manifest.json: " + b.name + " is listed twice");
    }
    m.files.push_back(std::move(b));
  }
  return m;
}

Result<Kb> kb_from_bundle(const BundleManifest& manifest, const std::map<std::string, std::string>& files,
                          const std::string& origin) {
  std::vector<KbFile> kb_files;
  for (const auto& f : manifest.files) {
    const auto it = files.find(f.name);
    if (it == files.end()) return bad("the bundle is partial: " + f.name + " is missing");
    if (it->second.size() != f.size) {
      return bad("the bundle is partial or corrupt: " + f.name + " has " + std::to_string(it->second.size()) +
                 " bytes, the manifest says " + std::to_string(f.size));
    }
    if (sha512_hex(it->second) != f.sha512)
      return bad("the bundle is corrupt: " + f.name + " does not match its SHA-512");
    kb_files.push_back({origin + "/" + f.name, it->second});
  }
  std::sort(kb_files.begin(), kb_files.end(), [](const KbFile& a, const KbFile& b) { return a.name < b.name; });
  auto kb = parse_kb(kb_files, origin);
  if (!kb) {
    const std::string& m = kb.error().message;
    return bad("the bundle's knowledge base is not valid: " + m.substr(0, m.find('\n')));
  }
  if (kb->as_of != manifest.as_of)
    return bad("the bundle's meta.toml says as_of " + kb->as_of + ", its manifest " + manifest.as_of);
  return kb;
}

Result<BundleData> read_bundle_dir(const std::string& dir) {
  BundleData d;
  auto manifest = read_bounded(dir + "/" + k_bundle_manifest, 1U << 20U, dir + "/" + k_bundle_manifest);
  if (!manifest) return manifest.error();
  d.manifest = std::move(*manifest);
  auto sig = read_bounded(dir + "/" + k_bundle_signature, 4096, dir + "/" + k_bundle_signature);
  if (!sig) {
    if (sig.error().kind == ErrorKind::not_found)
      return bad(dir + ": no " + k_bundle_signature + ": the bundle is unsigned");
    return sig.error();
  }
  d.signature = std::move(*sig);
  // The file names come from the manifest; it is verified before they are trusted (kb_from_bundle).
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(d.manifest);
  } catch (const nlohmann::json::exception&) {
    return bad(dir + "/" + k_bundle_manifest + " is not JSON");
  }
  std::size_t total = 0;
  if (doc.is_object() && doc.contains("files") && doc["files"].is_array() &&
      doc["files"].size() <= k_bundle_max_files) {
    for (const auto& f : doc["files"]) {
      if (!f.is_object() || !f.contains("name") || !f["name"].is_string()) continue;
      const std::string name = f["name"].get<std::string>();
      if (!valid_file_name(name)) continue;
      auto text = read_bounded(dir + "/" + name, k_bundle_max_file, dir + "/" + name);
      if (!text) {
        if (text.error().kind == ErrorKind::not_found) continue;  // reported as partial by kb_from_bundle
        return text.error();
      }
      total += text->size();
      if (total > k_bundle_max_total) return bad(dir + ": the bundle is larger than " + limit_text(k_bundle_max_total));
      d.files[name] = std::move(*text);
    }
  }
  return d;
}

std::string installed_kb_dir(const Env& env) {
  if (auto xdg = env.get("XDG_DATA_HOME"); xdg && !xdg->empty() && (*xdg)[0] == '/') return *xdg + "/torchdoctor/kb";
  if (auto home = env.get("HOME"); home && !home->empty() && (*home)[0] == '/')
    return *home + "/.local/share/torchdoctor/kb";
  return "";
}

InstalledKb read_installed_kb(const Env& env, const std::string& embedded_as_of) {
  InstalledKb r;
  r.dir = installed_kb_dir(env);
  if (r.dir.empty()) return r;
  std::error_code ec;
  if (!std::filesystem::exists(r.dir, ec)) return r;
  const auto invalid = [&r](const std::string& why) {
    r.state = InstalledKb::State::invalid;
    r.problem = why;
    return r;
  };
  if (auto origin = read_bounded(r.dir + "/" + k_bundle_origin, 64U << 10U, k_bundle_origin)) {
    try {
      const auto o = nlohmann::json::parse(*origin);
      if (o.is_object()) {
        r.from = o.value("from", "");
        r.installed_at = o.value("installed_at", "");
      }
    } catch (const nlohmann::json::exception&) {
      // informational only
    }
  }
  auto manifest_text = read_bounded(r.dir + "/" + k_bundle_manifest, 1U << 20U, r.dir + "/" + k_bundle_manifest);
  if (!manifest_text) return invalid(manifest_text.error().message);
  auto sig = read_bounded(r.dir + "/" + k_bundle_signature, 4096, r.dir + "/" + k_bundle_signature);
  if (!sig)
    return invalid(sig.error().kind == ErrorKind::not_found ? "unsigned: no " + std::string(k_bundle_signature)
                                                            : sig.error().message);
  auto manifest = verify_manifest(*manifest_text, *sig);
  if (!manifest) return invalid(manifest.error().message);
  r.as_of = manifest->as_of;
  r.version = manifest->version;
  // An older (or same-day) update is not read further: the embedded KB is at least as new.
  if (!(embedded_as_of < manifest->as_of)) {
    r.state = InstalledKb::State::older;
    r.problem = "it is as of " + manifest->as_of + ", the embedded knowledge base as of " + embedded_as_of;
    return r;
  }
  auto data = read_bundle_dir(r.dir);
  if (!data) return invalid(data.error().message);
  auto kb = kb_from_bundle(*manifest, data->files, "installed update " + r.dir);
  if (!kb) return invalid(kb.error().message);
  r.state = InstalledKb::State::in_use;
  r.kb = std::move(*kb);
  return r;
}

Status install_bundle(const BundleData& data, const std::string& dir, const std::string& from) {
  namespace fs = std::filesystem;
  const fs::path target(dir);
  const fs::path parent = target.parent_path();
  if (auto made = make_directories(parent.string()); !made) return made.error();
  const std::string tag = std::to_string(::getpid());
  const fs::path staging = parent / (".kb-new-" + tag);
  const fs::path old = parent / (".kb-old-" + tag);
  std::error_code ec;
  fs::remove_all(staging, ec);
  if (!fs::create_directory(staging, ec) || ec)
    return make_error(ErrorKind::io, staging.string() + ": cannot create: " + ec.message());
  const auto fail = [&](const Error& e) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    return e;
  };
  for (const auto& [name, text] : data.files) {
    if (auto w = write_file_atomic((staging / name).string(), text, FileMode::shared); !w) return fail(w.error());
  }
  if (auto w = write_file_atomic((staging / k_bundle_manifest).string(), data.manifest, FileMode::shared); !w)
    return fail(w.error());
  if (auto w = write_file_atomic((staging / k_bundle_signature).string(), data.signature, FileMode::shared); !w)
    return fail(w.error());
  const nlohmann::json origin{{"from", from}, {"installed_at", now_utc()}};
  if (auto w = write_file_atomic((staging / k_bundle_origin).string(), origin.dump(2) + "\n", FileMode::shared); !w)
    return fail(w.error());
  // Swap in: the old folder aside, the new one in, the old one removed. Between the two renames
  // there is no installed KB, and the embedded one is used; never a mix of the two.
  const bool had_old = fs::exists(target, ec);
  if (had_old) {
    if (fs::is_symlink(target, ec) || !fs::is_directory(target, ec))
      return fail(make_error(ErrorKind::io, dir + " is not a folder: not replaced"));
    fs::rename(target, old, ec);
    if (ec) return fail(make_error(ErrorKind::io, dir + ": cannot move aside: " + ec.message()));
  }
  fs::rename(staging, target, ec);
  if (ec) {
    std::error_code ignored;
    if (had_old) fs::rename(old, target, ignored);
    return fail(make_error(ErrorKind::io, dir + ": cannot install: " + ec.message()));
  }
  if (had_old) fs::remove_all(old, ec);
  return Ok{};
}

}  // namespace td
