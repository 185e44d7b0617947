// Choice of the row-kernel layout (see launch.hpp).
#include <algorithm>
#include <bit>

#include "launch.hpp"

namespace gcnops::kernels {

row_layout choose_layout(std::int64_t rows, int width, bool vector_ok,
                         int max_grid_x) {
  row_layout l;
  l.width = width;
  l.vec = vector_ok && width % 4 == 0 ? 4 : 1;

  // Vectors per row; two per lane once a warp is not enough.
  const int vectors = std::max(1, (width + l.vec - 1) / l.vec);
  l.acc = vectors > 32 ? 2 : 1;
  const int lanes = std::min(32, (vectors + l.acc - 1) / l.acc);
  l.group = static_cast<int>(std::bit_ceil(static_cast<unsigned>(lanes)));

  // Columns beyond one group's reach go to further slabs (blockIdx.y).
  const int slab = l.group * l.vec * l.acc;
  l.slabs = std::max(1, (width + slab - 1) / slab);

  const std::int64_t groups_per_block = kBlockThreads / l.group;
  const std::int64_t blocks = (rows + groups_per_block - 1) / groups_per_block;
  l.grid_x = static_cast<int>(
      std::clamp<std::int64_t>(blocks, 1, std::max(1, max_grid_x)));
  return l;
}

}  // namespace gcnops::kernels
