// kernels/graph_prep.cuh: preparing a graph's operator on the device.
//
// prepare_graph() uploads the host CSR of A and derives, with Thrust
// algorithms only, everything the row kernels need (see launch.hpp):
//   1. the row of every edge (upper_bound over the offsets);
//   2. the diagonal A_ii + gamma and the degrees sum_j A_ij + gamma, summed
//      per row in double in edge order;
//   3. the scales of the normalisation and ||A^||_F^2;
//   4. the loop-free CSR (remove_if plus a scan of the removed counts);
//   5. A^T for non-symmetric graphs: a stable sort of the edges by column,
//      which keeps each transposed row in increasing order;
//   6. per direction, the rows longer than long_row_edges and their tiles.
// The code is generic over the Thrust execution policy so that the same
// source runs on the CUDA system in the library and on the OpenMP system
// in the CPU test suite (tests/graph_prep_test.cpp), where it is compared
// with normalized_adjacency.
#pragma once

#include <thrust/binary_search.h>
#include <thrust/copy.h>
#include <thrust/count.h>
#include <thrust/device_vector.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/zip_iterator.h>
#include <thrust/remove.h>
#include <thrust/scan.h>
#include <thrust/sort.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>
#include <thrust/tuple.h>

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "gcnops/adjacency.hpp"
#include "gcnops/graph.hpp"
#include "gcnops/operators.hpp"
#include "gcnops/random.hpp"  // GCNOPS_HOST_DEVICE

namespace gcnops::kernels {

template <class T>
using dvec = thrust::device_vector<T>;

// Long rows of one direction and their tiles (see csr_direction).
struct tile_set {
  dvec<std::int32_t> long_rows;
  dvec<std::int32_t> tile_offset;
  dvec<std::int64_t> tile_begin;
  dvec<std::int64_t> tile_end;
};

struct prepared_graph {
  std::int64_t n = 0;
  // Loop-free A; weight is empty for unweighted graphs.
  dvec<std::int64_t> row_ptr;
  dvec<std::int32_t> col;
  dvec<float> weight;
  // A^T, empty when A is symmetric (then A serves both directions).
  bool symmetric = true;
  dvec<std::int64_t> t_row_ptr;
  dvec<std::int32_t> t_col;
  dvec<float> t_weight;
  dvec<float> row_scale;
  dvec<float> col_scale;
  dvec<float> diag;
  double frobenius_sq = 0.0;
  std::int64_t self_loops = 0;
  tile_set forward_tiles;
  tile_set backward_tiles;
};

struct graph_prep_input {
  std::int64_t n = 0;
  std::span<const std::int64_t> row_ptr;  // host, n + 1
  std::span<const std::int32_t> col;      // host
  std::span<const double> weight;         // host, empty: unweighted
  bool symmetric = true;
  normalization norm = normalization::sym;
  double self_loop = 1.0;
  std::int64_t long_row_edges = 512;
  std::int64_t tile_edges = 256;
};

// The input for a host graph under an adjacency's options.
inline graph_prep_input prep_input(const graph& g, const adjacency_options& a,
                                   std::int64_t long_row_edges,
                                   std::int64_t tile_edges) {
  graph_prep_input in;
  in.n = g.num_nodes();
  in.row_ptr = g.row_ptr();
  in.col = g.col_idx();
  in.weight = g.weights();
  in.symmetric = g.symmetric();
  in.norm = a.norm;
  in.self_loop = a.self_loop;
  in.long_row_edges = long_row_edges;
  in.tile_edges = tile_edges;
  return in;
}

namespace prep {

// True for an edge (col, row, ...) on the diagonal.
struct is_self_loop {
  template <class Tuple>
  GCNOPS_HOST_DEVICE bool operator()(const Tuple& edge) const {
    return thrust::get<0>(edge) == thrust::get<1>(edge);
  }
};

struct to_int32 {
  GCNOPS_HOST_DEVICE std::int32_t operator()(std::int64_t v) const {
    return static_cast<std::int32_t>(v);
  }
};

// Adds the weight of a self-loop edge to the diagonal of its row.
struct add_loop_to_diagonal {
  const std::int32_t* col;
  const std::int64_t* row;
  const float* weight;
  double* diag;
  std::int64_t* loops_in_row;
  GCNOPS_HOST_DEVICE void operator()(std::int64_t e) const {
    if (col[e] != row[e]) return;
    diag[row[e]] += weight ? weight[e] : 1.0;
    loops_in_row[row[e]] = 1;
  }
};

// gamma + sum of the row's weights, in edge order, in double.
struct row_degree {
  const std::int64_t* row_ptr;
  const float* weight;
  double gamma;
  GCNOPS_HOST_DEVICE double operator()(std::int64_t i) const {
    if (!weight) {
      return gamma + static_cast<double>(row_ptr[i + 1] - row_ptr[i]);
    }
    double sum = gamma;
    for (std::int64_t e = row_ptr[i]; e < row_ptr[i + 1]; ++e) {
      sum += weight[e];
    }
    return sum;
  }
};

// Row or column scale of a normalisation from a degree; 0 for d = 0.
struct degree_scale {
  normalization norm;
  bool row;
  GCNOPS_HOST_DEVICE double operator()(double d) const {
    if (norm == normalization::none) return 1.0;
    if (norm == normalization::rw && !row) return 1.0;
    if (d <= 0.0) return 0.0;
    return norm == normalization::sym ? 1.0 / std::sqrt(d) : 1.0 / d;
  }
};

struct to_float {
  GCNOPS_HOST_DEVICE float operator()(double v) const {
    return static_cast<float>(v);
  }
};

struct subtract {
  GCNOPS_HOST_DEVICE std::int64_t operator()(std::int64_t a,
                                             std::int64_t b) const {
    return a - b;
  }
};

// Squares of row i's coefficients, loop-free edges and diagonal, summed in
// double from the degrees.
struct row_frobenius {
  const std::int64_t* row_ptr;
  const std::int32_t* col;
  const float* weight;
  const double* degree;
  const double* diag;
  degree_scale row_scale;
  degree_scale col_scale;
  GCNOPS_HOST_DEVICE double operator()(std::int64_t i) const {
    const double r = row_scale(degree[i]);
    double sum = 0.0;
    for (std::int64_t e = row_ptr[i]; e < row_ptr[i + 1]; ++e) {
      const double v =
          r * (weight ? weight[e] : 1.0) * col_scale(degree[col[e]]);
      sum += v * v;
    }
    const double v = r * diag[i] * col_scale(degree[i]);
    return sum + v * v;
  }
};

struct is_long_row {
  const std::int64_t* row_ptr;
  std::int64_t limit;
  GCNOPS_HOST_DEVICE bool operator()(std::int64_t i) const {
    return row_ptr[i + 1] - row_ptr[i] > limit;
  }
};

struct tiles_of_row {
  const std::int64_t* row_ptr;
  std::int64_t tile;
  GCNOPS_HOST_DEVICE std::int32_t operator()(std::int32_t i) const {
    const std::int64_t d = row_ptr[i + 1] - row_ptr[i];
    return static_cast<std::int32_t>((d + tile - 1) / tile);
  }
};

// Writes the edge ranges of long row r's tiles.
struct fill_tiles {
  const std::int64_t* row_ptr;
  const std::int32_t* long_rows;
  const std::int32_t* tile_offset;
  std::int64_t tile;
  std::int64_t* tile_begin;
  std::int64_t* tile_end;
  GCNOPS_HOST_DEVICE void operator()(std::int32_t r) const {
    const std::int64_t end = row_ptr[long_rows[r] + 1];
    std::int64_t begin = row_ptr[long_rows[r]];
    for (std::int32_t t = tile_offset[r]; t < tile_offset[r + 1]; ++t) {
      tile_begin[t] = begin;
      tile_end[t] = begin + tile < end ? begin + tile : end;
      begin += tile;
    }
  }
};

template <class T>
T* raw(dvec<T>& v) {
  return thrust::raw_pointer_cast(v.data());
}
template <class T>
const T* raw_or_null(const dvec<T>& v) {
  return v.empty() ? nullptr : thrust::raw_pointer_cast(v.data());
}

template <class Policy>
tile_set make_tiles(const Policy& policy, const dvec<std::int64_t>& row_ptr,
                    std::int64_t n, std::int64_t limit, std::int64_t tile) {
  tile_set t;
  const std::int64_t* rp = thrust::raw_pointer_cast(row_ptr.data());
  const auto first = thrust::counting_iterator<std::int64_t>(0);
  const auto count =
      thrust::count_if(policy, first, first + n, is_long_row{rp, limit});
  t.tile_offset.assign(static_cast<std::size_t>(count) + 1, 0);
  if (count == 0) return t;

  // 1. The long rows, in increasing order.
  t.long_rows.resize(static_cast<std::size_t>(count));
  thrust::copy_if(
      policy, thrust::counting_iterator<std::int32_t>(0),
      thrust::counting_iterator<std::int32_t>(static_cast<std::int32_t>(n)),
      t.long_rows.begin(), is_long_row{rp, limit});

  // 2. Tiles per long row, then their offsets and edge ranges.
  thrust::transform(policy, t.long_rows.begin(), t.long_rows.end(),
                    t.tile_offset.begin(), tiles_of_row{rp, tile});
  thrust::exclusive_scan(policy, t.tile_offset.begin(), t.tile_offset.end(),
                         t.tile_offset.begin());
  const std::int32_t tiles = t.tile_offset.back();
  t.tile_begin.resize(static_cast<std::size_t>(tiles));
  t.tile_end.resize(static_cast<std::size_t>(tiles));
  thrust::for_each(
      policy, thrust::counting_iterator<std::int32_t>(0),
      thrust::counting_iterator<std::int32_t>(static_cast<std::int32_t>(count)),
      fill_tiles{rp, raw(t.long_rows), raw(t.tile_offset), tile,
                 raw(t.tile_begin), raw(t.tile_end)});
  return t;
}

}  // namespace prep

template <class Policy>
prepared_graph prepare_graph(const Policy& policy, const graph_prep_input& in) {
  using namespace prep;
  prepared_graph out;
  const std::int64_t n = in.n;
  const auto edges = static_cast<std::int64_t>(in.col.size());
  out.n = n;
  out.symmetric = in.symmetric;

  // 1. Upload A, and find the row of every edge.
  dvec<std::int64_t> row_ptr(in.row_ptr.begin(), in.row_ptr.end());
  dvec<std::int32_t> col(in.col.begin(), in.col.end());
  dvec<float> weight;
  if (!in.weight.empty()) {
    const std::vector<float> w(in.weight.begin(), in.weight.end());
    weight.assign(w.begin(), w.end());
  }
  dvec<std::int64_t> row(static_cast<std::size_t>(edges));
  const auto edge0 = thrust::counting_iterator<std::int64_t>(0);
  thrust::upper_bound(policy, row_ptr.begin() + 1, row_ptr.end(), edge0,
                      edge0 + edges, row.begin());

  // 2. Diagonal (loops + gamma) and degrees, in double.
  dvec<double> diag(static_cast<std::size_t>(n), in.self_loop);
  dvec<std::int64_t> loops_in_row(static_cast<std::size_t>(n) + 1, 0);
  thrust::for_each(policy, edge0, edge0 + edges,
                   add_loop_to_diagonal{raw(col), raw(row), raw_or_null(weight),
                                        raw(diag), raw(loops_in_row)});
  dvec<double> degree(static_cast<std::size_t>(n));
  const auto row0 = thrust::counting_iterator<std::int64_t>(0);
  thrust::transform(
      policy, row0, row0 + n, degree.begin(),
      row_degree{raw(row_ptr), raw_or_null(weight), in.self_loop});

  // 3. Scales as float, the diagonal as float.
  const degree_scale rs{in.norm, true};
  const degree_scale cs{in.norm, false};
  out.row_scale.resize(static_cast<std::size_t>(n));
  out.col_scale.resize(static_cast<std::size_t>(n));
  out.diag.resize(static_cast<std::size_t>(n));
  dvec<double> tmp(static_cast<std::size_t>(n));
  thrust::transform(policy, degree.begin(), degree.end(), tmp.begin(), rs);
  thrust::transform(policy, tmp.begin(), tmp.end(), out.row_scale.begin(),
                    to_float{});
  thrust::transform(policy, degree.begin(), degree.end(), tmp.begin(), cs);
  thrust::transform(policy, tmp.begin(), tmp.end(), out.col_scale.begin(),
                    to_float{});
  thrust::transform(policy, diag.begin(), diag.end(), out.diag.begin(),
                    to_float{});

  // 4. Drop self-loops: compact the edges, shift the offsets.
  out.self_loops = thrust::count_if(
      policy,
      thrust::make_zip_iterator(thrust::make_tuple(col.begin(), row.begin())),
      thrust::make_zip_iterator(thrust::make_tuple(col.end(), row.end())),
      is_self_loop{});
  if (out.self_loops > 0) {
    thrust::exclusive_scan(policy, loops_in_row.begin(), loops_in_row.end(),
                           loops_in_row.begin());
    thrust::transform(policy, row_ptr.begin(), row_ptr.end(),
                      loops_in_row.begin(), row_ptr.begin(), subtract{});
    const std::int64_t kept = edges - out.self_loops;
    if (weight.empty()) {
      auto edges_begin = thrust::make_zip_iterator(
          thrust::make_tuple(col.begin(), row.begin()));
      thrust::remove_if(policy, edges_begin, edges_begin + edges,
                        is_self_loop{});
    } else {
      auto edges_begin = thrust::make_zip_iterator(
          thrust::make_tuple(col.begin(), row.begin(), weight.begin()));
      thrust::remove_if(policy, edges_begin, edges_begin + edges,
                        is_self_loop{});
      weight.resize(static_cast<std::size_t>(kept));
    }
    col.resize(static_cast<std::size_t>(kept));
    row.resize(static_cast<std::size_t>(kept));
  }
  const std::int64_t kept = edges - out.self_loops;

  // 5. ||A^||_F^2 from the loop-free entries and the diagonal.
  out.frobenius_sq = thrust::transform_reduce(
      policy, row0, row0 + n,
      row_frobenius{raw(row_ptr), raw(col), raw_or_null(weight), raw(degree),
                    raw(diag), rs, cs},
      0.0, thrust::plus<double>());

  // 6. A^T by a stable sort of the edges by column.
  if (!in.symmetric) {
    dvec<std::int32_t> keys(col.begin(), col.end());
    out.t_col.resize(static_cast<std::size_t>(kept));
    thrust::transform(policy, row.begin(), row.end(), out.t_col.begin(),
                      to_int32{});
    if (weight.empty()) {
      thrust::stable_sort_by_key(policy, keys.begin(), keys.end(),
                                 out.t_col.begin());
    } else {
      out.t_weight.assign(weight.begin(), weight.end());
      thrust::stable_sort_by_key(policy, keys.begin(), keys.end(),
                                 thrust::make_zip_iterator(thrust::make_tuple(
                                     out.t_col.begin(), out.t_weight.begin())));
    }
    out.t_row_ptr.resize(static_cast<std::size_t>(n) + 1);
    thrust::lower_bound(policy, keys.begin(), keys.end(), row0, row0 + n + 1,
                        out.t_row_ptr.begin());
  }

  // 7. Long rows and their tiles, per direction.
  out.forward_tiles =
      make_tiles(policy, row_ptr, n, in.long_row_edges, in.tile_edges);
  out.backward_tiles =
      in.symmetric
          ? make_tiles(policy, row_ptr, n, in.long_row_edges, in.tile_edges)
          : make_tiles(policy, out.t_row_ptr, n, in.long_row_edges,
                       in.tile_edges);

  out.row_ptr = std::move(row_ptr);
  out.col = std::move(col);
  out.weight = std::move(weight);
  return out;
}

}  // namespace gcnops::kernels
