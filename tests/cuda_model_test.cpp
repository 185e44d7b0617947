// The CUDA backend of the model against the CPU backend: the same seed
// gives the same dropout masks and initial weights, so loss, gradients and
// energies must agree to float rounding. Skips without a CUDA device.
#include <gtest/gtest.h>

#include "gcnops/cuda/runtime.hpp"
#include "gcnops/model.hpp"
#include "test_util.hpp"

namespace gcnops {
namespace {

using param = std::tuple<op_kind, skip_kind>;

class CudaModel : public ::testing::TestWithParam<param> {};

TEST_P(CudaModel, LossGradientsAndEnergiesMatchCpu) {
  if (!cuda::device_available()) {
    GTEST_SKIP() << "no usable CUDA device: "
                 << cuda::device_unavailable_reason();
  }
  const auto [kind, skip] = GetParam();
  const dataset data = make_csbm({.nodes = 400,
                                  .classes = 4,
                                  .p_intra = 0.05,
                                  .p_inter = 0.005,
                                  .features = 24,
                                  .seed = 2});
  model_config c;
  c.layers = 4;
  c.hidden = 32;
  c.op = {.kind = kind};
  c.skip = skip;
  c.dropout = 0.5;
  c.dirichlet = true;
  c.seed = 9;

  c.backend = backend_choice::cpu;
  model cpu_model(data, c);
  c.backend = backend_choice::cuda;
  model gpu_model(data, c);

  // 1. Loss and every gradient of the first step.
  const double cpu_loss = cpu_model.compute_gradients();
  const double gpu_loss = gpu_model.compute_gradients();
  EXPECT_NEAR(gpu_loss, cpu_loss, 1e-5 * std::abs(cpu_loss));
  const auto params = cpu_model.parameters();
  for (std::size_t p = 0; p < params.size(); ++p) {
    EXPECT_TRUE(test::near(gpu_model.gradient(p), cpu_model.gradient(p), 1e-4))
        << params[p].name;
  }

  // 2. A few steps: losses and the energy trace stay together.
  for (int s = 0; s < 3; ++s) {
    const double a = cpu_model.train_step({});
    const double b = gpu_model.train_step({});
    EXPECT_NEAR(b, a, 1e-4 * std::abs(a)) << "step " << s + 1;
  }
  const auto& ta = cpu_model.energy_trace();
  const auto& tb = gpu_model.energy_trace();
  ASSERT_EQ(ta.size(), tb.size());
  for (std::size_t l = 0; l < ta[0].layers.size(); ++l) {
    const layer_energy& x = ta[0].layers[l];
    const layer_energy& y = tb[0].layers[l];
    EXPECT_NEAR(y.h, x.h, 1e-4 * x.h) << "layer " << l + 1;
    EXPECT_NEAR(y.grad_h, x.grad_h, 1e-4 * x.grad_h) << "layer " << l + 1;
    EXPECT_NEAR(y.grad_w, x.grad_w, 1e-4 * x.grad_w) << "layer " << l + 1;
    EXPECT_NEAR(y.dirichlet, x.dirichlet, 1e-4 * std::abs(x.h))
        << "layer " << l + 1;
  }
  EXPECT_NEAR(gpu_model.evaluate().test, cpu_model.evaluate().test, 0.02);
}

std::string name_of(const ::testing::TestParamInfo<param>& info) {
  return std::string(to_string(std::get<0>(info.param))) + "_" +
         std::string(to_string(std::get<1>(info.param)));
}

INSTANTIATE_TEST_SUITE_P(
    OperatorsAndSkips, CudaModel,
    ::testing::Combine(::testing::ValuesIn(all_op_kinds),
                       ::testing::Values(skip_kind::none, skip_kind::residual,
                                         skip_kind::initial)),
    name_of);

TEST(CudaModelDeterminism, SameSeedSameBitsOnTheGpu) {
  if (!cuda::device_available()) {
    GTEST_SKIP() << "no usable CUDA device: "
                 << cuda::device_unavailable_reason();
  }
  const dataset data = load_dataset(GCNOPS_PROJECT_DATA_DIR "/cora");
  auto run = [&] {
    model m(data, {.layers = 8,
                   .op = {.kind = op_kind::pairnorm},
                   .backend = backend_choice::cuda});
    std::vector<double> out;
    for (int s = 0; s < 5; ++s)
      out.push_back(m.train_step({}));
    for (const auto& r : m.energy_trace()) {
      for (const auto& l : r.layers)
        out.push_back(l.grad_h);
    }
    return out;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace gcnops
