// Look-ups into the knowledge base used by the engine (pure functions of the Kb).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "torchdoctor/core/arch_list.hpp"
#include "torchdoctor/kb/kb.hpp"

namespace td {

/// A PCI device id as sysfs writes it ("0x2684", any case); nullopt for anything else.
std::optional<std::uint16_t> pci_device_id(std::string_view text);
/// "0x2684".
std::string pci_device_id_str(std::uint16_t id);
/// The GPU with PCI device id `pci_id` ("0x2684").
const GpuModel* find_gpu_by_pci(const Kb& kb, const std::string& pci_id);
/// The words of a GPU model's name, lower case, without the vendor's ("NVIDIA GeForce RTX 4090" ->
/// geforce, rtx, 4090).
std::vector<std::string> gpu_name_words(std::string_view name);
/// The GPU named `name`: exact name, alias, or a unique model whose name holds its words in order
/// ("RTX 4090", "H100", "NVIDIA Jetson AGX Orin").
const GpuModel* find_gpu_by_name(const Kb& kb, const std::string& name);
/// The highest CUDA X.Y whose toolkit runs on driver `driver` (Linux), from the release table.
std::optional<Version> cuda_level_for_driver(const Kb& kb, const Version& driver);
/// The oldest Linux driver that supports CUDA `cuda` (X.Y) fully (its first release's minimum).
std::optional<Version> min_driver_for_cuda(const Kb& kb, const Version& cuda);
/// The minor-version-compatibility floor for CUDA `major`.x, if known.
const CudaMajor* cuda_major_floor(const Kb& kb, std::uint32_t major);
/// The JetPack release of L4T `l4t` (exact match), if known.
const JetPackRelease* jetpack_for_l4t(const Kb& kb, const Version& l4t);
/// The Jetson module that matches one of the device-tree `compatible` strings.
const JetsonModule* module_for_compatible(const Kb& kb, const std::vector<std::string>& compatible);
/// The Jetson module whose SoC is `soc` when only one module has it.
const JetsonModule* module_for_soc(const Kb& kb, const std::string& soc);
/// The board that matches one of the device-tree `compatible` strings.
const Board* board_for_compatible(const Kb& kb, const std::vector<std::string>& compatible);
/// The release record of torch `version` (public part), if known.
const TorchRelease* find_torch_release(const Kb& kb, const Version& version);
/// The newest torch release in the KB.
const TorchRelease* newest_torch_release(const Kb& kb);
/// The wheel of `torch` (public version) and `variant` for `platform` ("" = any), if known.
const TorchWheel* find_wheel(const Kb& kb, const Version& torch, const std::string& variant,
                             const std::string& platform = "");
/// True when the release lists Python `python` (X.Y; free-threaded "3.13t" entries do not count).
bool release_supports_python(const TorchRelease& release, const Version& python);
/// True when `wheel` exists for Python `python` (X.Y): its own list when it has one, else its release's.
bool wheel_supports_python(const TorchRelease& release, const TorchWheel& wheel, const Version& python);
/// The last driver branch that supports GPU family `family` ("Kepler": R470), or null when the family
/// is still supported by current branches or the KB does not say.
const DriverBranch* last_driver_branch_for(const Kb& kb, const std::string& family);
/// TORCH_CUDA_ARCH_LIST as cpp_extension reads it: the KB's architecture names expanded in the KB's
/// order, then parse_torch_cuda_arch_list. Errors name the bad entry.
Result<std::vector<BuildArch>> parse_arch_list(std::string_view text, const Kb& kb);

/// The toolkit_arch row of CUDA `cuda` (X.Y), if known.
const ToolkitArch* toolkit_arch_for(const Kb& kb, const Version& cuda);

}  // namespace td
