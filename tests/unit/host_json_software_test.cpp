// The toolkit, Python and torch fields survive a JSON round trip, and bad shapes are refused.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "torchdoctor/core/host_json.hpp"

TEST(HostJsonSoftware, RoundTripsToolkitPythonAndTorchFields) {
  td::HostFacts f;
  td::CudaToolkit tk;
  tk.path = "/usr/local/cuda-12.4";
  tk.found_by = {"CUDA_HOME", "PATH"};
  tk.version = td::Fact<td::Version>::known(*td::Version::parse("12.4.131"), "file:/usr/local/cuda-12.4/version.json");
  tk.nvcc = td::Fact<std::string>::unknown("file:/usr/local/cuda-12.4/bin/nvcc", "no nvcc (runtime only)");
  f.toolkits.toolkits = td::Fact<std::vector<td::CudaToolkit>>::known({tk}, "probe");
  f.toolkits.cuda_home = td::Fact<std::string>::known("/usr/local/cuda-12.4", "env:CUDA_HOME");
  f.toolkits.libraries = td::Fact<std::vector<td::CudaLibrary>>::known(
      {{"cudnn", td::Fact<td::Version>::known(*td::Version::parse("9.1.0"), "file:/usr/include/cudnn_version.h")}},
      "headers");
  f.pythons = td::Fact<std::vector<td::PythonInterpreter>>::known(
      {{"/venv/bin/python",
        "venv",
        {"VIRTUAL_ENV"},
        td::Fact<td::Version>::known(*td::Version::parse("3.12.3"), "file:/venv/pyvenv.cfg")}},
      "probe");
  td::TorchInstall t;
  t.version = td::Fact<td::Version>::known(*td::Version::parse("2.6.0+cu124"), "file:version.py");
  t.arch_list = td::Fact<std::vector<td::ComputeCapability>>::known(
      {*td::ComputeCapability::parse("sm_90"), *td::ComputeCapability::parse("compute_90")}, "fatbin:libtorch_cuda.so");
  t.arch_list.note = "also special kernels only: sm_90a in 2 of 448 fatbinaries";
  t.git_version = td::Fact<std::string>::known("1eba9b3a", "file:version.py");
  t.nvidia_packages = td::Fact<std::vector<td::PythonPackage>>::known({{"nvidia-nccl-cu12", "2.21.5"}}, "file:site");
  t.cuda_available = td::Fact<bool>::known(false, "import torch");
  t.device_count = td::Fact<std::uint32_t>::known(0, "import torch");
  t.nccl = td::Fact<td::Version>::known(*td::Version::parse("2.21.5"), "import torch");
  f.torch = td::Fact<std::vector<td::TorchInstall>>::known({t}, "site-packages");

  const auto doc = td::host_to_json(f);
  EXPECT_EQ(doc["torch"]["value"][0]["arch_list"]["value"], nlohmann::json({"9.0", "9.0+PTX"}));
  auto back = td::host_from_json(doc);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(td::host_to_json(*back), doc);
  EXPECT_EQ(back->toolkits.toolkits.value->front().found_by, tk.found_by);
  EXPECT_EQ(back->torch.value->front().arch_list.value->back().nvcc_name(), "compute_90");
}

TEST(HostJsonSoftware, BadShapesNameTheirPath) {
  auto doc = td::host_to_json(td::HostFacts{});
  doc["toolkits"]["toolkits"] = {{"value", {{{"found_by", {"PATH"}}}}}};
  auto r = td::host_from_json(doc);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "toolkits.toolkits.value[0].path: expected a string");
  doc = td::host_to_json(td::HostFacts{});
  doc["torch"] = {{"value", {{{"nvidia_packages", {{"value", {"nccl"}}}}}}}};
  r = td::host_from_json(doc);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("torch.value[0].nvidia_packages.value[0]: expected an object"), std::string::npos)
      << r.error().message;
}
