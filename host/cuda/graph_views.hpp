// Raw views of a device_graph for the kernel launchers (private).
#pragma once

#include "../../kernels/launch.hpp"
#include "gcnops/cuda/graph.hpp"

namespace gcnops::cuda::detail {

// A^ (forward) and A^T (backward), with their long-row tiles.
kernels::csr_direction forward_direction(const device_graph_data& d);
kernels::csr_direction backward_direction(const device_graph_data& d);

}  // namespace gcnops::cuda::detail
