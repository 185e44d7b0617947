// Model options shared by `gcnops train` and `gcnops study` (private to
// tools/): the flags, their defaults (the standard configuration) and the
// JSON form of a configuration for reports.
#pragma once

#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "gcnops/dataset.hpp"
#include "gcnops/model.hpp"

namespace gcnops::cli {

// Flags of a model and its training, as given on the command line.
struct model_flags {
  std::int64_t layers = 2;
  std::int64_t hidden = 64;
  std::string op = "plain";
  double c = 0.0;  // rescaled; 0: sqrt(N / ||A^||_F^2)
  double alpha = 0.1;
  double scale = 1.0;
  double eps = 1e-5;
  std::string norm = "sym";
  double self_loop = 1.0;
  std::string act = "relu";
  std::string init = "glorot";
  bool residual = false;
  bool initial_residual = false;
  double skip_alpha = 0.1;
  double theta = 0.5;
  double dropout = 0.5;
  double lr = 0.01;
  double weight_decay = 5e-4;
  bool decay_all_layers = false;
  std::int64_t epochs = 200;
  std::uint64_t seed = 1;
  std::string backend = "auto";
  bool dirichlet = false;
  bool check_finite = false;

  // `with_architecture` = false leaves out the flags a study sets itself.
  void add_to(CLI::App& app, bool with_architecture = true);
  model_config config() const;
  optimizer_config optimizer() const;
};

// Where the data comes from: --data DIR or --synthetic csbm.
struct data_flags {
  std::string data_dir;
  std::string synthetic;
  bool raw_features = false;
  csbm_options csbm;

  void add_to(CLI::App& app);
  dataset load() const;
  std::string describe() const;
};

nlohmann::json to_json(const model_config& c, const optimizer_config& o);

}  // namespace gcnops::cli
