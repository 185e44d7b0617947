// propagation_plan: dispatch of the operators to the kernels of kernels/.
#include "gcnops/cuda/propagate.hpp"

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "../../kernels/launch.hpp"
#include "check.hpp"
#include "graph_views.hpp"
#include "nvtx.hpp"

namespace gcnops::cuda {

namespace {

using kernels::row_layout;

// Partials of all blocks of one pass stay under this many bytes.
constexpr std::size_t kPartialBudget = std::size_t{64} << 20;

bool aligned16(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) % 16 == 0;
}

bool overlap(const float* a, const float* b, std::int64_t count) {
  if (a == nullptr || b == nullptr || count == 0) return false;
  return a < b + count && b < a + count;
}

// Coefficients of the local operators: y = alpha A^x + beta x.
struct local_mix {
  float alpha;
  float beta;
};

local_mix mix_of(const op_config& cfg, const device_graph& g) {
  switch (cfg.kind) {
    case op_kind::rescaled:
      return {static_cast<float>(g.resolve_c(cfg)), 0.0f};
    case op_kind::shifted:
      return {static_cast<float>(1.0 - cfg.alpha),
              static_cast<float>(cfg.alpha)};
    default:
      return {1.0f, 0.0f};
  }
}

}  // namespace

struct propagation_plan::impl {
  const device_graph* graph = nullptr;
  std::int64_t rows = 0;
  int width = 0;
  cudaStream_t stream = nullptr;
  int max_grid = 1;
  kernels::csr_direction forward_dir;
  kernels::csr_direction backward_dir;

  // Workspace, sized once.
  device_buffer<double> partials;       // [max_grid][3][width]
  device_buffer<double> totals;         // [3][width]
  device_buffer<double> energy_totals;  // [width]
  device_buffer<float> tile_partials;   // [tiles][width]
  device_buffer<float> coefficients;    // p, q, o, mu: [4][width]
  bool energy_ready = false;

  // Layout for the pointers of one call.
  row_layout layout(std::initializer_list<const void*> pointers) const {
    bool ok = width % 4 == 0;
    for (const void* p : pointers)
      ok = ok && aligned16(p);
    return kernels::choose_layout(rows, width, ok, max_grid);
  }

  std::string sizes(const row_layout& l) const {
    return gcnops::detail::concat(
        "N = ", rows, ", F = ", width, ", layout vec ", l.vec, " acc ", l.acc,
        " group ", l.group, " grid ", l.grid_x, " x ", l.slabs);
  }
};

propagation_plan::propagation_plan(const device_graph& graph,
                                   std::int64_t width, stream_t stream)
    : impl_(std::make_unique<impl>()) {
  constexpr const char* where = "propagation_plan";
  gcnops::detail::check_argument(width >= 0 && width <= INT32_MAX / 4, where,
                                 "width", width, "0 <= width <= 536870911");
  impl& p = *impl_;
  p.graph = &graph;
  p.rows = graph.num_nodes();
  p.width = static_cast<int>(width);
  p.stream = stream;
  p.forward_dir = detail::forward_direction(graph.data());
  p.backward_dir = detail::backward_direction(graph.data());

  // 1. Blocks per pass: enough to fill the device, few enough that their
  // partial sums stay small.
  int device = 0;
  int sms = 1;
  GCNOPS_CUDA_CHECK(cudaGetDevice(&device), where);
  GCNOPS_CUDA_CHECK(
      cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device),
      where);
  const std::size_t per_block =
      std::max<std::size_t>(1, sizeof(double) * kernels::kForwardStats *
                                   static_cast<std::size_t>(width));
  p.max_grid = static_cast<int>(std::clamp<std::size_t>(
      kPartialBudget / per_block, static_cast<std::size_t>(sms),
      static_cast<std::size_t>(8 * sms)));

  // 2. Workspace.
  const auto w = static_cast<std::size_t>(width);
  const auto tiles = static_cast<std::size_t>(
      std::max(p.forward_dir.num_tiles, p.backward_dir.num_tiles));
  p.partials = device_buffer<double>(
      static_cast<std::size_t>(p.max_grid) * kernels::kForwardStats * w,
      "propagation_plan partials");
  p.totals = device_buffer<double>(kernels::kForwardStats * w,
                                   "propagation_plan totals");
  p.energy_totals = device_buffer<double>(w, "propagation_plan energy");
  p.tile_partials =
      device_buffer<float>(tiles * w, "propagation_plan tile partials");
  p.coefficients = device_buffer<float>(4 * w, "propagation_plan coefficients");
}

propagation_plan::~propagation_plan() = default;
propagation_plan::propagation_plan(propagation_plan&&) noexcept = default;
propagation_plan& propagation_plan::operator=(propagation_plan&&) noexcept =
    default;

std::int64_t propagation_plan::width() const noexcept {
  return impl_->width;
}
const device_graph& propagation_plan::graph() const noexcept {
  return *impl_->graph;
}
stream_t propagation_plan::stream() const noexcept {
  return impl_->stream;
}
void propagation_plan::set_stream(stream_t stream) noexcept {
  impl_->stream = stream;
}
std::size_t propagation_plan::workspace_bytes() const noexcept {
  const impl& p = *impl_;
  return p.partials.bytes() + p.totals.bytes() + p.energy_totals.bytes() +
         p.tile_partials.bytes() + p.coefficients.bytes();
}

device_op_state::device_op_state(std::int64_t width)
    : width_(width),
      col_scale_(static_cast<std::size_t>(width), "device_op_state"),
      col_shift_(static_cast<std::size_t>(width), "device_op_state"),
      col_x_norm_sq_(static_cast<std::size_t>(width), "device_op_state"),
      scalars_(kernels::kNumScalars, "device_op_state") {
  gcnops::detail::check_argument(width >= 0, "device_op_state", "width", width,
                                 ">= 0");
}

op_scalars device_op_state::scalars(stream_t stream) const {
  if (!valid_) {
    throw invalid_argument(
        "device_op_state::scalars: no forward pass has filled this state");
  }
  op_scalars s;
  if (!needs_global_reduction(kind_) || width_ == 0) return s;
  const std::vector<double> v = scalars_.to_host(stream);
  s.scale = v[kernels::kScale];
  s.sigma = v[kernels::kSigma];
  s.x_norm_sq = v[kernels::kXNormSq];
  s.guarded = v[kernels::kGuarded] != 0.0;
  const std::vector<float> scale = col_scale_.to_host(stream);
  const std::vector<float> shift = col_shift_.to_host(stream);
  s.col_scale.assign(scale.begin(), scale.end());
  s.col_shift.assign(shift.begin(), shift.end());
  return s;
}

void propagation_plan::forward(const op_config& cfg, const float* x, float* y,
                               device_op_state& state,
                               const layer_epilogue& epilogue) {
  impl& p = *impl_;
  const std::string range =
      "gcnops::" + std::string(to_string(cfg.kind)) + "::forward";
  detail::nvtx_range nvtx(range);
  constexpr const char* where = "propagation_plan::forward";

  // 1. Arguments, before any launch.
  validate(cfg);
  const std::int64_t count = p.rows * p.width;
  if (state.width() != p.width) {
    throw invalid_argument(
        gcnops::detail::concat(where, ": state width = ", state.width(),
                               ", expected ", p.width, " (the plan's width)"));
  }
  if (count > 0) {
    gcnops::detail::check_argument(x != nullptr, where, "x", "null",
                                   "a device pointer");
    gcnops::detail::check_argument(y != nullptr, where, "y", "null",
                                   "a device pointer");
    for (const float* out : {y, epilogue.out}) {
      if (overlap(out, x, count) ||
          (out == epilogue.out && overlap(out, y, count)) ||
          overlap(out, epilogue.residual, count)) {
        throw invalid_argument(gcnops::detail::concat(
            where,
            ": an output overlaps an input, expected disjoint "
            "N x F buffers (N = ",
            p.rows, ", F = ", p.width, ")"));
      }
    }
  }
  state.kind_ = cfg.kind;
  state.valid_ = true;
  p.energy_ready = false;
  if (count == 0) {
    if (epilogue.energy) {
      p.energy_totals.zero(p.stream);
      if (epilogue.energy_out) {
        GCNOPS_CUDA_CHECK(cudaMemsetAsync(epilogue.energy_out, 0,
                                          sizeof(double), p.stream),
                          where);
      }
      p.energy_ready = true;
    }
    return;
  }

  const row_layout l =
      p.layout({x, y, epilogue.out, epilogue.residual,
                p.tile_partials.empty() ? nullptr : p.tile_partials.data()});
  double* energy = epilogue.energy ? p.partials.data() : nullptr;

  // 2. Local operators: one fused pass.
  if (!needs_global_reduction(cfg.kind)) {
    const local_mix m = mix_of(cfg, *p.graph);
    kernels::forward_local_args a;
    a.x = x;
    a.y = y;
    a.alpha = m.alpha;
    a.beta = m.beta;
    a.act = epilogue.act;
    a.bias = epilogue.bias;
    a.residual = epilogue.residual;
    a.out = epilogue.out;
    a.energy_partials = energy;
    a.tile_partials = p.tile_partials.data();
    GCNOPS_LAUNCH_CHECK(kernels::forward_local(p.forward_dir, l, a, p.stream),
                        p.stream, range, ": ", p.sizes(l));
  } else {
    // 3. Global operators: gather with sums, coefficients, apply.
    kernels::forward_gather_args ga;
    ga.x = x;
    ga.z = y;
    ga.partials = p.partials.data();
    ga.tile_partials = p.tile_partials.data();
    GCNOPS_LAUNCH_CHECK(kernels::forward_gather(p.forward_dir, l, ga, p.stream),
                        p.stream, range, ": ", p.sizes(l));
    GCNOPS_LAUNCH_CHECK(kernels::sum_partials(p.partials.data(), l.grid_x,
                                              kernels::kForwardStats, p.width,
                                              p.totals.data(), p.stream),
                        p.stream, range, ": ", p.sizes(l));

    kernels::forward_coefficient_args ca;
    ca.kind = cfg.kind;
    ca.rows = p.rows;
    ca.width = p.width;
    ca.guard = cfg.guard;
    ca.pairnorm_scale = cfg.scale;
    ca.pairnorm_eps = cfg.eps;
    ca.totals = p.totals.data();
    ca.col_scale = state.col_scale_.data();
    ca.col_shift = state.col_shift_.data();
    ca.col_x_norm_sq = state.col_x_norm_sq_.data();
    ca.scalars = state.scalars_.data();
    GCNOPS_LAUNCH_CHECK(kernels::forward_coefficients(ca, p.stream), p.stream,
                        range, ": ", p.sizes(l));

    kernels::forward_apply_args aa;
    aa.y = y;
    aa.col_scale = state.col_scale_.data();
    aa.col_shift = state.col_shift_.data();
    aa.act = epilogue.act;
    aa.bias = epilogue.bias;
    aa.residual = epilogue.residual;
    aa.out = epilogue.out;
    aa.energy_partials = energy;
    GCNOPS_LAUNCH_CHECK(kernels::forward_apply(l, p.rows, aa, p.stream),
                        p.stream, range, ": ", p.sizes(l));
  }

  // 4. Output energy: partials to per-column totals, read on request.
  if (epilogue.energy) {
    GCNOPS_LAUNCH_CHECK(
        kernels::sum_partials(p.partials.data(), l.grid_x, 1, p.width,
                              p.energy_totals.data(), p.stream),
        p.stream, range, ": ", p.sizes(l));
    if (epilogue.energy_out) {
      GCNOPS_LAUNCH_CHECK(
          kernels::sum_columns(p.energy_totals.data(), p.width,
                               epilogue.energy_out, p.stream),
          p.stream, range, ": ", p.sizes(l));
    }
    p.energy_ready = true;
  }
}

void propagation_plan::backward(const op_config& cfg,
                                const device_op_state& state, const float* x,
                                const float* y, const float* d_out, float* dx,
                                const layer_prologue& prologue) {
  impl& p = *impl_;
  const std::string range =
      "gcnops::" + std::string(to_string(cfg.kind)) + "::backward";
  detail::nvtx_range nvtx(range);
  constexpr const char* where = "propagation_plan::backward";

  // 1. Arguments, before any launch.
  validate(cfg);
  if (!state.valid_ || state.kind_ != cfg.kind) {
    throw invalid_argument(gcnops::detail::concat(
        where, ": state holds ",
        state.valid_ ? std::string(to_string(state.kind_)) : "nothing",
        ", expected the forward state of '", to_string(cfg.kind), "'"));
  }
  if (state.width() != p.width) {
    throw invalid_argument(gcnops::detail::concat(
        where, ": state width = ", state.width(), ", expected ", p.width));
  }
  const bool global = needs_global_reduction(cfg.kind);
  const std::int64_t count = p.rows * p.width;
  if (count > 0) {
    gcnops::detail::check_argument(d_out != nullptr, where, "d_out", "null",
                                   "a device pointer");
    gcnops::detail::check_argument(dx != nullptr, where, "dx", "null",
                                   "a device pointer");
    const bool needs_y = global || prologue.act != activation::identity;
    gcnops::detail::check_argument(!needs_y || y != nullptr, where, "y", "null",
                                   "the forward output");
    gcnops::detail::check_argument(!global || x != nullptr, where, "x", "null",
                                   "the forward input");
    if (overlap(dx, d_out, count) || overlap(dx, y, count) ||
        overlap(dx, x, count)) {
      throw invalid_argument(gcnops::detail::concat(
          where,
          ": dx overlaps an input, expected disjoint N x F buffers "
          "(N = ",
          p.rows, ", F = ", p.width, ")"));
    }
  }
  if (count == 0) {
    if (prologue.d_bias && p.width > 0) {
      GCNOPS_CUDA_CHECK(cudaMemsetAsync(prologue.d_bias, 0,
                                        sizeof(float) * p.width, p.stream),
                        where);
    }
    return;
  }

  const row_layout l =
      p.layout({x, y, d_out, dx,
                p.tile_partials.empty() ? nullptr : p.tile_partials.data()});

  // 2. Local operators: one fused pass, plus the bias sums.
  if (!global) {
    const local_mix m = mix_of(cfg, *p.graph);
    kernels::backward_local_args a;
    a.d_out = d_out;
    a.y = y;
    a.bias = prologue.bias;
    a.act = prologue.act;
    a.alpha = m.alpha;
    a.beta = m.beta;
    a.dx = dx;
    a.bias_partials = prologue.d_bias ? p.partials.data() : nullptr;
    a.tile_partials = p.tile_partials.data();
    GCNOPS_LAUNCH_CHECK(kernels::backward_local(p.backward_dir, l, a, p.stream),
                        p.stream, range, ": ", p.sizes(l));
    if (prologue.d_bias) {
      GCNOPS_LAUNCH_CHECK(
          kernels::sum_partials(p.partials.data(), l.grid_x, 1, p.width,
                                p.totals.data(), p.stream),
          p.stream, range, ": ", p.sizes(l));
      GCNOPS_LAUNCH_CHECK(kernels::totals_to_float(p.totals.data(), p.width,
                                                   prologue.d_bias, p.stream),
                          p.stream, range, ": ", p.sizes(l));
    }
    return;
  }

  // 3. Global operators: sums, coefficients, gather.
  kernels::backward_stats_args sa;
  sa.d_out = d_out;
  sa.y = y;
  sa.bias = prologue.bias;
  sa.act = prologue.act;
  sa.partials = p.partials.data();
  GCNOPS_LAUNCH_CHECK(kernels::backward_stats(l, p.rows, sa, p.stream),
                      p.stream, range, ": ", p.sizes(l));
  GCNOPS_LAUNCH_CHECK(kernels::sum_partials(p.partials.data(), l.grid_x,
                                            kernels::kBackwardStats, p.width,
                                            p.totals.data(), p.stream),
                      p.stream, range, ": ", p.sizes(l));

  float* coef = p.coefficients.data();
  kernels::backward_coefficient_args ca;
  ca.kind = cfg.kind;
  ca.rows = p.rows;
  ca.width = p.width;
  ca.pairnorm_scale = cfg.scale;
  ca.totals = p.totals.data();
  ca.col_scale = state.col_scale_.data();
  ca.col_x_norm_sq = state.col_x_norm_sq_.data();
  ca.scalars = state.scalars_.data();
  ca.p = coef;
  ca.q = coef + p.width;
  ca.o = coef + 2 * p.width;
  ca.mu = coef + 3 * p.width;
  ca.d_bias = prologue.d_bias;
  GCNOPS_LAUNCH_CHECK(kernels::backward_coefficients(ca, p.stream), p.stream,
                      range, ": ", p.sizes(l));

  kernels::backward_global_args ga;
  ga.d_out = d_out;
  ga.y = y;
  ga.bias = prologue.bias;
  ga.act = prologue.act;
  ga.p = ca.p;
  ga.q = ca.q;
  ga.o = ca.o;
  ga.mu = ca.mu;
  ga.x = x;
  ga.dx = dx;
  ga.tile_partials = p.tile_partials.data();
  GCNOPS_LAUNCH_CHECK(kernels::backward_global(p.backward_dir, l, ga, p.stream),
                      p.stream, range, ": ", p.sizes(l));
}

double propagation_plan::last_energy() {
  impl& p = *impl_;
  if (!p.energy_ready) {
    throw invalid_argument(
        "propagation_plan::last_energy: the last forward() did not set "
        "epilogue.energy");
  }
  const std::vector<double> columns = p.energy_totals.to_host(p.stream);
  double sum = 0.0;
  for (double v : columns)
    sum += v;
  return sum;
}

}  // namespace gcnops::cuda
