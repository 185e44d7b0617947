// The operations a model needs from a backend (private to host/).
//
// model_impl (model.cpp) is written once against this interface; the CPU
// backend (cpu_compute.cpp, float or double) and the CUDA backend
// (host/cuda/compute.cpp, float) implement it. Tensors are views into
// memory the backend owns: host memory for the CPU, device memory for
// CUDA. Calls may run asynchronously; those returning host values wait.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "gcnops/adjacency.hpp"
#include "gcnops/graph.hpp"
#include "gcnops/layer.hpp"
#include "gcnops/matrix.hpp"
#include "gcnops/model.hpp"
#include "gcnops/operators.hpp"

namespace gcnops::detail {

template <class T>
using tensor = matrix_view<T>;

// Where the dropout mask of one tensor comes from: element k of the tensor
// is kept when dropout_keeps(stream_key(seed, stream), k,
// dropout_threshold(p)) (gcnops/random.hpp).
struct dropout_key {
  double p = 0.0;
  std::uint64_t seed = 0;
  std::uint64_t stream = 0;

  bool operator==(const dropout_key&) const = default;
};

// Dropout stream of a layer's input at a step; evaluation uses p = 0.
inline std::uint64_t dropout_stream(std::int64_t step, std::int64_t layer) {
  return (static_cast<std::uint64_t>(step) << 16) ^
         static_cast<std::uint64_t>(layer);
}

struct adam_params {
  double lr;
  double beta1;
  double beta2;
  double eps;
  double weight_decay;
  std::int64_t step;  // 1-based, for the bias corrections
};

template <class T>
class compute {
 public:
  virtual ~compute() = default;
  virtual std::string name() const = 0;
  // Memory the backend holds for the model: tensors, graph, workspaces.
  virtual std::size_t bytes() const = 0;

  // Memory owned by the backend until it is destroyed; zero-filled.
  virtual tensor<T> make(std::int64_t rows, std::int64_t cols) = 0;
  virtual void upload(tensor<T> dst, std::span<const T> src) = 0;
  virtual void download(tensor<const T> src, std::span<T> dst) = 0;
  virtual void copy(tensor<const T> src, tensor<T> dst) = 0;
  virtual void zero(tensor<T> t) = 0;

  // The graph's operator, the features, labels and splits, once.
  virtual void set_graph(const graph& g, const adjacency_options& a) = 0;
  virtual void set_features(const matrix<float>& x) = 0;
  virtual void set_labels(std::span<const std::int32_t> labels,
                          std::span<const std::int32_t> train,
                          std::span<const std::int32_t> val,
                          std::span<const std::int32_t> test) = 0;
  virtual double rescale_constant() const = 0;

  // c = alpha op(a) op(b) + beta c, row-major; op transposes when asked.
  virtual void gemm(bool trans_a, bool trans_b, T alpha, tensor<const T> a,
                    tensor<const T> b, T beta, tensor<T> c) = 0;
  // out = drop(X) w and dw = drop(X)^T d for the features X.
  virtual void features_times(const dropout_key& key, tensor<const T> w,
                              tensor<T> out) = 0;
  virtual void features_transpose_times(const dropout_key& key,
                                        tensor<const T> d, tensor<T> dw) = 0;
  // out = drop(in), and the same map for gradients.
  virtual void dropout(const dropout_key& key, tensor<const T> in,
                       tensor<T> out) = 0;

  // y = P(x), then out = act(y + bias) + residual when out is set;
  // `slot` keeps the operator's state for the backward pass. With
  // energy_probe >= 0, E(out) (E(y) without out) goes to that probe.
  virtual void propagate(int slot, const op_config& op, tensor<const T> x,
                         tensor<T> y, activation act, const T* bias,
                         const T* residual, T* out, int energy_probe) = 0;
  // g = d_out * act'(y + bias); dx = dP^T g; d_bias = colsum(g) if set.
  virtual void propagate_backward(int slot, const op_config& op,
                                  tensor<const T> x, tensor<const T> y,
                                  tensor<const T> d_out, tensor<T> dx,
                                  activation act, const T* bias, T* d_bias) = 0;
  // out = act(u + bias) + residual (bias, residual nullable).
  virtual void bias_activation(tensor<const T> u, const T* bias, activation act,
                               const T* residual, tensor<T> out) = 0;
  // du = d_out * act'(u + bias); d_bias = colsum(du) if set.
  virtual void bias_activation_backward(tensor<const T> d_out,
                                        tensor<const T> u, const T* bias,
                                        activation act, tensor<T> du,
                                        T* d_bias) = 0;
  // y = alpha x + beta y.
  virtual void axpby(T alpha, tensor<const T> x, T beta, tensor<T> y) = 0;

  // Mean cross-entropy over the training nodes and its gradient.
  virtual double cross_entropy(tensor<const T> logits, tensor<T> d_logits) = 0;
  // Correct predictions per split: train, val, test.
  virtual std::vector<std::int64_t> correct(tensor<const T> logits) = 0;
  virtual void adam(tensor<T> param, tensor<const T> grad, tensor<T> m,
                    tensor<T> v, const adam_params& a) = 0;

  // Energies: queued into numbered probe slots, read together.
  virtual void energy(tensor<const T> x, int probe) = 0;
  virtual void dirichlet(tensor<const T> x, int probe) = 0;
  virtual std::vector<double> read_probes(int count) = 0;
  // Whether every element is finite (waits).
  virtual bool all_finite(tensor<const T> x) = 0;
};

template <class T>
std::unique_ptr<compute<T>> make_cpu_compute();
std::unique_ptr<compute<float>> make_cuda_compute();

}  // namespace gcnops::detail
