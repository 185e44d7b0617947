// gcnops/dataset.hpp: node-classification datasets, read or generated.
//
// Contract
//   - A dataset is a graph, an N x F feature matrix (host, float), one label
//     per node (-1: unlabelled) and three disjoint node-id splits.
//   - load_dataset reads the folder format of data/README.md:
//       adjacency.mtx  Matrix Market graph (symmetric files are mirrored)
//       features.mtx   Matrix Market N x F, optional (F = 0 without it)
//       labels.txt     one integer per node, -1 for unlabelled
//       train.txt, val.txt, test.txt   0-based node ids, one per line
//     and checks that they agree: N matching in every file, labels in
//     [-1, INT32_MAX - 1], split ids in [0, N), labelled and not repeated.
//     A missing folder or file throws io_error; a disagreement throws
//     parse_error naming the file and line.
//   - validate() checks the same agreement on a dataset built or changed
//     in memory, against its num_classes, and throws invalid_argument.
//   - Generators are deterministic functions of their options (the seed
//     included) on every platform: they use gcnops' own random streams.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "gcnops/graph.hpp"
#include "gcnops/matrix.hpp"

namespace gcnops {

struct dataset {
  std::string name;
  graph structure;
  matrix<float> features;            // N x F; F = 0 when absent
  std::vector<std::int32_t> labels;  // N entries, -1 = no label
  std::int32_t num_classes = 0;      // 1 + the largest label
  std::vector<std::int32_t> train;   // node ids
  std::vector<std::int32_t> val;
  std::vector<std::int32_t> test;

  std::int64_t num_nodes() const noexcept { return structure.num_nodes(); }
  std::int64_t num_features() const noexcept { return features.cols(); }
};

struct dataset_options {
  // Divide every feature row by its sum (rows summing to 0 stay 0).
  bool normalize_features = true;
  graph_options graph;
};

dataset load_dataset(const std::filesystem::path& folder,
                     const dataset_options& options = {});

// Divides each row by its sum in place; rows that sum to 0 are left alone.
// Throws invalid_argument, leaving m unchanged, when a division would
// overflow a float (a row of large entries that nearly cancel).
void normalize_rows(matrix<float>& m);

// Throws invalid_argument naming the first disagreement: features with
// other than N rows or a non-finite value, labels.size() != N, a label
// outside [-1, num_classes), a split id outside [0, N), unlabelled, or in
// more than one split. Datasets from load_dataset and make_csbm pass.
void validate(const dataset& d);

// Contextual stochastic block model: `classes` balanced communities, an
// undirected edge between two nodes of one class with probability p_intra
// and of different classes with p_inter, and features
//   x_i = signal * m_{y_i} + noise_i,  m_k, noise_i ~ N(0, I_F).
// Nodes are split at random into train/val/test by the given fractions.
struct csbm_options {
  std::int64_t nodes = 1000;
  std::int32_t classes = 4;
  double p_intra = 0.02;
  double p_inter = 0.002;
  double signal = 0.5;
  std::int64_t features = 32;
  double train_fraction = 0.2;
  double val_fraction = 0.2;
  std::uint64_t seed = 1;
};

dataset make_csbm(const csbm_options& options);

// R-MAT (Chakrabarti, Zhan & Faloutsos 2004): edge_factor * 2^scale edges,
// each placed by descending `scale` levels of a 2x2 partition with
// probabilities a, b, c, d (summing to 1). Node ids are shuffled when
// `permute` is set, so that high degree is not tied to low ids.
struct rmat_options {
  int scale = 10;
  double edge_factor = 16.0;
  double a = 0.57;
  double b = 0.19;
  double c = 0.19;
  double d = 0.05;
  bool permute = true;
  std::uint64_t seed = 1;
  graph_options graph{.make_undirected = false,
                      .drop_duplicates = true,
                      .drop_self_loops = true};
};

graph make_rmat(const rmat_options& options);

}  // namespace gcnops
