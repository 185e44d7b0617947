// gcnops/operators.hpp: names and parameters of the propagation operators.
//
// Contract
//   - The mathematics of every operator, forward and backward, is the table
//     of docs/OPERATORS.md; this header only names them and holds their
//     parameters. Backends (gcnops/cpu/propagate.hpp, gcnops/cuda/...)
//     compute them.
//   - validate() checks an op_config against the ranges documented below
//     and throws invalid_argument naming the field, its value and the range.
//   - parse_*() accept exactly the names that to_string() prints and throw
//     invalid_argument listing the accepted names otherwise.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace gcnops {

// Base normalisation of A~ = A + gamma I (docs/OPERATORS.md).
enum class normalization {
  sym,   // D~^-1/2 A~ D~^-1/2
  rw,    // D~^-1 A~, row-stochastic
  none,  // A~
};

enum class op_kind {
  plain,          // Y = Z = A^ X
  rescaled,       // Y = c Z
  shifted,        // Y = (1 - alpha) Z + alpha X
  energy,         // Y = (||X|| / ||Z||) Z
  energy_col,     // column f: Y_f = (||X_f|| / ||Z_f||) Z_f
  mean_centered,  // Y = Z - 1 colmean(Z)
  pairnorm,       // Y = s Zc / sqrt(eps + ||Zc||^2 / N), Zc centred Z
};

inline constexpr op_kind all_op_kinds[] = {
    op_kind::plain,   op_kind::rescaled,   op_kind::shifted,
    op_kind::energy,  op_kind::energy_col, op_kind::mean_centered,
    op_kind::pairnorm};

inline constexpr normalization all_normalizations[] = {
    normalization::sym, normalization::rw, normalization::none};

struct op_config {
  op_kind kind = op_kind::plain;
  // rescaled: c > 0; unset means sqrt(N / ||A^||_F^2), which keeps the
  // energy of white noise unchanged on average.
  std::optional<double> c;
  // shifted: 0 <= alpha <= 1.
  double alpha = 0.1;
  // pairnorm: target root-mean-square row norm s > 0 and eps > 0.
  double scale = 1.0;
  double eps = 1e-5;
  // energy, energy_col: where ||Z|| (or ||Z_f||) < guard the scale is 1 and
  // the gradient terms that divide by it vanish. guard > 0.
  double guard = 1e-12;
};

// Throws invalid_argument when a parameter used by cfg.kind is out of range.
void validate(const op_config& cfg);

// Operators that are linear maps of X, so that P(H W) = P(H) W.
constexpr bool is_linear(op_kind k) {
  return k == op_kind::plain || k == op_kind::rescaled ||
         k == op_kind::shifted || k == op_kind::mean_centered;
}

// Operators that need a reduction over all N rows.
constexpr bool needs_global_reduction(op_kind k) {
  return k == op_kind::energy || k == op_kind::energy_col ||
         k == op_kind::mean_centered || k == op_kind::pairnorm;
}

std::string_view to_string(normalization n);
std::string_view to_string(op_kind k);
normalization parse_normalization(std::string_view name);
op_kind parse_op_kind(std::string_view name);

// "rescaled(c=2.09)", "shifted(alpha=0.1)", "plain": for logs and reports.
std::string describe(const op_config& cfg);

// The names of to_string(), so that enums print readably.
std::ostream& operator<<(std::ostream& out, normalization n);
std::ostream& operator<<(std::ostream& out, op_kind k);

}  // namespace gcnops
