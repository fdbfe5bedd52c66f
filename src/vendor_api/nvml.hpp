// Hand-written NVML declarations: only what torchdoctor calls, no SDK header needed.
// Written from the NVML API reference, https://docs.nvidia.com/deploy/nvml-api/index.html
// Every function is looked up with dlsym; these are the types of the pointers we cast to.
#pragma once

#include <cstdint>

namespace td::nvml {

/// nvmlReturn_t, a C enum: https://docs.nvidia.com/deploy/nvml-api/group__nvmlDeviceEnumvs.html
using Return = int;
inline constexpr Return k_success = 0;
inline constexpr Return k_error_uninitialized = 1;
inline constexpr Return k_error_invalid_argument = 2;
inline constexpr Return k_error_not_supported = 3;
inline constexpr Return k_error_no_permission = 4;
inline constexpr Return k_error_not_found = 6;
inline constexpr Return k_error_insufficient_size = 7;
inline constexpr Return k_error_driver_not_loaded = 9;
inline constexpr Return k_error_timeout = 10;
inline constexpr Return k_error_library_not_found = 12;
inline constexpr Return k_error_function_not_found = 13;
inline constexpr Return k_error_gpu_is_lost = 15;
inline constexpr Return k_error_lib_rm_version_mismatch = 18;
inline constexpr Return k_error_unknown = 999;

/// nvmlDevice_t: an opaque handle.
struct DeviceOpaque;
using Device = DeviceOpaque*;

/// nvmlPciInfo_t: https://docs.nvidia.com/deploy/nvml-api/structnvmlPciInfo__t.html
struct PciInfo {
  char bus_id_legacy[16];  ///< busIdLegacy, "0000:01:00.0"
  unsigned int domain;
  unsigned int bus;
  unsigned int device;
  unsigned int pci_device_id;  ///< Device id in the upper 16 bits, vendor id in the lower.
  unsigned int pci_sub_system_id;
  char bus_id[32];  ///< busId, "00000000:01:00.0"
};

/// nvmlMemory_t: https://docs.nvidia.com/deploy/nvml-api/structnvmlMemory__t.html
struct Memory {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};

/// Buffer sizes from the reference (NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE,
/// NVML_DEVICE_NAME_V2_BUFFER_SIZE, NVML_DEVICE_UUID_V2_BUFFER_SIZE).
inline constexpr unsigned int k_driver_version_buffer = 80;
inline constexpr unsigned int k_name_buffer = 96;
inline constexpr unsigned int k_uuid_buffer = 96;

/// MIG modes of nvmlDeviceGetMigMode (NVML_DEVICE_MIG_DISABLE / NVML_DEVICE_MIG_ENABLE).
inline constexpr unsigned int k_mig_disable = 0;
inline constexpr unsigned int k_mig_enable = 1;

// Initialisation and cleanup: https://docs.nvidia.com/deploy/nvml-api/group__nvmlInitializationAndCleanup.html
/// nvmlInit_v2 (plain nvmlInit on old drivers).
using InitFn = Return();
/// nvmlShutdown.
using ShutdownFn = Return();

// Error reporting: https://docs.nvidia.com/deploy/nvml-api/group__nvmlErrorReporting.html
/// nvmlErrorString.
using ErrorStringFn = const char*(Return);

// System queries: https://docs.nvidia.com/deploy/nvml-api/group__nvmlSystemQueries.html
/// nvmlSystemGetDriverVersion(char* version, unsigned int length).
using SystemGetDriverVersionFn = Return(char*, unsigned int);
/// nvmlSystemGetCudaDriverVersion_v2(int* cudaDriverVersion): 12040 means 12.4.
using SystemGetCudaDriverVersionFn = Return(int*);

// Device queries: https://docs.nvidia.com/deploy/nvml-api/group__nvmlDeviceQueries.html
/// nvmlDeviceGetCount_v2(unsigned int* deviceCount).
using DeviceGetCountFn = Return(unsigned int*);
/// nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t* device).
using DeviceGetHandleByIndexFn = Return(unsigned int, Device*);
/// nvmlDeviceGetName(nvmlDevice_t, char* name, unsigned int length).
using DeviceGetNameFn = Return(Device, char*, unsigned int);
/// nvmlDeviceGetUUID(nvmlDevice_t, char* uuid, unsigned int length).
using DeviceGetUuidFn = Return(Device, char*, unsigned int);
/// nvmlDeviceGetPciInfo_v3(nvmlDevice_t, nvmlPciInfo_t* pci).
using DeviceGetPciInfoFn = Return(Device, PciInfo*);
/// nvmlDeviceGetCudaComputeCapability(nvmlDevice_t, int* major, int* minor).
using DeviceGetCudaComputeCapabilityFn = Return(Device, int*, int*);
/// nvmlDeviceGetMemoryInfo(nvmlDevice_t, nvmlMemory_t* memory).
using DeviceGetMemoryInfoFn = Return(Device, Memory*);

// Multi-Instance GPU: https://docs.nvidia.com/deploy/nvml-api/group__nvmlMultiInstanceGPU.html
/// nvmlDeviceGetMigMode(nvmlDevice_t, unsigned int* currentMode, unsigned int* pendingMode).
using DeviceGetMigModeFn = Return(Device, unsigned int*, unsigned int*);

}  // namespace td::nvml
