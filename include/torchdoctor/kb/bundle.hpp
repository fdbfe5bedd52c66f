// KB bundles: a knowledge base published without a release of the binary (docs/kb.md, "Updates").
// A bundle is a folder (on disk or behind a URL) holding data/kb's *.toml files, manifest.json
// (schema, as_of, version, each file's size and SHA-512) and manifest.sig (an Ed25519 signature of
// manifest.json's exact bytes, checked with the vendored Monocypher 4.0.3). Only keys compiled into
// the binary are trusted: the release key (TD_KB_RELEASE_KEY at build time) and, in the test-only
// binary torchdoctor_testkey, the suite's test key. Nothing in the environment adds a key.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "torchdoctor/core/result.hpp"
#include "torchdoctor/kb/kb.hpp"
#include "torchdoctor/sys/env.hpp"

namespace td {

inline constexpr const char* k_bundle_manifest = "manifest.json";
inline constexpr const char* k_bundle_signature = "manifest.sig";
inline constexpr const char* k_bundle_origin = "installed.json";  ///< Where an installed bundle came from (not signed).
inline constexpr const char* k_bundle_schema = "torchdoctor.kb-bundle/v1";
inline constexpr std::size_t k_bundle_max_file = 8U << 20U;    ///< One file of a bundle.
inline constexpr std::size_t k_bundle_max_total = 32U << 20U;  ///< All of a bundle's files.
inline constexpr std::size_t k_bundle_max_files = 64;

struct BundleFile {
  std::string name;  ///< A bare "*.toml" name (no folders).
  std::size_t size = 0;
  std::string sha512;  ///< 128 lower-case hex digits (Monocypher's SHA-512, like the signature).
};

struct BundleManifest {
  std::string as_of;    ///< YYYY-MM-DD: must equal meta.toml's as_of.
  std::string version;  ///< The publisher's name for this bundle.
  std::string key;      ///< The trusted key (hex) that signed it.
  std::vector<BundleFile> files;
};

/// Hex Ed25519 public keys this binary accepts.
const std::vector<std::string>& kb_trusted_keys();
/// Adds a trusted key: called only by the test-only binary's main (tests), never from input.
void trust_kb_key(const std::string& hex_public_key);
/// True when the test key is trusted (the test-only binary): `kb status` says so.
bool kb_test_key_trusted();

/// Checks manifest.sig against the trusted keys, then reads the manifest. Errors are one line.
Result<BundleManifest> verify_manifest(std::string_view manifest, std::string_view signature);
/// Checks each file against the manifest (present, size, SHA-512) and parses them; meta.toml's
/// as_of must equal the manifest's.
Result<Kb> kb_from_bundle(const BundleManifest& manifest, const std::map<std::string, std::string>& files,
                          const std::string& origin);
/// Reads a bundle folder from disk: manifest, signature and the files it names (bounded reads).
struct BundleData {
  std::string manifest, signature;
  std::map<std::string, std::string> files;
};
Result<BundleData> read_bundle_dir(const std::string& dir);

/// $XDG_DATA_HOME/torchdoctor/kb, else $HOME/.local/share/torchdoctor/kb; empty when neither is set.
std::string installed_kb_dir(const Env& env);

/// The installed update, judged against the embedded KB's date.
struct InstalledKb {
  enum class State { absent, in_use, older, invalid } state = State::absent;
  std::string dir;
  std::string problem;  ///< invalid: why (unsigned, wrong key, corrupt, partial); older: the dates.
  std::string as_of, version, from, installed_at;
  std::optional<Kb> kb;  ///< in_use: the KB to use.
};
/// Reads and verifies the installed bundle; `embedded_as_of` decides whether it is newer. Never fails:
/// a bad bundle is `invalid` with the reason (the embedded KB is then used).
InstalledKb read_installed_kb(const Env& env, const std::string& embedded_as_of);

/// Installs verified bundle data into `dir` atomically (a new folder renamed into place); `from`
/// and the time are recorded in installed.json.
Status install_bundle(const BundleData& data, const std::string& dir, const std::string& from);

}  // namespace td
