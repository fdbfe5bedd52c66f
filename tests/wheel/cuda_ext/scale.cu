// The test extension's CUDA part (compiled only when torchdoctor.build_env() says so).
__global__ void scale(float* data, int n, float factor) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) data[i] *= factor;
}

extern "C" int td_scale_launch(float* data, int n, float factor) {
  scale<<<(n + 255) / 256, 256>>>(data, n, factor);
  return static_cast<int>(cudaGetLastError());
}
