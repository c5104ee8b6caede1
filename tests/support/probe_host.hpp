// probe_host.hpp — the fixture of the tests that run programs under libprobe.so: a scratch
// directory, the control and probed environments, run_pair() (the host's stdout and exit status
// must not change under the probe) and report reading. Header-only: it uses the test binary's
// own TEST_PROBE, TEST_VARIANTS and TEST_PROGRAMS_DIR (tests/CMakeLists.txt).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "exec.hpp"
#include "exec_pair.hpp"
#include "files.hpp"
#include "probe_report.hpp"
#include "scratch.hpp"

namespace test_support {

class ProbeHost : public testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.empty()) << "mkdtemp under /tmp failed"; }

  // No PROBE_* or LD_* setting of the caller's; the victim's gcc-O2 build on the library path.
  static interprobe::Env base_env() {
    interprobe::Env env = interprobe::current_environment();
    for (auto it = env.begin(); it != env.end();)
      it = it->first.rfind("PROBE_", 0) == 0 || it->first.rfind("LD_", 0) == 0 ? env.erase(it)
                                                                                 : std::next(it);
    env["LD_LIBRARY_PATH"] = std::string(TEST_VARIANTS) + "/gcc-O2";
    return env;
  }
  static interprobe::Env probe_env(interprobe::Env env = base_env()) {
    env["LD_PRELOAD"] = TEST_PROBE;
    return env;
  }
  // The probe's JSON report going to dir_/report_name.
  interprobe::Env json_env(const std::string& report_name) const {
    interprobe::Env env = probe_env();
    env["PROBE_FORMAT"] = "json";
    env["PROBE_REPORT"] = (dir_ / report_name).string();
    return env;
  }
  // Runs argv without and with the probe; expects the host's stdout and ending to be the same.
  static interprobe::ExecResult run_pair(const std::vector<std::string>& argv,
                                         const interprobe::Env& probed_env,
                                         const interprobe::ExecOptions& opt = {}) {
    return test_support::run_pair(argv, probed_env, opt);
  }
  // run_pair() with json_env(report_name), then the report it wrote.
  interprobe::ProbeReport run_for_report(const std::vector<std::string>& argv,
                                         const std::string& report_name) {
    run_pair(argv, json_env(report_name));
    return report_at(dir_ / report_name);
  }
  std::vector<std::filesystem::path> files() const { return files_in(dir_); }
  static std::string program(const char* name) {
    return std::string(TEST_PROGRAMS_DIR) + "/" + name;
  }

 private:
  ScratchDir scratch_{"probe"};

 protected:
  const std::filesystem::path& dir_ = scratch_.path();
};

}  // namespace test_support
