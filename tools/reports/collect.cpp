// collect.cpp — see collect.hpp.
#include "collect.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace interprobe {

namespace fs = std::filesystem;

std::vector<CollectedReport> collect_reports(const fs::path& dir, int main_pid) {
  std::vector<CollectedReport> reports;
  std::error_code ec;
  for (auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("report.", 0) != 0) continue;
    char* end = nullptr;
    long pid = std::strtol(name.c_str() + 7, &end, 10);
    if (end == nullptr || end == name.c_str() + 7 || (*end != '\0' && *end != '.') || pid <= 0)
      continue;
    reports.push_back({static_cast<int>(pid), *end == '.' ? std::string(end + 1) : "", entry.path()});
  }
  std::sort(reports.begin(), reports.end(), [main_pid](auto& a, auto& b) {
    if ((a.pid == main_pid) != (b.pid == main_pid)) return a.pid == main_pid;
    if (a.pid != b.pid) return a.pid < b.pid;
    return a.module < b.module;
  });
  return reports;
}

std::vector<ReadReport> read_reports(const fs::path& dir, int main_pid) {
  std::vector<ReadReport> out;
  for (CollectedReport& c : collect_reports(dir, main_pid)) {
    ReadReport r{std::move(c), std::nullopt, ""};
    r.report = parse_probe_report(slurp(r.file.file), &r.error);
    out.push_back(std::move(r));
  }
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace interprobe
