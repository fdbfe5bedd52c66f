// Rendering `build-env`: the decision in the format a build reads (docs/build-env.md).
#pragma once

#include <iosfwd>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "torchdoctor/buildenv/build_env.hpp"
#include "torchdoctor/core/result.hpp"

namespace td {

/// The torchdoctor.build-env/v1 document.
nlohmann::json build_env_to_json(const BuildEnv& b);
/// Writes the decision as `format`: text, sh, cmake, json, github, make or nvcc; fails on another.
Status write_build_env(std::ostream& out, const std::string& format, const BuildEnv& b);

}  // namespace td
