// Throughput of the CPU backend's operators, forward and backward.
//
// Rows read: BM_cpu_forward/op:<k>/graph:<g>/F:<width>. Counters:
//   GFLOP/s  2 * (nnz + N) * F per SpMM (the self-loop is an entry too)
//   GB/s     compulsory traffic: X read once, Y written once, the CSR read
#include <benchmark/benchmark.h>

#include <map>
#include <memory>

#include "gcnops/gcnops.hpp"

namespace {

using gcnops::normalized_adjacency;

const normalized_adjacency& bench_graph(int which) {
  static std::map<int, std::unique_ptr<normalized_adjacency>> cache;
  auto& slot = cache[which];
  if (!slot) {
    gcnops::graph g;
    if (which == 0) {
      g = gcnops::read_graph(GCNOPS_PROJECT_DATA_DIR "/cora/adjacency.mtx");
    } else {
      g = gcnops::make_rmat({.scale = 14, .edge_factor = 16});
    }
    slot = std::make_unique<normalized_adjacency>(std::move(g));
  }
  return *slot;
}

void set_counters(benchmark::State& state, const normalized_adjacency& a,
                  std::int64_t width) {
  const double n = static_cast<double>(a.num_nodes());
  const double nnz = static_cast<double>(a.structure().num_edges()) + n;
  const double flops = 2.0 * nnz * static_cast<double>(width);
  const double bytes = 2.0 * n * width * sizeof(float) + nnz * 4 + n * 8;
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GB/s"] = benchmark::Counter(
      bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_cpu_forward(benchmark::State& state) {
  const auto kind = static_cast<gcnops::op_kind>(state.range(0));
  const auto& a = bench_graph(static_cast<int>(state.range(1)));
  const std::int64_t width = state.range(2);
  gcnops::matrix<float> x(a.num_nodes(), width, 0.5f);
  gcnops::matrix<float> y(a.num_nodes(), width);
  gcnops::cpu::op_state st;
  for (auto _ : state) {
    gcnops::cpu::forward<float>(a, {.kind = kind}, x, y, &st);
    benchmark::DoNotOptimize(y.data());
  }
  set_counters(state, a, width);
  state.SetLabel(std::string(gcnops::to_string(kind)));
}

void BM_cpu_backward(benchmark::State& state) {
  const auto kind = static_cast<gcnops::op_kind>(state.range(0));
  const auto& a = bench_graph(static_cast<int>(state.range(1)));
  const std::int64_t width = state.range(2);
  gcnops::matrix<float> x(a.num_nodes(), width, 0.5f);
  gcnops::matrix<float> y(a.num_nodes(), width);
  gcnops::matrix<float> g(a.num_nodes(), width, 0.25f);
  gcnops::matrix<float> dx(a.num_nodes(), width);
  gcnops::cpu::op_state st;
  gcnops::cpu::forward<float>(a, {.kind = kind}, x, y, &st);
  for (auto _ : state) {
    gcnops::cpu::backward<float>(a, {.kind = kind}, st, x, y, g, dx);
    benchmark::DoNotOptimize(dx.data());
  }
  set_counters(state, a, width);
  state.SetLabel(std::string(gcnops::to_string(kind)));
}

void operator_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"op", "graph", "F"});
  b->ArgsProduct({benchmark::CreateDenseRange(0, 6, 1), {0, 1}, {64}});
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_cpu_forward)->Apply(operator_args);
BENCHMARK(BM_cpu_backward)->Apply(operator_args);

}  // namespace

BENCHMARK_MAIN();
