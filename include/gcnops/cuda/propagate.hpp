// gcnops/cuda/propagate.hpp: the propagation operators on the GPU, with the
// layer's element-wise work fused in.
//
// Contract
//   - propagation_plan is created once per (device_graph, feature width F)
//     and holds every workspace its kernels need, so that forward() and
//     backward() allocate nothing. A plan is used by one host thread at a
//     time and enqueues on its stream (set_stream() changes it).
//   - device_op_state is what a forward pass leaves for its backward pass
//     (scales, column means, norms: O(F) device memory). One state per
//     layer; the plan itself keeps no per-layer data.
//   - Every matrix is row-major N x F float in device memory, N =
//     graph.num_nodes(), 16-byte aligned for the vectorised path (any
//     alignment works, slower). Outputs are overwritten and must not
//     overlap inputs, except where noted.
//   - forward(): y = P(x) as in docs/OPERATORS.md, and when epilogue.out
//     is set, out = act(y + bias) + residual (bias: F floats or null,
//     residual: N x F or null). With epilogue.energy, ||out||^2 (or ||y||^2
//     without out) is accumulated in the same pass; read it with
//     last_energy(), which waits, or have it written to the device scalar
//     epilogue.energy_out, which does not.
//   - backward(): g = d_out * act'(y + bias), then dx = dP/dx^T g; when
//     prologue.d_bias is set it receives colsum(g). `x` and `y` are the
//     forward's input and output, `state` the forward's state.
//   - Results are deterministic: no floating-point atomics; every reduction
//     runs in a fixed order for a given device, so the same inputs give
//     bitwise the same outputs run after run.
//   - Shapes and pointers are checked before any launch (invalid_argument);
//     CUDA failures throw device_error naming the kernel, file and line.
//   - Each call is an NVTX range named "gcnops::<op>::<direction>".
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "gcnops/cuda/graph.hpp"
#include "gcnops/cuda/runtime.hpp"
#include "gcnops/layer.hpp"
#include "gcnops/operators.hpp"

namespace gcnops::cuda {

struct layer_epilogue {
  activation act = activation::identity;
  const float* bias = nullptr;      // F floats, device
  const float* residual = nullptr;  // N x F, device; added after act
  float* out = nullptr;             // N x F, device; null: y only
  bool energy = false;              // measure the energy of the output
  double* energy_out = nullptr;     // device: also receives it, no wait
};

struct layer_prologue {
  activation act = activation::identity;
  const float* bias = nullptr;  // F floats, device (as in the forward)
  float* d_bias = nullptr;      // F floats, device: colsum(g), overwritten
};

// Host copies of a state's scalars, for tests and reports.
struct op_scalars {
  double scale = 1.0;             // rescaled c, energy s, pairnorm s / sigma
  double sigma = 1.0;             // pairnorm
  double x_norm_sq = 0.0;         // energy
  bool guarded = false;           // energy: ||Z|| < guard
  std::vector<double> col_scale;  // energy_col s_f; shift scale otherwise
  std::vector<double> col_shift;  // column means (mean_centered, pairnorm)
};

class device_op_state {
 public:
  device_op_state() = default;
  explicit device_op_state(std::int64_t width);

  std::int64_t width() const noexcept { return width_; }
  op_kind kind() const noexcept { return kind_; }
  // Copies the scalars to the host (synchronises `stream`).
  op_scalars scalars(stream_t stream = nullptr) const;

 private:
  friend class propagation_plan;
  std::int64_t width_ = 0;
  op_kind kind_ = op_kind::plain;
  bool valid_ = false;
  // Per column: the forward's affine map y = scale * (z - shift), and the
  // squared input norms of energy_col. Scalars: see op_scalars.
  device_buffer<float> col_scale_;
  device_buffer<float> col_shift_;
  device_buffer<double> col_x_norm_sq_;
  device_buffer<double> scalars_;
};

class propagation_plan {
 public:
  propagation_plan(const device_graph& graph, std::int64_t width,
                   stream_t stream = nullptr);
  ~propagation_plan();
  propagation_plan(propagation_plan&&) noexcept;
  propagation_plan& operator=(propagation_plan&&) noexcept;

  void forward(const op_config& cfg, const float* x, float* y,
               device_op_state& state, const layer_epilogue& epilogue = {});

  void backward(const op_config& cfg, const device_op_state& state,
                const float* x, const float* y, const float* d_out, float* dx,
                const layer_prologue& prologue = {});

  // ||out||^2 of the last forward() with epilogue.energy set; synchronises.
  double last_energy();

  std::int64_t width() const noexcept;
  const device_graph& graph() const noexcept;
  stream_t stream() const noexcept;
  void set_stream(stream_t stream) noexcept;
  std::size_t workspace_bytes() const noexcept;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace gcnops::cuda
