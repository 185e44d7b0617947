// Deep GCN models over a compute backend (gcnops/model.hpp).
#include "gcnops/model.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <map>
#include <ostream>

#include "compute.hpp"
#include "gcnops/cuda/runtime.hpp"
#include "gcnops/error.hpp"
#include "gcnops/random.hpp"

namespace gcnops {

namespace {

using detail::dropout_key;
using detail::tensor;

enum class layer_kind {
  propagate_after,   // H' = act(P(drop(H) W) + b) [+ H]
  propagate_before,  // H' = act(P(drop(H)) W + b) [+ H], linear P only
  linear,            // H' = act(drop(H) W + b), no propagation
  gcnii,             // S = (1-a) P(drop(H)) + a H0; act((1-b) S + b S W)
};

struct layer_spec {
  layer_kind kind = layer_kind::propagate_after;
  std::int64_t in = 0;
  std::int64_t out = 0;
  bool features_input = false;  // the input is X, kept sparse by the backend
  bool residual = false;
  bool has_bias = true;
  activation act = activation::identity;
  double beta = 0.0;  // gcnii
};

constexpr int kProbesPerLayer = 4;  // h, grad_h, grad_w, dirichlet

template <class Enum, std::size_t N>
Enum parse_name(std::string_view name, const std::array<Enum, N>& all,
                const char* what) {
  std::string names;
  for (Enum e : all) {
    if (to_string(e) == name) return e;
    if (!names.empty()) names += ", ";
    names += to_string(e);
  }
  throw invalid_argument(detail::concat("unknown ", what, " '", name,
                                        "', expected one of ", names));
}

// Gain that keeps ||H W|| ~ ||H|| through the activation that follows.
double activation_gain(activation a) {
  switch (a) {
    case activation::relu:
      return std::sqrt(2.0);
    case activation::tanh:
      return 5.0 / 3.0;
    case activation::identity:
      break;
  }
  return 1.0;
}

// Weights of one layer, in double, from the layer's own random stream.
matrix<double> initial_weights(const model_config& cfg, std::int64_t layer,
                               std::int64_t in, std::int64_t out,
                               activation act) {
  rng gen(mix64(cfg.seed ^
                (0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(layer))));
  matrix<double> w(in, out);
  if (cfg.init == init_scheme::glorot) {
    const double a = std::sqrt(6.0 / static_cast<double>(in + out));
    for (double& v : w.values())
      v = a * (2.0 * gen.uniform() - 1.0);
    return w;
  }

  // Orthogonal: Gram-Schmidt on the shorter side of a Gaussian matrix, so
  // that W^T W = I (in >= out) or W W^T = I (in < out).
  for (double& v : w.values())
    v = gen.normal();
  const bool by_columns = in >= out;
  const std::int64_t count = by_columns ? out : in;
  const std::int64_t length = by_columns ? in : out;
  auto at = [&](std::int64_t v, std::int64_t k) -> double& {
    return by_columns ? w(k, v) : w(v, k);
  };
  for (std::int64_t v = 0; v < count; ++v) {
    for (int pass = 0; pass < 2; ++pass) {  // twice, for rounding
      for (std::int64_t u = 0; u < v; ++u) {
        double d = 0.0;
        for (std::int64_t k = 0; k < length; ++k)
          d += at(u, k) * at(v, k);
        for (std::int64_t k = 0; k < length; ++k)
          at(v, k) -= d * at(u, k);
      }
    }
    double norm = 0.0;
    for (std::int64_t k = 0; k < length; ++k)
      norm += at(v, k) * at(v, k);
    norm = std::sqrt(norm);
    for (std::int64_t k = 0; k < length; ++k)
      at(v, k) /= norm;
  }
  // A tall W keeps out/in of an isotropic signal's energy: scale it back.
  const double shape = by_columns ? std::sqrt(double(in) / double(out)) : 1.0;
  const double gain = activation_gain(act) * shape;
  for (double& v : w.values())
    v *= gain;
  return w;
}

void validate(const dataset& data, const model_config& cfg) {
  constexpr const char* where = "model";
  detail::check_argument(cfg.layers >= 1, where, "layers", cfg.layers, ">= 1");
  if (cfg.skip == skip_kind::initial) {
    detail::check_argument(cfg.layers >= 3, where, "layers", cfg.layers,
                           ">= 3 with the initial-residual skip (an input "
                           "layer, hidden layers, an output layer)");
  }
  detail::check_argument(cfg.hidden >= 1, where, "hidden", cfg.hidden, ">= 1");
  detail::check_argument(cfg.dropout >= 0 && cfg.dropout < 1, where, "dropout",
                         cfg.dropout, "0 <= dropout < 1");
  detail::check_argument(cfg.skip_alpha >= 0 && cfg.skip_alpha <= 1, where,
                         "skip_alpha", cfg.skip_alpha, "0 <= alpha <= 1");
  detail::check_argument(std::isfinite(cfg.theta) && cfg.theta > 0, where,
                         "theta", cfg.theta, "a finite value > 0");
  gcnops::validate(cfg.op);
  detail::check_argument(
      std::isfinite(cfg.adjacency.self_loop) && cfg.adjacency.self_loop >= 0,
      where, "self_loop", cfg.adjacency.self_loop, "a finite value >= 0");

  // The dataset agrees with itself.
  const std::int64_t n = data.num_nodes();
  if (data.num_features() == 0) {
    throw invalid_argument(detail::concat(
        where, ": dataset '", data.name, "' has no features (", n,
        " x 0), "
        "expected at least one feature column (features.mtx)"));
  }
  detail::check_argument(data.features.rows() == n, where, "features.rows()",
                         data.features.rows(),
                         detail::concat(n, " (the graph's nodes)"));
  detail::check_argument(static_cast<std::int64_t>(data.labels.size()) == n,
                         where, "labels.size()", data.labels.size(),
                         detail::concat(n, " (the graph's nodes)"));
  detail::check_argument(data.num_classes >= 1, where, "num_classes",
                         data.num_classes, ">= 1");
  for (std::int64_t i = 0; i < n; ++i) {
    const auto l = data.labels[i];
    if (l < -1 || l >= data.num_classes) {
      throw invalid_argument(detail::concat(where, ": labels[", i, "] = ", l,
                                            ", expected -1 or a class in [0, ",
                                            data.num_classes, ")"));
    }
  }
  for (const auto& [name, split] : {std::pair{"train", &data.train},
                                    {"val", &data.val},
                                    {"test", &data.test}}) {
    for (auto id : *split) {
      if (id < 0 || id >= n || data.labels[id] < 0) {
        throw invalid_argument(
            detail::concat(where, ": ", name, " split holds node ", id,
                           ", expected a labelled node id in [0, ", n, ")"));
      }
    }
  }
  detail::check_argument(!data.train.empty(), where, "train.size()", 0,
                         ">= 1 (a loss needs training nodes)");
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t f = 0; f < data.num_features(); ++f) {
      if (!std::isfinite(data.features(i, f))) {
        throw invalid_argument(detail::concat(where, ": features(", i, ", ", f,
                                              ") = ", data.features(i, f),
                                              ", expected a finite value"));
      }
    }
  }
}

std::vector<layer_spec> plan_layers(const dataset& data,
                                    const model_config& cfg) {
  const std::int64_t layers = cfg.layers;
  std::vector<layer_spec> out;
  for (std::int64_t l = 1; l <= layers; ++l) {
    layer_spec s;
    s.in = l == 1 ? data.num_features() : cfg.hidden;
    s.out = l == layers ? data.num_classes : cfg.hidden;
    s.features_input = l == 1;
    s.act = l == layers ? activation::identity : cfg.act;
    if (cfg.skip == skip_kind::initial) {
      if (l == 1 || l == layers) {
        s.kind = layer_kind::linear;
      } else {
        s.kind = layer_kind::gcnii;
        s.has_bias = false;
        s.beta = std::log(cfg.theta / static_cast<double>(l - 1) + 1.0);
      }
    } else {
      const bool before = l > 1 && is_linear(cfg.op.kind) && s.out > s.in;
      s.kind =
          before ? layer_kind::propagate_before : layer_kind::propagate_after;
      s.residual = cfg.skip == skip_kind::residual && l != 1 && l != layers &&
                   s.in == s.out;
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace

std::string_view to_string(init_scheme s) {
  return s == init_scheme::glorot ? "glorot" : "orthogonal";
}
std::string_view to_string(skip_kind s) {
  switch (s) {
    case skip_kind::residual:
      return "residual";
    case skip_kind::initial:
      return "initial";
    case skip_kind::none:
      break;
  }
  return "none";
}
std::string_view to_string(backend_choice b) {
  switch (b) {
    case backend_choice::cpu:
      return "cpu";
    case backend_choice::cuda:
      return "cuda";
    case backend_choice::automatic:
      break;
  }
  return "auto";
}
std::ostream& operator<<(std::ostream& out, init_scheme s) {
  return out << to_string(s);
}
std::ostream& operator<<(std::ostream& out, skip_kind s) {
  return out << to_string(s);
}
std::ostream& operator<<(std::ostream& out, backend_choice b) {
  return out << to_string(b);
}

init_scheme parse_init_scheme(std::string_view name) {
  return parse_name(name,
                    std::array{init_scheme::glorot, init_scheme::orthogonal},
                    "initialisation");
}
skip_kind parse_skip_kind(std::string_view name) {
  return parse_name(
      name,
      std::array{skip_kind::none, skip_kind::residual, skip_kind::initial},
      "skip");
}
backend_choice parse_backend_choice(std::string_view name) {
  return parse_name(name,
                    std::array{backend_choice::cpu, backend_choice::cuda,
                               backend_choice::automatic},
                    "backend");
}

struct model::impl {
  virtual ~impl() = default;
  virtual double step(const optimizer_config* opt) = 0;
  virtual split_accuracy evaluate() = 0;
  virtual std::vector<parameter_info> parameters() const = 0;
  virtual matrix<double> parameter(std::size_t index, bool grad) const = 0;
  virtual void set_parameter(std::size_t index, const matrix<double>& v) = 0;
  virtual std::string backend_name() const = 0;
  virtual std::size_t memory_bytes() const = 0;

  model_config config;
  std::vector<step_record> trace;
  std::int64_t steps = 0;
};

namespace {

template <class T>
class model_impl final : public model::impl {
 public:
  model_impl(const dataset& data, const model_config& cfg,
             std::unique_ptr<detail::compute<T>> backend)
      : c_(std::move(backend)) {
    config = cfg;
    n_ = data.num_nodes();
    specs_ = plan_layers(data, cfg);
    split_sizes_ = {static_cast<std::int64_t>(data.train.size()),
                    static_cast<std::int64_t>(data.val.size()),
                    static_cast<std::int64_t>(data.test.size())};

    // 1. Graph, features, labels.
    c_->set_graph(data.structure, cfg.adjacency);
    c_->set_features(data.features);
    c_->set_labels(data.labels, data.train, data.val, data.test);
    op_ = cfg.op;
    if (op_.kind == op_kind::rescaled && !op_.c) op_.c = c_->rescale_constant();

    // 2. Parameters, Adam moments, activations and gradients per layer.
    for (std::size_t i = 0; i < specs_.size(); ++i) {
      const layer_spec& s = specs_[i];
      layer_buffers b;
      b.w = c_->make(s.in, s.out);
      b.dw = c_->make(s.in, s.out);
      b.mw = c_->make(s.in, s.out);
      b.vw = c_->make(s.in, s.out);
      const matrix<double> w0 = initial_weights(
          cfg, static_cast<std::int64_t>(i) + 1, s.in, s.out, s.act);
      upload(b.w, w0);
      if (s.has_bias) {
        b.b = c_->make(1, s.out);
        b.db = c_->make(1, s.out);
        b.mb = c_->make(1, s.out);
        b.vb = c_->make(1, s.out);
      }
      if (!s.features_input && cfg.dropout > 0) b.d = c_->make(n_, s.in);
      switch (s.kind) {
        case layer_kind::propagate_after:
          b.t = c_->make(n_, s.out);
          b.y = c_->make(n_, s.out);
          break;
        case layer_kind::propagate_before:
          b.y = c_->make(n_, s.in);
          b.u = c_->make(n_, s.out);
          break;
        case layer_kind::linear:
          b.u = c_->make(n_, s.out);
          break;
        case layer_kind::gcnii:
          b.y = c_->make(n_, s.in);
          b.s = c_->make(n_, s.out);
          b.u = c_->make(n_, s.out);
          break;
      }
      b.h = c_->make(n_, s.out);
      b.dh = c_->make(n_, s.out);
      layers_.push_back(b);
    }
  }

  std::string backend_name() const override { return c_->name(); }
  std::size_t memory_bytes() const override { return c_->bytes(); }

  // One training step, with the update when opt is set.
  double step(const optimizer_config* opt) override {
    const std::int64_t step = steps + 1;
    const int probes = kProbesPerLayer * static_cast<int>(layers_.size());

    // 1. Forward with dropout and energy probes; loss.
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      forward_layer(i, step, true);
    }
    layer_buffers& last = layers_.back();
    const double loss = c_->cross_entropy(last.h, last.dh);
    if (config.check_finite && !std::isfinite(loss)) {
      throw non_finite_error(
          detail::concat("step ", step, ": the loss is ", loss));
    }

    // 2. Backward, last layer first; every dH_l is complete when layer l
    // is reached.
    for (std::size_t i = 0; i + 1 < layers_.size(); ++i)
      c_->zero(layers_[i].dh);
    for (std::size_t i = layers_.size(); i-- > 0;)
      backward_layer(i, step);

    // 3. Energies of this step.
    const std::vector<double> p = c_->read_probes(probes);
    step_record rec;
    rec.step = step;
    rec.loss = loss;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      const double* q = p.data() + kProbesPerLayer * i;
      rec.layers.push_back({q[0], q[1], q[2], config.dirichlet ? q[3] : 0.0});
    }

    if (!opt) return loss;

    // 4. Adam; decay on the first layer only unless asked for everywhere.
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      const bool decays = !opt->decay_first_layer_only || i == 0;
      const detail::adam_params a{opt->lr,
                                  opt->beta1,
                                  opt->beta2,
                                  opt->eps,
                                  decays ? opt->weight_decay : 0.0,
                                  step};
      layer_buffers& b = layers_[i];
      c_->adam(b.w, b.dw, b.mw, b.vw, a);
      if (specs_[i].has_bias) c_->adam(b.b, b.db, b.mb, b.vb, a);
      if (config.check_finite) {
        check(b.w, "W (after the update)", i, step);
      }
    }
    trace.push_back(std::move(rec));
    steps = step;
    return loss;
  }

  split_accuracy evaluate() override {
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      forward_layer(i, steps + 1, false);
    }
    const std::vector<std::int64_t> hits = c_->correct(layers_.back().h);
    auto rate = [&](int k) {
      return split_sizes_[k] > 0
                 ? static_cast<double>(hits[k]) / double(split_sizes_[k])
                 : 0.0;
    };
    return {rate(0), rate(1), rate(2)};
  }

  std::vector<parameter_info> parameters() const override {
    std::vector<parameter_info> out;
    for (std::size_t i = 0; i < specs_.size(); ++i) {
      out.push_back({detail::concat("W", i + 1), specs_[i].in, specs_[i].out});
      if (specs_[i].has_bias) {
        out.push_back({detail::concat("b", i + 1), 1, specs_[i].out});
      }
    }
    return out;
  }

  matrix<double> parameter(std::size_t index, bool grad) const override {
    const auto [layer, bias] = locate(index);
    const layer_buffers& b = layers_[layer];
    const tensor<T> t = bias ? (grad ? b.db : b.b) : (grad ? b.dw : b.w);
    std::vector<T> host(static_cast<std::size_t>(t.size()));
    c_->download(t, host);
    matrix<double> out(t.rows, t.cols);
    std::copy(host.begin(), host.end(), out.data());
    return out;
  }

  void set_parameter(std::size_t index, const matrix<double>& v) override {
    const auto [layer, bias] = locate(index);
    const tensor<T> t = bias ? layers_[layer].b : layers_[layer].w;
    if (v.rows() != t.rows || v.cols() != t.cols) {
      throw invalid_argument(
          detail::concat("model::set_parameter: value is ", v.rows(), " x ",
                         v.cols(), ", expected ", t.rows, " x ", t.cols));
    }
    upload(t, v);
  }

 private:
  struct layer_buffers {
    tensor<T> w, dw, mw, vw;  // weights, gradient, Adam moments
    tensor<T> b, db, mb, vb;  // bias (empty for gcnii layers)
    tensor<T> d;              // dropped input (not for the features)
    tensor<T> t;              // operator input D W (propagate_after)
    tensor<T> y;              // operator output
    tensor<T> u;              // pre-activation after a product
    tensor<T> s;              // gcnii mix S
    tensor<T> h;              // layer output H_l
    tensor<T> dh;             // dL/dH_l
  };

  std::pair<std::size_t, bool> locate(std::size_t index) const {
    std::size_t k = 0;
    for (std::size_t i = 0; i < specs_.size(); ++i) {
      if (k++ == index) return {i, false};
      if (specs_[i].has_bias && k++ == index) return {i, true};
    }
    throw invalid_argument(
        detail::concat("model: parameter index ", index, ", expected < ", k));
  }

  void upload(tensor<T> t, const matrix<double>& v) {
    std::vector<T> host(v.values().begin(), v.values().end());
    c_->upload(t, host);
  }

  dropout_key key(std::size_t layer, std::int64_t step, bool train) const {
    return {train ? config.dropout : 0.0, config.seed,
            detail::dropout_stream(step, static_cast<std::int64_t>(layer) + 1)};
  }

  // Scratch of a shape, shared by all layers' backward passes.
  tensor<T> scratch(int which, std::int64_t cols) {
    auto& slot = scratch_[{which, cols}];
    if (slot.data == nullptr) slot = c_->make(n_, cols);
    return slot;
  }

  void check(tensor<const T> t, const char* what, std::size_t layer,
             std::int64_t step) {
    if (!c_->all_finite(t)) {
      throw non_finite_error(detail::concat("step ", step, ", layer ",
                                            layer + 1, ": ", what,
                                            " holds NaN or Inf"));
    }
  }

  void forward_layer(std::size_t i, std::int64_t step, bool train) {
    const layer_spec& s = specs_[i];
    layer_buffers& b = layers_[i];
    const dropout_key k = key(i, step, train);
    const T* bias = s.has_bias ? b.b.data : nullptr;
    const tensor<T> prev = i > 0 ? layers_[i - 1].h : tensor<T>{};
    const int probe = train ? kProbesPerLayer * static_cast<int>(i) : -1;
    const T* residual = s.residual ? prev.data : nullptr;

    // 1. The dropped input times W, or the propagated dropped input.
    const tensor<T> d = dropped_input(i, train);
    if (!s.features_input && k.p > 0) c_->dropout(k, prev, b.d);
    switch (s.kind) {
      case layer_kind::propagate_after:
        if (s.features_input) {
          c_->features_times(k, b.w, b.t);
        } else {
          c_->gemm(false, false, T(1), d, b.w, T(0), b.t);
        }
        c_->propagate(static_cast<int>(i), op_, b.t, b.y, s.act, bias, residual,
                      b.h.data, probe);
        break;
      case layer_kind::propagate_before:
        c_->propagate(static_cast<int>(i), op_, d, b.y, activation::identity,
                      nullptr, nullptr, nullptr, -1);
        c_->gemm(false, false, T(1), b.y, b.w, T(0), b.u);
        c_->bias_activation(b.u, bias, s.act, residual, b.h);
        if (probe >= 0) c_->energy(b.h, probe);
        break;
      case layer_kind::linear:
        if (s.features_input) {
          c_->features_times(k, b.w, b.u);
        } else {
          c_->gemm(false, false, T(1), d, b.w, T(0), b.u);
        }
        c_->bias_activation(b.u, bias, s.act, nullptr, b.h);
        if (probe >= 0) c_->energy(b.h, probe);
        break;
      case layer_kind::gcnii: {
        // S = (1 - a) P(D) + a H0', U = (1 - b) S + b S W.
        const double a = config.skip_alpha;
        c_->propagate(static_cast<int>(i), op_, d, b.y, activation::identity,
                      nullptr, nullptr, nullptr, -1);
        c_->copy(layers_[0].h, b.s);
        c_->axpby(T(1 - a), b.y, T(a), b.s);
        c_->gemm(false, false, T(s.beta), b.s, b.w, T(0), b.u);
        c_->axpby(T(1 - s.beta), b.s, T(1), b.u);
        c_->bias_activation(b.u, nullptr, s.act, nullptr, b.h);
        if (probe >= 0) c_->energy(b.h, probe);
        break;
      }
    }

    // 2. Probes and checks.
    if (train && config.dirichlet) c_->dirichlet(b.h, probe + 3);
    if (config.check_finite) check(b.h, "H (layer output)", i, step);
  }

  void backward_layer(std::size_t i, std::int64_t step) {
    const layer_spec& s = specs_[i];
    layer_buffers& b = layers_[i];
    const dropout_key k = key(i, step, true);
    const T* bias = s.has_bias ? b.b.data : nullptr;
    T* d_bias = s.has_bias ? b.db.data : nullptr;
    const int probe = kProbesPerLayer * static_cast<int>(i);
    const tensor<T> d = dropped_input(i, true);
    c_->energy(b.dh, probe + 1);
    if (config.check_finite) check(b.dh, "dL/dH", i, step);

    // 1. Gradient of the layer's product input (dT or dU) and of W; dD is
    // the gradient of the dropped input, when there is one.
    tensor<T> dd = s.features_input ? tensor<T>{} : scratch(0, s.in);
    switch (s.kind) {
      case layer_kind::propagate_after: {
        tensor<T> dt = scratch(1, s.out);
        c_->propagate_backward(static_cast<int>(i), op_, b.t, b.y, b.dh, dt,
                               s.act, bias, d_bias);
        weight_gradients(s, b, d, k, dt, dd);
        break;
      }
      case layer_kind::propagate_before: {
        tensor<T> du = scratch(1, s.out);
        tensor<T> dy = scratch(2, s.in);
        c_->bias_activation_backward(b.dh, b.u, bias, s.act, du, d_bias);
        c_->gemm(true, false, T(1), b.y, du, T(0), b.dw);
        c_->gemm(false, true, T(1), du, b.w, T(0), dy);
        c_->propagate_backward(static_cast<int>(i), op_, d, b.y, dy, dd,
                               activation::identity, nullptr, nullptr);
        break;
      }
      case layer_kind::linear: {
        tensor<T> du = scratch(1, s.out);
        c_->bias_activation_backward(b.dh, b.u, bias, s.act, du, d_bias);
        weight_gradients(s, b, d, k, du, dd);
        break;
      }
      case layer_kind::gcnii: {
        // dU = dH act'(U); dW = b S^T dU; dS = (1 - b) dU + b dU W^T;
        // dH0' += a dS; dD = P^T-backward((1 - a) dS).
        const double a = config.skip_alpha;
        tensor<T> du = scratch(1, s.out);
        tensor<T> ds = scratch(2, s.out);
        c_->bias_activation_backward(b.dh, b.u, nullptr, s.act, du, nullptr);
        c_->gemm(true, false, T(s.beta), b.s, du, T(0), b.dw);
        c_->gemm(false, true, T(s.beta), du, b.w, T(0), ds);
        c_->axpby(T(1 - s.beta), du, T(1), ds);
        c_->axpby(T(a), ds, T(1), layers_[0].dh);
        c_->axpby(T(0), ds, T(1 - a), ds);
        c_->propagate_backward(static_cast<int>(i), op_, d, b.y, ds, dd,
                               activation::identity, nullptr, nullptr);
        break;
      }
    }

    // 2. Through the dropout into dH_{l-1}, and the residual skip.
    if (!s.features_input) {
      if (k.p > 0) c_->dropout(k, dd, dd);
      c_->axpby(T(1), dd, T(1), layers_[i - 1].dh);
      if (s.residual) c_->axpby(T(1), b.dh, T(1), layers_[i - 1].dh);
    }
    c_->energy(b.dw, probe + 2);
    if (config.check_finite) check(b.dw, "dL/dW", i, step);
  }

  // dW = D^T dP and dD = dP W^T for a product D W (dP its gradient).
  void weight_gradients(const layer_spec& s, layer_buffers& b,
                        tensor<const T> d, const dropout_key& k, tensor<T> dp,
                        tensor<T> dd) {
    if (s.features_input) {
      c_->features_transpose_times(k, dp, b.dw);
      return;
    }
    c_->gemm(true, false, T(1), d, dp, T(0), b.dw);
    c_->gemm(false, true, T(1), dp, b.w, T(0), dd);
  }

  // The input of layer i after dropout: its own buffer when dropout is on,
  // else the previous layer's output itself.
  tensor<T> dropped_input(std::size_t i, bool train) const {
    if (specs_[i].features_input) return {};
    return train && config.dropout > 0 ? layers_[i].d : layers_[i - 1].h;
  }

  std::unique_ptr<detail::compute<T>> c_;
  std::int64_t n_ = 0;
  op_config op_;
  std::vector<layer_spec> specs_;
  std::vector<layer_buffers> layers_;
  std::array<std::int64_t, 3> split_sizes_{};
  std::map<std::pair<int, std::int64_t>, tensor<T>> scratch_;
};

}  // namespace

model::model(const dataset& data, const model_config& config) {
  validate(data, config);
  const bool cuda_ok = cuda::device_available();
  bool use_cuda = false;
  switch (config.backend) {
    case backend_choice::cpu:
      break;
    case backend_choice::cuda:
      if (!cuda_ok) {
        throw device_error("model: backend 'cuda' asked for, but " +
                           cuda::device_unavailable_reason());
      }
      use_cuda = true;
      break;
    case backend_choice::automatic:
      use_cuda = cuda_ok && !config.double_precision;
      break;
  }
  if (use_cuda && config.double_precision) {
    throw invalid_argument(
        "model: double_precision = true, expected false with the CUDA "
        "backend (its kernels are float)");
  }
  if (use_cuda) {
    impl_ = std::make_unique<model_impl<float>>(data, config,
                                                detail::make_cuda_compute());
  } else if (config.double_precision) {
    impl_ = std::make_unique<model_impl<double>>(
        data, config, detail::make_cpu_compute<double>());
  } else {
    impl_ = std::make_unique<model_impl<float>>(
        data, config, detail::make_cpu_compute<float>());
  }
}

model::~model() = default;
model::model(model&&) noexcept = default;
model& model::operator=(model&&) noexcept = default;

double model::train_step(const optimizer_config& opt) {
  constexpr const char* where = "model::train_step";
  detail::check_argument(std::isfinite(opt.lr) && opt.lr > 0, where, "lr",
                         opt.lr, "a finite value > 0");
  detail::check_argument(
      std::isfinite(opt.weight_decay) && opt.weight_decay >= 0, where,
      "weight_decay", opt.weight_decay, "a finite value >= 0");
  detail::check_argument(opt.beta1 >= 0 && opt.beta1 < 1, where, "beta1",
                         opt.beta1, "0 <= beta1 < 1");
  detail::check_argument(opt.beta2 >= 0 && opt.beta2 < 1, where, "beta2",
                         opt.beta2, "0 <= beta2 < 1");
  detail::check_argument(opt.eps > 0, where, "eps", opt.eps, "> 0");
  return impl_->step(&opt);
}

split_accuracy model::evaluate() {
  return impl_->evaluate();
}
double model::compute_gradients() {
  return impl_->step(nullptr);
}
std::vector<parameter_info> model::parameters() const {
  return impl_->parameters();
}
matrix<double> model::parameter(std::size_t index) const {
  return impl_->parameter(index, false);
}
matrix<double> model::gradient(std::size_t index) const {
  return impl_->parameter(index, true);
}
void model::set_parameter(std::size_t index, const matrix<double>& value) {
  impl_->set_parameter(index, value);
}
const std::vector<step_record>& model::energy_trace() const noexcept {
  return impl_->trace;
}
std::int64_t model::steps() const noexcept {
  return impl_->steps;
}
const model_config& model::config() const noexcept {
  return impl_->config;
}
std::string model::backend_name() const {
  return impl_->backend_name();
}
std::size_t model::memory_bytes() const { return impl_->memory_bytes(); }

training_result train(
    model& m, const optimizer_config& opt, std::int64_t epochs,
    const std::function<void(const epoch_record&)>& progress) {
  detail::check_argument(epochs >= 0, "train", "epochs", epochs, ">= 0");
  using clock = std::chrono::steady_clock;
  training_result r;
  const auto start = clock::now();
  for (std::int64_t e = 1; e <= epochs; ++e) {
    const auto t0 = clock::now();
    epoch_record rec;
    rec.epoch = e;
    rec.loss = m.train_step(opt);
    rec.accuracy = m.evaluate();
    rec.seconds = std::chrono::duration<double>(clock::now() - t0).count();
    if (e == 1 || rec.accuracy.val > r.best_val) {
      r.best_val = rec.accuracy.val;
      r.best_epoch = e;
      r.test_at_best = rec.accuracy.test;
    }
    r.curve.push_back(rec);
    if (progress) progress(rec);
  }
  r.seconds = std::chrono::duration<double>(clock::now() - start).count();
  return r;
}

}  // namespace gcnops
