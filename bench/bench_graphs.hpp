// bench/bench_graphs.hpp: the graphs every benchmark draws from, by id.
//
//   0 cora       data/cora (carried)
//   1 pubmed     $GCNOPS_DATA/pubmed or ../shared/data/pubmed
//   2 citeseer   $GCNOPS_DATA/citeseer or ../shared/data/citeseer
//   3 rmat16     R-MAT scale 16, edge factor 16, (a, b, c) = (.57, .19, .19)
//   4 rmat20     R-MAT scale 20, edge factor 16, same skew
//   5 rmat22     R-MAT scale 22, edge factor 16, same skew
//   6 rmat20-flat R-MAT scale 20, edge factor 16, (.45, .22, .22): less skew
//
// R-MAT graphs are directed (A^T != A), with duplicates and self-loops
// dropped, and built once per process. A graph whose files are missing is
// reported by name; callers skip it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "gcnops/gcnops.hpp"

namespace gcnops::bench {

inline constexpr int kNumGraphs = 7;

struct bench_graph {
  std::string name;
  graph g;
};

// The graph with this id, or null (with *why set) when unavailable.
const bench_graph* find_graph(int id, std::string* why);

// "cora", "rmat20", ...: the id's name without loading it.
std::string graph_name(int id);

}  // namespace gcnops::bench
