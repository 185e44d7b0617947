// Input validation at every public entry: each case of the bad-input table
// (bad_inputs.cpp) must throw the documented gcnops exception, with a
// message naming the argument, the value and the accepted range.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "bad_inputs.hpp"

namespace gcnops::test {
namespace {

class BadInput : public ::testing::TestWithParam<std::size_t> {};

TEST_P(BadInput, IsRefusedWithTheDocumentedError) {
  const bad_input& c = bad_inputs()[GetParam()];
  SCOPED_TRACE(c.area + ": " + c.input);
  const observed got = observe(c);
  ASSERT_EQ(got.type, c.type) << "message: " << got.message;
  for (const auto& needle : c.needles) {
    EXPECT_NE(got.message.find(needle), std::string::npos)
        << "message: " << got.message << "\nmissing: " << needle;
  }
}

std::string case_name(const ::testing::TestParamInfo<std::size_t>& info) {
  std::string name = bad_inputs()[info.param].area;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name + "_" + std::to_string(info.param);
}

INSTANTIATE_TEST_SUITE_P(Table, BadInput,
                         ::testing::Range<std::size_t>(0, bad_inputs().size()),
                         case_name);

}  // namespace
}  // namespace gcnops::test
