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

}  // namespace td::cuda
