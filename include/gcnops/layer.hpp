// gcnops/layer.hpp: the element-wise parts of a GCN layer around P.
//
// Contract
//   - A layer computes H' = act(P(T) + b) (+ H when a residual skip is
//     used), with T = H W; see docs/OPERATORS.md. Backends fuse these steps
//     into their propagation kernels (the CUDA epilogue and prologue) or
//     apply them after it (the CPU backend).
//   - act'(u) is evaluated at the pre-activation u = P(T) + b, so the
//     backward pass needs the operator output Y = P(T), not H'.
#pragma once

#include <cmath>
#include <iosfwd>
#include <string_view>

#include "gcnops/random.hpp"  // GCNOPS_HOST_DEVICE

namespace gcnops {

enum class activation { identity, relu, tanh };

inline constexpr activation all_activations[] = {
    activation::identity, activation::relu, activation::tanh};

std::string_view to_string(activation a);
activation parse_activation(std::string_view name);
std::ostream& operator<<(std::ostream& out, activation a);

// act(u) and act'(u), shared by host and device code.
template <activation A, class T>
GCNOPS_HOST_DEVICE inline T activate(T u) {
  if constexpr (A == activation::relu) {
    return u > T(0) ? u : T(0);
  } else if constexpr (A == activation::tanh) {
    return std::tanh(u);
  } else {
    return u;
  }
}

template <activation A, class T>
GCNOPS_HOST_DEVICE inline T activate_grad(T u) {
  if constexpr (A == activation::relu) {
    return u > T(0) ? T(1) : T(0);
  } else if constexpr (A == activation::tanh) {
    const T t = std::tanh(u);
    return T(1) - t * t;
  } else {
    return T(1);
  }
}

// Calls fn.template operator()<A>() with the run-time activation as a
// compile-time constant, so that element loops and kernels are specialised
// for it; returns what fn returns. A value outside the enum runs as
// identity, as activate(a, u) does. Host code only.
template <class Fn>
inline decltype(auto) with_activation(activation act, Fn&& fn) {
  switch (act) {
    case activation::relu:
      return fn.template operator()<activation::relu>();
    case activation::tanh:
      return fn.template operator()<activation::tanh>();
    case activation::identity:
      break;
  }
  return fn.template operator()<activation::identity>();
}

// The same with the activation chosen at run time.
template <class T>
GCNOPS_HOST_DEVICE inline T activate(activation a, T u) {
  switch (a) {
    case activation::relu:
      return activate<activation::relu>(u);
    case activation::tanh:
      return activate<activation::tanh>(u);
    case activation::identity:
      break;
  }
  return u;
}

template <class T>
GCNOPS_HOST_DEVICE inline T activate_grad(activation a, T u) {
  switch (a) {
    case activation::relu:
      return activate_grad<activation::relu>(u);
    case activation::tanh:
      return activate_grad<activation::tanh>(u);
    case activation::identity:
      break;
  }
  return T(1);
}

}  // namespace gcnops
