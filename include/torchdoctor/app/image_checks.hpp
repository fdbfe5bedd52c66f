// Checking images for a host, shared by `image` and `run-command`: the registry options, the
// registry and cache lookups, and the knowledge base's judgement on top.
#pragma once

#include <optional>
#include <vector>

#include "torchdoctor/app/app.hpp"
#include "torchdoctor/kb/kb.hpp"
#include "torchdoctor/registry/image_check.hpp"
#include "torchdoctor/registry/inspect.hpp"

namespace td {

/// --platform OS/ARCH when given, else linux/amd64; fails (bad input) on a malformed platform.
Result<Platform> platform_option(const ParsedArgs& args);

/// Inspects `refs` for `platform` with the registry options in `args`, and judges each for `host`
/// with the registry's facts and `kb` (offline, the KB alone judges tags it knows).
/// Fails (bad input) on a malformed option.
Result<std::vector<CheckedImage>> check_images(const std::vector<ImageRef>& refs, const Platform& platform,
                                               const ParsedArgs& args, const AppIo& io, const JudgedHost& host,
                                               const Kb& kb);

}  // namespace td
