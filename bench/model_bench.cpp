// Benchmarks of whole models on cora: the time of a training step, and the
// energy per layer at initialisation and after training.
//
//   BM_train_step/op:<k>/depth:<L>/gpu:<0|1>
//     one forward + backward + Adam update of an L-layer model (hidden 64,
//     the standard configuration). Counters: epochs/s, model_MiB (what the
//     model holds: parameters, activations, gradients, graph, workspaces)
//     and, on the GPU, device_peak_MiB (device memory in use at the end of
//     the timed steps, cuBLAS and the runtime included).
//   BM_energy/op:<k>/init:<0 glorot|1 orthogonal>/depth:<L>
//     trains `energy_steps` steps (50, or --energy_steps=K) and records, per layer, E(H_l) and
//     E(dL/dH_l) at the first step and at the last. Counters: ratio_first
//     and ratio_last, E(dL/dH_1) / E(dL/dH_L) at those steps, and
//     test_accuracy after the steps. The per-layer rows go to a side JSON
//     file (--energy_out=FILE, default energy_layers.json).
//
// Without a GPU the gpu:1 rows report why and the rest runs on the CPU.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "gcnops/config.hpp"
#include "gcnops/cuda/runtime.hpp"
#include "gcnops/gcnops.hpp"
#include "gcnops/model.hpp"


namespace gcnops::bench {
namespace {

// Steps of BM_energy rows; --energy_steps=K changes it.
std::int64_t energy_steps = 50;

const dataset& cora() {
  static const dataset d = load_dataset(GCNOPS_PROJECT_DATA_DIR "/cora");
  return d;
}

double device_used_mib() {
  return static_cast<double>(cuda::device_memory_in_use()) / (1 << 20);
}

void BM_train_step(benchmark::State& state) {
  const auto kind = static_cast<op_kind>(state.range(0));
  const std::int64_t depth = state.range(1);
  const bool gpu = state.range(2) != 0;
  if (gpu && !cuda::device_available()) {
    state.SkipWithError(
        ("no CUDA device: " + cuda::device_unavailable_reason()).c_str());
    return;
  }
  model_config cfg;
  cfg.layers = depth;
  cfg.op.kind = kind;
  cfg.backend = gpu ? backend_choice::cuda : backend_choice::cpu;
  model m(cora(), cfg);
  m.train_step({});  // warm up: plans, handles, first allocations
  for (auto _ : state) {
    benchmark::DoNotOptimize(m.train_step({}));
  }
  state.counters["epochs/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["model_MiB"] =
      static_cast<double>(m.memory_bytes()) / (1 << 20);
  if (gpu) state.counters["device_peak_MiB"] = device_used_mib();
  state.SetLabel(std::string(to_string(kind)) + ", " + m.backend_name());
}

// Per-layer energies of every BM_energy row, written at exit.
struct energy_rows {
  std::mutex lock;
  nlohmann::json rows = nlohmann::json::array();
};

energy_rows& collected() {
  static energy_rows r;
  return r;
}

void BM_energy(benchmark::State& state) {
  const auto kind = static_cast<op_kind>(state.range(0));
  const auto init =
      state.range(1) == 0 ? init_scheme::glorot : init_scheme::orthogonal;
  const std::int64_t depth = state.range(2);
  model_config cfg;
  cfg.layers = depth;
  cfg.op.kind = kind;
  cfg.init = init;
  double test = 0.0;
  std::vector<step_record> trace;
  std::string backend;
  for (auto _ : state) {
    model m(cora(), cfg);
    for (std::int64_t s = 0; s < energy_steps; ++s) m.train_step({});
    test = m.evaluate().test;
    trace = m.energy_trace();
    backend = m.backend_name();
  }
  const auto& first = trace.front().layers;
  const auto& last = trace.back().layers;
  state.counters["ratio_first"] = first.front().grad_h / first.back().grad_h;
  state.counters["ratio_last"] = last.front().grad_h / last.back().grad_h;
  state.counters["test_accuracy"] = test;
  state.SetLabel(std::string(to_string(kind)) + ", " +
                 std::string(to_string(init)) + ", " + backend);

  std::lock_guard<std::mutex> guard(collected().lock);
  for (const auto* rec : {&trace.front(), &trace.back()}) {
    for (std::size_t l = 0; l < rec->layers.size(); ++l) {
      collected().rows.push_back(
          {{"operator", to_string(kind)},
           {"init", to_string(init)},
           {"depth", depth},
           {"step", rec->step},
           {"layer", l + 1},
           {"h", rec->layers[l].h},
           {"grad_h", rec->layers[l].grad_h},
           {"grad_w", rec->layers[l].grad_w}});
    }
  }
}

void train_step_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"op", "depth", "gpu"});
  b->ArgsProduct({benchmark::CreateDenseRange(0, 6, 1),
                  {2, 4, 8, 16, 32, 64},
                  {0, 1}});
  b->Unit(benchmark::kMillisecond);
  b->MinTime(0.5);
}

void energy_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"op", "init", "depth"});
  b->ArgsProduct({benchmark::CreateDenseRange(0, 6, 1), {0, 1},
                  {8, 16, 32, 64}});
  b->Iterations(1);
  b->Unit(benchmark::kSecond);
}

BENCHMARK(BM_train_step)->Apply(train_step_args);
BENCHMARK(BM_energy)->Apply(energy_args);

}  // namespace
}  // namespace gcnops::bench

int main(int argc, char** argv) {
  // Our own flag first: where the per-layer energies go.
  std::string energy_out = "energy_layers.json";
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--energy_out=", 0) == 0) {
      energy_out = a.substr(std::strlen("--energy_out="));
    } else if (a.rfind("--energy_steps=", 0) == 0) {
      gcnops::bench::energy_steps =
          std::max(1LL, std::atoll(a.c_str() + std::strlen("--energy_steps=")));
    } else {
      args.push_back(argv[i]);
    }
  }
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();

  auto& rows = gcnops::bench::collected().rows;
  if (!rows.empty()) {
    std::ofstream out(energy_out);
    out << nlohmann::json{{"dataset", "cora"},
                          {"steps", gcnops::bench::energy_steps},
                          {"rows", rows}}
               .dump(1)
        << '\n';
    std::fprintf(stderr, "per-layer energies: %s\n", energy_out.c_str());
  }
  return 0;
}
