// gcnops/gcnops.hpp: the whole public API in one include.
#pragma once

#include "gcnops/adjacency.hpp"
#include "gcnops/config.hpp"
#include "gcnops/cpu/propagate.hpp"
#include "gcnops/dataset.hpp"
#include "gcnops/error.hpp"
#include "gcnops/graph.hpp"
#include "gcnops/io.hpp"
#include "gcnops/matrix.hpp"
#include "gcnops/operators.hpp"
#include "gcnops/random.hpp"
