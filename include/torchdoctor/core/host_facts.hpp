// HostFacts: everything probe knows about a machine; the engine's only input about the host.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "torchdoctor/core/compute_capability.hpp"
#include "torchdoctor/core/fact.hpp"
#include "torchdoctor/core/version.hpp"

namespace td {

/// The JSON schema name of a HostFacts snapshot.
inline constexpr const char* k_host_schema = "torchdoctor.host/v1";

/// Operating system and kernel.
struct OsFacts {
  Fact<std::string> id;           ///< os-release ID (debian, ubuntu, ...).
  Fact<std::string> version_id;   ///< os-release VERSION_ID.
  Fact<std::string> pretty_name;  ///< os-release PRETTY_NAME.
  Fact<std::string> kernel;       ///< Kernel release (uname -r).
};

/// Processor, memory and C library.
struct CpuFacts {
  Fact<std::string> arch;                ///< Normalised machine: x86_64, aarch64, armv7l, ppc64le, riscv64.
  Fact<std::string> model;               ///< CPU model name.
  Fact<std::uint32_t> cores;             ///< Logical processors.
  Fact<std::vector<std::string>> flags;  ///< Selected ISA features (avx2, avx512f, asimd, sve, ...).
  Fact<Version> glibc;                   ///< glibc version; unknown on musl or when not found.
  Fact<std::uint64_t> memory_bytes;      ///< MemTotal.
  Fact<std::uint64_t> shm_bytes;         ///< Size of /dev/shm.
};

/// Whether we run inside a container, WSL or Kubernetes.
struct ContainerFacts {
  Fact<bool> inside;         ///< Inside a container.
  Fact<std::string> engine;  ///< docker, podman, containerd, lxc, kubernetes... when inside.
  Fact<bool> kubernetes;     ///< KUBERNETES_SERVICE_HOST set or k8s cgroups.
  Fact<bool> wsl;            ///< Running under WSL2.
};

/// One NVIDIA GPU.
struct GpuFacts {
  Fact<std::string> pci_bus_id;     ///< 0000:01:00.0
  Fact<std::string> pci_device_id;  ///< 0x2684
  Fact<std::string> name;           ///< As the driver or KB names it.
  Fact<ComputeCapability> compute_capability;
  Fact<std::uint64_t> memory_bytes;
  Fact<std::string> uuid;
  Fact<bool> integrated;       ///< True for Tegra iGPUs.
  Fact<std::string> mig_mode;  ///< enabled / disabled.
};

/// Every field of a GpuFacts (const or not) with its JSON key, in the schema's order: the one list the
/// snapshot writer and reader use (docs/host-schema.md).
template <typename Gpu, typename Visit>
void gpu_fields(Gpu& g, Visit&& visit) {
  visit("pci_bus_id", g.pci_bus_id);
  visit("pci_device_id", g.pci_device_id);
  visit("name", g.name);
  visit("compute_capability", g.compute_capability);
  visit("memory_bytes", g.memory_bytes);
  visit("uuid", g.uuid);
  visit("integrated", g.integrated);
  visit("mig_mode", g.mig_mode);
}

/// The NVIDIA kernel driver.
struct DriverFacts {
  Fact<Version> version;            ///< 550.54.15
  Fact<std::string> kernel_module;  ///< "open" or "proprietary".
  Fact<Version> cuda_level;         ///< Highest CUDA version the driver supports (12.4).
};

/// How the GPU libraries were asked (NVML, libcuda, nvidia-smi) and what answered.
struct GpuProbeFacts {
  Fact<std::string> answered_by;           ///< nvml, libcuda or nvidia-smi: the best source that answered.
  Fact<std::string> cache;                 ///< hit, miss, corrupt (ignored and rewritten) or disabled.
  Fact<std::string> nvml_library;          ///< The libnvidia-ml file that answered.
  Fact<std::string> libcuda_library;       ///< The libcuda file that answered.
  Fact<bool> libcuda_forward_compat;       ///< True when that libcuda comes from a cuda-compat folder.
  Fact<Version> libcuda_cuda_level;        ///< cuDriverGetVersion of that libcuda.
  Fact<std::string> cuda_visible_devices;  ///< CUDA_VISIBLE_DEVICES as set (null when unset); the note says its effect.
  Fact<std::uint32_t> cuda_device_count;   ///< Devices libcuda enumerates, after CUDA_VISIBLE_DEVICES.
};

/// Jetson (Tegra) identity.
struct JetsonFacts {
  Fact<Version> l4t;         ///< L4T release, 35.3.1.
  Fact<Version> jetpack;     ///< JetPack release, when known from a package or override.
  Fact<std::string> module;  ///< KB module id or device-tree model (Jetson AGX Orin).
  Fact<std::string> soc;     ///< t234, tegra234 ...
};

/// The board, from the device tree (ARM boards).
struct BoardFacts {
  Fact<std::string> model;                    ///< /proc/device-tree/model
  Fact<std::vector<std::string>> compatible;  ///< /proc/device-tree/compatible entries.
};

/// Container tooling found on the host.
struct ContainerToolingFacts {
  Fact<std::string> docker;                        ///< Path of the docker client.
  Fact<std::string> podman;                        ///< Path of podman.
  Fact<std::string> nvidia_ctk;                    ///< Path of nvidia-ctk.
  Fact<std::string> nvidia_runtime;                ///< Path of nvidia-container-runtime.
  Fact<std::vector<std::string>> docker_runtimes;  ///< Runtimes in /etc/docker/daemon.json.
  Fact<std::string> docker_default_runtime;        ///< default-runtime in daemon.json.
  Fact<std::vector<std::string>> cdi_specs;        ///< CDI spec files in /etc/cdi, /var/run/cdi.
};

/// One installed Python package, from its dist-info folder name.
struct PythonPackage {
  std::string name;     ///< nvidia-cublas-cu12
  std::string version;  ///< 12.4.5.8, as written.
};

/// One installed torch (filled by the Python/torch probe or `--torch`).
struct TorchInstall {
  Fact<std::string> python;                               ///< Interpreter path.
  Fact<Version> python_version;                           ///< 3.11
  Fact<Version> version;                                  ///< 2.6.0+cu124
  Fact<Version> cuda;                                     ///< torch.version.cuda; unknown for CPU-only builds.
  Fact<std::vector<ComputeCapability>> arch_list;         ///< Compiled SASS and PTX (compute_XX) targets;
                                                          ///< source says which files (fatbin:...) or import.
  Fact<std::string> location;                             ///< site-packages/torch
  Fact<std::string> hip;                                  ///< torch.version.hip; unknown for CUDA and CPU builds.
  Fact<std::string> git_version;                          ///< torch.version.git_version.
  Fact<std::vector<PythonPackage>> nvidia_packages;       ///< pip nvidia-* packages beside torch.
  Fact<bool> cuda_available;                              ///< torch.cuda.is_available() (--import-torch only).
  Fact<std::uint32_t> device_count;                       ///< torch.cuda.device_count() (--import-torch only).
  Fact<Version> cudnn;                                    ///< torch.backends.cudnn.version() (--import-torch only).
  Fact<Version> nccl;                                     ///< torch.cuda.nccl.version() (--import-torch only).
  Fact<std::vector<ComputeCapability>> import_arch_list;  ///< torch._C._cuda_getArchFlags() (--import-torch).
  Fact<std::string> sys_path_entry;  ///< The sys.path entry holding it; source says how it got there
                                     ///< (PYTHONPATH, site, user site, pth:FILE, egg-link:FILE, ...).
  Fact<bool> imported;               ///< True when `import torch` with `python` loads this one; false when
                                     ///< an earlier sys.path entry shadows it (the note names which).
};

/// One Python interpreter found on the machine.
struct PythonInterpreter {
  std::string path;                   ///< As found (root-relative).
  std::string kind;                   ///< venv, conda or system.
  std::vector<std::string> found_by;  ///< --python, VIRTUAL_ENV, CONDA_PREFIX, PATH, ...
  Fact<Version> version;              ///< From pyvenv.cfg, file names, or by running it.
};

/// One CUDA toolkit folder.
struct CudaToolkit {
  std::string path;                   ///< Root folder, symlinks resolved (/usr/local/cuda-12.4).
  std::vector<std::string> found_by;  ///< CUDA_HOME, CUDA_PATH, PATH, /usr/local/cuda, conda, pip, ...
  Fact<Version> version;              ///< From version.json, version.txt, package metadata, cuda.h or nvcc.
  Fact<std::string> nvcc;             ///< Its nvcc; unknown for runtime-only folders.
};

/// A CUDA library found on the machine (cuDNN, NCCL, TensorRT); the source names the file read.
struct CudaLibrary {
  std::string name;  ///< cudnn, nccl or tensorrt.
  Fact<Version> version;
};

/// CUDA toolkits and the libraries builds and runs pick up.
struct ToolkitFacts {
  Fact<std::vector<CudaToolkit>> toolkits;
  Fact<std::string> cuda_home;      ///< $CUDA_HOME (or $CUDA_PATH) as set.
  Fact<std::string> nvcc_on_path;   ///< The first nvcc on PATH.
  Fact<std::string> build_toolkit;  ///< The toolkit torch extension builds use (CUDA_HOME, CUDA_PATH,
                                    ///< nvcc on PATH, /usr/local/cuda, in that order).
  Fact<std::vector<CudaLibrary>> libraries;
};

/// A detector that could not do its job: shown in its section, the report goes on.
struct ProbeIssue {
  std::string detector;
  std::string message;
};

/// Everything known about one machine.
struct HostFacts {
  std::string schema = k_host_schema;
  std::string tool_version;
  std::string root = "/";  ///< Root of the probed tree.
  Fact<std::string> hostname;
  OsFacts os;
  CpuFacts cpu;
  ContainerFacts container;
  DriverFacts driver;
  Fact<std::vector<GpuFacts>> gpus;  ///< Unknown when GPUs could not be enumerated.
  GpuProbeFacts gpu_probe;
  JetsonFacts jetson;
  BoardFacts board;
  ContainerToolingFacts tooling;
  Fact<std::vector<TorchInstall>> torch;
  Fact<Version> python_version;                  ///< Default interpreter's version (or override).
  Fact<std::vector<PythonInterpreter>> pythons;  ///< Interpreters found, the default first.
  ToolkitFacts toolkits;
  std::vector<ProbeIssue> issues;
};

}  // namespace td
