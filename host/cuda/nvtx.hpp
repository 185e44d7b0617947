// A scoped NVTX range (private): the range is open while the object lives,
// so every public CUDA operation reads by name on an Nsight timeline.
#pragma once

#include <nvtx3/nvToolsExt.h>

#include <string>

namespace gcnops::cuda::detail {

class nvtx_range {
 public:
  explicit nvtx_range(const char* name) { nvtxRangePushA(name); }
  explicit nvtx_range(const std::string& name) { nvtxRangePushA(name.c_str()); }
  ~nvtx_range() { nvtxRangePop(); }
  nvtx_range(const nvtx_range&) = delete;
  nvtx_range& operator=(const nvtx_range&) = delete;
};

}  // namespace gcnops::cuda::detail
