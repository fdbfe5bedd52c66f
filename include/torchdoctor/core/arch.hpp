// CPU architecture names: the one place that maps the spellings users and tools write (amd64, arm64,
// armhf, ARM64) to the kernel's machine names and to the container platforms' names.
#pragma once

#include <string>
#include <string_view>

namespace td {

/// The kernel's machine name (uname -m) for any common spelling: amd64 -> x86_64, arm64 -> aarch64,
/// armhf/arm/armv7 -> armv7l; lower case; anything else is returned lower-cased as it is.
std::string machine_name(std::string_view any);

/// The architecture as OCI image platforms and Kubernetes (kubernetes.io/arch) spell it:
/// x86_64 -> amd64, aarch64 -> arm64, armv7l -> arm; anything else as machine_name gives it.
std::string oci_arch(std::string_view any);

}  // namespace td
