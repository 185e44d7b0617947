// Degrees, scales and the transpose of the normalised adjacency.
#include "gcnops/adjacency.hpp"

#include <cfloat>
#include <cmath>
#include <utility>

#include "allocation.hpp"
#include "gcnops/error.hpp"

namespace gcnops {

namespace {

constexpr const char* kWhere = "normalized_adjacency";

// The empty graph every default-constructed or moved-from operator points
// to: shared without ownership, so handing it out never allocates.
std::shared_ptr<const graph> empty_graph() noexcept {
  static const graph empty;
  return std::shared_ptr<const graph>(std::shared_ptr<const graph>(), &empty);
}

std::vector<double> self_loop_weights(const graph& g) {
  std::vector<double> loops;
  detail::assign_checked(loops, static_cast<std::size_t>(g.num_nodes()), 0.0,
                         "normalized_adjacency: self-loop weights");
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
  const auto norm = static_cast<int>(options.norm);
  detail::check_argument(norm >= 0 && norm <= 2, kWhere, "norm", norm,
                         "sym (0), rw (1) or none (2)");
  detail::check_argument(
      std::isfinite(options.self_loop) && options.self_loop >= 0, kWhere,
      "self_loop", options.self_loop, "a finite value >= 0");
}

// A coefficient of A^ whose square does not fit a double.
[[noreturn]] void refuse_coefficient(std::int64_t i, std::int64_t j, double v,
                                     normalization norm) {
  throw limit_error(detail::concat(
      kWhere, ": coefficient (", i, ", ", j, ") of A^ is ", v, " under ",
      to_string(norm), " normalisation, expected |coefficient| <= ",
      std::sqrt(DBL_MAX), " so that ||A^||_F^2 fits a double"));
}

}  // namespace

normalized_adjacency::normalized_adjacency()
    : structure_(empty_graph()), transposed_(structure_) {}

normalized_adjacency::normalized_adjacency(
    normalized_adjacency&& other) noexcept
    : structure_(std::exchange(other.structure_, empty_graph())),
      transposed_(std::exchange(other.transposed_, empty_graph())),
      options_(other.options_),
      degree_(std::move(other.degree_)),
      row_scale_(std::move(other.row_scale_)),
      col_scale_(std::move(other.col_scale_)),
      diagonal_(std::move(other.diagonal_)),
      frobenius_sq_(std::exchange(other.frobenius_sq_, 0.0)) {}

normalized_adjacency& normalized_adjacency::operator=(
    normalized_adjacency&& other) noexcept {
  if (this == &other) return *this;
  structure_ = std::exchange(other.structure_, empty_graph());
  transposed_ = std::exchange(other.transposed_, empty_graph());
  options_ = other.options_;
  for (auto [to, from] : {std::pair{&degree_, &other.degree_},
                          {&row_scale_, &other.row_scale_},
                          {&col_scale_, &other.col_scale_},
                          {&diagonal_, &other.diagonal_}}) {
    *to = std::move(*from);
    from->clear();
  }
  frobenius_sq_ = std::exchange(other.frobenius_sq_, 0.0);
  return *this;
}

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
  if (g.num_self_loops() != 0) {
    build(std::make_shared<const graph>(g.without_self_loops()), loops);
    return;
  }
  // Adopt g; should the build throw, the caller gets it back unchanged.
  const auto adopted = std::make_shared<graph>(std::move(g));
  try {
    build(adopted, loops);
  } catch (...) {
    g = std::move(*adopted);
    throw;
  }
}

void normalized_adjacency::build(std::shared_ptr<const graph> loop_free,
                                 const std::vector<double>& loop_weight) {
  structure_ = std::move(loop_free);
  transposed_ = structure_->symmetric()
                    ? structure_
                    : std::make_shared<const graph>(structure_->transpose());

  // 1. Degrees of A~ = A + gamma I and the diagonal of A~; a degree must
  // be a finite double.
  const std::int64_t n = structure_->num_nodes();
  const auto count = static_cast<std::size_t>(n);
  const auto row_ptr = structure_->row_ptr();
  const auto col = structure_->col_idx();
  detail::assign_checked(degree_, count, 0.0, "normalized_adjacency: degrees");
  detail::assign_checked(diagonal_, count, 0.0,
                         "normalized_adjacency: diagonal");
  for (std::int64_t i = 0; i < n; ++i) {
    double sum = 0.0;
    for (edge_offset k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
      sum += structure_->weight(k);
    }
    diagonal_[i] = loop_weight[i] + options_.self_loop;
    degree_[i] = sum + diagonal_[i];
    if (!std::isfinite(degree_[i])) {
      throw limit_error(
          detail::concat(kWhere, ": the degree d~ of node ", i,
                         " (its edge weights plus the diagonal ", diagonal_[i],
                         ") overflows a double; expected a finite degree"));
    }
  }

  // 2. Row and column scales; a zero degree gives a zero scale, and a
  // subnormal one whose inverse overflows is refused.
  detail::assign_checked(row_scale_, count, 1.0,
                         "normalized_adjacency: row scales");
  detail::assign_checked(col_scale_, count, 1.0,
                         "normalized_adjacency: column scales");
  for (std::int64_t i = 0; i < n; ++i) {
    const double d = degree_[i];
    switch (options_.norm) {
      case normalization::sym:
        row_scale_[i] = col_scale_[i] = d > 0 ? 1.0 / std::sqrt(d) : 0.0;
        break;
      case normalization::rw:
        row_scale_[i] = d > 0 ? 1.0 / d : 0.0;
        if (!std::isfinite(row_scale_[i])) {
          throw limit_error(detail::concat(
              kWhere, ": node ", i, " has degree d~ = ", d,
              ", too small for rw normalisation (1 / d~ overflows a double);"
              " expected 0 or d~ >= ",
              1.0 / DBL_MAX));
        }
        break;
      case normalization::none:
        break;
    }
  }

  // 3. ||A^||_F^2 over the stored entries and the diagonal; no coefficient
  // may have a square beyond the range of a double.
  double frob = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double r = row_scale_[i];
    for (edge_offset k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
      const double v = r * structure_->weight(k) * col_scale_[col[k]];
      if (!(v * v <= DBL_MAX)) refuse_coefficient(i, col[k], v, options_.norm);
      frob += v * v;
    }
    const double v = r * diagonal_[i] * col_scale_[i];
    if (!(v * v <= DBL_MAX)) refuse_coefficient(i, i, v, options_.norm);
    frob += v * v;
  }
  if (!std::isfinite(frob)) {
    throw limit_error(detail::concat(
        kWhere, ": ||A^||_F^2 overflows a double under ",
        to_string(options_.norm),
        " normalisation; expected edge weights small enough for a finite "
        "norm"));
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
