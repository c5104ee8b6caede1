// report_files.hpp — reading what a test's processes wrote: a file's text and a probe report.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "probe_report.hpp"

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The report at `p`; a failure of the calling test if it is not one this version reads.
inline interprobe::ProbeReport report_at(const std::filesystem::path& p) {
  std::string error;
  auto r = interprobe::parse_probe_report(slurp(p), &error);
  EXPECT_TRUE(r) << p << ": " << error;
  return r ? *r : interprobe::ProbeReport{};
}
