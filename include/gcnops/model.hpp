// gcnops/model.hpp: deep GCNs on a dataset, trained and probed layer by
// layer.
//
// Contract
//   - A model is L layers over a dataset's graph and features. Layer l
//     (1-based) maps H_{l-1} (H_0 = X, the features) to
//         H_l = act(P(drop(H_{l-1}) W_l) + b_l)  [+ H_{l-1}, residual skip]
//     with P the configured operator over the normalised adjacency (see
//     docs/OPERATORS.md), act = config.act on every layer but the last
//     (identity), widths F -> hidden -> ... -> hidden -> classes. For the
//     linear operators the product order (P(H) W or P(H W)) is chosen so
//     that P runs at the smaller width; the result is the same function.
//   - skip::residual adds the layer input wherever widths match (every
//     layer but the first and the last). skip::initial is the GCNII form:
//     layer 1 computes H_0' = act(drop(X) W_1 + b_1) without propagation,
//     layers 2 .. L-1 compute S = (1 - alpha) P(drop(H)) + alpha H_0',
//     H = act((1 - beta_l) S + beta_l S W_l), beta_l = ln(theta / l' + 1)
//     with l' = l - 1 the hidden layer's index, and layer L is a linear
//     classifier without propagation.
//   - Dropout is inverted (kept values scaled by 1 / (1 - p)) and drawn
//     from gcnops' counter-based stream keyed on (seed, step, layer,
//     element), p taken to a resolution of 2^-16, so a given seed gives the
//     same masks on every backend.
//     Training steps use dropout; evaluate() does not.
//   - The loss is the mean softmax cross-entropy over the training nodes.
//     Adam, with L2 weight decay added to the gradient of the first layer's
//     parameters (or of every parameter; see optimizer_config).
//   - Every train_step() records, per layer l, E(H_l), E(dL/dH_l) (the
//     total gradient reaching H_l, skips included) and E(dL/dW_l), and
//     with config.dirichlet the Dirichlet energy E_D(H_l); read them with
//     energy_trace(). H_L are the logits.
//   - Deterministic: the same dataset, config and seed give bitwise the
//     same losses, gradients and energies on a backend, run after run.
//   - The constructor validates everything (widths, operator parameters,
//     probabilities, labels, splits) and throws invalid_argument naming the
//     field, its value and the accepted range. With config.check_finite a
//     step that produces NaN or Inf throws non_finite_error naming the
//     tensor, the layer and the step.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "gcnops/adjacency.hpp"
#include "gcnops/dataset.hpp"
#include "gcnops/layer.hpp"
#include "gcnops/matrix.hpp"
#include "gcnops/operators.hpp"

namespace gcnops {

enum class init_scheme { glorot, orthogonal };
enum class skip_kind { none, residual, initial };
enum class backend_choice { cpu, cuda, automatic };

std::string_view to_string(init_scheme s);
std::string_view to_string(skip_kind s);
std::string_view to_string(backend_choice b);
init_scheme parse_init_scheme(std::string_view name);
skip_kind parse_skip_kind(std::string_view name);
backend_choice parse_backend_choice(std::string_view name);
std::ostream& operator<<(std::ostream& out, init_scheme s);
std::ostream& operator<<(std::ostream& out, skip_kind s);
std::ostream& operator<<(std::ostream& out, backend_choice b);

struct model_config {
  std::int64_t layers = 2;   // >= 1 (>= 3 with skip::initial)
  std::int64_t hidden = 64;  // >= 1
  op_config op;
  adjacency_options adjacency;
  activation act = activation::relu;
  init_scheme init = init_scheme::glorot;
  skip_kind skip = skip_kind::none;
  double skip_alpha = 0.1;  // skip::initial: weight of H_0', in [0, 1]
  double theta = 0.5;       // skip::initial: beta_l = ln(theta / l + 1) > 0
  double dropout = 0.5;     // in [0, 1)
  std::uint64_t seed = 1;
  bool dirichlet = false;     // also probe E_D(H_l)
  bool check_finite = false;  // stop at the first NaN or Inf
  backend_choice backend = backend_choice::automatic;
  // Run the CPU backend in double (for gradient checks); CUDA is float.
  bool double_precision = false;
};

struct optimizer_config {
  double lr = 0.01;            // > 0
  double weight_decay = 5e-4;  // >= 0
  // As in Kipf & Welling's GCN, L2 decay acts on the first layer only
  // (its W and b); false decays every parameter.
  bool decay_first_layer_only = true;
  double beta1 = 0.9;          // [0, 1)
  double beta2 = 0.999;        // [0, 1)
  double eps = 1e-8;           // > 0
};

struct layer_energy {
  double h = 0.0;          // E(H_l)
  double grad_h = 0.0;     // E(dL/dH_l)
  double grad_w = 0.0;     // E(dL/dW_l)
  double dirichlet = 0.0;  // E_D(H_l), when asked for
};

struct step_record {
  std::int64_t step = 0;  // 1-based
  double loss = 0.0;
  std::vector<layer_energy> layers;  // index l - 1 for layer l
};

struct split_accuracy {
  double train = 0.0;
  double val = 0.0;
  double test = 0.0;
};

struct parameter_info {
  std::string name;  // "W3", "b3"
  std::int64_t rows = 0;
  std::int64_t cols = 0;
};

class model {
 public:
  model(const dataset& data, const model_config& config);
  ~model();
  model(model&&) noexcept;
  model& operator=(model&&) noexcept;

  // One forward (with dropout), backward and Adam update; returns the loss
  // before the update and appends a step_record.
  double train_step(const optimizer_config& opt);
  // Accuracy per split without dropout.
  split_accuracy evaluate();
  // Loss and gradients of the next step's forward pass, without updating
  // the parameters or the step counter; for checks.
  double compute_gradients();

  std::vector<parameter_info> parameters() const;
  matrix<double> parameter(std::size_t index) const;
  matrix<double> gradient(std::size_t index) const;
  void set_parameter(std::size_t index, const matrix<double>& value);

  const std::vector<step_record>& energy_trace() const noexcept;
  std::int64_t steps() const noexcept;
  const model_config& config() const noexcept;
  // "cpu (float)", "cpu (double)", "cuda (NVIDIA H200, ...)".
  std::string backend_name() const;
  // Memory the model holds on its backend (host or device): parameters,
  // activations, gradients, the graph and workspaces.
  std::size_t memory_bytes() const;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

// One epoch of a training run.
struct epoch_record {
  std::int64_t epoch = 0;  // 1-based
  double loss = 0.0;
  split_accuracy accuracy;
  double seconds = 0.0;  // wall time of the epoch, evaluation included
};

struct training_result {
  std::vector<epoch_record> curve;
  std::int64_t best_epoch = 0;  // first epoch with the best val accuracy
  double best_val = 0.0;
  double test_at_best = 0.0;
  double seconds = 0.0;
};

// Trains for `epochs` epochs, evaluating after each, and keeps the test
// accuracy of the first epoch with the highest validation accuracy.
// `progress` (optional) sees every epoch as it ends.
training_result train(
    model& m, const optimizer_config& opt, std::int64_t epochs,
    const std::function<void(const epoch_record&)>& progress = {});

}  // namespace gcnops
