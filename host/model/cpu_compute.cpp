// The CPU backend of the model (compute.hpp), in float or double.
//
// Dense products go to a CBLAS (OpenBLAS, which picks its kernels for the
// processor at run time) when one was found at configure time, else to
// Eigen. Features stay sparse: drop(X) W and drop(X)^T D walk the non-zeros
// only, keyed by the same element index as a dense dropout. Row loops run
// under OpenMP; sums over rows run in row order, so every result is the
// same whatever the thread count.
#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <numeric>

#include "compute.hpp"
#include "gcnops/config.hpp"
#include "gcnops/cpu/propagate.hpp"
#include "gcnops/error.hpp"
#include "gcnops/random.hpp"

#if GCNOPS_HAS_CBLAS
#include <cblas.h>
// OpenBLAS's own thread pool fights the backend's OpenMP loops for the
// cores; the products here are small, so OpenBLAS runs on the caller's
// thread.
extern "C" void openblas_set_num_threads(int);
#else
#include <Eigen/Dense>
#endif

namespace gcnops::detail {

namespace {

template <class T>
void blas_gemm(bool ta, bool tb, T alpha, tensor<const T> a, tensor<const T> b,
               T beta, tensor<T> c) {
  const std::int64_t k = ta ? a.rows : a.cols;
  if (c.rows == 0 || c.cols == 0) return;
#if GCNOPS_HAS_CBLAS
  const auto lda = static_cast<int>(std::max<std::int64_t>(1, a.cols));
  const auto ldb = static_cast<int>(std::max<std::int64_t>(1, b.cols));
  const auto ldc = static_cast<int>(c.cols);
  const CBLAS_TRANSPOSE opa = ta ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE opb = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, opa, opb, static_cast<int>(c.rows),
                static_cast<int>(c.cols), static_cast<int>(k), alpha, a.data,
                lda, b.data, ldb, beta, c.data, ldc);
  } else {
    cblas_dgemm(CblasRowMajor, opa, opb, static_cast<int>(c.rows),
                static_cast<int>(c.cols), static_cast<int>(k), alpha, a.data,
                lda, b.data, ldb, beta, c.data, ldc);
  }
#else
  using mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const mat> ma(a.data, a.rows, a.cols);
  const Eigen::Map<const mat> mb(b.data, b.rows, b.cols);
  Eigen::Map<mat> mc(c.data, c.rows, c.cols);
  if (beta == T(0))
    mc.setZero();
  else
    mc *= beta;
  if (ta && tb)
    mc.noalias() += alpha * ma.transpose() * mb.transpose();
  else if (ta)
    mc.noalias() += alpha * ma.transpose() * mb;
  else if (tb)
    mc.noalias() += alpha * ma * mb.transpose();
  else
    mc.noalias() += alpha * ma * mb;
  (void)k;
#endif
}

template <class T>
class cpu_compute final : public compute<T> {
 public:
  cpu_compute() {
#if GCNOPS_HAS_CBLAS
    openblas_set_num_threads(1);
#endif
  }

  std::string name() const override {
    return std::is_same_v<T, float> ? "cpu (float)" : "cpu (double)";
  }

  std::size_t bytes() const override {
    std::size_t total = 0;
    for (const auto& m : storage_)
      total += sizeof(T) * m.size();
    for (const auto& [shape, m] : scratch_)
      total += sizeof(T) * m.size();
    total += (sizeof(T) + 4) * (vals_.size() + t_vals_.size()) +
             8 * (rows_.size() + t_rows_.size());
    if (adj_) {
      const graph& s = adj_->structure();
      total += 12 * static_cast<std::size_t>(s.num_edges()) +
               40 * static_cast<std::size_t>(s.num_nodes());
    }
    return total;
  }

  tensor<T> make(std::int64_t rows, std::int64_t cols) override {
    storage_.emplace_back(rows, cols, T(0));
    return storage_.back().view();
  }

  void upload(tensor<T> dst, std::span<const T> src) override {
    std::copy(src.begin(), src.end(), dst.data);
  }
  void download(tensor<const T> src, std::span<T> dst) override {
    std::copy(src.data, src.data + src.size(), dst.begin());
  }
  void copy(tensor<const T> src, tensor<T> dst) override {
    std::copy(src.data, src.data + src.size(), dst.data);
  }
  void zero(tensor<T> t) override {
    std::fill(t.data, t.data + t.size(), T(0));
  }

  void set_graph(const graph& g, const adjacency_options& a) override {
    adj_ = std::make_unique<normalized_adjacency>(g, a);
  }

  // Features as CSR, and their transpose for drop(X)^T D.
  void set_features(const matrix<float>& x) override {
    n_ = x.rows();
    f_ = x.cols();
    rows_.assign(1, 0);
    cols_.clear();
    vals_.clear();
    for (std::int64_t i = 0; i < n_; ++i) {
      for (std::int64_t j = 0; j < f_; ++j) {
        if (x(i, j) != 0.0f) {
          cols_.push_back(static_cast<std::int32_t>(j));
          vals_.push_back(static_cast<T>(x(i, j)));
        }
      }
      rows_.push_back(static_cast<std::int64_t>(cols_.size()));
    }
    t_rows_.assign(static_cast<std::size_t>(f_) + 1, 0);
    for (auto j : cols_)
      ++t_rows_[j + 1];
    std::partial_sum(t_rows_.begin(), t_rows_.end(), t_rows_.begin());
    t_cols_.resize(cols_.size());
    t_vals_.resize(vals_.size());
    std::vector<std::int64_t> cursor(t_rows_.begin(), t_rows_.end() - 1);
    for (std::int64_t i = 0; i < n_; ++i) {
      for (auto k = rows_[i]; k < rows_[i + 1]; ++k) {
        const auto at = cursor[cols_[k]]++;
        t_cols_[at] = static_cast<std::int32_t>(i);
        t_vals_[at] = vals_[k];
      }
    }
  }

  void set_labels(std::span<const std::int32_t> labels,
                  std::span<const std::int32_t> train,
                  std::span<const std::int32_t> val,
                  std::span<const std::int32_t> test) override {
    labels_.assign(labels.begin(), labels.end());
    splits_ = {std::vector<std::int32_t>(train.begin(), train.end()),
               std::vector<std::int32_t>(val.begin(), val.end()),
               std::vector<std::int32_t>(test.begin(), test.end())};
  }

  double rescale_constant() const override {
    return adj_->rescale_constant();
  }

  void gemm(bool ta, bool tb, T alpha, tensor<const T> a, tensor<const T> b,
            T beta, tensor<T> c) override {
    blas_gemm<T>(ta, tb, alpha, a, b, beta, c);
  }

  void features_times(const dropout_key& key, tensor<const T> w,
                      tensor<T> out) override {
    sparse_times(key, false, w, out);
  }

  void features_transpose_times(const dropout_key& key, tensor<const T> d,
                                tensor<T> dw) override {
    sparse_times(key, true, d, dw);
  }

  void dropout(const dropout_key& key, tensor<const T> in,
               tensor<T> out) override {
    if (key.p == 0.0) {
      copy(in, out);
      return;
    }
    // Four elements per hash. Whole groups take a branch-free unrolled
    // path; only the last group of an odd-sized tensor takes the tail.
    const T keep_scale = static_cast<T>(1.0 / (1.0 - key.p));
    const std::uint64_t skey = stream_key(key.seed, key.stream);
    const std::uint32_t threshold = dropout_threshold(key.p);
    const std::int64_t count = in.size();
    const std::int64_t whole = count / 4;
#pragma omp parallel for schedule(static)
    for (std::int64_t q = 0; q < whole; ++q) {
      const std::uint64_t bits =
          keyed_bits(skey, static_cast<std::uint64_t>(q));
      const T* src = in.data + 4 * q;
      T* dst = out.data + 4 * q;
      for (int e = 0; e < 4; ++e) {
        const auto draw =
            static_cast<std::uint32_t>((bits >> (16 * e)) & 0xffffu);
        dst[e] = src[e] * (draw >= threshold ? keep_scale : T(0));
      }
    }
    for (std::int64_t k = 4 * whole; k < count; ++k) {
      out.data[k] = in.data[k] * (kept(threshold, skey, k) ? keep_scale : T(0));
    }
  }

  void propagate(int slot, const op_config& op, tensor<const T> x, tensor<T> y,
                 activation act, const T* bias, const T* residual, T* out,
                 int energy_probe) override {
    cpu::forward<T>(*adj_, op, x, y, &states_[slot]);
    if (out) {
      bias_activation(y, bias, act, residual, {out, y.rows, y.cols});
    }
    if (energy_probe >= 0) {
      energy(out ? tensor<const T>{out, y.rows, y.cols} : tensor<const T>(y),
             energy_probe);
    }
  }

  void propagate_backward(int slot, const op_config& op, tensor<const T> x,
                          tensor<const T> y, tensor<const T> d_out,
                          tensor<T> dx, activation act, const T* bias,
                          T* d_bias) override {
    tensor<T> g = scratch(d_out.rows, d_out.cols);
    bias_activation_backward(d_out, y, bias, act, g, d_bias);
    cpu::backward<T>(*adj_, op, states_.at(slot), x, y, g, dx);
  }

  void bias_activation(tensor<const T> u, const T* bias, activation act,
                       const T* residual, tensor<T> out) override {
    with_activation(act, [&]<activation A>() {
      bias_activation_rows<A>(u, bias, residual, out);
    });
  }

  void bias_activation_backward(tensor<const T> d_out, tensor<const T> u,
                                const T* bias, activation act, tensor<T> du,
                                T* d_bias) override {
    with_activation(act, [&]<activation A>() {
      bias_activation_backward_rows<A>(d_out, u, bias, du);
    });
    if (d_bias) column_sums(du, d_bias);
  }

  void axpby(T alpha, tensor<const T> x, T beta, tensor<T> y) override {
    const std::int64_t count = x.size();
#pragma omp parallel for schedule(static)
    for (std::int64_t k = 0; k < count; ++k) {
      y.data[k] = alpha * x.data[k] + beta * y.data[k];
    }
  }

  double cross_entropy(tensor<const T> logits, tensor<T> d_logits) override {
    std::fill(d_logits.data, d_logits.data + d_logits.size(), T(0));
    const auto& train = splits_[0];
    if (train.empty()) return 0.0;
    const double inv = 1.0 / static_cast<double>(train.size());
    double loss = 0.0;
    std::vector<double> p(static_cast<std::size_t>(logits.cols));
    for (std::int32_t i : train) {
      // Softmax in double, shifted by the row maximum.
      const T* z = logits.row(i);
      const double top = *std::max_element(z, z + logits.cols);
      double sum = 0.0;
      for (std::int64_t c = 0; c < logits.cols; ++c) {
        p[c] = std::exp(double(z[c]) - top);
        sum += p[c];
      }
      const std::int32_t y = labels_[i];
      loss -= (double(z[y]) - top - std::log(sum)) * inv;
      T* d = d_logits.row(i);
      for (std::int64_t c = 0; c < logits.cols; ++c) {
        d[c] = static_cast<T>((p[c] / sum - (c == y ? 1.0 : 0.0)) * inv);
      }
    }
    return loss;
  }

  std::vector<std::int64_t> correct(tensor<const T> logits) override {
    std::vector<std::int64_t> hits;
    for (const auto& split : splits_) {
      std::int64_t h = 0;
      for (std::int32_t i : split) {
        const T* z = logits.row(i);
        h += (std::max_element(z, z + logits.cols) - z) == labels_[i];
      }
      hits.push_back(h);
    }
    return hits;
  }

  void adam(tensor<T> param, tensor<const T> grad, tensor<T> m, tensor<T> v,
            const adam_params& a) override {
    const double c1 = 1.0 - std::pow(a.beta1, double(a.step));
    const double c2 = 1.0 - std::pow(a.beta2, double(a.step));
    for (std::int64_t k = 0; k < param.size(); ++k) {
      const double g = double(grad.data[k]) + a.weight_decay * param.data[k];
      const double mk = a.beta1 * m.data[k] + (1 - a.beta1) * g;
      const double vk = a.beta2 * v.data[k] + (1 - a.beta2) * g * g;
      m.data[k] = static_cast<T>(mk);
      v.data[k] = static_cast<T>(vk);
      param.data[k] = static_cast<T>(
          param.data[k] - a.lr * (mk / c1) / (std::sqrt(vk / c2) + a.eps));
    }
  }

  void energy(tensor<const T> x, int probe) override {
    probe_slot(probe) = cpu::energy<T>(x);
  }
  void dirichlet(tensor<const T> x, int probe) override {
    probe_slot(probe) = cpu::dirichlet_energy<T>(*adj_, x);
  }
  std::vector<double> read_probes(int count) override {
    probes_.resize(static_cast<std::size_t>(count), 0.0);
    return {probes_.begin(), probes_.begin() + count};
  }

  bool all_finite(tensor<const T> x) override {
    return std::all_of(x.data, x.data + x.size(),
                       [](T v) { return std::isfinite(v); });
  }

 private:
  // Element k of a dropout stream survives (see gcnops/random.hpp).
  static bool kept(std::uint32_t threshold, std::uint64_t skey,
                   std::int64_t k) {
    return dropout_keeps(skey, static_cast<std::uint64_t>(k), threshold);
  }

  // out = drop(S) in, with S the features X (rows_, cols_, vals_) or, when
  // `transposed`, X^T (t_rows_, ...). Element (r, c) of S is element
  // (r, c) of X, or (c, r) for X^T, in the dropout stream, so both products
  // see the same mask.
  void sparse_times(const dropout_key& key, bool transposed, tensor<const T> in,
                    tensor<T> out) const {
    const std::vector<std::int64_t>& rows = transposed ? t_rows_ : rows_;
    const std::vector<std::int32_t>& cols = transposed ? t_cols_ : cols_;
    const std::vector<T>& vals = transposed ? t_vals_ : vals_;
    const T keep_scale = static_cast<T>(1.0 / (1.0 - key.p));
    const std::uint64_t skey = stream_key(key.seed, key.stream);
    const std::uint32_t threshold = dropout_threshold(key.p);
    const auto count = static_cast<std::int64_t>(rows.size()) - 1;
    // X's rows are short and many, X^T's long and few.
    const int chunk = transposed ? 16 : 64;
#pragma omp parallel for schedule(dynamic, chunk)
    for (std::int64_t r = 0; r < count; ++r) {
      T* o = out.row(r);
      std::fill(o, o + out.cols, T(0));
      for (auto k = rows[r]; k < rows[r + 1]; ++k) {
        const std::int64_t c = cols[k];
        const std::int64_t element = transposed ? c * f_ + r : r * f_ + c;
        if (!kept(threshold, skey, element)) continue;
        const T v = vals[k] * keep_scale;
        const T* in_c = in.row(c);
        for (std::int64_t j = 0; j < out.cols; ++j)
          o[j] += v * in_c[j];
      }
    }
  }

  // out = act(u + bias) (+ residual), row by row.
  template <activation A>
  static void bias_activation_rows(tensor<const T> u, const T* bias,
                                   const T* residual, tensor<T> out) {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < u.rows; ++i) {
      const T* ui = u.row(i);
      T* oi = out.row(i);
      // out may alias u or residual: each element is read before written.
      if (residual) {
        const T* ri = residual + i * u.cols;
        for (std::int64_t c = 0; c < u.cols; ++c)
          oi[c] = activate<A>(ui[c] + (bias ? bias[c] : T(0))) + ri[c];
      } else {
        for (std::int64_t c = 0; c < u.cols; ++c)
          oi[c] = activate<A>(ui[c] + (bias ? bias[c] : T(0)));
      }
    }
  }

  // du = d_out * act'(u + bias), row by row.
  template <activation A>
  static void bias_activation_backward_rows(tensor<const T> d_out,
                                            tensor<const T> u, const T* bias,
                                            tensor<T> du) {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < u.rows; ++i) {
      const T* di = d_out.row(i);
      const T* ui = u.row(i);
      T* gi = du.row(i);
      for (std::int64_t c = 0; c < u.cols; ++c)
        gi[c] = di[c] * activate_grad<A>(ui[c] + (bias ? bias[c] : T(0)));
    }
  }

  // Column sums of m in row order, into out[0 .. cols).
  static void column_sums(tensor<const T> m, T* out) {
    std::vector<double> s(static_cast<std::size_t>(m.cols), 0.0);
    for (std::int64_t i = 0; i < m.rows; ++i) {
      const T* r = m.row(i);
      for (std::int64_t c = 0; c < m.cols; ++c)
        s[c] += r[c];
    }
    for (std::int64_t c = 0; c < m.cols; ++c)
      out[c] = static_cast<T>(s[c]);
  }

  tensor<T> scratch(std::int64_t rows, std::int64_t cols) {
    auto& m = scratch_[{rows, cols}];
    if (m.rows() != rows || m.cols() != cols) m = matrix<T>(rows, cols);
    return m.view();
  }

  double& probe_slot(int probe) {
    if (probes_.size() <= static_cast<std::size_t>(probe)) {
      probes_.resize(static_cast<std::size_t>(probe) + 1, 0.0);
    }
    return probes_[probe];
  }

  std::deque<matrix<T>> storage_;  // deque: views stay valid as it grows
  std::unique_ptr<normalized_adjacency> adj_;
  std::int64_t n_ = 0;
  std::int64_t f_ = 0;
  std::vector<std::int64_t> rows_;
  std::vector<std::int32_t> cols_;
  std::vector<T> vals_;
  std::vector<std::int64_t> t_rows_;
  std::vector<std::int32_t> t_cols_;
  std::vector<T> t_vals_;
  std::vector<std::int32_t> labels_;
  std::vector<std::vector<std::int32_t>> splits_;
  std::map<int, cpu::op_state> states_;
  std::map<std::pair<std::int64_t, std::int64_t>, matrix<T>> scratch_;
  std::vector<double> probes_;
};

}  // namespace

template <class T>
std::unique_ptr<compute<T>> make_cpu_compute() {
  return std::make_unique<cpu_compute<T>>();
}

template std::unique_ptr<compute<float>> make_cpu_compute<float>();
template std::unique_ptr<compute<double>> make_cpu_compute<double>();

}  // namespace gcnops::detail
