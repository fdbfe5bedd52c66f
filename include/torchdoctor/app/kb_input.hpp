// The knowledge base a command uses: embedded, or --kb DIR.
#pragma once

#include "torchdoctor/app/cli.hpp"
#include "torchdoctor/core/what_if.hpp"
#include "torchdoctor/kb/kb.hpp"

namespace td {

/// Loads --kb DIR or the embedded KB; a bad KB is bad input (exit 2) naming file, line and problem.
Result<Kb> load_kb_for(const ParsedArgs& args);
/// Resolves GPU names for --gpu through `kb`.
GpuNameResolver gpu_resolver(const Kb& kb);

}  // namespace td
