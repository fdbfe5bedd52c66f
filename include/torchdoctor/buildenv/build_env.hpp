// build-env: whether this node builds CUDA extensions, and for which GPU architectures. Decided from
// what the build needs (a CUDA toolkit with nvcc, a CUDA-enabled torch), never from a visible GPU.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "torchdoctor/core/arch_list.hpp"
#include "torchdoctor/core/compute_capability.hpp"
#include "torchdoctor/core/finding.hpp"
#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/core/result.hpp"
#include "torchdoctor/kb/kb.hpp"
#include "torchdoctor/probe/host_compiler.hpp"
#include "torchdoctor/sys/env.hpp"

namespace td {

/// How the CUDA decision was asked for: decide from the facts, build CUDA, or do not.
enum class CudaMode { auto_, force, off };

/// One input of the decision and what it did ("TORCH_CUDA_ARCH_LIST", "unset: ...").
struct BuildInput {
  std::string name;    ///< The input: an environment variable, a flag or a fact.
  std::string value;   ///< Its value as seen, or "unset".
  std::string effect;  ///< One line: what it decided.
};

/// What build-env was given besides the host facts.
struct BuildEnvRequest {
  std::vector<std::string> targets;  ///< --targets: sm_XX, X.Y, GPU names or host snapshot files (already read).
  std::vector<ComputeCapability> target_ccs;  ///< Capabilities the targets resolved to.
  std::vector<std::string> target_names;      ///< What each capability came from, for the explanation.
  bool visible_gpus = false;                  ///< --visible-gpus: the GPUs of this host are targets (opt-in).
  bool no_torch = false;                      ///< --no-torch: decide on the toolkit alone (not a torch extension).
};

/// The decision.
struct BuildEnv {
  bool build_cuda = false;
  CudaMode mode = CudaMode::auto_;
  std::string mode_source;             ///< Which variable set the mode ("TORCHDOCTOR_CUDA", "FORCE_CUDA", "default").
  std::optional<CudaToolkit> toolkit;  ///< The toolkit builds use.
  std::optional<TorchInstall> torch;   ///< The torch the extension builds against.
  HostCompilerFacts compiler;
  std::vector<BuildArch> archs;    ///< Ascending; never empty when build_cuda.
  std::string arch_source;         ///< TORCH_CUDA_ARCH_LIST, --targets, --visible-gpus, torch wheel, toolkit.
  std::vector<BuildInput> inputs;  ///< Every input, one line each.
  std::vector<Reason> reasons;     ///< Problems and caveats (TOOLKIT_MISMATCH, ...).
  std::string skip_reason;         ///< Why CUDA is not built (empty when it is).
};

/// Decides from `facts` (toolkits, torch), `env` (TORCH_CUDA_ARCH_LIST, FORCE_CUDA, USE_CUDA,
/// TORCHDOCTOR_CUDA), the request and the KB. Bad input (an invalid TORCH_CUDA_ARCH_LIST or
/// TORCHDOCTOR_CUDA) is an error; problems found are reasons in the result.
Result<BuildEnv> decide_build_env(const HostFacts& facts, const Env& env, const BuildEnvRequest& request,
                                  const HostCompilerFacts& compiler, const Kb& kb);

/// "auto", "force" or "off".
const char* cuda_mode_name(CudaMode mode);

}  // namespace td
