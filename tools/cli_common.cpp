// Shared pieces of the gcnops command line.
#include "cli_common.hpp"

#include <unistd.h>

#include <iostream>
#include <system_error>

namespace gcnops::cli {

void graph_source::add_to(CLI::App& app, bool data_only) {
  auto* data = app.add_option("--data", data_dir,
                              "Dataset folder (adjacency.mtx, features.mtx, "
                              "labels.txt, train/val/test.txt)");
  if (data_only) return;
  auto* mtx = app.add_option("--mtx", mtx_file,
                             "Graph as a Matrix Market coordinate file");
  auto* edges = app.add_option("--edges", edge_file,
                               "Graph as an edge list 'src dst [weight]'");
  data->excludes(mtx)->excludes(edges);
  mtx->excludes(edges);
  app.add_flag("--one-based", one_based, "Edge-list ids start at 1");
  app.add_flag("--undirected", undirected, "Add the reverse of every edge");
  app.add_flag("--keep-duplicates", keep_duplicates,
               "Parallel edges add their weights (default: keep the largest)");
  app.add_flag("--drop-self-loops", drop_self_loops,
               "Remove self-loops present in the input");
}

graph_options graph_source::options() const {
  return {.make_undirected = undirected,
          .drop_duplicates = !keep_duplicates,
          .drop_self_loops = drop_self_loops};
}

bool graph_source::given() const {
  return !data_dir.empty() || !mtx_file.empty() || !edge_file.empty();
}

std::filesystem::path default_data_dir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> candidates = {GCNOPS_SOURCE_DATA_DIR "/cora"};
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(self.parent_path().parent_path() / "share" / "gcnops" /
                         "data" / "cora");
  }
  candidates.push_back(GCNOPS_INSTALL_DATA_DIR "/cora");
  for (const auto& c : candidates) {
    if (fs::exists(c / "adjacency.mtx", ec)) return c;
  }
  return candidates.front();
}

void print_error(const std::string& message) {
  std::cerr << "gcnops: error: " << message << '\n';
}

}  // namespace gcnops::cli
