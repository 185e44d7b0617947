// `gcnops train`: one model, trained with progress, a final line and an
// optional JSON report.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli_commands.hpp"
#include "cli_common.hpp"
#include "cli_model.hpp"
#include "gcnops/cuda/runtime.hpp"

namespace gcnops::cli {

namespace {

struct train_args {
  data_flags data;
  model_flags model;
  std::string report;
  std::string energy_csv;
  std::int64_t log_every = 0;  // 0: an updating line on a terminal, else 20
};

nlohmann::json energy_trace_json(const model& m) {
  nlohmann::json steps = nlohmann::json::array();
  for (const step_record& r : m.energy_trace()) {
    nlohmann::json layers = nlohmann::json::array();
    for (std::size_t l = 0; l < r.layers.size(); ++l) {
      nlohmann::json e = {{"layer", l + 1},
                          {"h", r.layers[l].h},
                          {"grad_h", r.layers[l].grad_h},
                          {"grad_w", r.layers[l].grad_w}};
      if (m.config().dirichlet) e["dirichlet"] = r.layers[l].dirichlet;
      layers.push_back(e);
    }
    steps.push_back({{"step", r.step}, {"loss", r.loss}, {"layers", layers}});
  }
  return steps;
}

void write_energy_csv(const model& m, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw io_error(path + ": cannot be opened for writing");
  out << "step,layer,h,grad_h,grad_w,dirichlet\n";
  out.precision(10);
  for (const step_record& r : m.energy_trace()) {
    for (std::size_t l = 0; l < r.layers.size(); ++l) {
      const layer_energy& e = r.layers[l];
      out << r.step << ',' << l + 1 << ',' << e.h << ',' << e.grad_h << ','
          << e.grad_w << ',';
      if (m.config().dirichlet) out << e.dirichlet;
      out << '\n';
    }
  }
}

void run_train(const train_args& args) {
  // 1. Data and model; every bad flag is refused here.
  const dataset data = args.data.load();
  const model_config cfg = args.model.config();
  const optimizer_config opt = args.model.optimizer();
  model m(data, cfg);
  std::fprintf(stderr,
               "gcnops train: %s, %lld nodes, %lld features, %d classes; "
               "%lld layers of %s on %s\n",
               args.data.describe().c_str(),
               static_cast<long long>(data.num_nodes()),
               static_cast<long long>(data.num_features()), data.num_classes,
               static_cast<long long>(cfg.layers), describe(cfg.op).c_str(),
               m.backend_name().c_str());

  // 2. Training with progress: one updating line on a terminal, else a
  // line every `every` epochs.
  const bool tty = isatty(fileno(stderr));
  const std::int64_t every =
      args.log_every > 0 ? args.log_every : (tty ? 1 : 20);
  auto progress = [&](const epoch_record& e) {
    if (e.epoch % every != 0 && e.epoch != args.model.epochs) return;
    std::fprintf(stderr,
                 "%sepoch %4lld  loss %.4f  train %5.1f%%  val %5.1f%%  "
                 "%.1f ms%s",
                 tty ? "\r" : "", static_cast<long long>(e.epoch), e.loss,
                 100 * e.accuracy.train, 100 * e.accuracy.val, 1e3 * e.seconds,
                 tty ? "  " : "\n");
  };
  const training_result r = train(m, opt, args.model.epochs, progress);
  if (tty) std::fprintf(stderr, "\n");

  // 3. The result, then the reports.
  std::printf(
      "test accuracy %.2f%% at the best validation epoch %lld (val %.2f%%), "
      "%.1f s\n",
      100 * r.test_at_best, static_cast<long long>(r.best_epoch),
      100 * r.best_val, r.seconds);
  if (!args.report.empty()) {
    nlohmann::json curve = nlohmann::json::array();
    for (const epoch_record& e : r.curve) {
      curve.push_back({{"epoch", e.epoch},
                       {"loss", e.loss},
                       {"train_accuracy", e.accuracy.train},
                       {"val_accuracy", e.accuracy.val},
                       {"test_accuracy", e.accuracy.test},
                       {"seconds", e.seconds}});
    }
    const nlohmann::json report = {
        {"data", args.data.describe()},
        {"nodes", data.num_nodes()},
        {"features", data.num_features()},
        {"classes", data.num_classes},
        {"backend", m.backend_name()},
        {"config", to_json(cfg, opt)},
        {"epochs", args.model.epochs},
        {"curve", curve},
        {"energy", energy_trace_json(m)},
        {"seconds", r.seconds},
        {"memory_bytes", m.memory_bytes()},
        {"device_memory_in_use_bytes", cuda::device_memory_in_use()},
        {"seconds_per_epoch",
         r.curve.empty() ? 0.0 : r.seconds / double(r.curve.size())},
        {"best_epoch", r.best_epoch},
        {"best_val_accuracy", r.best_val},
        {"test_accuracy", r.test_at_best}};
    std::ofstream out(args.report);
    if (!out) throw io_error(args.report + ": cannot be opened for writing");
    out << report.dump(2) << '\n';
  }
  if (!args.energy_csv.empty()) write_energy_csv(m, args.energy_csv);
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<train_args>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train one deep GCN and report accuracy and energy per layer");
  args->data.add_to(*cmd);
  args->model.add_to(*cmd);
  cmd->add_option("--report", args->report,
                  "Write a JSON report: config, curve, energy trace, timing");
  cmd->add_option("--energy-csv", args->energy_csv,
                  "Write the energy trace as CSV (step, layer, ...)");
  cmd->add_option("--log-every", args->log_every,
                  "Print progress every N epochs (default: an updating line "
                  "on a terminal, else every 20)");
  cmd->callback([args] { run_train(*args); });
}

}  // namespace gcnops::cli
