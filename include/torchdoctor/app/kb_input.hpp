// The knowledge base a command uses: embedded, or --kb DIR.
#pragma once

#include "torchdoctor/app/cli.hpp"
#include "torchdoctor/core/what_if.hpp"
#include "torchdoctor/kb/kb.hpp"
#include "torchdoctor/sys/env.hpp"

namespace td {

/// Loads --kb DIR; else the installed update (`kb update`, read_installed_kb) when it is valid and
/// newer than the embedded KB; else the embedded KB. A bad --kb is bad input (exit 2) naming file,
/// line and problem; a bad installed update is passed over (`kb status` says why).
Result<Kb> load_kb_for(const ParsedArgs& args, const Env& env);
/// Resolves GPU names for --gpu through `kb`.
GpuNameResolver gpu_resolver(const Kb& kb);

}  // namespace td
