// gcnops/random.hpp: reproducible random numbers for host and device code.
//
// Contract
//   - Everything here is a pure function of its seed and counters. The bits
//     and the uniform draws use 64-bit integer arithmetic only, so the same
//     seed gives the same numbers on every compiler, platform and backend
//     (the std:: distributions do not promise that). normal() also calls
//     std::log and std::cos, which C libraries may round differently in
//     the last bit.
//   - hash_uniform() and dropout_keeps() are counter-based: any element of
//     a stream can be drawn independently, in any order, by CPU loops and
//     GPU threads alike. The CPU and CUDA backends draw dropout masks with
//     dropout_keeps() and agree bit for bit.
//   - rng is a sequential xoshiro256** generator for host-side generators.
#pragma once

#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define GCNOPS_HOST_DEVICE __host__ __device__
#else
#define GCNOPS_HOST_DEVICE
#endif

namespace gcnops {

// SplitMix64's finaliser: a bijective 64-bit mixer.
GCNOPS_HOST_DEVICE inline std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The key of stream `stream` under `seed`; compute it once per stream.
GCNOPS_HOST_DEVICE inline std::uint64_t stream_key(std::uint64_t seed,
                                                   std::uint64_t stream) {
  return mix64(seed ^ mix64(stream));
}

// 64 random bits for element `counter` of a stream, from its key.
GCNOPS_HOST_DEVICE inline std::uint64_t keyed_bits(std::uint64_t key,
                                                   std::uint64_t counter) {
  return mix64(key ^ counter);
}

// 64 random bits for element `counter` of stream `stream` under `seed`.
GCNOPS_HOST_DEVICE inline std::uint64_t hash_bits(std::uint64_t seed,
                                                  std::uint64_t stream,
                                                  std::uint64_t counter) {
  return keyed_bits(stream_key(seed, stream), counter);
}

// A uniform double in [0, 1) with 53 random bits.
GCNOPS_HOST_DEVICE inline double bits_to_unit(std::uint64_t bits) {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

// Dropout draws 16 bits per element, four elements per 64-bit hash:
// element k of a stream is kept when its draw is at least
// dropout_threshold(p), so p is used to a resolution of 2^-16.
GCNOPS_HOST_DEVICE inline std::uint32_t dropout_threshold(double p) {
  const double t = p * 65536.0 + 0.5;
  return t <= 0.0 ? 0u
                  : (t >= 65536.0 ? 65536u : static_cast<std::uint32_t>(t));
}

GCNOPS_HOST_DEVICE inline bool dropout_keeps(std::uint64_t key, std::uint64_t k,
                                             std::uint32_t threshold) {
  const std::uint64_t bits = keyed_bits(key, k >> 2);
  const auto draw =
      static_cast<std::uint32_t>((bits >> (16 * (k & 3))) & 0xffffu);
  return draw >= threshold;
}

GCNOPS_HOST_DEVICE inline double hash_uniform(std::uint64_t seed,
                                              std::uint64_t stream,
                                              std::uint64_t counter) {
  return bits_to_unit(hash_bits(seed, stream, counter));
}

class rng {
 public:
  explicit rng(std::uint64_t seed) {
    for (auto& word : state_) {
      seed = mix64(seed);
      word = seed;
    }
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1).
  double uniform() { return bits_to_unit(next()); }

  // Uniform in [0, n), n > 0, without modulo bias (Lemire's method).
  std::uint64_t below(std::uint64_t n) {
    __extension__ using u128 = unsigned __int128;
    std::uint64_t x = next();
    u128 m = static_cast<u128>(x) * n;
    std::uint64_t low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        x = next();
        m = static_cast<u128>(x) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  // Standard normal by the Box-Muller transform (one of each pair is kept,
  // so that the stream position never depends on earlier calls).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) *
           std::cos(6.283185307179586476925 * u2);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
  }
  std::uint64_t state_[4];
};

}  // namespace gcnops
