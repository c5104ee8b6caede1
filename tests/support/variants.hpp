// variants.hpp — the truth table (victim/matrix.json) as the tests see it: the matrix this build
// was configured with, the built pieces, and one parameterised test per variant.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "matrix.hpp"

namespace test_support {

// The names of the table's variants, in its order: testing::ValuesIn(variant_names(m)).
std::vector<std::string> variant_names(const interprobe::Matrix& m);

// `text` as a GoogleTest name: every character but a letter or digit becomes '_'
// ("gcc-O2-nosi" -> "gcc_O2_nosi").
std::string test_name(std::string text);
// A variant parameter's test name: INSTANTIATE_TEST_SUITE_P(..., param_name).
std::string param_name(const testing::TestParamInfo<std::string>& info);

// The table this build was configured with (victim/matrix.json), read once.
const interprobe::Matrix& test_matrix();
// This build's libprobe.so, victim_app, variants directory and table.
interprobe::Artifacts test_artifacts();

}  // namespace test_support
