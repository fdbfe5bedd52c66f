// The host compiler nvcc would call on this node (CUDAHOSTCXX, CXX, then PATH), and its version.
#pragma once

#include <optional>
#include <string>

#include "torchdoctor/core/version.hpp"
#include "torchdoctor/sys/env.hpp"

namespace td {

/// The host compiler nvcc will call, as found on this node.
struct HostCompilerFacts {
  std::string path;  ///< Empty when none was found.
  std::string kind;  ///< gcc or clang.
  std::optional<Version> version;
  std::string found_by;  ///< CUDAHOSTCXX, CXX, PATH c++, ...
};

/// Finds the host compiler nvcc would use (CUDAHOSTCXX, CXX, then c++/g++/clang++ on PATH) and
/// asks it for its version (with a time limit). Never fails: what is unknown stays empty.
HostCompilerFacts find_host_compiler(const Env& env);

}  // namespace td
