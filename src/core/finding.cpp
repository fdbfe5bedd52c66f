#include "torchdoctor/core/finding.hpp"

#include <algorithm>

namespace td {

const std::vector<ReasonCode>& reason_codes() {
  static const std::vector<ReasonCode> k_codes{
      {"ARCH_MISMATCH", "built for another CPU architecture (x86_64 vs aarch64): `exec format error`"},
      {"NOT_FOR_TEGRA", "a discrete-GPU/SBSA build on a Jetson, whose iGPU needs Jetson builds"},
      {"L4T_MISMATCH", "a Jetson build for another L4T line"},
      {"UNKNOWN_L4T", "the L4T release is not in the knowledge base"},
      {"UNKNOWN_MODULE",
       "the Jetson module is not known (no device-tree string the knowledge base names): its GPU cannot be named"},
      {"NO_DRIVER", "NVIDIA GPU present but no NVIDIA driver loaded"},
      {"UNKNOWN_DRIVER",
       "the NVIDIA driver is not known (not probed, not given): whether a CUDA build runs is undetermined"},
      {"DRIVER_TOO_OLD", "the driver is older than the build's CUDA needs"},
      {"MINOR_VERSION_COMPAT", "the driver is older than the build's CUDA but inside CUDA minor-version compatibility"},
      {"NO_GPU", "a CUDA build on a machine without an NVIDIA GPU: runs on the CPU only"},
      {"GPU_ARCH_MISSING", "no kernels for the GPU's compute capability: `no kernel image is available`"},
      {"PTX_JIT", "no machine code for the GPU; PTX is JIT-compiled at start-up (slow first run)"},
      {"GPU_TOO_OLD", "the GPU is older than the oldest architecture the build supports"},
      {"UNKNOWN_GPU", "the GPU or its compute capability is not known"},
      {"CPU_ONLY_BUILD", "a CPU-only torch on a machine with an NVIDIA GPU"},
      {"PYTHON_UNSUPPORTED", "no wheel for this Python version"},
      {"WHEEL_ONE_PYTHON",
       "a Jetson wheel is built for one Python version and the host's Python is not known: pip refuses it on another"},
      {"NO_INSTALL_LINK",
       "the knowledge base names the build but holds no download link for it: where to get it is said instead"},
      {"GLIBC_TOO_OLD", "the wheel needs a newer glibc (manylinux baseline)"},
      {"TAG_NOT_FOUND", "the image tag was never published"},
      {"TAG_UNKNOWN",
       "offline, the knowledge base does not list the tag (it lists some tags, not all): undetermined, ask the "
       "registry"},
      {"ARCH_UNSUPPORTED",
       "PyTorch publishes nothing for this CPU architecture (32-bit ARM, i686): no wheel, no image"},
      {"UNKNOWN_ARCH", "the host's CPU architecture is unknown: nothing that depends on it is decided"},
      {"DRIVER_DROPPED_GPU",
       "the driver branch no longer supports the GPU's generation (R470 was the last for Kepler, R580 for Maxwell, "
       "Pascal and Volta)"},
      {"FORWARD_COMPAT",
       "the driver is older than the image's CUDA major: only a data-center GPU runs it, through the CUDA "
       "forward-compatibility package NGC images carry"},
      {"REQUIRE_UNSATISFIED", "the image's NVIDIA_REQUIRE_* conditions fail on this host"},
      {"REQUIRE_INVALID",
       "the image's NVIDIA_REQUIRE_* condition cannot be parsed: the NVIDIA runtime refuses to start it"},
      {"REQUIRE_UNKNOWN",
       "the image's NVIDIA_REQUIRE_* conditions name a host property (driver, CUDA, GPU) that is not known"},
      {"REQUIRE_DISABLED", "NVIDIA_DISABLE_REQUIRE is set in the image: the NVIDIA runtime skips its requirements"},
      {"IMAGE_LINT",
       "an image variable the NVIDIA runtime ignores (a misspelt NVIDIA_REQUIRE_* or NVIDIA_DISABLE_REQUIRE)"},
      {"FROM_KB", "offline and not cached: the image was judged from the knowledge base alone"},
      {"NO_CONTAINER_GPU_RUNTIME", "containers cannot reach the GPU: no NVIDIA Container Toolkit runtime or CDI"},
      {"SHM_TOO_SMALL", "/dev/shm is too small for DataLoader workers"},
      {"TOOLKIT_MISMATCH", "the CUDA toolkit does not match torch.version.cuda"},
      {"KB_STALE", "newer than the knowledge base; judged from what can still be said"},
      {"KB_UNCONFIRMED",
       "the knowledge-base record behind an answer is not confirmed at a primary source (its note says why)"},
      {"ARCH_LIST_UNKNOWN", "the build's compiled GPU architectures are not known, so its kernels cannot be checked"},
      {"TORCH_VARIANT_MISMATCH", "the torch that runs is another build than the one reported or installed"},
      {"EXTENSION_ARCH_MISSING", "torch has kernels for the GPU but a compiled extension does not"},
      {"BUILD_NO_GPU_ARCH", "a CUDA extension build with no visible GPU and no TORCH_CUDA_ARCH_LIST"},
      {"CONTAINER_GPU_LOST", "a running container lost its GPU devices (`Failed to initialize NVML: Unknown Error`)"},
      {"WRONG_GPU_FLAG", "`docker --gpus` where the NVIDIA runtime must be named (`--runtime nvidia`)"},
      {"LIBRARY_NOT_FOUND", "a CUDA library (libcudart, libcublas, libcudnn, ...) cannot be loaded"},
      {"CPU_ISA_UNSUPPORTED", "a binary uses CPU instructions this processor lacks (`Illegal instruction`)"},
      {"NO_TOOLKIT", "a CUDA build was asked for but no CUDA toolkit with nvcc was found"},
      {"TORCH_NOT_FOUND", "a CUDA extension build was forced but the build's Python has no torch"},
      {"TOOLKIT_ARCH_UNSUPPORTED", "the CUDA toolkit cannot compile (or has deprecated) a requested GPU architecture"},
      {"HOST_COMPILER_UNSUPPORTED", "the host C++ compiler is outside the range nvcc accepts, or missing"},
      {"BUILD_MODE_CONFLICT", "USE_CUDA=0 and FORCE_CUDA=1 are both set"},
      {"ARCH_LIST_EMPTY", "no GPU architecture is left to compile for"},
      {"TENSOR_DEVICE_MISMATCH", "tensors on different devices: a bug in the program, not in the stack"},
      {"CUDAGRAPHS_SKIPPED",
       "torch.compile ran without CUDA graphs (CPU tensors or several devices in the graph): slower, not wrong"},
      {"CUDAGRAPH_OUTPUT_OVERWRITTEN",
       "a CUDA-graph output was used after a later replay reused its memory: a bug in the program"},
      {"RECOMPILE_LIMIT",
       "torch.compile hit its recompile limit and fell back to eager: changing shapes, dtypes or devices"},
      {"STATE_DICT_BUFFER_KEYS",
       "checkpoint and model disagree on computed (persistent vs non-persistent) buffers, not on weights"},
      {"TRITON_MISSING",
       "torch.compile's GPU backend (Inductor) needs Triton, which is not installed or not built for this platform"},
      {"SEQUENCE_TOO_LONG",
       "an input longer than the model's position table (max_len, max_position_embeddings): indexing past its end"},
      {"BACKEND_NOT_BUILT", "this torch build lacks a requested backend (NCCL in Windows, macOS and CPU builds)"},
  };
  return k_codes;
}

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::info:
      return "info";
    case Severity::warn:
      return "warn";
    case Severity::unknown:
      return "unknown";
    case Severity::error:
      return "error";
  }
  return "error";
}

bool has_warning(const std::vector<Reason>& reasons) {
  return std::any_of(reasons.begin(), reasons.end(), [](const Reason& r) { return r.severity == Severity::warn; });
}

bool is_undetermined(const std::vector<Reason>& reasons) {
  return !has_error(reasons) &&
         std::any_of(reasons.begin(), reasons.end(), [](const Reason& r) { return r.severity == Severity::unknown; });
}

bool has_error(const std::vector<Reason>& reasons) {
  return std::any_of(reasons.begin(), reasons.end(), [](const Reason& r) { return r.severity == Severity::error; });
}

bool is_clean(const std::vector<Reason>& reasons) {
  return std::all_of(reasons.begin(), reasons.end(), [](const Reason& r) { return r.severity == Severity::info; });
}

}  // namespace td
