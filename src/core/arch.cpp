#include "torchdoctor/core/arch.hpp"

#include "torchdoctor/core/strings.hpp"

namespace td {

std::string machine_name(std::string_view any) {
  std::string a = to_lower(trim(any));
  if (a == "amd64" || a == "x86-64" || a == "x64") return "x86_64";
  if (a == "arm64" || a == "armv8" || a == "arm64v8") return "aarch64";
  if (a == "armhf" || a == "arm" || a == "armv7" || a == "arm32v7") return "armv7l";
  return a;
}

std::string oci_arch(std::string_view any) {
  std::string m = machine_name(any);
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  if (m == "armv7l") return "arm";
  return m;
}

}  // namespace td
