// Throughput of every operator on the GPU, fused gcnops kernels against the
// unfused cuSPARSE pipeline (cusparse_baseline.cuh), measured side by side
// in the same iteration of the same process.
//
// Rows read BM_gpu_operator/op:<k>/bwd:<0|1>/graph:<id>/F:<w>/flush:<0|1>
// (op ids follow op_kind: 0 plain ... 6 pairnorm; graph ids in
// bench_graphs.hpp). Iteration time is the fused pipeline's. Counters:
//   fused_us, cusparse_us  mean time per call of each pipeline
//   speedup                cusparse_us / fused_us
//   GFLOP/s                2 * (E + N) * F / fused time (one SpMM; the
//                          diagonal counts as N entries)
//   GB/s                   compulsory bytes / fused time: the CSR once,
//                          the dense inputs and outputs the operator's
//                          mathematics needs once each (see bench/README.md)
//   max_rel_diff           largest |fused - cusparse| / max |cusparse| of
//                          the output, checked once per row
// Without a CUDA device every row reports the reason as its error.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "bench_graphs.hpp"
#include "cusparse_baseline.cuh"
#include "gcnops/cuda/graph.hpp"
#include "gcnops/cuda/propagate.hpp"
#include "gpu_timer.hpp"

namespace gcnops::bench {
namespace {

// Per graph: the device graph and the explicit CSRs of the baseline.
struct gpu_graph {
  std::unique_ptr<normalized_adjacency> adj;
  std::unique_ptr<cuda::device_graph> dev;
  std::unique_ptr<explicit_csr> forward;
  std::unique_ptr<explicit_csr> backward;
};

const gpu_graph* gpu_graph_for(int id, std::string* why) {
  static std::map<int, gpu_graph> cache;
  if (auto it = cache.find(id); it != cache.end()) return &it->second;
  const bench_graph* bg = find_graph(id, why);
  if (!bg) return nullptr;
  gpu_graph gg;
  gg.adj = std::make_unique<normalized_adjacency>(bg->g);
  gg.dev = std::make_unique<cuda::device_graph>(bg->g);
  gg.forward = std::make_unique<explicit_csr>(*gg.adj, false);
  gg.backward = std::make_unique<explicit_csr>(*gg.adj, true);
  return &cache.emplace(id, std::move(gg)).first->second;
}

struct handles {
  cusparseHandle_t sparse = nullptr;
  cublasHandle_t blas = nullptr;
  handles() {
    BENCH_CHECK_CUSPARSE(cusparseCreate(&sparse));
    BENCH_CHECK_CUBLAS(cublasCreate(&blas));
  }
  ~handles() {
    cusparseDestroy(sparse);
    cublasDestroy(blas);
  }
};

handles& shared_handles() {
  static handles h;
  return h;
}

// Dense arrays the operator's mathematics reads and writes once.
double compulsory_bytes(op_kind k, bool backward, const gpu_graph& gg,
                        std::int64_t width) {
  const double n = static_cast<double>(gg.dev->num_nodes());
  const double e = static_cast<double>(gg.dev->num_edges());
  const double dense = n * static_cast<double>(width) * sizeof(float);
  const bool weighted = gg.adj->structure().weighted();
  const double csr = 8.0 * (n + 1) + e * (4.0 + (weighted ? 4.0 : 0.0)) +
                     3.0 * 4.0 * n;  // row scale, col scale, diagonal
  double arrays = 2.0;               // input and output
  if (backward) {
    if (k == op_kind::energy || k == op_kind::energy_col) arrays += 2;  // x, y
    if (k == op_kind::pairnorm) arrays += 1;                            // y
  }
  return csr + arrays * dense;
}

void BM_gpu_operator(benchmark::State& state) {
  if (!cuda::device_available()) {
    state.SkipWithError(
        ("no CUDA device: " + cuda::device_unavailable_reason()).c_str());
    return;
  }
  const auto kind = static_cast<op_kind>(state.range(0));
  const bool backward = state.range(1) != 0;
  const int graph_id = static_cast<int>(state.range(2));
  const std::int64_t width = state.range(3);
  const bool flush = state.range(4) != 0;
  std::string why;
  const gpu_graph* gg = gpu_graph_for(graph_id, &why);
  if (!gg) {
    state.SkipWithError(why.c_str());
    return;
  }

  // 1. Buffers and both pipelines, outside the timed region.
  const std::int64_t n = gg->dev->num_nodes();
  const auto count = static_cast<std::size_t>(n * width);
  cuda::device_buffer<float> x(count), g(count), y(count), dx(count);
  cuda::device_buffer<float> yb(count), dxb(count);
  fill_uniform(x.data(), n * width, 1, nullptr);
  fill_uniform(g.data(), n * width, 2, nullptr);
  const op_config cfg{.kind = kind};
  cuda::propagation_plan plan(*gg->dev, width);
  cuda::device_op_state st(width);
  handles& h = shared_handles();
  baseline_pipeline base(h.sparse, h.blas, *gg->forward, *gg->backward, width,
                         cfg, gg->adj->resolve_c(cfg));

  auto fused = [&] {
    if (backward) {
      plan.backward(cfg, st, x.data(), y.data(), g.data(), dx.data());
    } else {
      plan.forward(cfg, x.data(), y.data(), st);
    }
  };
  auto unfused = [&] {
    if (backward) {
      base.backward(x.data(), yb.data(), g.data(), dxb.data(), nullptr);
    } else {
      base.forward(x.data(), yb.data(), nullptr);
    }
  };

  // 2. One call of each (the forward first, for backward rows), and the
  // agreement of their outputs.
  plan.forward(cfg, x.data(), y.data(), st);
  base.forward(x.data(), yb.data(), nullptr);
  fused();
  unfused();
  cuda::synchronize(nullptr);
  if (count <= (std::size_t{1} << 24)) {
    const auto a = (backward ? dx : y).to_host();
    const auto b = (backward ? dxb : yb).to_host();
    double scale = 0.0;
    double diff = 0.0;
    for (std::size_t k = 0; k < a.size(); ++k) {
      scale = std::max(scale, std::abs(double(b[k])));
      diff = std::max(diff, std::abs(double(a[k]) - double(b[k])));
    }
    state.counters["max_rel_diff"] = scale > 0 ? diff / scale : diff;
  }

  // 3. Timed: enough back-to-back calls for about a millisecond, or one
  // call after an L2 flush.
  gpu_timer timer;
  const double probe = timer.time_ms(fused, 1, false);
  const int repeats =
      std::clamp(static_cast<int>(1.0 / std::max(probe, 1e-3)), 1, 200);
  double fused_ms = 0.0;
  double unfused_ms = 0.0;
  for (auto _ : state) {
    const double tf = timer.time_ms(fused, repeats, flush);
    const double tb = timer.time_ms(unfused, repeats, flush);
    state.SetIterationTime(tf * 1e-3);
    fused_ms += tf;
    unfused_ms += tb;
  }
  const double iters = static_cast<double>(state.iterations());
  fused_ms /= iters;
  unfused_ms /= iters;

  const double nnz = static_cast<double>(gg->dev->num_edges() + n);
  state.counters["fused_us"] = fused_ms * 1e3;
  state.counters["cusparse_us"] = unfused_ms * 1e3;
  state.counters["speedup"] = unfused_ms / fused_ms;
  state.counters["GFLOP/s"] =
      2.0 * nnz * static_cast<double>(width) / (fused_ms * 1e-3) * 1e-9;
  state.counters["GB/s"] =
      compulsory_bytes(kind, backward, *gg, width) / (fused_ms * 1e-3) * 1e-9;
  state.SetLabel(std::string(to_string(kind)) + (backward ? " bwd " : " fwd ") +
                 graph_name(graph_id) + " (" + base.algorithms() + ")");
}

// Rows: every operator and direction, on cora, pubmed and the R-MAT graphs,
// F in {32, 64, 128, 256} and the odd 100, with warm and flushed L2.
// Select with --benchmark_filter (see bench/README.md): the full product
// takes long on the scale-22 graph.
void default_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"op", "bwd", "graph", "F", "flush"});
  for (int graph : {0, 1, 3, 4, 5, 6}) {
    for (int op = 0; op < 7; ++op) {
      for (int dir = 0; dir < 2; ++dir) {
        for (int w : {32, 64, 128, 256, 100}) {
          for (int flush : {0, 1})
            b->Args({op, dir, graph, w, flush});
        }
      }
    }
  }
  b->UseManualTime();
  b->Iterations(10);
  b->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_gpu_operator)->Apply(default_args);

}  // namespace
}  // namespace gcnops::bench

BENCHMARK_MAIN();
