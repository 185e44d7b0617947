// Names, parsing and validation of operator configurations.
#include "gcnops/operators.hpp"

#include <cmath>
#include <iterator>
#include <ostream>

#include "gcnops/error.hpp"
#include "gcnops/layer.hpp"

namespace gcnops {

namespace {

constexpr const char* kOpNames =
    "plain, rescaled, shifted, energy, "
    "energy_col, mean_centered, pairnorm";
constexpr const char* kNormNames = "sym, rw, none";

}  // namespace

std::string_view to_string(normalization n) {
  switch (n) {
    case normalization::sym:
      return "sym";
    case normalization::rw:
      return "rw";
    case normalization::none:
      return "none";
  }
  return "?";
}

std::string_view to_string(op_kind k) {
  switch (k) {
    case op_kind::plain:
      return "plain";
    case op_kind::rescaled:
      return "rescaled";
    case op_kind::shifted:
      return "shifted";
    case op_kind::energy:
      return "energy";
    case op_kind::energy_col:
      return "energy_col";
    case op_kind::mean_centered:
      return "mean_centered";
    case op_kind::pairnorm:
      return "pairnorm";
  }
  return "?";
}

normalization parse_normalization(std::string_view name) {
  for (normalization n : all_normalizations) {
    if (to_string(n) == name) return n;
  }
  throw invalid_argument(detail::concat("unknown normalisation '", name,
                                        "', expected one of ", kNormNames));
}

op_kind parse_op_kind(std::string_view name) {
  for (op_kind k : all_op_kinds) {
    if (to_string(k) == name) return k;
  }
  throw invalid_argument(detail::concat("unknown operator '", name,
                                        "', expected one of ", kOpNames));
}

void validate(const op_config& cfg) {
  constexpr const char* where = "op_config";
  const auto kind = static_cast<int>(cfg.kind);
  detail::check_argument(kind >= 0 && kind < std::ssize(all_op_kinds), where,
                         "kind", kind,
                         detail::concat("one of ", kOpNames, " (0 to ",
                                        std::ssize(all_op_kinds) - 1, ")"));
  switch (cfg.kind) {
    case op_kind::rescaled:
      if (cfg.c) {
        detail::check_argument(std::isfinite(*cfg.c) && *cfg.c > 0, where, "c",
                               *cfg.c, "a finite value > 0");
      }
      break;
    case op_kind::shifted:
      detail::check_argument(cfg.alpha >= 0 && cfg.alpha <= 1, where, "alpha",
                             cfg.alpha, "0 <= alpha <= 1");
      break;
    case op_kind::energy:
    case op_kind::energy_col:
      detail::check_argument(std::isfinite(cfg.guard) && cfg.guard > 0, where,
                             "guard", cfg.guard, "a finite value > 0");
      break;
    case op_kind::pairnorm:
      detail::check_argument(std::isfinite(cfg.scale) && cfg.scale > 0, where,
                             "scale", cfg.scale, "a finite value > 0");
      detail::check_argument(std::isfinite(cfg.eps) && cfg.eps > 0, where,
                             "eps", cfg.eps, "a finite value > 0");
      break;
    case op_kind::plain:
    case op_kind::mean_centered:
      break;
  }
}

std::string describe(const op_config& cfg) {
  const std::string name(to_string(cfg.kind));
  switch (cfg.kind) {
    case op_kind::rescaled:
      return cfg.c ? detail::concat(name, "(c=", *cfg.c, ")")
                   : name + "(c=auto)";
    case op_kind::shifted:
      return detail::concat(name, "(alpha=", cfg.alpha, ")");
    case op_kind::pairnorm:
      return detail::concat(name, "(s=", cfg.scale, ")");
    default:
      return name;
  }
}

std::string_view to_string(activation a) {
  switch (a) {
    case activation::identity:
      return "identity";
    case activation::relu:
      return "relu";
    case activation::tanh:
      return "tanh";
  }
  return "?";
}

activation parse_activation(std::string_view name) {
  for (activation a : all_activations) {
    if (to_string(a) == name) return a;
  }
  throw invalid_argument(detail::concat("unknown activation '", name,
                                        "', expected one of identity, relu, "
                                        "tanh"));
}

std::ostream& operator<<(std::ostream& out, activation a) {
  return out << to_string(a);
}

std::ostream& operator<<(std::ostream& out, normalization n) {
  return out << to_string(n);
}

std::ostream& operator<<(std::ostream& out, op_kind k) {
  return out << to_string(k);
}

}  // namespace gcnops
