// gcnops/graph.hpp: directed graphs in compressed sparse row (CSR) form.
//
// Contract
//   - A graph is the adjacency matrix A of N nodes, stored as CSR in host
//     memory: row i lists the out-neighbours j of node i (A_ij != 0) in
//     strictly increasing order, so no (i, j) appears twice.
//   - Row offsets are 64-bit (edge_offset) and column indices 32-bit
//     (node_id). A graph therefore holds at most 2^31 - 1 nodes and up to
//     2^63 - 1 stored edges; building a larger one throws limit_error before
//     anything is allocated.
//   - Edge weights are optional. An unweighted graph stores none and every
//     edge weighs 1. Stored weights are finite and >= 0; zero weights are
//     kept as explicit entries.
//   - A self-loop (i, i) is an ordinary entry of A. The self-loop weight
//     gamma of the normalised operator is added on top of it (see
//     normalized_adjacency); drop existing loops with drop_self_loops.
//   - Building validates everything (ids, sizes, weights) and throws
//     invalid_argument naming the offending edge; it never keeps a partial
//     graph. The memory a build needs is checked against
//     host_memory_limit() before any of it is allocated (out_of_memory).
//     Graphs are immutable values once built; a moved-from graph is the
//     empty graph.
//   - Accessors taking a node or edge index (degree, weight) do not check
//     it, like std::vector::operator[].
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace gcnops {

using node_id = std::int32_t;      // column index: N <= 2^31 - 1
using edge_offset = std::int64_t;  // row offset: up to 2^63 - 1 edges

inline constexpr std::int64_t max_nodes = std::numeric_limits<node_id>::max();

// Edges in coordinate form, as read from a file or built in memory.
struct edge_list {
  // Number of nodes; -1 means one more than the largest id in src and dst.
  std::int64_t num_nodes = -1;
  std::vector<std::int64_t> src;  // 0-based node ids
  std::vector<std::int64_t> dst;  // same length as src
  std::vector<double> weight;     // empty, or same length as src
};

struct graph_options {
  // Add (j, i) for every (i, j): the result is symmetric.
  bool make_undirected = false;
  // true: parallel edges collapse into one edge carrying the largest of
  // their weights (an undirected pattern graph stays 0/1). false: they also
  // collapse, but their weights add, as in a multigraph.
  bool drop_duplicates = true;
  // Remove entries (i, i) of the input.
  bool drop_self_loops = false;
};

class graph {
 public:
  // The empty graph: zero nodes, zero edges.
  graph() noexcept = default;
  graph(const graph&) = default;
  graph& operator=(const graph&) = default;
  // The source is left as the empty graph.
  graph(graph&& other) noexcept;
  graph& operator=(graph&& other) noexcept;

  // Builds the CSR of `edges` under `options`. Throws invalid_argument for
  // num_nodes below -1, a negative or out-of-range id, mismatched array
  // lengths, a weight that is negative or not finite, or parallel edges
  // whose summed weight (drop_duplicates = false) overflows a double;
  // limit_error when the node count does not fit node_id; out_of_memory
  // when the CSR arrays would exceed host_memory_limit().
  static graph from_edges(const edge_list& edges,
                          const graph_options& options = {});

  // Adopts CSR arrays after checking every invariant above (sizes, offsets
  // non-decreasing, columns in range and strictly increasing per row,
  // weights finite and >= 0); throws invalid_argument naming the first
  // violation, limit_error when num_nodes exceeds max_nodes.
  static graph from_csr(std::int64_t num_nodes,
                        std::vector<edge_offset> row_ptr,
                        std::vector<node_id> col_idx,
                        std::vector<double> weights = {});

  std::int64_t num_nodes() const noexcept { return num_nodes_; }
  std::int64_t num_edges() const noexcept {
    return static_cast<std::int64_t>(col_idx_.size());
  }

  // N + 1 offsets; row i occupies [row_ptr()[i], row_ptr()[i + 1]).
  std::span<const edge_offset> row_ptr() const noexcept {
    // The empty graph stores no offsets; its one offset is this zero.
    static constexpr edge_offset empty_row_ptr[1] = {0};
    if (row_ptr_.empty()) return empty_row_ptr;
    return row_ptr_;
  }
  std::span<const node_id> col_idx() const noexcept { return col_idx_; }
  // Empty for an unweighted graph, else one weight per stored edge.
  std::span<const double> weights() const noexcept { return weights_; }
  bool weighted() const noexcept { return !weights_.empty(); }

  std::int64_t degree(std::int64_t i) const noexcept {
    return row_ptr_[i + 1] - row_ptr_[i];
  }
  double weight(std::int64_t k) const noexcept {
    return weights_.empty() ? 1.0 : weights_[k];
  }

  // True when A equals its transpose, pattern and weights.
  bool symmetric() const noexcept { return symmetric_; }
  std::int64_t num_self_loops() const noexcept { return self_loops_; }

  // A^T, built in O(N + E).
  graph transpose() const;
  // The same graph without its self-loops (a copy when it has none).
  graph without_self_loops() const;
  // Back to coordinate form, row by row.
  edge_list to_edges() const;

 private:
  void finish();  // computes symmetric_ and self_loops_

  std::int64_t num_nodes_ = 0;
  std::vector<edge_offset> row_ptr_;  // empty for the empty graph
  std::vector<node_id> col_idx_;
  std::vector<double> weights_;
  bool symmetric_ = true;
  std::int64_t self_loops_ = 0;
};

// Counts that describe a graph; `gcnops info` prints them.
struct graph_stats {
  std::int64_t nodes = 0;
  std::int64_t edges = 0;       // stored directed entries, loops included
  std::int64_t self_loops = 0;  // entries (i, i)
  std::int64_t min_degree = 0;  // out-degree, loops included
  std::int64_t max_degree = 0;
  double mean_degree = 0.0;
  // Nodes with no edge to or from another node (a lone self-loop does not
  // connect a node).
  std::int64_t isolated = 0;
  bool symmetric = true;
  bool weighted = false;
};

graph_stats compute_stats(const graph& g);

}  // namespace gcnops
