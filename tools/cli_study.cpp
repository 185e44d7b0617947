// `gcnops study`: the depth study, README's main job. Trains plain and
// energy-preserving configurations at several depths and seeds and prints
// test accuracy and the first-step gradient-energy ratio per configuration
// and depth; writes CSV, JSON and a plot of gradient energy per layer.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "cli_commands.hpp"
#include "cli_common.hpp"
#include "cli_model.hpp"
#include "gcnops/cuda/runtime.hpp"

namespace gcnops::cli {

namespace {

namespace fs = std::filesystem;

// One configuration of the study: a name and what it changes in the model.
struct study_variant {
  std::string name;
  std::string what;
  void (*apply)(model_config&);
};

const std::vector<study_variant>& all_variants() {
  static const std::vector<study_variant> v = {
      {"plain", "A^ H W, the classic GCN",
       [](model_config& c) { c.op.kind = op_kind::plain; }},
      {"energy", "energy-preserving operator",
       [](model_config& c) { c.op.kind = op_kind::energy; }},
      {"energy_col", "column-wise energy-preserving operator",
       [](model_config& c) { c.op.kind = op_kind::energy_col; }},
      {"pairnorm", "PairNorm after propagation (s = 1)",
       [](model_config& c) { c.op.kind = op_kind::pairnorm; }},
      {"residual", "plain + parameter-free residual skips",
       [](model_config& c) { c.skip = skip_kind::residual; }},
      {"rescaled", "c A^ with c = sqrt(N / ||A^||_F^2)",
       [](model_config& c) { c.op.kind = op_kind::rescaled; }},
      {"shifted", "(1 - a) A^ + a I, a = 0.1",
       [](model_config& c) { c.op.kind = op_kind::shifted; }},
      {"mean_centered", "A^ then column centring",
       [](model_config& c) { c.op.kind = op_kind::mean_centered; }},
      {"orthogonal", "plain with orthogonal initialisation (gain sqrt 2)",
       [](model_config& c) { c.init = init_scheme::orthogonal; }},
      {"initial", "plain with GCNII initial residual and identity mapping",
       [](model_config& c) { c.skip = skip_kind::initial; }},
  };
  return v;
}

struct study_args {
  data_flags data;
  model_flags model;
  bool quick = false;
  bool full = false;
  std::string depths;
  std::string variants;
  std::int64_t seeds = 0;
  std::int64_t jobs = 0;
  std::string out = "study-out";
  bool no_plot = false;
};

struct run_result {
  std::string variant;
  std::int64_t depth = 0;
  std::uint64_t seed = 0;
  double test = 0.0;
  double val = 0.0;
  std::int64_t best_epoch = 0;
  double seconds = 0.0;
  std::vector<layer_energy> first_step;
};

std::vector<std::int64_t> parse_list(const std::string& text,
                                     const char* flag) {
  std::vector<std::int64_t> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 1) {
      throw invalid_argument(
          detail::concat(flag, ": '", item, "' is not a positive integer"));
    }
    out.push_back(v);
  }
  return out;
}

std::vector<study_variant> pick_variants(const study_args& a) {
  const auto& all = all_variants();
  if (a.variants.empty()) {
    const std::size_t count = a.full ? all.size() : 5;
    return {all.begin(), all.begin() + static_cast<long>(count)};
  }
  std::vector<study_variant> out;
  std::stringstream in(a.variants);
  std::string name;
  while (std::getline(in, name, ',')) {
    auto it = std::find_if(all.begin(), all.end(),
                           [&](const auto& v) { return v.name == name; });
    if (it == all.end()) {
      std::string names;
      for (const auto& v : all) {
        if (!names.empty()) names += ", ";
        names += v.name;
      }
      throw invalid_argument(detail::concat("--configs: unknown '", name,
                                            "', expected some of ", names));
    }
    out.push_back(*it);
  }
  return out;
}

double mean(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v)
    s += x;
  return v.empty() ? 0.0 : s / double(v.size());
}

double stddev(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double m = mean(v);
  double s = 0.0;
  for (double x : v)
    s += (x - m) * (x - m);
  return std::sqrt(s / double(v.size() - 1));
}

double geomean(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v)
    s += std::log(x);
  return v.empty() ? 0.0 : std::exp(s / double(v.size()));
}

// Finds a Python with matplotlib, or returns "".
std::string python_with_matplotlib() {
  for (const char* py : {"python3", "/usr/bin/python3"}) {
    const std::string cmd =
        std::string(py) + " -c 'import matplotlib' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return py;
  }
  return "";
}

fs::path plot_script() {
  for (const fs::path& p :
       {fs::path(GCNOPS_SOURCE_DATA_DIR).parent_path() / "tools" /
            "plot_study.py",
        fs::path(GCNOPS_INSTALL_DATA_DIR).parent_path() / "plot_study.py"}) {
    if (fs::exists(p)) return p;
  }
  return "tools/plot_study.py";
}

void run_study(const study_args& a) {
  // 1. The grid: variants x depths x seeds.
  if (a.quick && a.full) {
    throw invalid_argument("--quick and --full: expected at most one");
  }
  const std::vector<study_variant> variants = pick_variants(a);
  const std::vector<std::int64_t> depths =
      parse_list(!a.depths.empty() ? a.depths
                 : a.full          ? "2,4,8,16,32"
                 : a.quick         ? "2,16"
                                   : "2,8,16",
                 "--depths");
  const std::int64_t seeds = a.seeds > 0 ? a.seeds
                                         : (a.full    ? 5
                                            : a.quick ? 1
                                                      : 3);
  model_flags flags = a.model;
  if (a.quick && flags.epochs == 200) flags.epochs = 100;
  const dataset data = a.data.load();
  const optimizer_config opt = flags.optimizer();

  struct job {
    const study_variant* variant;
    std::int64_t depth;
    std::uint64_t seed;
  };
  std::vector<job> jobs;
  for (const auto& v : variants) {
    for (std::int64_t d : depths) {
      // The GCNII form needs an input, a hidden and an output layer.
      if (v.name == "initial" && d < 3) continue;
      for (std::int64_t s = 0; s < seeds; ++s) {
        jobs.push_back({&v, d, flags.seed + static_cast<std::uint64_t>(s)});
      }
    }
  }

  // 2. Runs in parallel on the CPU (one core each), one at a time on a GPU.
  const model_config base = flags.config();
  const bool on_gpu =
      base.backend == backend_choice::cuda ||
      (base.backend == backend_choice::automatic && cuda::device_available());
  const std::int64_t workers =
      a.jobs > 0 ? a.jobs
      : on_gpu   ? 1
                 : std::max(1u, std::thread::hardware_concurrency());
  std::fprintf(stderr,
               "gcnops study: %s; %zu configurations x %zu depths x %lld "
               "seeds = %zu runs of %lld epochs, %lld at a time on %s\n",
               a.data.describe().c_str(), variants.size(), depths.size(),
               static_cast<long long>(seeds), jobs.size(),
               static_cast<long long>(flags.epochs),
               static_cast<long long>(workers), on_gpu ? "the GPU" : "the CPU");

  // Deepest runs first, so that the last runs to finish are short ones.
  std::vector<std::size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](auto x, auto y) {
    return jobs[x].depth > jobs[y].depth;
  });

  std::vector<run_result> results(jobs.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::mutex print;
  std::exception_ptr failure;
  const auto start = std::chrono::steady_clock::now();
  auto worker = [&] {
    if (!on_gpu) omp_set_num_threads(1);
    for (std::size_t n = next++; n < jobs.size(); n = next++) {
      const std::size_t k = order[n];
      try {
        const job& j = jobs[k];
        model_config cfg = base;
        cfg.layers = j.depth;
        cfg.seed = j.seed;
        j.variant->apply(cfg);
        model m(data, cfg);
        const training_result r = train(m, opt, flags.epochs);
        run_result& out = results[k];
        out = {j.variant->name, j.depth,      j.seed,    r.test_at_best,
               r.best_val,      r.best_epoch, r.seconds, {}};
        if (!m.energy_trace().empty()) {
          out.first_step = m.energy_trace().front().layers;
        }
        std::lock_guard<std::mutex> lock(print);
        std::fprintf(stderr,
                     "[%3zu/%zu] %-13s L=%-3lld seed %llu: test %5.1f%% "
                     "(epoch %lld), %.1f s\n",
                     ++done, jobs.size(), out.variant.c_str(),
                     static_cast<long long>(j.depth),
                     static_cast<unsigned long long>(j.seed), 100 * out.test,
                     static_cast<long long>(out.best_epoch), out.seconds);
      } catch (...) {
        std::lock_guard<std::mutex> lock(print);
        if (!failure) failure = std::current_exception();
        next = jobs.size();
      }
    }
  };
  std::vector<std::thread> pool;
  for (std::int64_t w = 0; w < workers; ++w)
    pool.emplace_back(worker);
  for (auto& t : pool)
    t.join();
  if (failure) std::rethrow_exception(failure);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();

  // 3. Per (variant, depth): accuracy mean and std, energy ratio.
  struct cell {
    std::vector<double> test;
    std::vector<double> ratio;
    std::vector<double> best_epoch;
    std::vector<double> seconds;
  };
  std::map<std::pair<std::string, std::int64_t>, cell> cells;
  for (const run_result& r : results) {
    cell& c = cells[{r.variant, r.depth}];
    c.test.push_back(100 * r.test);
    c.best_epoch.push_back(double(r.best_epoch));
    c.seconds.push_back(r.seconds);
    if (!r.first_step.empty() && r.first_step.back().grad_h > 0) {
      c.ratio.push_back(r.first_step.front().grad_h /
                        r.first_step.back().grad_h);
    }
  }

  // 4. The table.
  std::printf(
      "\ngcnops study: %s, %lld epochs, %lld seed%s, backend %s, "
      "%.0f s\n",
      a.data.describe().c_str(), static_cast<long long>(flags.epochs),
      static_cast<long long>(seeds), seeds == 1 ? "" : "s",
      on_gpu ? "cuda" : "cpu", seconds);
  // One row per variant, one column per depth; "-" for an empty cell.
  auto print_table = [&](const char* title, auto&& has, auto&& text) {
    std::printf("\n%s\n%-14s", title, "config");
    for (std::int64_t d : depths) {
      std::printf("  %13s", ("L=" + std::to_string(d)).c_str());
    }
    std::printf("\n");
    for (const auto& v : variants) {
      std::printf("%-14s", v.name.c_str());
      for (std::int64_t d : depths) {
        const cell& c = cells[{v.name, d}];
        std::printf("  %13s", has(c) ? text(c).c_str() : "-");
      }
      std::printf("\n");
    }
  };
  print_table(
      "test accuracy at the best validation epoch, % (mean +- std over "
      "seeds)",
      [](const cell& c) { return !c.test.empty(); },
      [](const cell& c) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%6.1f +- %4.1f", mean(c.test),
                      stddev(c.test));
        return std::string(buf);
      });
  print_table(
      "gradient energy ratio E(dL/dH_1) / E(dL/dH_L) at the first step "
      "(geometric mean over seeds)",
      [](const cell& c) { return !c.ratio.empty(); },
      [](const cell& c) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3g", geomean(c.ratio));
        return std::string(buf);
      });

  // 5. Files: the table as CSV and JSON, the first-step energies per layer.
  fs::create_directories(a.out);
  const fs::path csv_path = fs::path(a.out) / "study.csv";
  std::ofstream csv(csv_path);
  csv << "config,depth,seeds,test_mean,test_std,energy_ratio,"
         "best_epoch_mean,seconds_mean\n";
  nlohmann::json table = nlohmann::json::array();
  for (const auto& v : variants) {
    for (std::int64_t d : depths) {
      const cell& c = cells[{v.name, d}];
      if (c.test.empty()) continue;
      csv << v.name << ',' << d << ',' << seeds << ',' << mean(c.test) << ','
          << stddev(c.test) << ',' << geomean(c.ratio) << ','
          << mean(c.best_epoch) << ',' << mean(c.seconds) << '\n';
      table.push_back({{"config", v.name},
                       {"description", v.what},
                       {"depth", d},
                       {"test_accuracy", c.test},
                       {"test_mean", mean(c.test)},
                       {"test_std", stddev(c.test)},
                       {"energy_ratio", c.ratio},
                       {"energy_ratio_geomean", geomean(c.ratio)},
                       {"best_epoch", c.best_epoch},
                       {"seconds", c.seconds}});
    }
  }
  const fs::path energy_path = fs::path(a.out) / "energy.csv";
  std::ofstream energy(energy_path);
  energy << "config,depth,seed,layer,h,grad_h,grad_w\n";
  energy.precision(10);
  for (const run_result& r : results) {
    for (std::size_t l = 0; l < r.first_step.size(); ++l) {
      const layer_energy& e = r.first_step[l];
      energy << r.variant << ',' << r.depth << ',' << r.seed << ',' << l + 1
             << ',' << e.h << ',' << e.grad_h << ',' << e.grad_w << '\n';
    }
  }
  const nlohmann::json report = {{"data", a.data.describe()},
                                 {"epochs", flags.epochs},
                                 {"seeds", seeds},
                                 {"depths", depths},
                                 {"backend", on_gpu ? "cuda" : "cpu"},
                                 {"seconds", seconds},
                                 {"config", to_json(base, opt)},
                                 {"table", table}};
  std::ofstream(fs::path(a.out) / "study.json") << report.dump(2) << '\n';
  // The plot below reads energy.csv: it must be complete on disk first.
  csv.close();
  energy.close();
  if (!csv || !energy) {
    throw std::runtime_error("gcnops study: could not write " +
                             csv_path.string() + " or " + energy_path.string());
  }
  std::printf("\nwrote %s, %s, %s\n", csv_path.c_str(),
              (fs::path(a.out) / "study.json").c_str(), energy_path.c_str());

  // 6. The plot, when matplotlib is there.
  if (a.no_plot) return;
  const fs::path png = fs::path(a.out) / "energy.png";
  const std::string plot_cmd = "\"" + plot_script().string() + "\" \"" +
                               energy_path.string() + "\" \"" + png.string() +
                               "\"";
  const std::string py = python_with_matplotlib();
  if (py.empty()) {
    std::printf(
        "plot: no Python with matplotlib found; install it (for "
        "example `pip install matplotlib`) and run\n  python3 %s\n",
        plot_cmd.c_str());
  } else if (std::system((py + " " + plot_cmd).c_str()) == 0) {
    std::printf("plot: %s\n", png.c_str());
  } else {
    std::printf(
        "plot: failed (its error is above); the command was\n"
        "  %s %s\n",
        py.c_str(), plot_cmd.c_str());
  }
}

}  // namespace

void add_study_command(CLI::App& app) {
  auto args = std::make_shared<study_args>();
  CLI::App* cmd = app.add_subcommand(
      "study",
      "Depth study: accuracy and gradient-energy decay of plain and "
      "energy-preserving deep GCNs (the default run)");
  args->data.add_to(*cmd);
  args->model.add_to(*cmd, false);
  auto* quick = cmd->add_flag("--quick", args->quick,
                              "Depths 2 and 16, one seed, 100 epochs");
  auto* full = cmd->add_flag("--full", args->full,
                             "Depths 2 to 32, five seeds, ten configurations");
  quick->excludes(full);
  cmd->add_option("--depths", args->depths,
                  "Comma-separated depths (default 2,8,16)");
  cmd->add_option("--configs", args->variants,
                  "Comma-separated configurations (default plain, energy, "
                  "energy_col, pairnorm, residual; --full adds rescaled, "
                  "shifted, mean_centered, orthogonal, initial)");
  cmd->add_option("--seeds", args->seeds,
                  "Seeds per cell, from --seed on (default 3)");
  cmd->add_option("--jobs", args->jobs,
                  "Runs at a time (default: one per core on the CPU, one on "
                  "a GPU)");
  cmd->add_option("--out", args->out, "Folder for CSV, JSON and the plot")
      ->capture_default_str();
  cmd->add_flag("--no-plot", args->no_plot, "Do not draw the plot");
  cmd->callback([args] { run_study(*args); });
}

}  // namespace gcnops::cli
