// The CUDA entry points of a gcnops built without CUDA: nothing is usable,
// and everything says so instead of failing at link time.
#include "gcnops/cuda/graph.hpp"
#include "gcnops/cuda/propagate.hpp"
#include "gcnops/cuda/runtime.hpp"
#include "../model/compute.hpp"

#include <exception>

namespace gcnops::cuda {

namespace {

[[noreturn]] void no_cuda(const char* what) {
  throw device_error(std::string(what) +
                     ": gcnops was built without CUDA support (configure "
                     "with nvcc available and GCNOPS_ENABLE_CUDA=ON)");
}

}  // namespace

namespace detail {
void* allocate(std::size_t, std::string_view) {
  no_cuda("device_buffer");
}
void release(void*) noexcept {}
void copy(void*, const void*, std::size_t, copy_kind, stream_t) {
  no_cuda("device_buffer copy");
}
void fill_zero(void*, std::size_t, stream_t) {
  no_cuda("device_buffer");
}
}  // namespace detail

bool device_available() noexcept {
  return false;
}
std::string device_unavailable_reason() {
  return "gcnops was built without CUDA support";
}
std::size_t device_memory_in_use() noexcept {
  return 0;
}
std::string device_summary() {
  no_cuda("device_summary");
}
void synchronize(stream_t) {
  no_cuda("synchronize");
}

}  // namespace gcnops::cuda

namespace gcnops::cuda {

namespace detail {
struct device_graph_data {};
}  // namespace detail

device_graph::device_graph(const graph&, const adjacency_options&,
                           const device_graph_options&) {
  no_cuda("device_graph");
}
device_graph::~device_graph() = default;
device_graph::device_graph(device_graph&&) noexcept = default;
device_graph& device_graph::operator=(device_graph&&) noexcept = default;
std::int64_t device_graph::num_nodes() const noexcept {
  return 0;
}
std::int64_t device_graph::num_edges() const noexcept {
  return 0;
}
const adjacency_options& device_graph::options() const noexcept {
  static const adjacency_options none;
  return none;
}
bool device_graph::symmetric_structure() const noexcept {
  return true;
}
std::int64_t device_graph::num_long_rows() const noexcept {
  return 0;
}
double device_graph::frobenius_norm_sq() const noexcept {
  return 0.0;
}
double device_graph::rescale_constant() const noexcept {
  return 1.0;
}
double device_graph::resolve_c(const op_config&) const {
  no_cuda("device_graph");
}
std::size_t device_graph::device_bytes() const noexcept {
  return 0;
}

struct propagation_plan::impl {};

device_op_state::device_op_state(std::int64_t) {
  no_cuda("device_op_state");
}
op_scalars device_op_state::scalars(stream_t) const {
  no_cuda("device_op_state");
}

propagation_plan::propagation_plan(const device_graph&, std::int64_t,
                                   stream_t) {
  no_cuda("propagation_plan");
}
propagation_plan::~propagation_plan() = default;
propagation_plan::propagation_plan(propagation_plan&&) noexcept = default;
propagation_plan& propagation_plan::operator=(propagation_plan&&) noexcept =
    default;
void propagation_plan::forward(const op_config&, const float*, float*,
                               device_op_state&, const layer_epilogue&) {
  no_cuda("propagation_plan");
}
void propagation_plan::backward(const op_config&, const device_op_state&,
                                const float*, const float*, const float*,
                                float*, const layer_prologue&) {
  no_cuda("propagation_plan");
}
double propagation_plan::last_energy() {
  no_cuda("propagation_plan");
}
std::int64_t propagation_plan::width() const noexcept {
  return 0;
}
const device_graph& propagation_plan::graph() const noexcept {
  // Unreachable: no plan can be constructed without CUDA.
  std::terminate();
}
stream_t propagation_plan::stream() const noexcept {
  return nullptr;
}
void propagation_plan::set_stream(stream_t) noexcept {}
std::size_t propagation_plan::workspace_bytes() const noexcept {
  return 0;
}

}  // namespace gcnops::cuda

namespace gcnops::detail {

std::unique_ptr<compute<float>> make_cuda_compute() {
  throw device_error(
      "model: gcnops was built without CUDA support, expected backend "
      "'cpu'");
}

}  // namespace gcnops::detail
