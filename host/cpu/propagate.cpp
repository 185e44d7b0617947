// CPU reference of the propagation operators (gcnops/cpu/propagate.hpp).
//
// Every operator is one SpMM over the rows plus element-wise work and, for
// the global operators, reductions. The reductions run over fixed blocks of
// rows (reduce_rows) so that their results do not depend on the number of
// OpenMP threads.
#include "gcnops/cpu/propagate.hpp"

#include <cmath>
#include <cstring>

#include "gcnops/error.hpp"

namespace gcnops::cpu {

namespace {

constexpr std::int64_t kBlockRows = 512;

// Sums `width` per-row contributions: row_fn(i, acc) adds row i into
// acc[0 .. width). Blocks of kBlockRows rows are summed in row order, then
// the block sums in block order.
template <class RowFn>
std::vector<double> reduce_rows(std::int64_t n, std::int64_t width,
                                RowFn row_fn) {
  const std::int64_t blocks = (n + kBlockRows - 1) / kBlockRows;
  std::vector<double> partial(static_cast<std::size_t>(blocks * width), 0.0);
#pragma omp parallel for schedule(static)
  for (std::int64_t b = 0; b < blocks; ++b) {
    double* acc = partial.data() + b * width;
    const std::int64_t end = std::min(n, (b + 1) * kBlockRows);
    for (std::int64_t i = b * kBlockRows; i < end; ++i)
      row_fn(i, acc);
  }
  std::vector<double> total(static_cast<std::size_t>(width), 0.0);
  for (std::int64_t b = 0; b < blocks; ++b) {
    for (std::int64_t f = 0; f < width; ++f)
      total[f] += partial[b * width + f];
  }
  return total;
}

template <class T>
double dot(matrix_view<const T> u, matrix_view<const T> v) {
  return reduce_rows(u.rows, 1, [&](std::int64_t i, double* acc) {
    const T* a = u.row(i);
    const T* b = v.row(i);
    double s = 0.0;
    for (std::int64_t f = 0; f < u.cols; ++f)
      s += double(a[f]) * double(b[f]);
    acc[0] += s;
  })[0];
}

// Per-column <U_f, V_f>.
template <class T>
std::vector<double> column_dots(matrix_view<const T> u,
                                matrix_view<const T> v) {
  return reduce_rows(u.rows, u.cols, [&](std::int64_t i, double* acc) {
    const T* a = u.row(i);
    const T* b = v.row(i);
    for (std::int64_t f = 0; f < u.cols; ++f) {
      acc[f] += double(a[f]) * double(b[f]);
    }
  });
}

template <class T>
std::vector<double> column_means(matrix_view<const T> u) {
  std::vector<double> mean =
      reduce_rows(u.rows, u.cols, [&](std::int64_t i, double* acc) {
        const T* a = u.row(i);
        for (std::int64_t f = 0; f < u.cols; ++f)
          acc[f] += double(a[f]);
      });
  if (u.rows > 0) {
    for (double& m : mean)
      m /= static_cast<double>(u.rows);
  }
  return mean;
}

// out = A^ x, or A^T x when transpose is set. Each row is
//   out_i = a_i (d_i b_i x_i + sum_j w_ij b_j x_j)
// with (a, b) = (row_scale, col_scale) forward and swapped for A^T.
template <class T>
void spmm_rows(const normalized_adjacency& adj, bool transpose,
               matrix_view<const T> x, matrix_view<T> out) {
  const graph& s = transpose ? adj.transposed() : adj.structure();
  const auto a = transpose ? adj.col_scale() : adj.row_scale();
  const auto b = transpose ? adj.row_scale() : adj.col_scale();
  const auto diag = adj.diagonal();
  const auto row_ptr = s.row_ptr();
  const auto col = s.col_idx();
  const std::int64_t width = x.cols;
#pragma omp parallel for schedule(dynamic, 64)
  for (std::int64_t i = 0; i < s.num_nodes(); ++i) {
    // Self-loop term first, then the neighbours in column order. Each
    // coefficient a_i w_ij b_j is formed in double and rounded to T once:
    // the scales alone may lie outside the range of T when the
    // coefficient does not.
    T* z = out.row(i);
    const T* xi = x.row(i);
    const T self = static_cast<T>(a[i] * diag[i] * b[i]);
    for (std::int64_t f = 0; f < width; ++f)
      z[f] = self * xi[f];
    for (edge_offset k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
      const node_id j = col[k];
      const T w = static_cast<T>(a[i] * s.weight(k) * b[j]);
      const T* xj = x.row(j);
      for (std::int64_t f = 0; f < width; ++f)
        z[f] += w * xj[f];
    }
  }
}

// y = alpha * y + beta * x, element-wise.
template <class T>
void axpby(double alpha, matrix_view<T> y, double beta,
           matrix_view<const T> x) {
  const T a = static_cast<T>(alpha);
  const T b = static_cast<T>(beta);
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < y.rows; ++i) {
    T* yi = y.row(i);
    const T* xi = x.row(i);
    for (std::int64_t f = 0; f < y.cols; ++f)
      yi[f] = a * yi[f] + b * xi[f];
  }
}

// y[:, f] = scale[f] * (y[:, f] - shift[f]) for every column f.
template <class T>
void scale_columns(matrix_view<T> y, const std::vector<double>& scale,
                   const std::vector<double>& shift) {
  std::vector<T> sc(scale.begin(), scale.end());
  std::vector<T> sh(shift.begin(), shift.end());
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < y.rows; ++i) {
    T* yi = y.row(i);
    for (std::int64_t f = 0; f < y.cols; ++f)
      yi[f] = sc[f] * (yi[f] - sh[f]);
  }
}

// t[:, f] = p[f] g[:, f] + q[f] y[:, f] + o[f]: the per-column affine map
// that every global operator applies to G before A^T.
template <class T>
void affine_columns(matrix_view<const T> g, matrix_view<const T> y,
                    const std::vector<double>& p, const std::vector<double>& q,
                    const std::vector<double>& o, matrix_view<T> t) {
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < g.rows; ++i) {
    const T* gi = g.row(i);
    const T* yi = y.row(i);
    T* ti = t.row(i);
    for (std::int64_t f = 0; f < g.cols; ++f) {
      ti[f] =
          static_cast<T>(p[f] * double(gi[f]) + q[f] * double(yi[f]) + o[f]);
    }
  }
}

bool overlaps(const void* a, std::int64_t a_bytes, const void* b,
              std::int64_t b_bytes) {
  const auto* pa = static_cast<const char*>(a);
  const auto* pb = static_cast<const char*>(b);
  return a_bytes > 0 && b_bytes > 0 && pa < pb + b_bytes && pb < pa + a_bytes;
}

// A view's own shape: non-negative, with rows * cols elements of T that
// fit std::int64_t bytes, and data unless it is empty.
template <class T>
void check_view(const char* where, const char* name, matrix_view<const T> m) {
  if (m.rows < 0 || m.cols < 0) {
    throw invalid_argument(detail::concat(where, ": ", name, " is ", m.rows,
                                          " x ", m.cols,
                                          ", expected sizes >= 0"));
  }
  constexpr std::int64_t max_elements = INT64_MAX / sizeof(T);
  if (m.cols > 0 && m.rows > max_elements / m.cols) {
    throw limit_error(detail::concat(where, ": ", name, " is ", m.rows, " x ",
                                     m.cols,
                                     ", more elements than fit "
                                     "std::int64_t bytes"));
  }
  if (m.data == nullptr && m.rows * m.cols > 0) {
    throw invalid_argument(detail::concat(where, ": ", name,
                                          " has no data for a ", m.rows, " x ",
                                          m.cols, " matrix"));
  }
}

template <class T>
void check_same_shape(const char* where, const char* name,
                      matrix_view<const T> m, std::int64_t rows,
                      std::int64_t cols) {
  check_view<T>(where, name, m);
  if (m.rows != rows || m.cols != cols) {
    throw invalid_argument(detail::concat(where, ": ", name, " is ", m.rows,
                                          " x ", m.cols, ", expected ", rows,
                                          " x ", cols));
  }
}

template <class T>
void check_output(const char* where, const char* name, matrix_view<T> out,
                  std::initializer_list<matrix_view<const T>> inputs) {
  const auto bytes = out.size() * static_cast<std::int64_t>(sizeof(T));
  for (const auto& in : inputs) {
    if (overlaps(out.data, bytes, in.data,
                 in.size() * static_cast<std::int64_t>(sizeof(T)))) {
      throw invalid_argument(
          detail::concat(where, ": output ", name,
                         " overlaps an input, expected disjoint "
                         "memory"));
    }
  }
}

std::vector<double> filled(std::int64_t n, double v) {
  return std::vector<double>(static_cast<std::size_t>(n), v);
}

}  // namespace

template <class T>
void spmm(const normalized_adjacency& a, bool transpose, matrix_view<const T> x,
          matrix_view<T> z) {
  constexpr const char* where = "cpu::spmm";
  check_same_shape<T>(where, "x", x, a.num_nodes(), x.cols);
  check_same_shape<T>(where, "z", z, a.num_nodes(), x.cols);
  check_output<T>(where, "z", z, {x});
  spmm_rows<T>(a, transpose, x, z);
}

template <class T>
void forward(const normalized_adjacency& a, const op_config& cfg,
             matrix_view<const T> x, matrix_view<T> y, op_state* state) {
  constexpr const char* where = "cpu::forward";
  validate(cfg);
  const std::int64_t n = a.num_nodes();
  const std::int64_t width = x.cols;
  check_same_shape<T>(where, "x", x, n, width);
  check_same_shape<T>(where, "y", y, n, width);
  check_output<T>(where, "y", y, {x});

  // The state is built aside and handed over only on success, so that a
  // throw (out of memory) leaves the caller's state as it was.
  op_state st;
  st.kind = cfg.kind;

  // Z = A^ X lands in y; every operator then finishes in place.
  spmm_rows<T>(a, false, x, y);
  matrix_view<const T> z = y;

  switch (cfg.kind) {
    case op_kind::plain:
      break;

    case op_kind::rescaled:
      st.scale = a.resolve_c(cfg);
      axpby<T>(st.scale, y, 0.0, x);
      break;

    case op_kind::shifted:
      axpby<T>(1.0 - cfg.alpha, y, cfg.alpha, x);
      break;

    case op_kind::energy: {
      st.x_norm_sq = dot<T>(x, x);
      const double z_norm = std::sqrt(dot<T>(z, z));
      st.guarded = !(z_norm >= cfg.guard);
      st.scale = st.guarded ? 1.0 : std::sqrt(st.x_norm_sq) / z_norm;
      axpby<T>(st.scale, y, 0.0, x);
      break;
    }

    case op_kind::energy_col: {
      st.x_col_norm_sq = column_dots<T>(x, x);
      const std::vector<double> z_sq = column_dots<T>(z, z);
      st.col_scale = filled(width, 1.0);
      st.col_guarded.assign(static_cast<std::size_t>(width), 0);
      for (std::int64_t f = 0; f < width; ++f) {
        const double z_norm = std::sqrt(z_sq[f]);
        st.col_guarded[f] = !(z_norm >= cfg.guard);
        if (!st.col_guarded[f]) {
          st.col_scale[f] = std::sqrt(st.x_col_norm_sq[f]) / z_norm;
        }
      }
      scale_columns<T>(y, st.col_scale, filled(width, 0.0));
      break;
    }

    case op_kind::mean_centered:
      scale_columns<T>(y, filled(width, 1.0), column_means<T>(z));
      break;

    case op_kind::pairnorm: {
      // ||Zc||^2 = sum_f (||Z_f||^2 - N mean_f^2), computed directly on the
      // centred values to avoid cancellation.
      const std::vector<double> mean = column_means<T>(z);
      const double centred_sq =
          reduce_rows(n, 1, [&](std::int64_t i, double* acc) {
            const T* zi = z.row(i);
            double s = 0.0;
            for (std::int64_t f = 0; f < width; ++f) {
              const double d = double(zi[f]) - mean[f];
              s += d * d;
            }
            acc[0] += s;
          })[0];
      st.sigma = std::sqrt(cfg.eps + (n > 0 ? centred_sq / double(n) : 0.0));
      st.scale = cfg.scale / st.sigma;
      scale_columns<T>(y, filled(width, st.scale), mean);
      break;
    }
  }
  if (state) *state = std::move(st);
}

template <class T>
void backward(const normalized_adjacency& a, const op_config& cfg,
              const op_state& st, matrix_view<const T> x,
              matrix_view<const T> y, matrix_view<const T> g,
              matrix_view<T> dx) {
  constexpr const char* where = "cpu::backward";
  validate(cfg);
  if (st.kind != cfg.kind) {
    throw invalid_argument(detail::concat(
        where, ": state comes from operator '", to_string(st.kind),
        "', expected state of '", to_string(cfg.kind), "'"));
  }
  const std::int64_t n = a.num_nodes();
  const std::int64_t width = g.cols;
  check_same_shape<T>(where, "g", g, n, width);
  check_same_shape<T>(where, "dx", dx, n, width);
  check_output<T>(where, "dx", dx, {g});
  const bool uses_xy = cfg.kind == op_kind::energy ||
                       cfg.kind == op_kind::energy_col ||
                       cfg.kind == op_kind::pairnorm;
  if (uses_xy) {
    check_same_shape<T>(where, "x", x, n, width);
    check_same_shape<T>(where, "y", y, n, width);
    check_output<T>(where, "dx", dx, {x, y});
  }
  if (cfg.kind == op_kind::energy_col) {
    const auto w = static_cast<std::size_t>(width);
    detail::check_argument(
        st.col_scale.size() == w && st.x_col_norm_sq.size() == w &&
            st.col_guarded.size() == w,
        where, "state.col_scale.size()", st.col_scale.size(),
        detail::concat(width,
                       " (the width of g): a state from a forward pass of "
                       "the same width"));
  }

  switch (cfg.kind) {
    case op_kind::plain:
      spmm_rows<T>(a, true, g, dx);
      return;

    case op_kind::rescaled:
      spmm_rows<T>(a, true, g, dx);
      axpby<T>(st.scale, dx, 0.0, g);
      return;

    case op_kind::shifted:
      spmm_rows<T>(a, true, g, dx);
      axpby<T>(1.0 - cfg.alpha, dx, cfg.alpha, g);
      return;

    case op_kind::mean_centered: {
      std::vector<double> shift = column_means<T>(g);
      for (double& v : shift)
        v = -v;
      matrix<T> t(n, width);
      affine_columns<T>(g, g, filled(width, 1.0), filled(width, 0.0), shift,
                        t.view());
      spmm_rows<T>(a, true, t.view(), dx);
      return;
    }

    case op_kind::energy:
    case op_kind::energy_col: {
      // With Z = Y / s and ||Y|| = ||X||, the contract's formula becomes
      //   dX = A^T [s (G - mu Y)] + mu X,   mu = <G, Y> / ||X||^2,
      // per column for energy_col; a guarded scale contributes A^T G only.
      std::vector<double> p(static_cast<std::size_t>(width));
      std::vector<double> q(static_cast<std::size_t>(width));
      std::vector<double> mu(static_cast<std::size_t>(width), 0.0);
      if (cfg.kind == op_kind::energy) {
        const double m = (st.guarded || st.x_norm_sq <= 0)
                             ? 0.0
                             : dot<T>(g, y) / st.x_norm_sq;
        std::fill(mu.begin(), mu.end(), m);
        std::fill(p.begin(), p.end(), st.guarded ? 1.0 : st.scale);
      } else {
        const std::vector<double> gy = column_dots<T>(g, y);
        for (std::int64_t f = 0; f < width; ++f) {
          const bool off = st.col_guarded[f] || st.x_col_norm_sq[f] <= 0;
          mu[f] = off ? 0.0 : gy[f] / st.x_col_norm_sq[f];
          p[f] = st.col_guarded[f] ? 1.0 : st.col_scale[f];
        }
      }
      for (std::int64_t f = 0; f < width; ++f)
        q[f] = -p[f] * mu[f];
      matrix<T> t(n, width);
      affine_columns<T>(g, y, p, q, filled(width, 0.0), t.view());
      spmm_rows<T>(a, true, t.view(), dx);
      // dx += mu_f x_f.
#pragma omp parallel for schedule(static)
      for (std::int64_t i = 0; i < n; ++i) {
        T* di = dx.row(i);
        const T* xi = x.row(i);
        for (std::int64_t f = 0; f < width; ++f) {
          di[f] += static_cast<T>(mu[f]) * xi[f];
        }
      }
      return;
    }

    case op_kind::pairnorm: {
      // With Zc = (sigma / s) Y the contract's dZc becomes
      //   dZc = (s / sigma) [G - Y <G, Y> / (N s^2)],
      // and dX = A^T (dZc - 1 colmean(dZc)), one affine map of (G, Y).
      const double nn = static_cast<double>(n);
      const double k =
          n > 0 ? dot<T>(g, y) / (nn * cfg.scale * cfg.scale) : 0.0;
      const double pp = st.scale;  // s / sigma
      const std::vector<double> g_mean = column_means<T>(g);
      const std::vector<double> y_mean = column_means<T>(y);
      std::vector<double> p = filled(width, pp);
      std::vector<double> q = filled(width, -pp * k);
      std::vector<double> o(static_cast<std::size_t>(width));
      for (std::int64_t f = 0; f < width; ++f) {
        o[f] = -(pp * g_mean[f] - pp * k * y_mean[f]);
      }
      matrix<T> t(n, width);
      affine_columns<T>(g, y, p, q, o, t.view());
      spmm_rows<T>(a, true, t.view(), dx);
      return;
    }
  }
}

template <class T>
double energy(matrix_view<const T> x) {
  check_view<T>("cpu::energy", "x", x);
  return dot<T>(x, x);
}

template <class T>
double dirichlet_energy(const normalized_adjacency& a, matrix_view<const T> x) {
  check_same_shape<T>("cpu::dirichlet_energy", "x", x, a.num_nodes(), x.cols);
  // sum_i ||x_i||^2 - sum_ij A^sym_ij <x_i, x_j>, with
  // A^sym_ij = A~_ij / sqrt(d~_i d~_j).
  const graph& s = a.structure();
  const auto deg = a.degrees();
  const auto diag = a.diagonal();
  const auto row_ptr = s.row_ptr();
  const auto col = s.col_idx();
  auto inv_sqrt = [&](std::int64_t i) {
    return deg[i] > 0 ? 1.0 / std::sqrt(deg[i]) : 0.0;
  };
  auto row_dot = [&](std::int64_t i, std::int64_t j) {
    double d = 0.0;
    for (std::int64_t f = 0; f < x.cols; ++f) {
      d += double(x(i, f)) * double(x(j, f));
    }
    return d;
  };
  return reduce_rows(a.num_nodes(), 1, [&](std::int64_t i, double* acc) {
    const double ri = inv_sqrt(i);
    double sum = row_dot(i, i) * (1.0 - ri * diag[i] * ri);
    for (edge_offset k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
      sum -= ri * s.weight(k) * inv_sqrt(col[k]) * row_dot(i, col[k]);
    }
    acc[0] += sum;
  })[0];
}

#define GCNOPS_INSTANTIATE(T)                                                \
  template void spmm<T>(const normalized_adjacency&, bool,                   \
                        matrix_view<const T>, matrix_view<T>);               \
  template void forward<T>(const normalized_adjacency&, const op_config&,    \
                           matrix_view<const T>, matrix_view<T>, op_state*); \
  template void backward<T>(const normalized_adjacency&, const op_config&,   \
                            const op_state&, matrix_view<const T>,           \
                            matrix_view<const T>, matrix_view<const T>,      \
                            matrix_view<T>);                                 \
  template double energy<T>(matrix_view<const T>);                           \
  template double dirichlet_energy<T>(const normalized_adjacency&,           \
                                      matrix_view<const T>);

GCNOPS_INSTANTIATE(float)
GCNOPS_INSTANTIATE(double)
#undef GCNOPS_INSTANTIATE

}  // namespace gcnops::cpu
