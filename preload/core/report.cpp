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

std::string_view object_name(const std::vector<std::string>& objects, std::size_t id) {
  return id < objects.size() ? std::string_view(objects[id]) : std::string_view("[unknown]");
}
std::string_view object_name(const ReportData& d, std::size_t id) {
  return object_name(d.objects, id);
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

std::string_view file_name(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool listed(std::size_t sym, bool victim) {
  return victim || family_library(family_of(sym)).empty();
}

// settings.report: what the user asked for (PROBE_REPORT_AS), else PROBE_REPORT.
std::string_view report_shown(const Settings& s) {
  return s.report_as_set ? std::string_view(s.report_as) : std::string_view(s.report_path);
}

}  // namespace

bool lists_victim(const ReportData& d) {
  for (const std::string& o : d.objects)
    for (std::string_view library : kFamilyLibraries)
      if (!library.empty() && file_name(o) == library) return true;
  for (std::size_t sym = 0; sym < kNumSymbols; ++sym)
    if (!family_library(family_of(sym)).empty() && total_of(*d.totals, sym) != 0) return true;
  return false;
}

std::string render_text(const ReportData& d) {
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  const Settings& s = *d.settings;
  const bool victim = lists_victim(d);
  fmt::format_to(it, "== interprobe probe {} — pid {} — backtrace={} time_offset={} format={}{}",
                 d.version, d.pid, s.backtrace, s.time_offset, format_name(s.format),
                 s.secure ? " secure-execution" : "");
  if (d.trigger != "exit")
    fmt::format_to(it, " — on signal ({} request{})", d.report_requests,
                   d.report_requests == 1 ? "" : "s");
  fmt::format_to(it, "\n== process {}, parent {}: {} (argv[0] {})\n", d.process.pid, d.process.ppid,
                 d.process.exe, d.process.argv0);
  for (const std::string& n : d.notices) fmt::format_to(it, "{}\n", n);
  fmt::format_to(it, "{:<24} {:>12}  {}\n", "symbol", "calls", "calling object");
  std::string uncalled;
  for (std::size_t sym = 0; sym < kNumSymbols; ++sym) {
    if (!listed(sym, victim)) continue;
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
  if (s.bypass) {
    text_bypass_heading(out);
    for (const BypassRecord& r : d.bypass)
      if (listed(static_cast<std::size_t>(r.symbol), victim))
        text_bypass(out, symbol_name(r.symbol), r, d.objects);
  }
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

void json_process(fmt::memory_buffer& out, const ProcessIdentity& p) {
  auto it = std::back_inserter(out);
  fmt::format_to(it, "\"process\":{{\"pid\":{},\"ppid\":{},\"argv0\":", p.pid, p.ppid);
  json_string(out, p.argv0);
  fmt::format_to(it, ",\"exe\":");
  json_string(out, p.exe);
  fmt::format_to(it, "}}");
}

void json_notices(fmt::memory_buffer& out, const std::vector<std::string>& notices) {
  fmt::format_to(std::back_inserter(out), "\"notices\":[");
  for (std::size_t i = 0; i < notices.size(); ++i) {
    if (i != 0) out.push_back(',');
    json_string(out, notices[i]);
  }
  out.push_back(']');
}

namespace {

const BypassRecord* bypass_of(const ReportData& d, std::size_t sym) {
  for (const BypassRecord& r : d.bypass)
    if (static_cast<std::size_t>(r.symbol) == sym) return &r;
  return nullptr;
}

}  // namespace

// ,"bypass":{"definition":..,"patched":..,"refused":..,"through":N,"bypassed":N,"callers":[..]}
void json_bypass(fmt::memory_buffer& out, const BypassFacts& r,
                 const std::vector<std::string>& objects) {
  auto it = std::back_inserter(out);
  std::uint64_t bypassed = 0;
  for (auto& [obj, n] : r.callers) bypassed += n;
  fmt::format_to(it, ",\"bypass\":{{\"definition\":");
  json_string(out, r.definition);
  fmt::format_to(it, ",\"patched\":{},\"same_as\":", r.refused.empty() && r.same_as.empty());
  if (r.same_as.empty())
    fmt::format_to(it, "null");
  else
    json_string(out, r.same_as);
  fmt::format_to(it, ",\"refused\":");
  if (r.refused.empty())
    fmt::format_to(it, "null");
  else
    json_string(out, r.refused);
  fmt::format_to(it, ",\"through\":{},\"bypassed\":{},\"callers\":[", r.through, bypassed);
  bool first = true;
  for (auto& [obj, n] : r.callers) {
    fmt::format_to(it, "{}{{\"object\":", first ? "" : ",");
    json_string(out, object_name(objects, obj));
    fmt::format_to(it, ",\"count\":{}}}", n);
    first = false;
  }
  fmt::format_to(it, "]}}");
}

void text_bypass_heading(fmt::memory_buffer& out) {
  fmt::format_to(std::back_inserter(out),
                 "-- PROBE_BYPASS: calls that reached each real definition, through the "
                 "override or bypassing it\n{:<24} {:>12} {:>12}  {}\n",
                 "symbol", "through", "bypassed", "definition");
}

void text_bypass(fmt::memory_buffer& out, std::string_view name, const BypassFacts& r,
                 const std::vector<std::string>& objects) {
  auto it = std::back_inserter(out);
  std::uint64_t bypassed = 0;
  for (auto& [obj, n] : r.callers) bypassed += n;
  if (!r.same_as.empty() || !r.refused.empty()) {
    fmt::format_to(it, "{:<24} {:>12} {:>12}  {}: ", name, "-", "-", r.definition);
    if (!r.same_as.empty())
      fmt::format_to(it, "the same definition as {}, counted there\n", r.same_as);
    else
      fmt::format_to(it, "not patched: {}\n", r.refused);
    return;
  }
  if (r.through == 0 && bypassed == 0) return;
  fmt::format_to(it, "{:<24} {:>12} {:>12}  {}\n", name, r.through, bypassed, r.definition);
  for (auto& [obj, n] : r.callers)
    fmt::format_to(it, "{:<24} {:>12} {:>12}  bypassed from {}\n", "", "", n,
                   object_name(objects, obj));
}

std::string render_json(const ReportData& d) {
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  const Settings& s = *d.settings;
  const bool victim = lists_victim(d);
  fmt::format_to(it, "{{\"schema\":{},\"tool\":\"interprobe-probe\",\"version\":", kReportSchema);
  json_string(out, d.version);
  fmt::format_to(it, ",\"trigger\":\"{}\",\"report_requests\":{},\"pid\":{},", d.trigger,
                 d.report_requests, d.pid);
  json_process(out, d.process);
  out.push_back(',');
  json_notices(out, d.notices);
  fmt::format_to(it,
                 ",\"settings\":{{\"backtrace\":{},\"time_offset\":{},\"format\":\"{}\","
                 "\"report\":",
                 s.backtrace, s.time_offset, format_name(s.format));
  json_string(out, report_shown(s));
  fmt::format_to(it, ",\"secure\":{},\"report_signal\":{},\"bypass\":{}}},\"symbols\":[",
                 s.secure, s.report_signal, s.bypass);
  bool first_symbol = true;
  for (std::size_t sym = 0; sym < kNumSymbols; ++sym) {
    if (!listed(sym, victim)) continue;
    fmt::format_to(it, "{}{{\"name\":\"{}\",\"family\":\"{}\",\"total\":{},\"callers\":[",
                   first_symbol ? "" : ",", kSymbolNames[sym], family_name(family_of(sym)),
                   total_of(*d.totals, sym));
    first_symbol = false;
    bool first = true;
    for (auto& [obj, n] : callers(*d.totals, sym)) {
      fmt::format_to(it, "{}{{\"object\":", first ? "" : ",");
      json_string(out, object_name(d, obj));
      fmt::format_to(it, ",\"count\":{}}}", n);
      first = false;
    }
    fmt::format_to(it, "]");
    if (const BypassRecord* r = bypass_of(d, sym)) json_bypass(out, *r, d.objects);
    fmt::format_to(it, "}}");
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
