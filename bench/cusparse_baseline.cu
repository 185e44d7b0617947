// The unfused cuSPARSE pipeline (see cusparse_baseline.cuh).
#include "cusparse_baseline.cuh"

#include <algorithm>
#include <cmath>

namespace gcnops::bench {

namespace {

// Scalar slots of the pipeline's state.
enum slot : int {
  kXNorm = 0,  // energy: ||X||
  kZNorm = 1,  // energy: ||Z||; pairnorm: ||Zc||
  kScale = 2,  // energy s; pairnorm s / sigma
  kDot = 3,    // <G, Y>
  kMu = 4,     // energy: mu
  kSlots = 5
};

// out[f] += sum_i u_if * v_if (v null: sum_i u_if). Threads (tx, ty) of a
// 32 x 8 block own column blockIdx.x * 32 + tx and every 8th row.
__global__ void column_dot_kernel(const float* u, const float* v,
                                  std::int64_t n, int w, float* out) {
  __shared__ float part[8][33];
  const int f = blockIdx.x * 32 + threadIdx.x;
  float s = 0.0f;
  if (f < w) {
    for (std::int64_t i = blockIdx.y * 8 + threadIdx.y; i < n;
         i += static_cast<std::int64_t>(gridDim.y) * 8) {
      const float a = u[i * w + f];
      s += v ? a * v[i * w + f] : a;
    }
  }
  part[threadIdx.y][threadIdx.x] = s;
  __syncthreads();
  if (threadIdx.y == 0 && f < w) {
    float t = 0.0f;
    for (int k = 0; k < 8; ++k)
      t += part[k][threadIdx.x];
    atomicAdd(out + f, t);
  }
}

void column_dot(const float* u, const float* v, std::int64_t n, int w,
                float* out, cudaStream_t s) {
  BENCH_CHECK_CUDA(cudaMemsetAsync(out, 0, sizeof(float) * w, s));
  const dim3 block(32, 8);
  const dim3 grid((w + 31) / 32, static_cast<unsigned>(std::min<std::int64_t>(
                                     1024, (n + 7) / 8)));
  column_dot_kernel<<<grid, block, 0, s>>>(u, v, n, w, out);
  BENCH_CHECK_CUDA(cudaGetLastError());
}

// y *= s, s = ||X|| / ||Z|| (1 below the guard); s is kept.
__global__ void energy_scale_kernel(float* y, std::int64_t count,
                                    float* scalars, float guard) {
  const float zn = scalars[kZNorm];
  const float s = zn >= guard ? scalars[kXNorm] / zn : 1.0f;
  const std::int64_t k =
      blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (k == 0) scalars[kScale] = s;
  if (k < count) y[k] *= s;
}

// s_f = ||X_f|| / ||Z_f|| from the squared norms (1 below the guard).
__global__ void column_scales_kernel(const float* x_sq, float* z_sq_to_scale,
                                     int w, float guard) {
  const int f = blockIdx.x * blockDim.x + threadIdx.x;
  if (f >= w) return;
  const float zn = sqrtf(z_sq_to_scale[f]);
  z_sq_to_scale[f] = zn >= guard ? sqrtf(x_sq[f]) / zn : 1.0f;
}

// y_if = scale_f (y_if - shift_f / n); null scale means 1.
__global__ void scale_shift_kernel(float* y, std::int64_t n, int w,
                                   const float* scale, const float* shift_sum) {
  const std::int64_t k =
      blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (k >= n * w) return;
  const int f = static_cast<int>(k % w);
  const float shift = shift_sum ? shift_sum[f] / static_cast<float>(n) : 0.0f;
  y[k] = (scale ? scale[f] : 1.0f) * (y[k] - shift);
}

// pairnorm: y *= s / sqrt(eps + ||Zc||^2 / N); keeps s / sigma.
__global__ void pairnorm_scale_kernel(float* y, std::int64_t n, int w,
                                      float* scalars, float s, float eps) {
  const float zn = scalars[kZNorm];
  const float scale = s / sqrtf(eps + zn * zn / static_cast<float>(n));
  const std::int64_t k =
      blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (k == 0) scalars[kScale] = scale;
  if (k < n * w) y[k] *= scale;
}

// energy backward: t = s (g - mu y), mu = <G, Y> / ||X||^2 (kept).
__global__ void energy_grad_kernel(const float* g, const float* y, float* t,
                                   std::int64_t count, float* scalars) {
  const float xn = scalars[kXNorm];
  const float mu = xn > 0 ? scalars[kDot] / (xn * xn) : 0.0f;
  const float s = scalars[kScale];
  const std::int64_t k =
      blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (k == 0) scalars[kMu] = mu;
  if (k < count) t[k] = s * (g[k] - mu * y[k]);
}

// energy_col backward: t = s_f (g - mu_f y), mu_f = gy_f / ||X_f||^2.
__global__ void energy_col_grad_kernel(const float* g, const float* y, float* t,
                                       std::int64_t n, int w, const float* x_sq,
                                       const float* scale, const float* gy) {
  const std::int64_t k =
      blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (k >= n * w) return;
  const int f = static_cast<int>(k % w);
  const float mu = x_sq[f] > 0 ? gy[f] / x_sq[f] : 0.0f;
  t[k] = scale[f] * (g[k] - mu * y[k]);
}

// dx += mu_f x, mu_f = gy_f / ||X_f||^2.
__global__ void column_axpy_kernel(float* dx, const float* x, std::int64_t n,
                                   int w, const float* x_sq, const float* gy) {
  const std::int64_t k =
      blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (k >= n * w) return;
  const int f = static_cast<int>(k % w);
  const float mu = x_sq[f] > 0 ? gy[f] / x_sq[f] : 0.0f;
  dx[k] += mu * x[k];
}

// pairnorm backward: dZc = p (g - k y), then minus its column mean, with
// p = s / sigma and k = <G, Y> / (N s^2).
__global__ void pairnorm_grad_kernel(const float* g, const float* y, float* t,
                                     std::int64_t n, int w,
                                     const float* scalars, const float* g_sum,
                                     const float* y_sum, float s) {
  const std::int64_t k =
      blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (k >= n * w) return;
  const int f = static_cast<int>(k % w);
  const float nn = static_cast<float>(n);
  const float p = scalars[kScale];
  const float kk = scalars[kDot] / (nn * s * s);
  const float mean = p * (g_sum[f] / nn - kk * y_sum[f] / nn);
  t[k] = p * (g[k] - kk * y[k]) - mean;
}

unsigned blocks_for(std::int64_t count) {
  return static_cast<unsigned>((count + 255) / 256);
}

}  // namespace

explicit_csr::explicit_csr(const normalized_adjacency& a, bool transpose) {
  // Coefficients row by row, the diagonal merged in order. Entry (i, j) of
  // A^ is r_i w_ij c_j; its transpose walks the adjacency's transposed
  // structure (w_ji at (i, j)) with the two scales swapped.
  const graph& s = transpose ? a.transposed() : a.structure();
  const auto r = transpose ? a.col_scale() : a.row_scale();
  const auto c = transpose ? a.row_scale() : a.col_scale();
  const std::int64_t n = a.num_nodes();
  std::vector<std::int32_t> rp(static_cast<std::size_t>(n) + 1, 0);
  std::vector<std::int32_t> col;
  std::vector<float> val;
  col.reserve(static_cast<std::size_t>(s.num_edges() + n));
  val.reserve(static_cast<std::size_t>(s.num_edges() + n));
  for (std::int64_t i = 0; i < n; ++i) {
    bool diag_done = false;
    auto put_diag = [&] {
      col.push_back(static_cast<std::int32_t>(i));
      val.push_back(static_cast<float>(r[i] * a.diagonal()[i] * c[i]));
      diag_done = true;
    };
    for (auto k = s.row_ptr()[i]; k < s.row_ptr()[i + 1]; ++k) {
      const auto j = s.col_idx()[k];
      if (!diag_done && j > i) put_diag();
      col.push_back(j);
      val.push_back(static_cast<float>(r[i] * s.weight(k) * c[j]));
    }
    if (!diag_done) put_diag();
    rp[i + 1] = static_cast<std::int32_t>(col.size());
  }

  // Upload and describe.
  rows_ = n;
  nnz_ = static_cast<std::int64_t>(col.size());
  row_ptr_ = cuda::device_buffer<std::int32_t>(rp.size(), "baseline row_ptr");
  col_ = cuda::device_buffer<std::int32_t>(col.size(), "baseline col");
  val_ = cuda::device_buffer<float>(val.size(), "baseline values");
  row_ptr_.upload(rp);
  col_.upload(col);
  val_.upload(val);
  BENCH_CHECK_CUSPARSE(cusparseCreateCsr(&descr_, n, n, nnz_, row_ptr_.data(),
                                         col_.data(), val_.data(),
                                         CUSPARSE_INDEX_32I, CUSPARSE_INDEX_32I,
                                         CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F));
}

explicit_csr::~explicit_csr() {
  if (descr_) cusparseDestroySpMat(descr_);
}

// One SpMM direction: descriptors for its input and output and the buffer
// of the chosen algorithm.
struct baseline_pipeline::spmm_call {
  const explicit_csr* csr = nullptr;
  cusparseDnMatDescr_t in = nullptr;
  cusparseDnMatDescr_t out = nullptr;
  cusparseSpMMAlg_t alg = CUSPARSE_SPMM_ALG_DEFAULT;
  cuda::device_buffer<char> buffer;

  ~spmm_call() {
    if (in) cusparseDestroyDnMat(in);
    if (out) cusparseDestroyDnMat(out);
  }
};

baseline_pipeline::baseline_pipeline(cusparseHandle_t sparse,
                                     cublasHandle_t blas,
                                     const explicit_csr& forward,
                                     const explicit_csr& backward,
                                     std::int64_t width, const op_config& cfg,
                                     double c)
    : sparse_(sparse),
      blas_(blas),
      forward_csr_(forward),
      backward_csr_(backward),
      rows_(forward.rows()),
      width_(width),
      cfg_(cfg),
      c_(c),
      forward_call_(std::make_unique<spmm_call>()),
      backward_call_(std::make_unique<spmm_call>()),
      t_(static_cast<std::size_t>(forward.rows() * width), "baseline t"),
      col_a_(static_cast<std::size_t>(width), "baseline columns"),
      col_b_(static_cast<std::size_t>(width), "baseline columns"),
      col_c_(static_cast<std::size_t>(width), "baseline columns"),
      scalars_(kSlots, "baseline scalars") {
  cuda::device_buffer<float> probe(static_cast<std::size_t>(rows_ * width_),
                                   "baseline probe");
  // For each direction, time both algorithms and keep the faster.
  for (auto* call : {forward_call_.get(), backward_call_.get()}) {
    call->csr = call == forward_call_.get() ? &forward_csr_ : &backward_csr_;
    BENCH_CHECK_CUSPARSE(cusparseCreateDnMat(&call->in, rows_, width_, width_,
                                             t_.data(), CUDA_R_32F,
                                             CUSPARSE_ORDER_ROW));
    BENCH_CHECK_CUSPARSE(cusparseCreateDnMat(&call->out, rows_, width_, width_,
                                             probe.data(), CUDA_R_32F,
                                             CUSPARSE_ORDER_ROW));
    float best = INFINITY;
    cusparseSpMMAlg_t best_alg = CUSPARSE_SPMM_ALG_DEFAULT;
    for (cusparseSpMMAlg_t alg :
         {CUSPARSE_SPMM_CSR_ALG2, CUSPARSE_SPMM_ALG_DEFAULT}) {
      const float one = 1.0f;
      const float zero = 0.0f;
      std::size_t bytes = 0;
      if (cusparseSpMM_bufferSize(sparse_, CUSPARSE_OPERATION_NON_TRANSPOSE,
                                  CUSPARSE_OPERATION_NON_TRANSPOSE, &one,
                                  call->csr->descr(), call->in, &zero,
                                  call->out, CUDA_R_32F, alg,
                                  &bytes) != CUSPARSE_STATUS_SUCCESS) {
        continue;
      }
      cuda::device_buffer<char> buf(std::max<std::size_t>(bytes, 1),
                                    "cusparse buffer");
      cudaEvent_t start, stop;
      BENCH_CHECK_CUDA(cudaEventCreate(&start));
      BENCH_CHECK_CUDA(cudaEventCreate(&stop));
      auto run = [&] {
        BENCH_CHECK_CUSPARSE(cusparseSpMM(
            sparse_, CUSPARSE_OPERATION_NON_TRANSPOSE,
            CUSPARSE_OPERATION_NON_TRANSPOSE, &one, call->csr->descr(),
            call->in, &zero, call->out, CUDA_R_32F, alg, buf.data()));
      };
      run();  // warm up
      BENCH_CHECK_CUDA(cudaEventRecord(start));
      for (int k = 0; k < 5; ++k)
        run();
      BENCH_CHECK_CUDA(cudaEventRecord(stop));
      BENCH_CHECK_CUDA(cudaEventSynchronize(stop));
      float ms = 0;
      BENCH_CHECK_CUDA(cudaEventElapsedTime(&ms, start, stop));
      cudaEventDestroy(start);
      cudaEventDestroy(stop);
      if (ms < best) {
        best = ms;
        best_alg = alg;
        call->buffer = std::move(buf);
      }
    }
    call->alg = best_alg;
  }
}

baseline_pipeline::~baseline_pipeline() = default;

std::string baseline_pipeline::algorithms() const {
  auto name = [](cusparseSpMMAlg_t a) {
    return a == CUSPARSE_SPMM_CSR_ALG2 ? "CSR_ALG2" : "DEFAULT";
  };
  return std::string("fwd ") + name(forward_call_->alg) + ", bwd " +
         name(backward_call_->alg);
}

void baseline_pipeline::spmm(spmm_call& call, const float* in, float* out,
                             float alpha, float beta, cudaStream_t s) {
  BENCH_CHECK_CUSPARSE(cusparseSetStream(sparse_, s));
  BENCH_CHECK_CUSPARSE(cusparseDnMatSetValues(call.in, const_cast<float*>(in)));
  BENCH_CHECK_CUSPARSE(cusparseDnMatSetValues(call.out, out));
  BENCH_CHECK_CUSPARSE(cusparseSpMM(sparse_, CUSPARSE_OPERATION_NON_TRANSPOSE,
                                    CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha,
                                    call.csr->descr(), call.in, &beta, call.out,
                                    CUDA_R_32F, call.alg, call.buffer.data()));
}

void baseline_pipeline::forward(const float* x, float* y, cudaStream_t s) {
  const std::int64_t n = rows_;
  const int w = static_cast<int>(width_);
  const std::int64_t count = n * w;
  float* sc = scalars_.data();
  BENCH_CHECK_CUBLAS(cublasSetStream(blas_, s));
  BENCH_CHECK_CUBLAS(cublasSetPointerMode(blas_, CUBLAS_POINTER_MODE_DEVICE));
  switch (cfg_.kind) {
    case op_kind::plain:
      spmm(*forward_call_, x, y, 1.0f, 0.0f, s);
      break;
    case op_kind::rescaled:
      spmm(*forward_call_, x, y, static_cast<float>(c_), 0.0f, s);
      break;
    case op_kind::shifted:
      BENCH_CHECK_CUDA(cudaMemcpyAsync(y, x, sizeof(float) * count,
                                       cudaMemcpyDeviceToDevice, s));
      spmm(*forward_call_, x, y, static_cast<float>(1 - cfg_.alpha),
           static_cast<float>(cfg_.alpha), s);
      break;
    case op_kind::energy:
      spmm(*forward_call_, x, y, 1.0f, 0.0f, s);
      BENCH_CHECK_CUBLAS(
          cublasSnrm2(blas_, static_cast<int>(count), x, 1, sc + kXNorm));
      BENCH_CHECK_CUBLAS(
          cublasSnrm2(blas_, static_cast<int>(count), y, 1, sc + kZNorm));
      energy_scale_kernel<<<blocks_for(count), 256, 0, s>>>(
          y, count, sc, static_cast<float>(cfg_.guard));
      break;
    case op_kind::energy_col:
      spmm(*forward_call_, x, y, 1.0f, 0.0f, s);
      column_dot(x, x, n, w, col_a_.data(), s);
      column_dot(y, y, n, w, col_b_.data(), s);
      column_scales_kernel<<<(w + 255) / 256, 256, 0, s>>>(
          col_a_.data(), col_b_.data(), w, static_cast<float>(cfg_.guard));
      scale_shift_kernel<<<blocks_for(count), 256, 0, s>>>(
          y, n, w, col_b_.data(), nullptr);
      break;
    case op_kind::mean_centered:
      spmm(*forward_call_, x, y, 1.0f, 0.0f, s);
      column_dot(y, nullptr, n, w, col_a_.data(), s);
      scale_shift_kernel<<<blocks_for(count), 256, 0, s>>>(y, n, w, nullptr,
                                                           col_a_.data());
      break;
    case op_kind::pairnorm:
      spmm(*forward_call_, x, y, 1.0f, 0.0f, s);
      column_dot(y, nullptr, n, w, col_a_.data(), s);
      scale_shift_kernel<<<blocks_for(count), 256, 0, s>>>(y, n, w, nullptr,
                                                           col_a_.data());
      BENCH_CHECK_CUBLAS(
          cublasSnrm2(blas_, static_cast<int>(count), y, 1, sc + kZNorm));
      pairnorm_scale_kernel<<<blocks_for(count), 256, 0, s>>>(
          y, n, w, sc, static_cast<float>(cfg_.scale),
          static_cast<float>(cfg_.eps));
      break;
  }
  BENCH_CHECK_CUDA(cudaGetLastError());
}

void baseline_pipeline::backward(const float* x, const float* y, const float* g,
                                 float* dx, cudaStream_t s) {
  const std::int64_t n = rows_;
  const int w = static_cast<int>(width_);
  const std::int64_t count = n * w;
  float* sc = scalars_.data();
  float* t = t_.data();
  BENCH_CHECK_CUBLAS(cublasSetStream(blas_, s));
  BENCH_CHECK_CUBLAS(cublasSetPointerMode(blas_, CUBLAS_POINTER_MODE_DEVICE));
  switch (cfg_.kind) {
    case op_kind::plain:
      spmm(*backward_call_, g, dx, 1.0f, 0.0f, s);
      break;
    case op_kind::rescaled:
      spmm(*backward_call_, g, dx, static_cast<float>(c_), 0.0f, s);
      break;
    case op_kind::shifted:
      BENCH_CHECK_CUDA(cudaMemcpyAsync(dx, g, sizeof(float) * count,
                                       cudaMemcpyDeviceToDevice, s));
      spmm(*backward_call_, g, dx, static_cast<float>(1 - cfg_.alpha),
           static_cast<float>(cfg_.alpha), s);
      break;
    case op_kind::energy:
      BENCH_CHECK_CUBLAS(
          cublasSdot(blas_, static_cast<int>(count), g, 1, y, 1, sc + kDot));
      energy_grad_kernel<<<blocks_for(count), 256, 0, s>>>(g, y, t, count, sc);
      spmm(*backward_call_, t, dx, 1.0f, 0.0f, s);
      BENCH_CHECK_CUBLAS(
          cublasSaxpy(blas_, static_cast<int>(count), sc + kMu, x, 1, dx, 1));
      break;
    case op_kind::energy_col:
      // col_a holds ||X_f||^2 and col_b s_f from the forward pass.
      column_dot(g, y, n, w, col_c_.data(), s);
      energy_col_grad_kernel<<<blocks_for(count), 256, 0, s>>>(
          g, y, t, n, w, col_a_.data(), col_b_.data(), col_c_.data());
      spmm(*backward_call_, t, dx, 1.0f, 0.0f, s);
      column_axpy_kernel<<<blocks_for(count), 256, 0, s>>>(
          dx, x, n, w, col_a_.data(), col_c_.data());
      break;
    case op_kind::mean_centered:
      column_dot(g, nullptr, n, w, col_a_.data(), s);
      BENCH_CHECK_CUDA(cudaMemcpyAsync(t, g, sizeof(float) * count,
                                       cudaMemcpyDeviceToDevice, s));
      scale_shift_kernel<<<blocks_for(count), 256, 0, s>>>(t, n, w, nullptr,
                                                           col_a_.data());
      spmm(*backward_call_, t, dx, 1.0f, 0.0f, s);
      break;
    case op_kind::pairnorm:
      BENCH_CHECK_CUBLAS(
          cublasSdot(blas_, static_cast<int>(count), g, 1, y, 1, sc + kDot));
      column_dot(g, nullptr, n, w, col_a_.data(), s);
      column_dot(y, nullptr, n, w, col_b_.data(), s);
      pairnorm_grad_kernel<<<blocks_for(count), 256, 0, s>>>(
          g, y, t, n, w, sc, col_a_.data(), col_b_.data(),
          static_cast<float>(cfg_.scale));
      spmm(*backward_call_, t, dx, 1.0f, 0.0f, s);
      break;
  }
  BENCH_CHECK_CUDA(cudaGetLastError());
}

}  // namespace gcnops::bench
