// Builds a graph, propagates a signal and checks one number: enough to show
// that headers, library and dependencies arrive through find_package.
#include <cmath>
#include <cstdio>

#include <gcnops/gcnops.hpp>

int main() {
  // A path 0 - 1 - 2 with self-loops: A^ = D^-1/2 (A + I) D^-1/2.
  gcnops::edge_list e;
  e.src = {0, 1};
  e.dst = {1, 2};
  const gcnops::graph g =
      gcnops::graph::from_edges(e, {.make_undirected = true});
  const gcnops::normalized_adjacency a(g);

  gcnops::matrix<double> x(3, 1, 1.0);
  gcnops::matrix<double> y(3, 1);
  gcnops::cpu::forward<double>(a, {.kind = gcnops::op_kind::plain}, x, y);

  // Row 0: 1/2 + 1/sqrt(2 * 3).
  const double expected = 0.5 + 1.0 / std::sqrt(6.0);
  if (std::abs(y(0, 0) - expected) > 1e-12) {
    std::printf("gcnops consumer: wrong value %.17g, expected %.17g\n", y(0, 0),
                expected);
    return 1;
  }
  std::printf("gcnops consumer: ok (gcnops %s)\n", GCNOPS_VERSION_STRING);
  return 0;
}
