// Hand-written CUDA driver API declarations: only what torchdoctor calls, no toolkit header needed.
// Written from the CUDA Driver API reference, https://docs.nvidia.com/cuda/cuda-driver-api/index.html
// Every function is looked up with dlsym; these are the types of the pointers we cast to.
#pragma once

#include <cstddef>

namespace td::cuda {

/// CUresult, a C enum: https://docs.nvidia.com/cuda/cuda-driver-api/group__CUDA__TYPES.html
using Result = int;
inline constexpr Result k_success = 0;
inline constexpr Result k_error_invalid_value = 1;
inline constexpr Result k_error_not_initialized = 3;
inline constexpr Result k_error_insufficient_driver = 35;
inline constexpr Result k_error_no_device = 100;
inline constexpr Result k_error_invalid_device = 101;
inline constexpr Result k_error_operating_system = 304;
inline constexpr Result k_error_system_not_ready = 802;
inline constexpr Result k_error_system_driver_mismatch = 803;
inline constexpr Result k_error_compat_not_supported_on_device = 804;
inline constexpr Result k_error_unknown = 999;

/// CUdevice: an ordinal.
using Device = int;

/// CUuuid: 16 raw bytes.
struct Uuid {
  char bytes[16];
};

/// CUdevice_attribute values we read (same page as CUresult).
using DeviceAttribute = int;
inline constexpr DeviceAttribute k_attr_integrated = 18;
inline constexpr DeviceAttribute k_attr_pci_bus_id = 33;
inline constexpr DeviceAttribute k_attr_pci_device_id = 34;
inline constexpr DeviceAttribute k_attr_pci_domain_id = 50;
inline constexpr DeviceAttribute k_attr_compute_capability_major = 75;
inline constexpr DeviceAttribute k_attr_compute_capability_minor = 76;

// Error handling: https://docs.nvidia.com/cuda/cuda-driver-api/group__CUDA__ERROR.html
/// cuGetErrorName(CUresult, const char** name).
using GetErrorNameFn = Result(Result, const char**);

// Initialisation: https://docs.nvidia.com/cuda/cuda-driver-api/group__CUDA__INITIALIZE.html
/// cuInit(unsigned int flags); flags must be 0.
using InitFn = Result(unsigned int);

// Version: https://docs.nvidia.com/cuda/cuda-driver-api/group__CUDA__VERSION.html
/// cuDriverGetVersion(int* driverVersion): 12040 means 12.4. Works before cuInit.
using DriverGetVersionFn = Result(int*);

// Device management: https://docs.nvidia.com/cuda/cuda-driver-api/group__CUDA__DEVICE.html
/// cuDeviceGetCount(int* count).
using DeviceGetCountFn = Result(int*);
/// cuDeviceGet(CUdevice* device, int ordinal).
using DeviceGetFn = Result(Device*, int);
/// cuDeviceGetName(char* name, int len, CUdevice dev).
using DeviceGetNameFn = Result(char*, int, Device);
/// cuDeviceGetAttribute(int* pi, CUdevice_attribute attrib, CUdevice dev).
using DeviceGetAttributeFn = Result(int*, DeviceAttribute, Device);
/// cuDeviceTotalMem_v2(size_t* bytes, CUdevice dev); the unversioned symbol takes an unsigned int*
/// and must not be used.
using DeviceTotalMemFn = Result(std::size_t*, Device);
/// cuDeviceGetUuid_v2 / cuDeviceGetUuid(CUuuid* uuid, CUdevice dev).
using DeviceGetUuidFn = Result(Uuid*, Device);

inline constexpr Result k_error_no_binary_for_gpu = 209;
inline constexpr Result k_error_invalid_ptx = 218;
inline constexpr Result k_error_unsupported_ptx_version = 222;

// Execution (the native verification suite).
/// CUcontext, CUmodule, CUfunction, CUstream, CUevent: opaque handles.
using Context = void*;
using Module = void*;
using Function = void*;
using Stream = void*;
/// CUdeviceptr: a device address (unsigned long long on 64-bit platforms).
using DevicePtr = unsigned long long;

// Primary context: https://docs.nvidia.com/cuda/cuda-driver-api/group__CUDA__PRIMARY__CTX.html
/// cuDevicePrimaryCtxRetain(CUcontext* pctx, CUdevice dev).
using DevicePrimaryCtxRetainFn = Result(Context*, Device);
/// cuDevicePrimaryCtxRelease_v2(CUdevice dev).
using DevicePrimaryCtxReleaseFn = Result(Device);
// Context: https://docs.nvidia.com/cuda/cuda-driver-api/group__CUDA__CTX.html
/// cuCtxSetCurrent(CUcontext ctx).
using CtxSetCurrentFn = Result(Context);
/// cuCtxSynchronize().
using CtxSynchronizeFn = Result();
// Modules: https://docs.nvidia.com/cuda/cuda-driver-api/group__CUDA__MODULE.html
/// cuModuleLoadData(CUmodule* module, const void* image): a fatbinary, cubin or NUL-terminated PTX.
using ModuleLoadDataFn = Result(Module*, const void*);
/// cuModuleGetFunction(CUfunction* hfunc, CUmodule hmod, const char* name).
using ModuleGetFunctionFn = Result(Function*, Module, const char*);
/// cuModuleUnload(CUmodule hmod).
using ModuleUnloadFn = Result(Module);
// Memory: https://docs.nvidia.com/cuda/cuda-driver-api/group__CUDA__MEM.html (the _v2 symbols)
/// cuMemAlloc_v2(CUdeviceptr* dptr, size_t bytesize).
using MemAllocFn = Result(DevicePtr*, std::size_t);
/// cuMemFree_v2(CUdeviceptr dptr).
using MemFreeFn = Result(DevicePtr);
/// cuMemAllocHost_v2(void** pp, size_t bytesize): page-locked host memory.
using MemAllocHostFn = Result(void**, std::size_t);
/// cuMemFreeHost(void* p).
using MemFreeHostFn = Result(void*);
/// cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t bytes).
using MemcpyHtoDFn = Result(DevicePtr, const void*, std::size_t);
/// cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t bytes).
using MemcpyDtoHFn = Result(void*, DevicePtr, std::size_t);
/// cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes).
using MemcpyDtoDFn = Result(DevicePtr, DevicePtr, std::size_t);
// Execution: https://docs.nvidia.com/cuda/cuda-driver-api/group__CUDA__EXEC.html
/// cuLaunchKernel(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ,
///                sharedMemBytes, hStream, kernelParams, extra).
using LaunchKernelFn = Result(Function, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, Stream,
                              void**, void**);

}  // namespace td::cuda

// NVRTC, for the kernels when no fatbinary was built: https://docs.nvidia.com/cuda/nvrtc/index.html
namespace td::nvrtc {

/// nvrtcResult; 0 is NVRTC_SUCCESS.
using Result = int;
/// nvrtcProgram: an opaque handle.
using Program = void*;
/// nvrtcCreateProgram(prog, src, name, numHeaders, headers, includeNames).
using CreateProgramFn = Result(Program*, const char*, const char*, int, const char* const*, const char* const*);
/// nvrtcCompileProgram(prog, numOptions, options).
using CompileProgramFn = Result(Program, int, const char* const*);
/// nvrtcGetPTXSize(prog, size_t* ptxSizeRet) and nvrtcGetProgramLogSize.
using GetSizeFn = Result(Program, std::size_t*);
/// nvrtcGetPTX(prog, char* ptx) and nvrtcGetProgramLog.
using GetTextFn = Result(Program, char*);
/// nvrtcDestroyProgram(nvrtcProgram* prog).
using DestroyProgramFn = Result(Program*);
/// nvrtcVersion(int* major, int* minor).
using VersionFn = Result(int*, int*);

}  // namespace td::nvrtc
