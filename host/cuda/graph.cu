// device_graph: the graph's operator prepared on the device with Thrust.
#include <thrust/execution_policy.h>
#include <thrust/system/cuda/execution_policy.h>
#include <thrust/system_error.h>

#include <cmath>
#include <new>

#include "../../kernels/graph_prep.cuh"
#include "check.hpp"
#include "gcnops/cuda/graph.hpp"
#include "graph_views.hpp"
#include "nvtx.hpp"

namespace gcnops::cuda {

namespace detail {

struct device_graph_data {
  kernels::prepared_graph prep;
  adjacency_options options;
  device_graph_options device_options;
};

namespace {

using kernels::prep::raw_or_null;

kernels::csr_direction direction(const device_graph_data& d,
                                 const kernels::dvec<std::int64_t>& row_ptr,
                                 const kernels::dvec<std::int32_t>& col,
                                 const kernels::dvec<float>& weight,
                                 const kernels::dvec<float>& row_scale,
                                 const kernels::dvec<float>& col_scale,
                                 const kernels::tile_set& tiles) {
  kernels::csr_direction c;
  c.num_rows = d.prep.n;
  c.row_ptr = raw_or_null(row_ptr);
  c.col = raw_or_null(col);
  c.weight = raw_or_null(weight);
  c.row_scale = raw_or_null(row_scale);
  c.col_scale = raw_or_null(col_scale);
  c.diag = raw_or_null(d.prep.diag);
  c.long_row_edges = d.device_options.long_row_edges;
  c.num_long_rows = static_cast<std::int32_t>(tiles.long_rows.size());
  c.long_rows = raw_or_null(tiles.long_rows);
  c.tile_offset = raw_or_null(tiles.tile_offset);
  c.num_tiles = static_cast<std::int32_t>(tiles.tile_begin.size());
  c.tile_begin = raw_or_null(tiles.tile_begin);
  c.tile_end = raw_or_null(tiles.tile_end);
  return c;
}

template <class T>
std::size_t bytes_of(const kernels::dvec<T>& v) {
  return v.size() * sizeof(T);
}

std::size_t tile_bytes(const kernels::tile_set& t) {
  return bytes_of(t.long_rows) + bytes_of(t.tile_offset) +
         bytes_of(t.tile_begin) + bytes_of(t.tile_end);
}

}  // namespace

kernels::csr_direction forward_direction(const device_graph_data& d) {
  const auto& p = d.prep;
  return direction(d, p.row_ptr, p.col, p.weight, p.row_scale, p.col_scale,
                   p.forward_tiles);
}

// A^T = diag(col_scale) (A^T + diag) diag(row_scale): the transposed (or,
// for a symmetric graph, the same) structure with the scales swapped.
kernels::csr_direction backward_direction(const device_graph_data& d) {
  const auto& p = d.prep;
  if (p.symmetric) {
    return direction(d, p.row_ptr, p.col, p.weight, p.col_scale, p.row_scale,
                     p.backward_tiles);
  }
  return direction(d, p.t_row_ptr, p.t_col, p.t_weight, p.col_scale,
                   p.row_scale, p.backward_tiles);
}

}  // namespace detail

device_graph::device_graph(const graph& g, const adjacency_options& options,
                           const device_graph_options& device_options)
    : data_(std::make_unique<detail::device_graph_data>()) {
  constexpr const char* where = "device_graph";
  gcnops::detail::check_argument(
      std::isfinite(options.self_loop) && options.self_loop >= 0, where,
      "self_loop", options.self_loop, "a finite value >= 0");
  gcnops::detail::check_argument(device_options.long_row_edges >= 1, where,
                                 "long_row_edges",
                                 device_options.long_row_edges, ">= 1");
  gcnops::detail::check_argument(device_options.tile_edges >= 1, where,
                                 "tile_edges", device_options.tile_edges,
                                 ">= 1");
  if (const std::string why = device_unavailable_reason(); !why.empty()) {
    throw device_error(std::string(where) + ": " + why);
  }
  data_->options = options;
  data_->device_options = device_options;
  detail::nvtx_range range("gcnops::device_graph::prepare");

  // Roughly what preparation holds at its peak: the CSR and its transpose
  // with weights, row ids and sort keys per edge, a few arrays per node.
  const auto n = static_cast<std::size_t>(g.num_nodes());
  const auto e = static_cast<std::size_t>(g.num_edges());
  const std::size_t estimate = e * (4 + 8 + 4 + 4 + 4 + 4) + n * 64;
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  GCNOPS_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  if (estimate > free_bytes) {
    throw out_of_memory(
        estimate,
        gcnops::detail::concat(where, ": a graph of ", n, " nodes and ", e,
                               " edges needs about ", estimate,
                               " bytes, but only ", free_bytes, " of ",
                               total_bytes, " bytes are free on the device"));
  }

  const kernels::graph_prep_input in = kernels::prep_input(
      g, options, device_options.long_row_edges, device_options.tile_edges);
  try {
    data_->prep = kernels::prepare_graph(thrust::cuda::par, in);
    GCNOPS_CUDA_CHECK(cudaDeviceSynchronize(), where, ": ", n, " nodes, ", e,
                      " edges");
  } catch (const std::bad_alloc&) {
    throw out_of_memory(
        estimate,
        gcnops::detail::concat(where,
                               ": the device ran out of memory preparing a "
                               "graph of ",
                               n, " nodes and ", e, " edges (about ", estimate,
                               " bytes)"));
  } catch (const thrust::system_error& ex) {
    throw device_error(gcnops::detail::concat(where, ": preparing ", n,
                                              " nodes and ", e,
                                              " edges failed: ", ex.what()));
  }
}

device_graph::~device_graph() = default;
device_graph::device_graph(device_graph&&) noexcept = default;
device_graph& device_graph::operator=(device_graph&&) noexcept = default;

std::int64_t device_graph::num_nodes() const noexcept {
  return data_->prep.n;
}
std::int64_t device_graph::num_edges() const noexcept {
  return static_cast<std::int64_t>(data_->prep.col.size());
}
const adjacency_options& device_graph::options() const noexcept {
  return data_->options;
}
bool device_graph::symmetric_structure() const noexcept {
  return data_->prep.symmetric;
}
std::int64_t device_graph::num_long_rows() const noexcept {
  return static_cast<std::int64_t>(data_->prep.forward_tiles.long_rows.size());
}
double device_graph::frobenius_norm_sq() const noexcept {
  return data_->prep.frobenius_sq;
}
double device_graph::rescale_constant() const noexcept {
  const double f = data_->prep.frobenius_sq;
  const auto n = static_cast<double>(data_->prep.n);
  return f > 0 && n > 0 ? std::sqrt(n / f) : 1.0;
}
double device_graph::resolve_c(const op_config& cfg) const {
  return cfg.c ? *cfg.c : rescale_constant();
}

std::size_t device_graph::device_bytes() const noexcept {
  const auto& p = data_->prep;
  using detail::bytes_of;
  return bytes_of(p.row_ptr) + bytes_of(p.col) + bytes_of(p.weight) +
         bytes_of(p.t_row_ptr) + bytes_of(p.t_col) + bytes_of(p.t_weight) +
         bytes_of(p.row_scale) + bytes_of(p.col_scale) + bytes_of(p.diag) +
         detail::tile_bytes(p.forward_tiles) +
         detail::tile_bytes(p.backward_tiles);
}

}  // namespace gcnops::cuda
