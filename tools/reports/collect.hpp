// collect.hpp — the reports a run's processes left in its private report directory
// (PROBE_REPORT / PROBE_SHIM_REPORT = <dir>/report.%p.%m: tools/process/preload_env.hpp), found,
// ordered and read.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "probe_report.hpp"

namespace interprobe {

// One report file the probe (or a shim) wrote into a report directory.
struct CollectedReport {
  int pid = 0;
  std::string module;  // what follows "report.<pid>." (the %m part), "" for report.<pid>
  std::filesystem::path file;
};

// The reports in `dir` (files named report.<pid> or report.<pid>.<module>), the ones of
// `main_pid` first, then by pid, then by module.
std::vector<CollectedReport> collect_reports(const std::filesystem::path& dir, int main_pid);

// A collected report, read: `report` set, or why not in `error` (parse_probe_report's reason).
struct ReadReport {
  CollectedReport file;
  std::optional<ProbeReport> report;
  std::string error;
};

// collect_reports(dir, main_pid), each file read and parsed, in that order.
std::vector<ReadReport> read_reports(const std::filesystem::path& dir, int main_pid);

// The file's bytes; "" if it cannot be read.
std::string slurp(const std::filesystem::path& p);

}  // namespace interprobe
