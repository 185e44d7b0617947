// bench/cusparse_baseline.cuh: the unfused pipeline gcnops is measured
// against.
//
// What a careful user would write without gcnops: A^ (and A^T) stored
// explicitly as CSR with pre-normalised float values, the diagonal
// included, 32-bit offsets and indices; cusparseSpMM with its descriptors
// and buffers created once, using the faster of CSR_ALG2 and the default
// algorithm for each (graph, F); then the separate reductions (cuBLAS where
// it has them) and element-wise kernels that each operator needs.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusparse.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "gcnops/adjacency.hpp"
#include "gcnops/cuda/runtime.hpp"
#include "gcnops/operators.hpp"

namespace gcnops::bench {

#define BENCH_CHECK_CUDA(call)                                            \
  do {                                                                    \
    const cudaError_t s_ = (call);                                        \
    if (s_ != cudaSuccess) {                                              \
      throw std::runtime_error(std::string(#call) + ": " +                \
                               cudaGetErrorName(s_) + " at " + __FILE__ + \
                               ":" + std::to_string(__LINE__));           \
    }                                                                     \
  } while (0)

#define BENCH_CHECK_CUSPARSE(call)                                            \
  do {                                                                        \
    const cusparseStatus_t s_ = (call);                                       \
    if (s_ != CUSPARSE_STATUS_SUCCESS) {                                      \
      throw std::runtime_error(std::string(#call) + ": " +                    \
                               cusparseGetErrorName(s_) + " at " + __FILE__ + \
                               ":" + std::to_string(__LINE__));               \
    }                                                                         \
  } while (0)

#define BENCH_CHECK_CUBLAS(call)                                               \
  do {                                                                         \
    const cublasStatus_t s_ = (call);                                          \
    if (s_ != CUBLAS_STATUS_SUCCESS) {                                         \
      throw std::runtime_error(std::string(#call) + ": cuBLAS status " +       \
                               std::to_string(static_cast<int>(s_)) + " at " + \
                               __FILE__ + ":" + std::to_string(__LINE__));     \
    }                                                                          \
  } while (0)

// Explicit CSR of A^ or A^T on the device, with a cuSPARSE descriptor.
class explicit_csr {
 public:
  explicit_csr(const normalized_adjacency& a, bool transpose);
  ~explicit_csr();
  explicit_csr(const explicit_csr&) = delete;
  explicit_csr& operator=(const explicit_csr&) = delete;

  cusparseSpMatDescr_t descr() const { return descr_; }
  std::int64_t nnz() const { return nnz_; }
  std::int64_t rows() const { return rows_; }

 private:
  std::int64_t rows_ = 0;
  std::int64_t nnz_ = 0;
  cuda::device_buffer<std::int32_t> row_ptr_;
  cuda::device_buffer<std::int32_t> col_;
  cuda::device_buffer<float> val_;
  cusparseSpMatDescr_t descr_ = nullptr;
};

// One operator's unfused pipeline for fixed N x F buffers.
class baseline_pipeline {
 public:
  baseline_pipeline(cusparseHandle_t sparse, cublasHandle_t blas,
                    const explicit_csr& forward, const explicit_csr& backward,
                    std::int64_t width, const op_config& cfg, double c);
  ~baseline_pipeline();
  baseline_pipeline(const baseline_pipeline&) = delete;
  baseline_pipeline& operator=(const baseline_pipeline&) = delete;

  // y = P(x); keeps what backward() needs in its own buffers.
  void forward(const float* x, float* y, cudaStream_t s);
  // dx for upstream g, after forward(x, y).
  void backward(const float* x, const float* y, const float* g, float* dx,
                cudaStream_t s);

  // The SpMM algorithm chosen per direction, for labels.
  std::string algorithms() const;

 private:
  struct spmm_call;
  void spmm(spmm_call& call, const float* in, float* out, float alpha,
            float beta, cudaStream_t s);

  cusparseHandle_t sparse_;
  cublasHandle_t blas_;
  const explicit_csr& forward_csr_;
  const explicit_csr& backward_csr_;
  std::int64_t rows_;
  std::int64_t width_;
  op_config cfg_;
  double c_;
  std::unique_ptr<spmm_call> forward_call_;
  std::unique_ptr<spmm_call> backward_call_;
  // Scratch: an N x F matrix and per-column / scalar values.
  cuda::device_buffer<float> t_;
  cuda::device_buffer<float> col_a_;
  cuda::device_buffer<float> col_b_;
  cuda::device_buffer<float> col_c_;
  cuda::device_buffer<float> scalars_;
};

}  // namespace gcnops::bench
