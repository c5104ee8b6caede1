// fixture.hpp — what the reliability tests share: a temporary directory, the control and probed
// environments, run_pair() (the host's stdout and exit status must not change under the probe)
// and report reading.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "exec.hpp"
#include "probe_report.hpp"

namespace reliability {

using namespace interprobe;
namespace fs = std::filesystem;

class ProbeHost : public testing::Test {
 protected:
  void SetUp() override {
    char t[] = "/tmp/interprobe-rel-XXXXXX";
    ASSERT_NE(mkdtemp(t), nullptr);
    dir_ = t;
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }

  static Env base_env() {
    Env env = current_environment();
    for (auto it = env.begin(); it != env.end();)
      it = it->first.rfind("PROBE_", 0) == 0 || it->first.rfind("LD_", 0) == 0 ? env.erase(it)
                                                                                 : std::next(it);
    env["LD_LIBRARY_PATH"] = std::string(TEST_VARIANTS) + "/gcc-O2";
    return env;
  }
  static Env probe_env(Env env = base_env()) {
    env["LD_PRELOAD"] = TEST_PROBE;
    return env;
  }
  // Runs argv without and with the probe; expects the host's stdout and ending to be the same.
  ExecResult run_pair(const std::vector<std::string>& argv, const Env& probed_env,
                      const ExecOptions& opt = {}) {
    const Env control_env = without_probe(probed_env);
    ExecResult control = exec(argv, control_env, opt);
    ExecResult probed = exec(argv, probed_env, opt);
    EXPECT_EQ(probed.out, control.out) << "stdout changed by the probe";
    EXPECT_EQ(probed.describe(), control.describe()) << "probe stderr: " << probed.err;
    return probed;
  }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static ProbeReport report_at(const fs::path& p) {
    std::string error;
    auto r = parse_probe_report(slurp(p), &error);
    EXPECT_TRUE(r) << p << ": " << error;
    return r ? *r : ProbeReport{};
  }
  std::vector<fs::path> files() const {
    std::vector<fs::path> v(fs::directory_iterator(dir_), fs::directory_iterator{});
    std::sort(v.begin(), v.end());
    return v;
  }
  static std::string program(const char* name) {
    return std::string(TEST_PROGRAMS_DIR) + "/" + name;
  }
  Env json_env(const std::string& report_name) const {
    Env env = probe_env();
    env["PROBE_FORMAT"] = "json";
    env["PROBE_REPORT"] = (dir_ / report_name).string();
    return env;
  }

  fs::path dir_;
};

}  // namespace reliability
