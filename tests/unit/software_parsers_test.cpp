// The pure parsers of the toolkit and Python/torch probes.
#include <gtest/gtest.h>

#include "torchdoctor/probe/python_torch.hpp"
#include "torchdoctor/probe/toolkit.hpp"

using td::Version;

TEST(TorchVersionPy, ReadsTheAnnotatedForm) {
  const char* text =
      "from typing import Optional\n\n__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip']\n"
      "__version__ = '2.6.0+cu124'\ndebug = False\ncuda: Optional[str] = '12.4'\n"
      "git_version = '1eba9b3aa3c43f86f4a2c807ac8e12c4a7767340'\nhip: Optional[str] = None\nxpu: Optional[str] = "
      "None\n";
  auto v = td::parse_torch_version_py(text);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v->version, "2.6.0+cu124");
  EXPECT_EQ(*v->cuda, "12.4");
  EXPECT_EQ(*v->git, "1eba9b3aa3c43f86f4a2c807ac8e12c4a7767340");
  EXPECT_FALSE(v->hip);
}

TEST(TorchVersionPy, ReadsOldPlainAssignmentsAndRocm) {
  auto v = td::parse_torch_version_py("__version__ = \"1.13.1+rocm5.2\"\ncuda = None\nhip = \"5.2.21151-afdc89f8\"\n");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v->version, "1.13.1+rocm5.2");
  EXPECT_FALSE(v->cuda);
  EXPECT_EQ(*v->hip, "5.2.21151-afdc89f8");
}

TEST(TorchVersionPy, NoVersionIsAnError) {
  auto v = td::parse_torch_version_py("cuda = '12.1'\n# __version__ = '2.0'\n");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("__version__"), std::string::npos);
  EXPECT_FALSE(td::parse_torch_version_py(std::string("\0\xff\xfe", 3)));
}

TEST(PyvenvCfg, ReadsHomeVersionAndSystemSites) {
  auto c = td::parse_pyvenv_cfg("home = /usr/bin\ninclude-system-site-packages = True\nversion = 3.12.3\n");
  EXPECT_EQ(*c.home, "/usr/bin");
  EXPECT_EQ(*c.version, "3.12.3");
  EXPECT_TRUE(c.system_site_packages);
  auto uv = td::parse_pyvenv_cfg("home = /opt/py/bin\nimplementation = CPython\nversion_info = 3.11.9\n");
  EXPECT_EQ(*uv.version, "3.11.9");
  EXPECT_FALSE(uv.system_site_packages);
}

TEST(DistInfo, SplitsNameAndVersion) {
  auto p = td::parse_dist_info_name("nvidia_cublas_cu12-12.4.5.8.dist-info");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "nvidia-cublas-cu12");
  EXPECT_EQ(p->version, "12.4.5.8");
  EXPECT_FALSE(td::parse_dist_info_name("torch"));
  EXPECT_FALSE(td::parse_dist_info_name("-1.0.dist-info"));
  EXPECT_FALSE(td::parse_dist_info_name("nvidia_nccl_cu12.egg-info"));
}

TEST(ArchFlags, ParsesSassAndPtx) {
  auto a = td::parse_arch_flags("sm_50 sm_60 sm_90 compute_90");
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_EQ(a->size(), 4U);
  EXPECT_EQ((*a)[0].nvcc_name(), "sm_50");
  EXPECT_TRUE((*a)[3].is_ptx());
  EXPECT_TRUE(td::parse_arch_flags("")->empty());
  EXPECT_FALSE(td::parse_arch_flags("sm_50 -gencode"));
}

TEST(ImportReport, AgreementDisagreementAndFailure) {
  td::TorchInstall t;
  t.arch_list =
      td::Fact<std::vector<td::ComputeCapability>>::known(*td::parse_arch_flags("sm_80 sm_90 sm_90a"), "fatbin");
  auto ok = td::apply_import_report(
      "noise\nTORCHDOCTOR-JSON {\"version\": \"2.6.0\", \"cuda_available\": true, \"device_count\": 2, \"cudnn\": "
      "90100,"
      " \"nccl\": \"2.21.5\", \"arch_flags\": \"sm_80 sm_90\"}\n",
      t);
  EXPECT_TRUE(ok.empty()) << ok.front();
  EXPECT_TRUE(*t.cuda_available.value);
  EXPECT_EQ(*t.device_count.value, 2U);
  EXPECT_EQ(t.cudnn.value->str(), "9.1.0");
  EXPECT_EQ(t.nccl.value->str(), "2.21.5");

  auto bad = td::apply_import_report("TORCHDOCTOR-JSON {\"arch_flags\": \"sm_70 sm_80\"}", t);
  ASSERT_EQ(bad.size(), 1U);
  EXPECT_NE(bad[0].find("torch names sm_70 not found"), std::string::npos) << bad[0];
  EXPECT_NE(bad[0].find("the file also has sm_90"), std::string::npos) << bad[0];

  auto failed =
      td::apply_import_report("TORCHDOCTOR-JSON {\"import_error\": \"ImportError: libcudnn.so.9: cannot open\"}", t);
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_NE(failed[0].find("import torch failed: ImportError"), std::string::npos);
  EXPECT_EQ(td::apply_import_report("Segmentation fault", t).front(), "no report from the import script");
}

TEST(CudaVersionFiles, VersionJsonTxtCudaHAndNvcc) {
  EXPECT_EQ(td::parse_cuda_version_json(R"({"cuda": {"name": "CUDA SDK", "version": "12.4.1"},
      "cuda_nvcc": {"name": "CUDA NVCC", "version": "12.4.131"}})")
                ->str(),
            "12.4.131");
  EXPECT_EQ(td::parse_cuda_version_json(R"({"cuda": {"version": "11.8.0"}})")->str(), "11.8.0");
  EXPECT_FALSE(td::parse_cuda_version_json("{\"cuda\": 12}"));
  EXPECT_FALSE(td::parse_cuda_version_json("not json"));
  EXPECT_EQ(td::parse_cuda_version_txt("CUDA Version 10.2.89\n")->str(), "10.2.89");
  EXPECT_FALSE(td::parse_cuda_version_txt("CUDA 10"));
  EXPECT_EQ(td::parse_cuda_h_version("#ifndef X\n#define CUDA_VERSION 12040\n#endif\n")->str(), "12.4");
  EXPECT_EQ(td::parse_cuda_h_version("#  define CUDA_VERSION 11080 /* 11.8 */")->str(), "11.8");
  EXPECT_FALSE(td::parse_cuda_h_version("#define CUDA_VERSION 12"));
  EXPECT_EQ(td::parse_nvcc_version_output(
                "nvcc: NVIDIA (R) Cuda compiler driver\n"
                "Cuda compilation tools, release 12.4, V12.4.131\nBuild cuda_12.4.r12.4/compiler.34097967_0\n")
                ->str(),
            "12.4.131");
  EXPECT_FALSE(td::parse_nvcc_version_output("bash: nvcc: command not found"));
}

TEST(CudaLibraryVersions, HeadersWithIndirectionAndLibraryNames) {
  EXPECT_EQ(
      td::version_from_defines("#define CUDNN_MAJOR 8\n#define CUDNN_MINOR 9\n#define CUDNN_PATCHLEVEL 7\n"
                               "#define CUDNN_VERSION (CUDNN_MAJOR * 1000 + CUDNN_MINOR * 100 + CUDNN_PATCHLEVEL)\n",
                               {"CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL"})
          ->str(),
      "8.9.7");
  const char* trt10 =
      "#define TRT_MAJOR_ENTERPRISE 10\n#define TRT_MINOR_ENTERPRISE 3\n#define TRT_PATCH_ENTERPRISE 0\n"
      "#define TRT_BUILD_ENTERPRISE 26\n#define NV_TENSORRT_MAJOR TRT_MAJOR_ENTERPRISE //!< TensorRT major version.\n"
      "#define NV_TENSORRT_MINOR TRT_MINOR_ENTERPRISE\n#define NV_TENSORRT_PATCH TRT_PATCH_ENTERPRISE\n"
      "#define NV_TENSORRT_BUILD TRT_BUILD_ENTERPRISE\n";
  EXPECT_EQ(td::version_from_defines(
                trt10, {"NV_TENSORRT_MAJOR", "NV_TENSORRT_MINOR", "NV_TENSORRT_PATCH", "NV_TENSORRT_BUILD"})
                ->str(),
            "10.3.0.26");
  EXPECT_FALSE(td::version_from_defines("#define NCCL_H_\n", {"NCCL_MAJOR", "NCCL_MINOR"}));
  EXPECT_EQ(td::version_from_library_name("libcudnn.so.8.9.4", "libcudnn")->str(), "8.9.4");
  EXPECT_EQ(td::version_from_library_name("libnccl.so.2", "libnccl")->str(), "2");
  EXPECT_FALSE(td::version_from_library_name("libcudnn_ops.so.9", "libcudnn"));
  EXPECT_FALSE(td::version_from_library_name("libnvinfer.so", "libnvinfer"));
  EXPECT_FALSE(td::version_from_library_name("libnvinfer.so.10.bak", "libnvinfer"));
}
