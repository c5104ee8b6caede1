// report.cpp — see report.hpp.
#include "report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace probe {

namespace {

std::uint64_t total_of(const Totals& t, std::size_t s) {
  std::uint64_t sum = 0;
  for (std::size_t o = 0; o < kMaxObjects; ++o) sum += t[s][o];
  return sum;
}

std::string_view object_name(const ReportData& d, std::size_t id) {
  return id < d.objects.size() ? std::string_view(d.objects[id]) : std::string_view("[unknown]");
}

// Callers of symbol s, largest count first.
std::vector<std::pair<std::size_t, std::uint64_t>> callers(const Totals& t, std::size_t s) {
  std::vector<std::pair<std::size_t, std::uint64_t>> v;
  for (std::size_t o = 0; o < kMaxObjects; ++o)
    if (t[s][o] != 0) v.emplace_back(o, t[s][o]);
  std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second > b.second; });
  return v;
}

}  // namespace

void json_string(fmt::memory_buffer& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': fmt::format_to(std::back_inserter(out), "\\\""); break;
      case '\\': fmt::format_to(std::back_inserter(out), "\\\\"); break;
      case '\n': fmt::format_to(std::back_inserter(out), "\\n"); break;
      case '\t': fmt::format_to(std::back_inserter(out), "\\t"); break;
      default:
        if (c < 0x20 || c >= 0x7f)  // paths need not be UTF-8: keep the JSON valid ASCII
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        else
          out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

namespace {

const char* format_name(Format f) { return f == Format::json ? "json" : "text"; }

}  // namespace

std::string render_text(const ReportData& d) {
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  const Settings& s = *d.settings;
  fmt::format_to(it, "== interprobe probe {} — pid {} — backtrace={} time_offset={} format={}{}{}\n",
                 d.version, d.pid, s.backtrace, s.time_offset, format_name(s.format),
                 s.secure ? " secure-execution" : "", d.trigger == "exit" ? "" : " — on signal");
  fmt::format_to(it, "{:<24} {:>12}  {}\n", "symbol", "calls", "calling object");
  std::string uncalled;
  for (std::size_t sym = 0; sym < kNumSymbols; ++sym) {
    auto cs = callers(*d.totals, sym);
    if (cs.empty()) {
      fmt::format_to(std::back_inserter(uncalled), "{}{}", uncalled.empty() ? "" : " ",
                     kSymbolNames[sym]);
      continue;
    }
    bool first = true;
    for (auto& [obj, n] : cs) {
      fmt::format_to(it, "{:<24} {:>12}  {}\n", first ? kSymbolNames[sym] : "", n,
                     object_name(d, obj));
      first = false;
    }
  }
  if (!uncalled.empty()) fmt::format_to(it, "not called: {}\n", uncalled);
  for (const StackRecord& r : d.stacks) {
    fmt::format_to(it, "-- {} × {}\n", symbol_name(r.symbol), r.count);
    for (const StackFrame& f : r.frames)
      fmt::format_to(it, "   {:#x} {}+{:#x} ({})\n", f.address,
                     f.function.empty() ? "?" : f.function, f.offset,
                     f.object.empty() ? "?" : f.object);
  }
  if (d.stack_overflow != 0)
    fmt::format_to(it, "-- {} calls from sites beyond the stack table's capacity\n",
                   d.stack_overflow);
  return fmt::to_string(out);
}

std::string render_json(const ReportData& d) {
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  const Settings& s = *d.settings;
  fmt::format_to(it, "{{\"schema\":{},\"tool\":\"interprobe-probe\",\"version\":", kReportSchema);
  json_string(out, d.version);
  fmt::format_to(it, ",\"trigger\":\"{}\"", d.trigger);
  fmt::format_to(it, ",\"pid\":{},\"settings\":{{\"backtrace\":{},\"time_offset\":{},\"format\":\"{}\","
                 "\"report\":", d.pid, s.backtrace, s.time_offset, format_name(s.format));
  json_string(out, s.report_path);
  fmt::format_to(it, ",\"secure\":{},\"report_signal\":{}}},\"symbols\":[", s.secure,
                 s.report_signal);
  for (std::size_t sym = 0; sym < kNumSymbols; ++sym) {
    fmt::format_to(it, "{}{{\"name\":\"{}\",\"family\":\"{}\",\"total\":{},\"callers\":[",
                   sym == 0 ? "" : ",", kSymbolNames[sym], kSymbolFamilies[sym],
                   total_of(*d.totals, sym));
    bool first = true;
    for (auto& [obj, n] : callers(*d.totals, sym)) {
      fmt::format_to(it, "{}{{\"object\":", first ? "" : ",");
      json_string(out, object_name(d, obj));
      fmt::format_to(it, ",\"count\":{}}}", n);
      first = false;
    }
    fmt::format_to(it, "]}}");
  }
  fmt::format_to(it, "],\"stacks\":[");
  bool first_stack = true;
  for (const StackRecord& r : d.stacks) {
    fmt::format_to(it, "{}{{\"symbol\":\"{}\",\"count\":{},\"frames\":[", first_stack ? "" : ",",
                   symbol_name(r.symbol), r.count);
    first_stack = false;
    bool first = true;
    for (const StackFrame& f : r.frames) {
      fmt::format_to(it, "{}{{\"address\":\"{:#x}\",\"object\":", first ? "" : ",", f.address);
      json_string(out, f.object);
      fmt::format_to(it, ",\"function\":");
      json_string(out, f.function);
      fmt::format_to(it, ",\"offset\":{}}}", f.offset);
      first = false;
    }
    fmt::format_to(it, "]}}");
  }
  fmt::format_to(it, "],\"stack_overflow\":{}}}\n", d.stack_overflow);
  return fmt::to_string(out);
}

}  // namespace probe
