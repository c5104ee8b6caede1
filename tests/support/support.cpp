// support.cpp — see scratch.hpp, files.hpp, exec_pair.hpp.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>

#include "exec_pair.hpp"
#include "files.hpp"
#include "scratch.hpp"
#include "variants.hpp"

namespace test_support {

namespace fs = std::filesystem;

fs::path scratch_dir() {
  fs::path dir = fs::path(testing::TempDir()) / ("interprobe-" + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir;
}

ScratchDir::ScratchDir(const std::string& tag) {
  std::string t = "/tmp/interprobe-" + tag + "-XXXXXX";
  if (mkdtemp(t.data()) != nullptr) path_ = t;
}

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;
  std::error_code ec;
  // A test may have taken its own permissions away (an unwritable report directory).
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path_, ec);
}

interprobe::ProbeReport report_at(const fs::path& p) {
  std::string error;
  auto r = interprobe::parse_probe_report(slurp(p), &error);
  EXPECT_TRUE(r) << p << ": " << error;
  return r ? *r : interprobe::ProbeReport{};
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> v(fs::directory_iterator(dir), fs::directory_iterator{});
  std::sort(v.begin(), v.end());
  return v;
}

interprobe::ExecResult run_pair(const std::vector<std::string>& argv,
                                const interprobe::Env& control_env,
                                const interprobe::Env& preloaded_env,
                                const interprobe::ExecOptions& opt) {
  const interprobe::ExecResult control = interprobe::exec(argv, control_env, opt);
  interprobe::ExecResult preloaded = interprobe::exec(argv, preloaded_env, opt);
  EXPECT_EQ(preloaded.out, control.out) << "stdout changed by the preload";
  EXPECT_EQ(preloaded.describe(), control.describe()) << "preloaded stderr: " << preloaded.err;
  return preloaded;
}

interprobe::ExecResult run_pair(const std::vector<std::string>& argv,
                                const interprobe::Env& preloaded_env,
                                const interprobe::ExecOptions& opt) {
  return run_pair(argv, interprobe::without_probe(preloaded_env), preloaded_env, opt);
}

const interprobe::Matrix& test_matrix() {
  static const interprobe::Matrix m = interprobe::load_matrix(TEST_MATRIX);
  return m;
}

interprobe::Artifacts test_artifacts() {
  return interprobe::Artifacts{TEST_PROBE, TEST_APP, TEST_VARIANTS, TEST_MATRIX};
}

std::vector<std::string> variant_names(const interprobe::Matrix& m) {
  std::vector<std::string> names;
  for (auto& v : m.variants) names.push_back(v.name);
  return names;
}

std::string test_name(std::string text) {
  for (char& c : text)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return text;
}

std::string param_name(const testing::TestParamInfo<std::string>& info) {
  return test_name(info.param);
}

}  // namespace test_support
