// probe_report.cpp — see probe_report.hpp.
#include "probe_report.hpp"

#include <filesystem>

namespace interprobe {

std::string file_name_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool is_library(const std::string& object, const std::string& library, const std::string& soname) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(object, ec)) return fs::equivalent(object, library, ec);
  const std::string name = file_name_of(object);
  return name == file_name_of(library) || (!soname.empty() && name == soname);
}

std::uint64_t ProbeReport::calls_from(const std::string& symbol, const std::string& object) const {
  auto it = calls.find(symbol);
  if (it == calls.end()) return 0;
  std::uint64_t n = 0;
  for (auto& [path, count] : it->second)
    if (file_name_of(path) == object) n += count;
  return n;
}

std::uint64_t ProbeReport::bypassed_from(const std::string& symbol,
                                         const std::string& object) const {
  auto it = bypass.find(symbol);
  std::uint64_t n = 0;
  if (it != bypass.end())
    for (auto& [path, count] : it->second.bypassed)
      if (file_name_of(path) == object) n += count;
  return n;
}

std::uint64_t ProbeReport::total(const std::string& symbol) const {
  auto it = calls.find(symbol);
  std::uint64_t n = 0;
  if (it != calls.end())
    for (auto& [path, count] : it->second) n += count;
  return n;
}

std::optional<ProbeReport> parse_probe_report(const std::string& text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<ProbeReport> {
    if (error != nullptr) *error = std::move(why);
    return std::nullopt;
  };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail("the probe report is not valid JSON");
  if (!j.is_object() || j.value("tool", "") != "interprobe-probe")
    return fail("not an interprobe probe report (no \"tool\": \"interprobe-probe\")");
  ProbeReport r;
  r.schema = j.value("schema", 0);
  if (r.schema != 1) return fail("unsupported probe report schema " + std::to_string(r.schema));
  r.version = j.value("version", "");
  r.pid = j.value("pid", 0L);
  r.settings = j.value("settings", nlohmann::json::object());
  for (const auto& s : j.value("symbols", nlohmann::json::array())) {
    auto& per_object = r.calls[s.value("name", "")];
    for (const auto& c : s.value("callers", nlohmann::json::array()))
      per_object[c.value("object", "")] += c.value("count", std::uint64_t{0});
    if (auto b = s.find("bypass"); b != s.end() && b->is_object()) {
      BypassCounts& out = r.bypass[s.value("name", "")];
      out.definition = b->value("definition", "");
      out.patched = b->value("patched", false);
      if (auto f = b->find("refused"); f != b->end() && f->is_string()) out.refused = *f;
      if (auto f = b->find("same_as"); f != b->end() && f->is_string()) out.same_as = *f;
      out.through = b->value("through", std::uint64_t{0});
      for (const auto& c : b->value("callers", nlohmann::json::array()))
        out.bypassed[c.value("object", "")] += c.value("count", std::uint64_t{0});
    }
  }
  r.raw = std::move(j);
  return r;
}

}  // namespace interprobe
