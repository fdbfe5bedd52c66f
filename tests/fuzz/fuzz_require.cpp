// Fuzz the NVIDIA_REQUIRE evaluator: arbitrary requirement strings against fixed hosts.
#include <string>

#include "torchdoctor/registry/require.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string req(reinterpret_cast<const char*>(data), size);
  td::RequireHost host;
  host.cuda = "12.4";
  host.driver = "550.54.15";
  td::RequireGpu gpu{"GPU 0", "8.9", "geforce"};
  host.gpus = std::vector<td::RequireGpu>{gpu};
  (void)td::evaluate_requirement(req, host, &gpu);
  (void)td::evaluate_requirement(req, td::RequireHost{}, nullptr);
  (void)td::evaluate_image_requirements({{"NVIDIA_REQUIRE_CUDA", req}, {"CUDA_VERSION", "12.4.1"}}, host);
  (void)td::lint_requirements({{"NVIDIA_REQUIRE_CUDA", req}, {"CUDA_VERSION", "12.4.1"}});
  return 0;
}
