// Allocation failures and size limits. This executable replaces the global
// operator new so that a chosen allocation fails; every public operation is
// then run with its 1st, 2nd, ... allocation failing until it completes.
// After each failure:
//   - an allocation of an input-sized array (at least kLarge bytes here)
//     surfaces as out_of_memory carrying exactly the size requested; small
//     incidental ones (messages, control blocks) may stay std::bad_alloc;
//   - the inputs are unchanged, as is any state object the call would have
//     replaced (strong guarantee), and nothing leaks (LeakSanitizer in the
//     sanitizer build);
//   - once memory is back, the call succeeds with the reference result.
// Sizes that are refused must be refused before any large allocation.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>

#include "fuzz_drivers.hpp"
#include "test_util.hpp"

namespace fault {

// Counted allocations (those of at least min_size bytes) left before one
// fails; -1: none fails.
std::atomic<long> countdown{-1};
std::atomic<std::size_t> min_size{0};
std::atomic<std::size_t> failed_size{0};
std::atomic<std::size_t> largest{0};  // largest request since reset

}  // namespace fault

void* operator new(std::size_t size) {
  std::size_t seen = fault::largest.load(std::memory_order_relaxed);
  while (size > seen && !fault::largest.compare_exchange_weak(seen, size)) {
  }
  if (size >= fault::min_size.load() && fault::countdown.load() >= 0 &&
      fault::countdown.fetch_sub(1) == 0) {
    fault::failed_size = size;
    throw std::bad_alloc();
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  return ::operator new(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

namespace gcnops {
namespace {

namespace fs = std::filesystem;

// Every array sized by the inputs below holds well over this many bytes;
// the incidental allocations stay under it.
constexpr std::size_t kLarge = 1024;

struct sweep_counts {
  int failures = 0;
  int out_of_memory = 0;
  int bad_alloc = 0;
};

// Runs op() with counted allocation k failing, k = 0, 1, ..., until op()
// completes without reaching it (op returns true when its result equals
// the reference); intact() checks the inputs after every failure.
template <class Op, class Intact>
sweep_counts sweep(std::size_t min_size, Op op, Intact intact) {
  sweep_counts counts;
  for (long k = 0; k < 200000; ++k) {
    fault::min_size = min_size;
    fault::countdown = k;
    std::string caught;
    std::size_t requested = 0;
    bool matches = false;
    try {
      matches = op();
    } catch (const out_of_memory& e) {
      caught = "out_of_memory";
      requested = e.requested_bytes();
    } catch (const std::bad_alloc&) {
      caught = "std::bad_alloc";
    } catch (const std::exception& e) {
      caught = std::string("another exception: ") + e.what();
    }
    const bool fired = fault::countdown.load() < 0;
    fault::countdown = -1;
    fault::min_size = 0;

    // Nothing failed, or a failure was absorbed: the result must be right.
    if (caught.empty()) {
      EXPECT_TRUE(matches) << "allocation " << k
                           << (fired ? " failed and" : " was not reached, but")
                           << " the result differs from the reference";
      if (!fired) return counts;
      continue;
    }
    ++counts.failures;
    if (caught == "out_of_memory") {
      ++counts.out_of_memory;
      EXPECT_EQ(requested, fault::failed_size.load()) << "allocation " << k;
    } else if (caught == "std::bad_alloc") {
      // Small allocations may fail as std::bad_alloc, and so may the one
      // buffer of BUFSIZ bytes that std::filebuf allocates to read a file.
      ++counts.bad_alloc;
      const std::size_t size = fault::failed_size.load();
      EXPECT_TRUE(min_size == 0 || size < kLarge || size == BUFSIZ)
          << "allocation " << k << " of " << size
          << " bytes escaped as a bare std::bad_alloc";
    } else {
      ADD_FAILURE() << "allocation " << k << ": " << caught;
    }
    intact();
  }
  ADD_FAILURE() << "the operation never completed";
  return counts;
}

// Sweeps large allocations only (each must become out_of_memory), then
// every allocation (bad_alloc allowed for small ones); returns how many
// large allocations failed as out_of_memory.
template <class Op, class Intact>
int sweep_both(Op op, Intact intact) {
  const sweep_counts large = sweep(kLarge, op, intact);
  const sweep_counts any = sweep(0, op, intact);
  EXPECT_GE(any.failures, large.failures);
  return large.out_of_memory;
}

// sweep_both for an operation that must make a large allocation, without
// which the sweep would prove nothing.
template <class Op, class Intact = void (*)()>
void sweep_large(
    Op op, Intact intact = [] {}) {
  EXPECT_GT(sweep_both(op, intact), 0)
      << "no allocation of " << kLarge << " bytes or more";
}

// An istream over a string that it does not copy, so that building it
// allocates nothing while failures are armed.
class text_stream : public std::istream {
 public:
  explicit text_stream(const std::string& text) : std::istream(&buffer_) {
    char* begin = const_cast<char*>(text.data());
    buffer_.set(begin, begin + text.size());
  }

 private:
  struct view_buffer : std::streambuf {
    void set(char* begin, char* end) { setg(begin, begin, end); }
  };
  view_buffer buffer_;
};

bool same(const graph& a, const graph& b) {
  return a.num_nodes() == b.num_nodes() &&
         std::ranges::equal(a.row_ptr(), b.row_ptr()) &&
         std::ranges::equal(a.col_idx(), b.col_idx()) &&
         std::ranges::equal(a.weights(), b.weights());
}

template <class T>
bool same(const matrix<T>& a, const matrix<T>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::ranges::equal(a.values(), b.values());
}

bool same(const edge_list& a, const edge_list& b) {
  return a.num_nodes == b.num_nodes && a.src == b.src && a.dst == b.dst &&
         a.weight == b.weight;
}

// A weighted, directed edge list with parallel edges, loops and a hub row
// of 300 neighbours, so that every array of the build exceeds kLarge.
edge_list sample_edges() {
  edge_list e;
  rng gen(7);
  for (int k = 0; k < 600; ++k) {
    const auto i = static_cast<std::int64_t>(k < 300 ? 0 : gen.below(400));
    e.src.push_back(i);
    e.dst.push_back(static_cast<std::int64_t>(gen.below(400)));
    e.weight.push_back(0.5 + gen.uniform());
  }
  return e;
}

std::string sample_mtx() {
  std::ostringstream out;
  out << "%%MatrixMarket matrix coordinate real general\n300 8 600\n";
  for (int k = 0; k < 600; ++k) {
    out << 1 + k / 2 << ' ' << 1 + (k % 2) * 4 + k % 3 << ' ' << 0.25 * k
        << '\n';
  }
  return out.str();
}

TEST(AllocationFailure, GraphFromEdges) {
  const edge_list e = sample_edges();
  const edge_list copy = e;
  for (const graph_options o :
       {graph_options{},
        graph_options{.make_undirected = true, .drop_duplicates = false}}) {
    const graph want = graph::from_edges(e, o);
    sweep_large([&] { return same(graph::from_edges(e, o), want); },
                [&] { EXPECT_TRUE(same(e, copy)); });
  }
}

TEST(AllocationFailure, GraphCopiesAndStatistics) {
  const graph g = graph::from_edges(sample_edges());
  const graph copy = g;
  const graph t = g.transpose();
  const graph loop_free = g.without_self_loops();
  ASSERT_GT(g.num_self_loops(), 0);
  const graph_stats s = compute_stats(g);
  const edge_list e = g.to_edges();
  auto intact = [&] { EXPECT_TRUE(same(g, copy)); };
  sweep_large([&] { return same(g.transpose(), t); }, intact);
  sweep_large([&] { return same(g.without_self_loops(), loop_free); }, intact);
  sweep_large([&] { return same(loop_free.without_self_loops(), loop_free); },
              intact);
  sweep_large([&] { return same(g.to_edges(), e); }, intact);
  sweep_both(
      [&] {
        const graph_stats got = compute_stats(g);
        return got.isolated == s.isolated && got.max_degree == s.max_degree;
      },
      intact);
}

TEST(AllocationFailure, NormalizedAdjacency) {
  const graph g = graph::from_edges(sample_edges());
  const graph copy = g;
  for (normalization norm : all_normalizations) {
    const normalized_adjacency want(g, {.norm = norm});
    auto equal = [&](const normalized_adjacency& a) {
      return std::ranges::equal(a.degrees(), want.degrees()) &&
             std::ranges::equal(a.row_scale(), want.row_scale()) &&
             same(a.transposed(), want.transposed()) &&
             a.frobenius_norm_sq() == want.frobenius_norm_sq();
    };
    EXPECT_GT(
        sweep_both(
            [&] { return equal(normalized_adjacency(g, {.norm = norm})); },
            [&] { EXPECT_TRUE(same(g, copy)); }),
        0);

    // A graph given by rvalue comes back unchanged when construction fails.
    const graph loop_free = g.without_self_loops();
    const normalized_adjacency want_free(loop_free, {.norm = norm});
    graph given;
    auto adopt = [&] {
      const normalized_adjacency a(std::move(given), {.norm = norm});
      return std::ranges::equal(a.degrees(), want_free.degrees()) &&
             same(a.structure(), loop_free);
    };
    auto intact_given = [&] {
      EXPECT_TRUE(same(given, loop_free));
      given = loop_free;
    };
    for (std::size_t min_size : {kLarge, std::size_t{0}}) {
      given = loop_free;
      EXPECT_GT(sweep(min_size, adopt, intact_given).failures, 0);
    }
  }
}

TEST(AllocationFailure, ForwardAndBackwardKeepTheirState) {
  const normalized_adjacency a(graph::from_edges(sample_edges()));
  const std::int64_t n = a.num_nodes();
  const auto x = test::random_matrix<double>(n, 6, 1);
  const auto g = test::random_matrix<double>(n, 6, 2);
  for (op_kind kind : all_op_kinds) {
    SCOPED_TRACE(to_string(kind));
    const op_config cfg{.kind = kind};
    matrix<double> y_want(n, 6), dx_want(n, 6);
    cpu::op_state st_want;
    cpu::forward<double>(a, cfg, x, y_want, &st_want);
    cpu::backward<double>(a, cfg, st_want, x, y_want, g, dx_want);

    // A state left by an earlier call must survive a failed forward.
    const cpu::op_state sentinel{.kind = op_kind::pairnorm, .scale = 42.0};
    cpu::op_state st = sentinel;
    matrix<double> y(n, 6);
    sweep_both(
        [&] {
          cpu::forward<double>(a, cfg, x, y, &st);
          const bool ok = same(y, y_want) && st.scale == st_want.scale;
          st = sentinel;
          return ok;
        },
        [&] {
          EXPECT_EQ(st.kind, sentinel.kind);
          EXPECT_EQ(st.scale, sentinel.scale);
        });
    matrix<double> dx(n, 6);
    sweep(
        0,
        [&] {
          cpu::backward<double>(a, cfg, st_want, x, y_want, g, dx);
          return same(dx, dx_want);
        },
        [] {});
  }
}

TEST(AllocationFailure, Readers) {
  const std::string text = sample_mtx();
  std::istringstream first(text);
  const sparse_entries want = read_matrix_market(first, "a.mtx");
  std::istringstream second(text);
  const matrix<float> dense_want = read_dense_matrix(second, "a.mtx");
  sweep_large([&] {
    text_stream in(text);
    const sparse_entries got = read_matrix_market(in, "a.mtx");
    return got.row == want.row && got.value == want.value;
  });
  sweep_large([&] {
    text_stream in(text);
    return same(read_dense_matrix(in, "a.mtx"), dense_want);
  });

  std::ostringstream list;
  const edge_list e = sample_edges();
  for (std::size_t k = 0; k < e.src.size(); ++k)
    list << e.src[k] << ' ' << e.dst[k] << '\n';
  const std::string list_text = list.str();
  sweep_large([&] {
    text_stream in(list_text);
    const edge_list got = read_edge_list(in, "a.txt");
    return got.src == e.src && got.dst == e.dst;
  });
}

TEST(AllocationFailure, DatasetsAndGenerators) {
  const dataset d = make_csbm({.nodes = 300, .features = 4, .seed = 3});
  sweep_large([&] {
    const dataset c = make_csbm({.nodes = 300, .features = 4, .seed = 3});
    return same(c.structure, d.structure) && c.labels == d.labels &&
           c.test == d.test;
  });
  const graph rmat = make_rmat({.scale = 8});
  sweep_large([&] { return same(make_rmat({.scale = 8}), rmat); });
  sweep_both(
      [&] {
        validate(d);
        return true;
      },
      [] {});

  // normalize_rows either divides every row or leaves m as it was.
  const matrix<float> before = d.features;
  matrix<float> m = before;
  matrix<float> want = before;
  normalize_rows(want);
  sweep_large(
      [&] {
        normalize_rows(m);
        const bool ok = same(m, want);
        m = before;
        return ok;
      },
      [&] { EXPECT_TRUE(same(m, before)); });

  // A folder on disk, through load_dataset.
  const fs::path folder =
      fs::temp_directory_path() /
      ("gcnops_allocation_test_" + std::to_string(::getpid()));
  fs::create_directories(folder);
  std::string parts = sample_mtx();
  parts.replace(parts.find("300 8 600"), 9, "300 300 600");
  parts += '\0';
  for (int i = 0; i < 300; ++i)
    parts += std::to_string(i % 3) + "\n";
  parts += std::string("\0", 1) + "0\n1\n" + '\0' + "2\n" + '\0' + "3\n" +
           '\0' + sample_mtx();
  gcnops::fuzz::write_dataset_folder(folder, parts);
  const dataset loaded = load_dataset(folder);
  sweep_large([&] {
    const dataset c = load_dataset(folder);
    return same(c.structure, loaded.structure) &&
           same(c.features, loaded.features) && c.labels == loaded.labels;
  });
  fs::remove_all(folder);
}

// Sizes ---------------------------------------------------------------------

// Runs op (which must throw E) and returns the largest allocation it tried.
template <class E, class Op>
std::size_t largest_request_before(Op op) {
  fault::largest = 0;
  EXPECT_THROW(op(), E);
  return fault::largest.load();
}

TEST(SizeLimits, RefusedBeforeAnyLargeAllocation) {
  const gcnops::fuzz::scoped_memory_limit limit(std::size_t{1} << 30);
  constexpr std::size_t kSmall = std::size_t{1} << 20;
  edge_list far;
  far.src = {0};
  far.dst = {max_nodes - 1};
  EXPECT_LT(
      largest_request_before<out_of_memory>([&] { graph::from_edges(far); }),
      kSmall);
  EXPECT_LT(largest_request_before<out_of_memory>([] {
              std::istringstream in(
                  "%%MatrixMarket matrix coordinate real general\n"
                  "2000000000 2000000000 1\n1 1 1\n");
              read_dense_matrix(in, "big.mtx");
            }),
            kSmall);
  EXPECT_LT(largest_request_before<out_of_memory>(
                [] { matrix<double>(100000, 100000); }),
            kSmall);
  EXPECT_LT(largest_request_before<limit_error>(
                [] { matrix<float>(std::int64_t{1} << 40, 1 << 30); }),
            kSmall);
  EXPECT_LT(largest_request_before<out_of_memory>(
                [] { make_csbm({.nodes = 2000000000, .p_intra = 1.0}); }),
            kSmall);
  EXPECT_LT(largest_request_before<limit_error>(
                [] { make_rmat({.scale = 30, .edge_factor = 1e10}); }),
            kSmall);
}

TEST(SizeLimits, TheLimitCanBeLoweredAndRestored) {
  const std::size_t physical = host_memory_limit();
  EXPECT_EQ(set_host_memory_limit(4096), 0u);
  EXPECT_EQ(host_memory_limit(), 4096u);
  try {
    matrix<double>(100, 100);
    ADD_FAILURE() << "80000 bytes accepted under a 4096-byte limit";
  } catch (const out_of_memory& e) {
    EXPECT_EQ(e.requested_bytes(), 80000u);
    EXPECT_NE(std::string(e.what()).find("set_host_memory_limit"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(set_host_memory_limit(0), 4096u);
  EXPECT_EQ(host_memory_limit(), physical);
  EXPECT_NO_THROW(matrix<double>(100, 100));
}

}  // namespace
}  // namespace gcnops
