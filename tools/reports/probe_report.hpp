// probe_report.hpp — reads the JSON report that libprobe.so writes (docs/REPORT_FORMAT.md).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace interprobe {

// PROBE_BYPASS: one hooked symbol's real definition (docs/REPORT_FORMAT.md, "bypass").
struct BypassCounts {
  std::string definition;  // the object holding it
  bool patched = false;
  std::string refused;     // why not patched ("" when patched or counted under same_as)
  std::string same_as;     // another hooked name of the same definition, which counts both
  std::uint64_t through = 0;
  std::map<std::string, std::uint64_t> bypassed;  // calling object -> calls
};

struct ProbeReport {
  int schema = 0;
  std::string version;
  long pid = 0;
  nlohmann::json settings;
  // symbol -> calling object (full path as the loader names it) -> calls
  std::map<std::string, std::map<std::string, std::uint64_t>> calls;
  std::map<std::string, BypassCounts> bypass;  // by symbol; empty without PROBE_BYPASS
  nlohmann::json raw;

  // Calls of `symbol` from objects whose file name (last path component) is `object_name`.
  std::uint64_t calls_from(const std::string& symbol, const std::string& object_name) const;
  std::uint64_t total(const std::string& symbol) const;
  // Bypassed calls of `symbol` from objects named `object_name` (0 without a record).
  std::uint64_t bypassed_from(const std::string& symbol, const std::string& object_name) const;
};

// nullopt and a one-line reason in `error` if `text` is not a report this version understands.
std::optional<ProbeReport> parse_probe_report(const std::string& text, std::string* error);

std::string file_name_of(const std::string& path);

// Is `object` (a calling object's path as the loader named it in a report) the library file
// `library`? The same file by device and inode where the path can be resolved, else the same file
// name or SONAME. Used by `interprobe check` and `interprobe run --shim-for`.
bool is_library(const std::string& object, const std::string& library, const std::string& soname);

}  // namespace interprobe
