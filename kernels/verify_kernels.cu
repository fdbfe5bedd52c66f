// The native verification suite's kernels (torchdoctor verify). Compiled at build time into a
// fatbinary for every architecture the installed nvcc supports plus PTX (cmake/TorchDoctorCuda.cmake,
// torchdoctor_add_fatbin), and embedded as source for NVRTC when there was no nvcc at build time.
// Plain C linkage and no includes, so NVRTC compiles the same text without a toolkit's headers.

extern "C" __global__ void td_vector_add(const float* a, const float* b, float* c, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) c[i] = a[i] + b[i];
}

#define TD_TILE 16

// C (m x n) = A (m x k) * B (k x n), row-major, one 16x16 tile of C per block through shared memory.
extern "C" __global__ void td_sgemm_tiled(const float* a, const float* b, float* c, int m, int n, int k) {
  __shared__ float as[TD_TILE][TD_TILE];
  __shared__ float bs[TD_TILE][TD_TILE];
  const int row = blockIdx.y * TD_TILE + threadIdx.y;
  const int col = blockIdx.x * TD_TILE + threadIdx.x;
  float acc = 0.0f;
  for (int t = 0; t < (k + TD_TILE - 1) / TD_TILE; ++t) {
    const int ak = t * TD_TILE + threadIdx.x;
    const int bk = t * TD_TILE + threadIdx.y;
    as[threadIdx.y][threadIdx.x] = (row < m && ak < k) ? a[row * k + ak] : 0.0f;
    bs[threadIdx.y][threadIdx.x] = (bk < k && col < n) ? b[bk * n + col] : 0.0f;
    __syncthreads();
    for (int i = 0; i < TD_TILE; ++i) acc += as[threadIdx.y][i] * bs[i][threadIdx.x];
    __syncthreads();
  }
  if (row < m && col < n) c[row * n + col] = acc;
}

// The sinusoidal table of the common PyTorch PositionalEncoding module:
//   div_term = exp(arange(0, d_model, 2) * (-log(10000.0) / d_model))
//   pe[pos, 2i] = sin(pos * div_term[i]);  pe[pos, 2i+1] = cos(pos * div_term[i])
extern "C" __global__ void td_positional_encoding(float* pe, int max_len, int d_model) {
  const int idx = blockIdx.x * blockDim.x + threadIdx.x;
  if (idx >= max_len * d_model) return;
  const int pos = idx / d_model;
  const int j = idx % d_model;
  const int even = j - (j & 1);
  const float div_term = expf(static_cast<float>(even) * (-9.210340371976184f / static_cast<float>(d_model)));
  const float angle = static_cast<float>(pos) * div_term;
  pe[idx] = (j & 1) ? cosf(angle) : sinf(angle);
}
