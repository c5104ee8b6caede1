// probe_report.hpp — reads the JSON report that libprobe.so writes (docs/REPORT_FORMAT.md).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace interprobe {

struct ProbeReport {
  int schema = 0;
  std::string version;
  long pid = 0;
  nlohmann::json settings;
  // symbol -> calling object (full path as the loader names it) -> calls
  std::map<std::string, std::map<std::string, std::uint64_t>> calls;
  nlohmann::json raw;

  // Calls of `symbol` from objects whose file name (last path component) is `object_name`.
  std::uint64_t calls_from(const std::string& symbol, const std::string& object_name) const;
  std::uint64_t total(const std::string& symbol) const;
};

// nullopt and a one-line reason in `error` if `text` is not a report this version understands.
std::optional<ProbeReport> parse_probe_report(const std::string& text, std::string* error);

std::string file_name_of(const std::string& path);

// Is `object` (a calling object's path as the loader named it in a report) the library file
// `library`? The same file by device and inode where the path can be resolved, else the same file
// name or SONAME. Used by `interprobe check` and `interprobe run --shim-for`.
bool is_library(const std::string& object, const std::string& library, const std::string& soname);

}  // namespace interprobe
