// files.hpp — reading what a test's processes wrote: a file's text and a probe report.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "collect.hpp"
#include "probe_report.hpp"

namespace test_support {

// A file's bytes: the tools' own slurp (tools/reports/collect.hpp).
using interprobe::slurp;

// The report at `p`; a failure of the calling test if it is not one this version reads.
interprobe::ProbeReport report_at(const std::filesystem::path& p);

// The entries of `dir`, sorted.
std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir);

}  // namespace test_support

using interprobe::slurp;
using test_support::report_at;
