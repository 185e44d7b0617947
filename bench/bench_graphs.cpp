// The benchmark graphs (bench_graphs.hpp).
#include "bench_graphs.hpp"

#include <array>
#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace gcnops::bench {

namespace {

namespace fs = std::filesystem;

std::optional<fs::path> data_folder(const std::string& name) {
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("GCNOPS_DATA")) roots.emplace_back(env);
  roots.emplace_back(GCNOPS_PROJECT_DATA_DIR);
  roots.emplace_back(GCNOPS_SHARED_DATA_DIR);
  for (const auto& r : roots) {
    if (fs::exists(r / name / "adjacency.mtx")) return r / name;
  }
  return std::nullopt;
}

rmat_options rmat(int scale, double a, double b, double c) {
  rmat_options o;
  o.scale = scale;
  o.edge_factor = 16;
  o.a = a;
  o.b = b;
  o.c = c;
  o.d = 1.0 - a - b - c;
  o.seed = 42;
  return o;
}

}  // namespace

std::string graph_name(int id) {
  static const std::array<const char*, kNumGraphs> names = {
      "cora",   "pubmed", "citeseer",   "rmat16",
      "rmat20", "rmat22", "rmat20-flat"};
  return id >= 0 && id < kNumGraphs ? names[id] : "unknown";
}

const bench_graph* find_graph(int id, std::string* why) {
  static std::mutex lock;
  static std::array<std::unique_ptr<bench_graph>, kNumGraphs> cache;
  std::lock_guard<std::mutex> guard(lock);
  if (id < 0 || id >= kNumGraphs) {
    if (why) *why = "no graph with id " + std::to_string(id);
    return nullptr;
  }
  if (cache[id]) return cache[id].get();

  auto bg = std::make_unique<bench_graph>();
  bg->name = graph_name(id);
  switch (id) {
    case 0:
    case 1:
    case 2: {
      const auto folder = data_folder(bg->name);
      if (!folder) {
        if (why) {
          *why = bg->name + " not found (set GCNOPS_DATA to a folder holding " +
                 bg->name + "/adjacency.mtx)";
        }
        return nullptr;
      }
      bg->g = read_graph(*folder / "adjacency.mtx");
      break;
    }
    case 3:
      bg->g = make_rmat(rmat(16, 0.57, 0.19, 0.19));
      break;
    case 4:
      bg->g = make_rmat(rmat(20, 0.57, 0.19, 0.19));
      break;
    case 5:
      bg->g = make_rmat(rmat(22, 0.57, 0.19, 0.19));
      break;
    case 6:
      bg->g = make_rmat(rmat(20, 0.45, 0.22, 0.22));
      break;
  }
  cache[id] = std::move(bg);
  return cache[id].get();
}

}  // namespace gcnops::bench
