// report_render.cpp — render_shim_report (shim_report.hpp): pure, unit-tested, no process state.
#include <fmt/format.h>

#include <iterator>

#include "report.hpp"
#include "shim_report.hpp"

namespace shim {

std::string render_shim_report(const ShimReportData& d) {
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  auto object = [&](std::size_t id) -> std::string_view {
    return id < d.objects.size() ? std::string_view(d.objects[id]) : "[unknown]";
  };
  if (d.format != "json") {
    fmt::format_to(it, "== interprobe shim {} for {} — pid {} — format=text{}\n", d.version,
                   d.library, d.pid, d.secure ? " secure-execution" : "");
    fmt::format_to(it, "== process {}, parent {}: {} (argv[0] {})\n", d.process.pid, d.process.ppid,
                   d.process.exe, d.process.argv0);
    for (const std::string& n : d.notices) fmt::format_to(it, "{}\n", n);
    fmt::format_to(it, "{:<24} {:>12}  {}\n", "symbol", "calls", "calling object");
    std::size_t uncalled = 0;
    for (std::size_t s = 0; s < d.names.size(); ++s) {
      if (d.callers[s].empty()) {
        ++uncalled;
        continue;
      }
      bool first = true;
      for (auto& [obj, n] : d.callers[s]) {
        fmt::format_to(it, "{:<24} {:>12}  {}\n", first ? d.names[s] : "", n, object(obj));
        first = false;
      }
    }
    // A shim may have hundreds of symbols: the text report counts the silent ones, the JSON
    // report lists them all.
    fmt::format_to(it, "not called: {} of {} trampolined symbols\n", uncalled, d.names.size());
    if (d.dropped != 0) fmt::format_to(it, "dropped: {} calls (a count table was full)\n", d.dropped);
    if (d.bypass) {
      probe::text_bypass_heading(out);
      for (std::size_t s = 0; s < d.names.size() && s < d.bypass_facts.size(); ++s)
        if (d.bypass_facts[s]) probe::text_bypass(out, d.names[s], *d.bypass_facts[s], d.objects);
      fmt::format_to(it, "(inlined copies are not calls: they are never seen at run time)\n");
    }
    return fmt::to_string(out);
  }
  fmt::format_to(it, "{{\"schema\":{},\"tool\":\"interprobe-probe\",\"version\":", probe::kReportSchema);
  probe::json_string(out, d.version);
  fmt::format_to(it, ",\"pid\":{},", d.pid);
  probe::json_process(out, d.process);
  out.push_back(',');
  probe::json_notices(out, d.notices);
  fmt::format_to(it,
                 ",\"settings\":{{\"backtrace\":0,\"time_offset\":0,"
                 "\"format\":\"json\",\"report\":");
  probe::json_string(out, d.report_setting);
  fmt::format_to(it, ",\"secure\":{},\"bypass\":{}}},\"shim\":{{\"library\":", d.secure, d.bypass);
  probe::json_string(out, d.library);
  fmt::format_to(it, ",\"symbols\":{},\"dropped\":{}}},\"symbols\":[", d.names.size(), d.dropped);
  for (std::size_t s = 0; s < d.names.size(); ++s) {
    std::uint64_t total = 0;
    for (auto& c : d.callers[s]) total += c.second;
    fmt::format_to(it, "{}{{\"name\":", s == 0 ? "" : ",");
    probe::json_string(out, d.names[s]);
    fmt::format_to(it, ",\"family\":\"shim\",\"total\":{},\"callers\":[", total);
    bool first = true;
    for (auto& [obj, n] : d.callers[s]) {
      fmt::format_to(it, "{}{{\"object\":", first ? "" : ",");
      probe::json_string(out, object(obj));
      fmt::format_to(it, ",\"count\":{}}}", n);
      first = false;
    }
    fmt::format_to(it, "]");
    if (s < d.bypass_facts.size() && d.bypass_facts[s])
      probe::json_bypass(out, *d.bypass_facts[s], d.objects);
    fmt::format_to(it, "}}");
  }
  fmt::format_to(it, "],\"stacks\":[],\"stack_overflow\":0}}\n");
  return fmt::to_string(out);
}

}  // namespace shim
