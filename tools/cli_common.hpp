// Shared pieces of the gcnops command line: graph-source flags and errors.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "gcnops/dataset.hpp"
#include "gcnops/graph.hpp"

namespace gcnops::cli {

// Flags that choose where a graph comes from: --data, --mtx or --edges,
// plus the graph_options.
struct graph_source {
  std::string data_dir;
  std::string mtx_file;
  std::string edge_file;
  bool one_based = false;
  bool undirected = false;
  bool keep_duplicates = false;
  bool drop_self_loops = false;

  void add_to(CLI::App& app, bool data_only = false);
  graph_options options() const;
  // True when one of --data, --mtx, --edges was given.
  bool given() const;
};

// The folder of the carried default dataset (data/cora), searched in the
// source tree, next to the executable and in the install prefix.
std::filesystem::path default_data_dir();

// Prints "gcnops: error: <message>" to stderr.
void print_error(const std::string& message);

}  // namespace gcnops::cli
