// preload_env.cpp — see preload_env.hpp.
#include "preload_env.hpp"

#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "elf_image.hpp"

namespace interprobe {

namespace fs = std::filesystem;

void prepend_preload(Env& env, const std::string& path) {
  auto old = env.find("LD_PRELOAD");
  if (old != env.end() && !old->second.empty())
    env["LD_PRELOAD"] = path + ":" + old->second;
  else
    env["LD_PRELOAD"] = path;
}

Env probe_environment(const Env& base, const ProbeSettings& s) {
  Env env = base;
  prepend_preload(env, s.probe);
  if (s.format) env["PROBE_FORMAT"] = *s.format;
  if (s.backtrace) env["PROBE_BACKTRACE"] = std::to_string(*s.backtrace);
  if (s.time_offset) env["PROBE_TIME_OFFSET"] = std::to_string(*s.time_offset);
  if (s.bypass) env["PROBE_BYPASS"] = "1";
  if (!s.report_dir.empty())
    env["PROBE_REPORT"] = (fs::path(s.report_dir) / "report.%p.%m").string();
  else if (!s.report_file.empty())
    env["PROBE_REPORT"] = s.report_file;
  if (s.report_as) env["PROBE_REPORT_AS"] = *s.report_as;
  return env;
}

Env shim_environment(const Env& base, const std::string& shim, const std::string& report_dir) {
  Env env = base;
  prepend_preload(env, shim);
  env["PROBE_SHIM_FORMAT"] = "json";
  env["PROBE_SHIM_REPORT"] = (fs::path(report_dir) / "report.%p.%m").string();
  return env;
}

std::string preload_path_problem(const std::string& path) {
  if (path.empty()) return "the path is empty";
  if (path.front() != '/') return "the path is not absolute";
  if (access(path.c_str(), R_OK) != 0)
    return fmt::format("cannot read it ({})", std::strerror(errno));
  // The scanner's reader and its one rule of what a shared library is (tools/scan/elf_image.hpp).
  try {
    const scan::ElfImage image = scan::ElfImage::open_file(path);
    const scan::ElfInfo info = scan::read_elf(image);
    scan::require_shared_library(image);
    if (info.machine != scan::host_machine())
      return fmt::format("it is a {} library; this machine runs {}",
                         scan::machine_name(info.machine),
                         scan::machine_name(scan::host_machine()));
  } catch (const scan::ScanError& e) {
    return e.what();
  }
  return "";
}

bool preload_entry_ok(const std::string& path) {
  return !path.empty() && path.front() == '/' && path.find_first_of(" :") == std::string::npos;
}

std::string PreloadStage::entry(const std::string& path, std::string* problem) {
  if (std::string p = preload_path_problem(path); !p.empty()) {
    *problem = p;
    return "";
  }
  if (preload_entry_ok(path)) return path;
  if (dir_.empty()) {
    std::vector<fs::path> parents;
    if (const char* tmp = std::getenv("TMPDIR"); tmp != nullptr && *tmp == '/')
      parents.push_back(tmp);
    for (const char* d : {"/tmp", "/var/tmp", "/dev/shm"}) parents.push_back(d);
    for (const fs::path& parent : parents) {
      if (!preload_entry_ok(parent.string())) continue;
      dir_ = PrivateDir(parent);
      if (!dir_.empty()) break;
    }
    if (dir_.empty()) {
      *problem =
          "its path contains a space or ':', which LD_PRELOAD cannot carry, and no "
          "directory for a link to it could be made in $TMPDIR, /tmp, /var/tmp or /dev/shm";
      return "";
    }
  }
  const fs::path link = dir_.path() / fs::path(path).filename();
  std::error_code ec;
  fs::create_symlink(path, link, ec);
  if (ec) {
    *problem = fmt::format(
        "its path contains a space or ':', which LD_PRELOAD cannot carry, and "
        "the link '{}' to it could not be made: {}",
        link.string(), ec.message());
    return "";
  }
  return link.string();
}

}  // namespace interprobe
