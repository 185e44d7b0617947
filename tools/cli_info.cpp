// `gcnops info`: statistics of a graph or a dataset folder.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli_commands.hpp"
#include "cli_common.hpp"
#include "gcnops/adjacency.hpp"
#include "gcnops/io.hpp"

namespace gcnops::cli {

namespace {

struct info_args {
  graph_source source;
  std::string norm = "sym";
  double self_loop = 1.0;
  bool json = false;
};

void run_info(const info_args& args) {
  // 1. Load the graph, and the rest of the dataset when a folder is given.
  std::optional<dataset> data;
  graph g;
  std::string origin;
  if (!args.source.given() || !args.source.data_dir.empty()) {
    const std::filesystem::path dir =
        args.source.data_dir.empty()
            ? default_data_dir()
            : std::filesystem::path(args.source.data_dir);
    dataset_options options;
    options.graph = args.source.options();
    data = load_dataset(dir, options);
    g = data->structure;
    origin = dir.string();
  } else if (!args.source.mtx_file.empty()) {
    g = read_graph(args.source.mtx_file, args.source.options());
    origin = args.source.mtx_file;
  } else {
    g = read_graph(args.source.edge_file, args.source.options(),
                   {.one_based = args.source.one_based});
    origin = args.source.edge_file;
  }

  // 2. Statistics of A and of the normalised operator.
  const graph_stats s = compute_stats(g);
  const normalized_adjacency adj(
      g, {.norm = parse_normalization(args.norm), .self_loop = args.self_loop});

  nlohmann::json j;
  j["source"] = origin;
  j["nodes"] = s.nodes;
  j["edges"] = s.edges;
  j["self_loops"] = s.self_loops;
  j["symmetric"] = s.symmetric;
  j["weighted"] = s.weighted;
  j["degree"] = {
      {"min", s.min_degree}, {"mean", s.mean_degree}, {"max", s.max_degree}};
  j["isolated"] = s.isolated;
  j["normalization"] = args.norm;
  j["self_loop_weight"] = args.self_loop;
  j["frobenius_norm_sq"] = adj.frobenius_norm_sq();
  j["rescale_constant"] = adj.rescale_constant();
  if (data) {
    std::int64_t nonzeros = 0;
    for (float v : data->features.values())
      nonzeros += v != 0.0f;
    j["features"] = data->num_features();
    j["feature_nonzeros"] = nonzeros;
    j["classes"] = data->num_classes;
    j["split"] = {{"train", data->train.size()},
                  {"val", data->val.size()},
                  {"test", data->test.size()}};
  }
  if (args.json) {
    std::cout << j.dump(2) << '\n';
    return;
  }

  // 3. The same as a small table.
  std::printf("%-12s %s\n", "source", origin.c_str());
  std::printf("%-12s %lld\n", "nodes", static_cast<long long>(s.nodes));
  std::printf("%-12s %lld stored (directed) entries, %lld self-loops\n",
              "edges", static_cast<long long>(s.edges),
              static_cast<long long>(s.self_loops));
  std::printf("%-12s %s, %s\n", "structure",
              s.symmetric ? "symmetric" : "directed",
              s.weighted ? "weighted" : "unweighted");
  std::printf("%-12s min %lld, mean %.3f, max %lld (out-degree)\n", "degree",
              static_cast<long long>(s.min_degree), s.mean_degree,
              static_cast<long long>(s.max_degree));
  std::printf("%-12s %lld\n", "isolated", static_cast<long long>(s.isolated));
  std::printf("%-12s %.6g  (%s, self-loop %g)\n", "||A^||_F^2",
              adj.frobenius_norm_sq(), args.norm.c_str(), args.self_loop);
  std::printf("%-12s %.6g  (sqrt(N / ||A^||_F^2))\n", "rescale c",
              adj.rescale_constant());
  if (data) {
    std::printf(
        "%-12s %lld columns, %lld non-zeros\n", "features",
        static_cast<long long>(data->num_features()),
        static_cast<long long>(j["feature_nonzeros"].get<std::int64_t>()));
    std::printf("%-12s %d\n", "classes", data->num_classes);
    std::printf("%-12s train %zu, val %zu, test %zu\n", "splits",
                data->train.size(), data->val.size(), data->test.size());
  }
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto args = std::make_shared<info_args>();
  CLI::App* cmd = app.add_subcommand(
      "info", "Print statistics of a graph or dataset (default: data/cora)");
  args->source.add_to(*cmd);
  cmd->add_option("--norm", args->norm,
                  "Normalisation for ||A^||_F: sym, rw "
                  "or none")
      ->capture_default_str();
  cmd->add_option("--self-loop", args->self_loop, "Self-loop weight gamma")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Print JSON instead of a table");
  cmd->callback([args] { run_info(*args); });
}

}  // namespace gcnops::cli
