// The host C++ compiler nvcc will call, and its version from `--version`.
#include "torchdoctor/probe/host_compiler.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/sys/file_system.hpp"
#include "torchdoctor/sys/subprocess.hpp"
#include "torchdoctor/sys/tool_cache.hpp"

namespace td {

namespace {

// "g++ (Debian 12.2.0-14+deb12u1) 12.2.0" -> gcc 12.2.0; "Debian clang version 14.0.6" -> clang 14.0.6.
void read_version(const std::string& out, HostCompilerFacts& cc) {
  const auto all = lines(out);
  if (all.empty()) return;
  const std::string first(all.front());
  cc.kind = contains_icase(first, "clang") ? "clang" : "gcc";
  const auto words = split(first, ' ');
  for (auto it = words.rbegin(); it != words.rend(); ++it) {
    if (it->empty() || (it->front() < '0' || it->front() > '9')) continue;
    if (auto v = Version::parse(*it); v && v->release().size() >= 2) {
      cc.version = Version::of(v->release());
      if (cc.kind == "clang" && first.find("version") != std::string::npos) {
        // Take the number right after "version" (later words can be other numbers).
        const auto pos = first.find("version ") + 8;
        if (auto w = Version::parse(first.substr(pos, first.find(' ', pos) - pos)))
          cc.version = Version::of(w->release());
      }
      return;
    }
  }
}

}  // namespace

HostCompilerFacts find_host_compiler(const Env& env) {
  HostCompilerFacts cc;
  const auto fs = make_real_file_system("/");
  if (auto v = env.get("CUDAHOSTCXX"); v && !v->empty()) {
    cc.found_by = "CUDAHOSTCXX";
    cc.path = v->find('/') == std::string::npos ? find_in_path(*fs, env, *v).value_or(*v) : *v;
  } else {
    // nvcc's own default is the g++ on PATH; c++ and clang++ only when there is none.
    for (const char* name : {"g++", "c++", "clang++"}) {
      if (auto p = find_in_path(*fs, env, name)) {
        cc.path = *p;
        cc.found_by = std::string("PATH ") + name;
        break;
      }
    }
  }
  if (cc.path.empty()) return cc;
  SpawnOptions options;
  options.timeout = std::chrono::milliseconds(5000);
  if (auto out = cached_tool_output(tool_cache_path(env).value_or(""), {cc.path, "--version"}, options))
    read_version(*out, cc);
  return cc;
}

}  // namespace td
