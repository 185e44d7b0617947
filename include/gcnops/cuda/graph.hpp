// gcnops/cuda/graph.hpp: a graph and its normalised operator on the device.
//
// Contract
//   - device_graph holds, in device memory, what the kernels need to apply
//     A^ and A^T of docs/OPERATORS.md without storing their values: the
//     loop-free CSR of A (64-bit offsets, 32-bit columns, float weights
//     only for weighted graphs), its transpose when A is not symmetric, the
//     diagonal A_ii + gamma, and the row and column scales of the chosen
//     normalisation, all as float.
//   - Everything after the upload of the host CSR is computed on the device
//     with Thrust: self-loop extraction, degrees (summed in double), scales,
//     ||A^||_F^2, the transpose (a stable sort by column), and the split of
//     long rows into tiles. This one-time preparation runs on the legacy
//     default stream, which orders it with every blocking stream, and the
//     constructor returns once the graph is ready.
//   - Rows with more than long_row_edges stored edges are processed in tiles
//     of tile_edges edges so that a hub does not serialise one group of
//     threads; the defaults suit real graphs, and tests lower them to
//     exercise that path on small graphs.
//   - The constructor throws invalid_argument for bad options, out_of_memory
//     naming the buffer when the device is full, and device_error for any
//     other CUDA failure. The object is immutable afterwards; kernels of
//     several plans may read it concurrently.
#pragma once

#include <cstdint>
#include <memory>

#include "gcnops/adjacency.hpp"
#include "gcnops/cuda/runtime.hpp"
#include "gcnops/graph.hpp"

namespace gcnops::cuda {

struct device_graph_options {
  // Rows with more stored edges than this take the tiled path; >= 1.
  std::int64_t long_row_edges = 512;
  // Edges per tile of a long row; >= 1.
  std::int64_t tile_edges = 256;
};

namespace detail {
struct device_graph_data;
}

class device_graph {
 public:
  device_graph(const graph& g, const adjacency_options& options = {},
               const device_graph_options& device_options = {});
  ~device_graph();
  device_graph(device_graph&&) noexcept;
  device_graph& operator=(device_graph&&) noexcept;

  std::int64_t num_nodes() const noexcept;
  // Stored edges of A without self-loops (those live on the diagonal).
  std::int64_t num_edges() const noexcept;
  const adjacency_options& options() const noexcept;
  bool symmetric_structure() const noexcept;
  std::int64_t num_long_rows() const noexcept;

  double frobenius_norm_sq() const noexcept;
  double rescale_constant() const noexcept;
  double resolve_c(const op_config& cfg) const;

  // Device memory held, in bytes.
  std::size_t device_bytes() const noexcept;

  const detail::device_graph_data& data() const noexcept { return *data_; }

 private:
  std::unique_ptr<detail::device_graph_data> data_;
};

}  // namespace gcnops::cuda
