// loader_log.cpp — see loader_log.hpp.
#include "loader_log.hpp"

#include <fstream>
#include <regex>
#include <sstream>

namespace interprobe {

namespace fs = std::filesystem;

bool add_loader_log(Env& env, const fs::path& log_dir) {
  if (env.count("LD_DEBUG") != 0 || env.count("LD_DEBUG_OUTPUT") != 0) return false;
  env["LD_DEBUG"] = "files";
  env["LD_DEBUG_OUTPUT"] = (log_dir / "log").string();
  return true;
}

LoaderLog read_loader_log(const fs::path& log_dir) {
  static const std::regex init(R"(calling (?:init|fini): (\S.*?)(?: \[\d+\])?$)");
  static const std::regex link_map(R"(file=(\S+) \[\d+\];  generating link map)");
  LoaderLog log;
  std::error_code ec;
  for (auto& entry : fs::directory_iterator(log_dir, ec)) {
    std::ifstream in(entry.path(), std::ios::binary);
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (std::regex_search(line, m, init))
        log.paths.insert(m[1]);
      else if (std::regex_search(line, m, link_map))
        log.names.insert(m[1]);
    }
  }
  return log;
}

bool loaded_library(const LoaderLog& log, const fs::path& library, const std::string& soname,
                    std::vector<std::string>& others) {
  auto same_name = [&](const std::string& o) {
    const std::string n = fs::path(o).filename().string();
    return n == library.filename().string() || (!soname.empty() && n == soname);
  };
  bool by_path = false;
  for (const std::string& p : log.paths) {
    std::error_code ec;
    if (fs::exists(p, ec) && fs::equivalent(p, library, ec))
      by_path = true;
    else if (same_name(p))
      others.push_back(p);
  }
  if (by_path || !others.empty()) return by_path;
  for (const std::string& n : log.names)
    if (same_name(n)) return true;
  return false;
}

}  // namespace interprobe
