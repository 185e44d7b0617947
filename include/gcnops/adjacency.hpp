// gcnops/adjacency.hpp: the normalised propagation matrix A^ of a graph.
//
// Contract
//   - normalized_adjacency represents, without storing its values,
//
//         A^ = diag(row_scale) (A_off + diag(diagonal)) diag(col_scale)
//
//     where A_off is the graph without self-loops, diagonal_i = A_ii + gamma
//     and the scales come from the degrees d~_i = sum_j A_ij + gamma:
//
//         sym   row_scale = col_scale = d~^-1/2
//         rw    row_scale = d~^-1,  col_scale = 1
//         none  row_scale = col_scale = 1
//
//     A node with d~_i = 0 (isolated, gamma = 0) gets scale 0, never inf or
//     NaN. Backends compute each coefficient as row_scale_i * w_ij *
//     col_scale_j on the fly; nothing of size E is stored beyond the graph.
//   - The transpose A^T = diag(col_scale) (A_off^T + diag) diag(row_scale)
//     needs the transposed structure only when the graph is not symmetric.
//     It is built once, in the constructor; transposed() then returns it,
//     and returns structure() itself for symmetric graphs.
//   - Construction refuses what cannot be represented: limit_error for a
//     degree that overflows a double, a degree so small (subnormal) that
//     1 / d~ overflows under rw, or a coefficient whose square overflows
//     (so that ||A^||_F^2 is always finite); invalid_argument for a gamma
//     that is negative or not finite, or an unknown normalisation. A graph
//     passed by rvalue is left unchanged when construction throws.
//   - All arrays live in host memory and are immutable. Copies share them;
//     a moved-from operator is the operator of the empty graph.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "gcnops/graph.hpp"
#include "gcnops/operators.hpp"

namespace gcnops {

struct adjacency_options {
  normalization norm = normalization::sym;
  // gamma >= 0 and finite: weight of the self-loop added to every node.
  double self_loop = 1.0;
};

class normalized_adjacency {
 public:
  normalized_adjacency();  // zero nodes
  explicit normalized_adjacency(const graph& g,
                                const adjacency_options& options = {});
  explicit normalized_adjacency(graph&& g,
                                const adjacency_options& options = {});
  normalized_adjacency(const normalized_adjacency&) = default;
  normalized_adjacency& operator=(const normalized_adjacency&) = default;
  normalized_adjacency(normalized_adjacency&& other) noexcept;
  normalized_adjacency& operator=(normalized_adjacency&& other) noexcept;

  std::int64_t num_nodes() const noexcept { return structure_->num_nodes(); }
  normalization norm() const noexcept { return options_.norm; }
  double self_loop() const noexcept { return options_.self_loop; }
  const adjacency_options& options() const noexcept { return options_; }

  // A_off and its transpose (the same object when A is symmetric).
  const graph& structure() const noexcept { return *structure_; }
  const graph& transposed() const noexcept { return *transposed_; }
  bool symmetric_structure() const noexcept {
    return structure_ == transposed_;
  }
  // True when A^T == A: symmetric structure and sym or none normalisation.
  bool symmetric_operator() const noexcept;

  std::span<const double> degrees() const noexcept { return degree_; }
  std::span<const double> row_scale() const noexcept { return row_scale_; }
  std::span<const double> col_scale() const noexcept { return col_scale_; }
  std::span<const double> diagonal() const noexcept { return diagonal_; }

  // ||A^||_F^2, computed exactly from the stored entries.
  double frobenius_norm_sq() const noexcept { return frobenius_sq_; }
  // sqrt(N / ||A^||_F^2): the default constant of the rescaled operator;
  // 1 for an empty or all-zero operator.
  double rescale_constant() const noexcept;
  // cfg.c when set, else rescale_constant().
  double resolve_c(const op_config& cfg) const;

 private:
  void build(std::shared_ptr<const graph> loop_free,
             const std::vector<double>& loop_weight);

  std::shared_ptr<const graph> structure_;
  std::shared_ptr<const graph> transposed_;
  adjacency_options options_;
  std::vector<double> degree_;
  std::vector<double> row_scale_;
  std::vector<double> col_scale_;
  std::vector<double> diagonal_;
  double frobenius_sq_ = 0.0;
};

}  // namespace gcnops
