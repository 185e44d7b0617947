// The CUDA backend of the model (host/model/compute.hpp), in float.
//
// Propagation goes to propagation_plan (one per width, one op state per
// layer slot) with the layer epilogue and prologue fused; dense products go
// to cuBLAS; everything else to model_kernels.cu. Work is queued on the
// default stream; only the calls that return host values wait.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <deque>
#include <map>
#include <optional>

#include "../../kernels/model_launch.hpp"
#include "../model/compute.hpp"
#include "check.hpp"
#include "gcnops/cuda/graph.hpp"
#include "gcnops/cuda/propagate.hpp"
#include "nvtx.hpp"

namespace gcnops::detail {

namespace {

using cuda::device_buffer;

const char* cublas_status_name(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH:
      return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
    default:
      return "CUBLAS_STATUS_INTERNAL_ERROR";
  }
}

void check_cublas(cublasStatus_t s, const char* call, const char* file,
                  int line, const std::string& sizes) {
  if (s == CUBLAS_STATUS_SUCCESS) return;
  const std::string message =
      gcnops::detail::concat(call, " failed at ", file, ":", line, ": ",
                             cublas_status_name(s), "; ", sizes);
  if (s == CUBLAS_STATUS_ALLOC_FAILED) throw out_of_memory(0, message);
  throw device_error(message);
}

#define GCNOPS_CUBLAS_CHECK(call, ...)            \
  check_cublas((call), #call, __FILE__, __LINE__, \
               ::gcnops::detail::concat(__VA_ARGS__))

class cuda_compute final : public compute<float> {
 public:
  cuda_compute() {
    GCNOPS_CUBLAS_CHECK(cublasCreate(&blas_), "creating the handle");
    // Deterministic results: no atomics-based algorithms in cuBLAS.
    GCNOPS_CUBLAS_CHECK(cublasSetAtomicsMode(blas_, CUBLAS_ATOMICS_NOT_ALLOWED),
                        "");
    GCNOPS_CUBLAS_CHECK(cublasSetMathMode(blas_, CUBLAS_PEDANTIC_MATH),
                        "fp32 without tensor-core shortcuts");
    partials_ = device_buffer<double>(kernels::kReducePartials, "reduce");
    scalar_ = device_buffer<double>(1, "loss");
    flag_ = device_buffer<unsigned long long>(1, "finite check");
  }
  ~cuda_compute() override { cublasDestroy(blas_); }

  std::string name() const override {
    return "cuda (" + cuda::device_summary() + ")";
  }

  std::size_t bytes() const override {
    std::size_t total = features_.bytes() + dropped_.bytes() + labels_.bytes() +
                        train_.bytes() + terms_.bytes() + pred_.bytes() +
                        partials_.bytes() + probes_.bytes();
    for (const auto& b : storage_)
      total += b.bytes();
    for (const auto& [shape, b] : scratch_)
      total += b.bytes();
    for (const auto& [w, p] : plans_)
      total += p.workspace_bytes();
    for (const auto& [w, p] : sym_plans_)
      total += p.workspace_bytes();
    if (graph_) total += graph_->device_bytes();
    if (sym_graph_) total += sym_graph_->device_bytes();
    return total;
  }

  tensor<float> make(std::int64_t rows, std::int64_t cols) override {
    auto& b = storage_.emplace_back(static_cast<std::size_t>(rows * cols),
                                    "model tensor");
    b.zero();
    return {b.data(), rows, cols};
  }
  void upload(tensor<float> dst, std::span<const float> src) override {
    cuda::detail::copy(dst.data, src.data(), src.size_bytes(),
                       cuda::detail::copy_kind::host_to_device, nullptr);
  }
  void download(tensor<const float> src, std::span<float> dst) override {
    cuda::detail::copy(dst.data(), src.data, dst.size_bytes(),
                       cuda::detail::copy_kind::device_to_host, nullptr);
  }
  void copy(tensor<const float> src, tensor<float> dst) override {
    cuda::detail::copy(dst.data, src.data, sizeof(float) * src.size(),
                       cuda::detail::copy_kind::device_to_device, nullptr);
  }
  void zero(tensor<float> t) override {
    cuda::detail::fill_zero(t.data, sizeof(float) * t.size(), nullptr);
  }

  void set_graph(const graph& g, const adjacency_options& a) override {
    graph_ = std::make_unique<cuda::device_graph>(g, a);
    host_graph_ = g;
    adjacency_ = a;
  }

  void set_features(const matrix<float>& x) override {
    features_ =
        device_buffer<float>(static_cast<std::size_t>(x.size()), "features");
    features_.upload(x.values());
    dropped_ = device_buffer<float>(static_cast<std::size_t>(x.size()),
                                    "dropped features");
    feature_rows_ = x.rows();
    feature_cols_ = x.cols();
    dropped_key_.reset();
  }

  void set_labels(std::span<const std::int32_t> labels,
                  std::span<const std::int32_t> train,
                  std::span<const std::int32_t> val,
                  std::span<const std::int32_t> test) override {
    labels_host_.assign(labels.begin(), labels.end());
    splits_ = {std::vector<std::int32_t>(train.begin(), train.end()),
               std::vector<std::int32_t>(val.begin(), val.end()),
               std::vector<std::int32_t>(test.begin(), test.end())};
    labels_ = device_buffer<std::int32_t>(labels.size(), "labels");
    labels_.upload(labels);
    train_ = device_buffer<std::int32_t>(train.size(), "train nodes");
    train_.upload(train);
    terms_ = device_buffer<double>(std::max<std::size_t>(train.size(), 1),
                                   "loss terms");
    pred_ = device_buffer<std::int32_t>(labels.size(), "predictions");
  }

  double rescale_constant() const override {
    return graph_->rescale_constant();
  }

  // Row-major C = A B is column-major C^T = B^T A^T: swap the operands.
  void gemm(bool ta, bool tb, float alpha, tensor<const float> a,
            tensor<const float> b, float beta, tensor<float> c) override {
    const std::int64_t k = ta ? a.rows : a.cols;
    if (c.rows == 0 || c.cols == 0) return;
    GCNOPS_CUBLAS_CHECK(
        cublasSgemm(blas_, tb ? CUBLAS_OP_T : CUBLAS_OP_N,
                    ta ? CUBLAS_OP_T : CUBLAS_OP_N, static_cast<int>(c.cols),
                    static_cast<int>(c.rows), static_cast<int>(k), &alpha,
                    b.data, static_cast<int>(std::max<std::int64_t>(1, b.cols)),
                    a.data, static_cast<int>(std::max<std::int64_t>(1, a.cols)),
                    &beta, c.data, static_cast<int>(c.cols)),
        "C ", c.rows, " x ", c.cols, ", inner ", k);
  }

  void features_times(const dropout_key& key, tensor<const float> w,
                      tensor<float> out) override {
    gemm(false, false, 1.0f, dropped_features(key), w, 0.0f, out);
  }

  void features_transpose_times(const dropout_key& key, tensor<const float> d,
                                tensor<float> dw) override {
    gemm(true, false, 1.0f, dropped_features(key), d, 0.0f, dw);
  }

  void dropout(const dropout_key& key, tensor<const float> in,
               tensor<float> out) override {
    if (key.p == 0.0) {
      if (in.data != out.data) copy(in, out);
      return;
    }
    GCNOPS_LAUNCH_CHECK(kernels::dropout(in.data, out.data, in.size(), key.p,
                                         key.seed, key.stream, nullptr),
                        nullptr, "dropout of ", in.rows, " x ", in.cols);
  }

  void propagate(int slot, const op_config& op, tensor<const float> x,
                 tensor<float> y, activation act, const float* bias,
                 const float* residual, float* out, int energy_probe) override {
    // The output energy comes from the epilogue's fused sums, straight
    // into the probe slot.
    if (energy_probe >= 0) ensure_probes(energy_probe);
    plan(x.cols).forward(
        op, x.data, y.data, state(slot, x.cols),
        {.act = act,
         .bias = bias,
         .residual = residual,
         .out = out,
         .energy = energy_probe >= 0,
         .energy_out =
             energy_probe >= 0 ? probes_.data() + energy_probe : nullptr});
  }

  void propagate_backward(int slot, const op_config& op, tensor<const float> x,
                          tensor<const float> y, tensor<const float> d_out,
                          tensor<float> dx, activation act, const float* bias,
                          float* d_bias) override {
    plan(x.cols).backward(op, state(slot, x.cols), x.data, y.data, d_out.data,
                          dx.data,
                          {.act = act, .bias = bias, .d_bias = d_bias});
  }

  void bias_activation(tensor<const float> u, const float* bias, activation act,
                       const float* residual, tensor<float> out) override {
    GCNOPS_LAUNCH_CHECK(
        kernels::bias_activation(u.data, bias, act, residual, out.data, u.rows,
                                 static_cast<int>(u.cols), nullptr),
        nullptr, "bias_activation of ", u.rows, " x ", u.cols);
  }

  void bias_activation_backward(tensor<const float> d_out,
                                tensor<const float> u, const float* bias,
                                activation act, tensor<float> du,
                                float* d_bias) override {
    GCNOPS_LAUNCH_CHECK(kernels::bias_activation_backward(
                            d_out.data, u.data, bias, act, du.data, u.rows,
                            static_cast<int>(u.cols), nullptr),
                        nullptr, "bias_activation_backward of ", u.rows, " x ",
                        u.cols);
    if (d_bias) {
      GCNOPS_LAUNCH_CHECK(
          kernels::column_sums(du.data, du.rows, static_cast<int>(du.cols),
                               d_bias, nullptr),
          nullptr, "column sums of ", du.rows, " x ", du.cols);
    }
  }

  void axpby(float alpha, tensor<const float> x, float beta,
             tensor<float> y) override {
    GCNOPS_LAUNCH_CHECK(
        kernels::axpby(alpha, x.data, beta, y.data, x.size(), nullptr), nullptr,
        "axpby of ", x.size(), " elements");
  }

  double cross_entropy(tensor<const float> logits,
                       tensor<float> d_logits) override {
    zero(d_logits);
    GCNOPS_LAUNCH_CHECK(
        kernels::cross_entropy(
            logits.data, static_cast<int>(logits.cols), labels_.data(),
            train_.data(), static_cast<std::int64_t>(splits_[0].size()),
            d_logits.data, terms_.data(), scalar_.data(), nullptr),
        nullptr, "cross entropy over ", splits_[0].size(), " nodes");
    return scalar_.to_host()[0];
  }

  std::vector<std::int64_t> correct(tensor<const float> logits) override {
    GCNOPS_LAUNCH_CHECK(kernels::argmax_rows(logits.data, logits.rows,
                                             static_cast<int>(logits.cols),
                                             pred_.data(), nullptr),
                        nullptr, "argmax of ", logits.rows, " rows");
    const std::vector<std::int32_t> pred = pred_.to_host();
    std::vector<std::int64_t> hits;
    for (const auto& split : splits_) {
      std::int64_t h = 0;
      for (std::int32_t i : split)
        h += pred[i] == labels_host_[i];
      hits.push_back(h);
    }
    return hits;
  }

  void adam(tensor<float> param, tensor<const float> grad, tensor<float> m,
            tensor<float> v, const adam_params& a) override {
    const kernels::adam_args k{
        static_cast<float>(a.lr),
        static_cast<float>(a.beta1),
        static_cast<float>(a.beta2),
        static_cast<float>(a.eps),
        static_cast<float>(a.weight_decay),
        static_cast<float>(1.0 - std::pow(a.beta1, double(a.step))),
        static_cast<float>(1.0 - std::pow(a.beta2, double(a.step)))};
    GCNOPS_LAUNCH_CHECK(kernels::adam(param.data, grad.data, m.data, v.data,
                                      param.size(), k, nullptr),
                        nullptr, "adam on ", param.size(), " parameters");
  }

  void energy(tensor<const float> x, int slot) override {
    ensure_probes(slot);
    GCNOPS_LAUNCH_CHECK(
        kernels::reduce_energy(x.data, nullptr, x.size(), partials_.data(),
                               probes_.data() + slot, nullptr),
        nullptr, "energy of ", x.rows, " x ", x.cols);
  }

  // E_D(X) = <X, X - A^sym X>, with A^sym applied by a plan over a sym
  // copy of the graph (built on first use).
  void dirichlet(tensor<const float> x, int slot) override {
    ensure_probes(slot);
    if (!sym_graph_) {
      sym_graph_ = std::make_unique<cuda::device_graph>(
          host_graph_, adjacency_options{.norm = normalization::sym,
                                         .self_loop = adjacency_.self_loop});
    }
    auto& p = sym_plans_.try_emplace(x.cols, *sym_graph_, x.cols).first->second;
    auto& st = sym_states_.try_emplace(x.cols, x.cols).first->second;
    tensor<float> ax = scratch(x.rows, x.cols);
    p.forward(op_config{}, x.data, ax.data, st);  // plain
    GCNOPS_LAUNCH_CHECK(
        kernels::reduce_energy(x.data, ax.data, x.size(), partials_.data(),
                               probes_.data() + slot, nullptr),
        nullptr, "Dirichlet energy of ", x.rows, " x ", x.cols);
  }

  std::vector<double> read_probes(int count) override {
    ensure_probes(count - 1);
    std::vector<double> out(static_cast<std::size_t>(count));
    if (count > 0) probes_.download(std::span<double>(out));
    return out;
  }

  bool all_finite(tensor<const float> x) override {
    GCNOPS_LAUNCH_CHECK(
        kernels::count_non_finite(x.data, x.size(), flag_.data(), nullptr),
        nullptr, "finite check of ", x.size(), " elements");
    return flag_.to_host()[0] == 0;
  }

 private:
  tensor<const float> dropped_features(const dropout_key& key) {
    const tensor<const float> x{features_.data(), feature_rows_, feature_cols_};
    if (key.p == 0.0) return x;
    tensor<float> out{dropped_.data(), feature_rows_, feature_cols_};
    // The backward pass of a step asks for the forward's mask again: the
    // N x F pass over X runs once per key.
    if (dropped_key_ != key) {
      dropout(key, x, out);
      dropped_key_ = key;
    }
    return out;
  }

  cuda::propagation_plan& plan(std::int64_t width) {
    return plans_.try_emplace(width, *graph_, width).first->second;
  }

  cuda::device_op_state& state(int slot, std::int64_t width) {
    auto it = states_.find(slot);
    if (it == states_.end() || it->second.width() != width) {
      it = states_.insert_or_assign(slot, cuda::device_op_state(width)).first;
    }
    return it->second;
  }

  tensor<float> scratch(std::int64_t rows, std::int64_t cols) {
    auto& b = scratch_[{rows, cols}];
    if (b.empty()) b = device_buffer<float>(rows * cols, "scratch");
    return {b.data(), rows, cols};
  }

  void ensure_probes(int slot) {
    const auto need = static_cast<std::size_t>(slot + 1);
    if (probes_.size() >= need) return;
    device_buffer<double> grown(std::max<std::size_t>(need, 64), "probes");
    grown.zero();
    if (!probes_.empty()) {
      cuda::detail::copy(grown.data(), probes_.data(), probes_.bytes(),
                         cuda::detail::copy_kind::device_to_device, nullptr);
    }
    probes_ = std::move(grown);
  }

  cublasHandle_t blas_ = nullptr;
  std::deque<device_buffer<float>> storage_;
  std::unique_ptr<cuda::device_graph> graph_;
  std::unique_ptr<cuda::device_graph> sym_graph_;
  graph host_graph_;
  adjacency_options adjacency_;
  std::map<std::int64_t, cuda::propagation_plan> plans_;
  std::map<std::int64_t, cuda::propagation_plan> sym_plans_;
  std::map<std::int64_t, cuda::device_op_state> sym_states_;
  std::map<int, cuda::device_op_state> states_;
  std::map<std::pair<std::int64_t, std::int64_t>, device_buffer<float>>
      scratch_;
  device_buffer<float> features_;
  device_buffer<float> dropped_;
  std::int64_t feature_rows_ = 0;
  std::int64_t feature_cols_ = 0;
  std::optional<dropout_key> dropped_key_;  // the mask dropped_ holds
  std::vector<std::int32_t> labels_host_;
  std::vector<std::vector<std::int32_t>> splits_;
  device_buffer<std::int32_t> labels_;
  device_buffer<std::int32_t> train_;
  device_buffer<double> terms_;
  device_buffer<std::int32_t> pred_;
  device_buffer<double> partials_;
  device_buffer<double> scalar_;
  device_buffer<unsigned long long> flag_;
  device_buffer<double> probes_;
};

}  // namespace

std::unique_ptr<compute<float>> make_cuda_compute() {
  return std::make_unique<cuda_compute>();
}

}  // namespace gcnops::detail
