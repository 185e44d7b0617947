// Degrees, scales and the transpose of the normalised adjacency.
#include "gcnops/adjacency.hpp"

#include <cmath>

#include "gcnops/error.hpp"

namespace gcnops {

namespace {

std::vector<double> self_loop_weights(const graph& g) {
  std::vector<double> loops(static_cast<std::size_t>(g.num_nodes()), 0.0);
  if (g.num_self_loops() == 0) return loops;
  const auto row_ptr = g.row_ptr();
  const auto col = g.col_idx();
  for (std::int64_t i = 0; i < g.num_nodes(); ++i) {
    for (edge_offset k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
      if (col[k] == i) loops[i] += g.weight(k);
    }
  }
  return loops;
}

void check_options(const adjacency_options& options) {
  detail::check_argument(
      std::isfinite(options.self_loop) && options.self_loop >= 0,
      "normalized_adjacency", "self_loop", options.self_loop,
      "a finite value >= 0");
}

}  // namespace

normalized_adjacency::normalized_adjacency() : normalized_adjacency(graph{}) {}

normalized_adjacency::normalized_adjacency(const graph& g,
                                           const adjacency_options& options)
    : options_(options) {
  check_options(options);
  build(std::make_shared<const graph>(g.without_self_loops()),
        self_loop_weights(g));
}

normalized_adjacency::normalized_adjacency(graph&& g,
                                           const adjacency_options& options)
    : options_(options) {
  check_options(options);
  std::vector<double> loops = self_loop_weights(g);
  if (g.num_self_loops() == 0) {
    build(std::make_shared<const graph>(std::move(g)), loops);
  } else {
    build(std::make_shared<const graph>(g.without_self_loops()), loops);
  }
}

void normalized_adjacency::build(std::shared_ptr<const graph> loop_free,
                                 const std::vector<double>& loop_weight) {
  structure_ = std::move(loop_free);
  transposed_ = structure_->symmetric()
                    ? structure_
                    : std::make_shared<const graph>(structure_->transpose());

  // 1. Degrees of A~ = A + gamma I and the diagonal of A~.
  const std::int64_t n = structure_->num_nodes();
  const auto row_ptr = structure_->row_ptr();
  const auto col = structure_->col_idx();
  degree_.assign(static_cast<std::size_t>(n), 0.0);
  diagonal_.assign(static_cast<std::size_t>(n), 0.0);
  for (std::int64_t i = 0; i < n; ++i) {
    double sum = 0.0;
    for (edge_offset k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
      sum += structure_->weight(k);
    }
    diagonal_[i] = loop_weight[i] + options_.self_loop;
    degree_[i] = sum + diagonal_[i];
  }

  // 2. Row and column scales; a zero degree gives a zero scale.
  row_scale_.assign(static_cast<std::size_t>(n), 1.0);
  col_scale_.assign(static_cast<std::size_t>(n), 1.0);
  for (std::int64_t i = 0; i < n; ++i) {
    const double d = degree_[i];
    switch (options_.norm) {
      case normalization::sym:
        row_scale_[i] = col_scale_[i] = d > 0 ? 1.0 / std::sqrt(d) : 0.0;
        break;
      case normalization::rw:
        row_scale_[i] = d > 0 ? 1.0 / d : 0.0;
        break;
      case normalization::none:
        break;
    }
  }

  // 3. ||A^||_F^2 over the stored entries and the diagonal.
  double frob = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double r = row_scale_[i];
    for (edge_offset k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
      const double v = r * structure_->weight(k) * col_scale_[col[k]];
      frob += v * v;
    }
    const double v = r * diagonal_[i] * col_scale_[i];
    frob += v * v;
  }
  frobenius_sq_ = frob;
}

bool normalized_adjacency::symmetric_operator() const noexcept {
  return symmetric_structure() && options_.norm != normalization::rw;
}

double normalized_adjacency::rescale_constant() const noexcept {
  if (frobenius_sq_ <= 0.0 || num_nodes() == 0) return 1.0;
  return std::sqrt(static_cast<double>(num_nodes()) / frobenius_sq_);
}

double normalized_adjacency::resolve_c(const op_config& cfg) const {
  return cfg.c ? *cfg.c : rescale_constant();
}

}  // namespace gcnops
