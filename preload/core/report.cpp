// report.cpp — the one renderer (report.hpp): libprobe.so's and every shim's report, text or JSON,
// from one ReportData. The JSON envelope is the same for both (docs/REPORT_FORMAT.md); a shim adds
// its "shim" object, and its text report names the library and counts the silent symbols (a shim
// may have 1,500) where libprobe's lists them.
#include "report.hpp"

#include <fmt/format.h>

#include <iterator>

#include "report_bypass.hpp"

namespace probe {

namespace {

const char* format_name(Format f) { return f == Format::json ? "json" : "text"; }

// settings.report: what the user asked for (PROBE_REPORT_AS), else PROBE_REPORT.
std::string_view report_shown(const Settings& s) {
  return s.report_as_set ? std::string_view(s.report_as) : std::string_view(s.report_path);
}

std::uint64_t total_of(const SymbolRow& r) {
  std::uint64_t sum = 0;
  for (auto& c : r.callers) sum += c.second;
  return sum;
}

void text_header(fmt::memory_buffer& out, const ReportData& d) {
  auto it = std::back_inserter(out);
  const Settings& s = *d.settings;
  if (d.shim)
    fmt::format_to(it, "== interprobe shim {} for {} — pid {} — format={}", d.version,
                   d.shim->library, d.pid, format_name(s.format));
  else
    fmt::format_to(it, "== interprobe probe {} — pid {} — backtrace={} time_offset={} format={}",
                   d.version, d.pid, s.backtrace, s.time_offset, format_name(s.format));
  if (s.secure) fmt::format_to(it, " secure-execution");
  if (d.trigger != "exit")
    fmt::format_to(it, " — on signal ({} request{})", d.report_requests,
                   d.report_requests == 1 ? "" : "s");
  fmt::format_to(it, "\n== process {}, parent {}: {} (argv[0] {})\n", d.process.pid, d.process.ppid,
                 d.process.exe, d.process.argv0);
  for (const std::string& n : d.notices) fmt::format_to(it, "{}\n", n);
}

}  // namespace

std::string render_text(const ReportData& d) {
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  text_header(out, d);
  fmt::format_to(it, "{:<24} {:>12}  {}\n", "symbol", "calls", "calling object");
  std::string uncalled;
  std::size_t uncalled_count = 0;
  for (const SymbolRow& r : d.symbols) {
    if (r.callers.empty()) {
      fmt::format_to(std::back_inserter(uncalled), "{}{}", uncalled.empty() ? "" : " ", r.name);
      ++uncalled_count;
      continue;
    }
    bool first = true;
    for (auto& [obj, n] : r.callers) {
      fmt::format_to(it, "{:<24} {:>12}  {}\n", first ? r.name : "", n,
                     object_name(d.objects, obj));
      first = false;
    }
  }
  if (d.shim) {
    fmt::format_to(it, "not called: {} of {} trampolined symbols\n", uncalled_count,
                   d.symbols.size());
    if (d.shim->dropped != 0)
      fmt::format_to(it, "dropped: {} calls (a count table was full)\n", d.shim->dropped);
  } else if (!uncalled.empty()) {
    fmt::format_to(it, "not called: {}\n", uncalled);
  }
  if (d.settings->bypass) {
    text_bypass_heading(out);
    for (const SymbolRow& r : d.symbols)
      if (r.bypass) text_bypass(out, r.name, *r.bypass, d.objects);
    fmt::format_to(it, "(inlined copies are not calls: they are never seen at run time)\n");
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

namespace {

void json_envelope(fmt::memory_buffer& out, const ReportData& d) {
  auto it = std::back_inserter(out);
  const Settings& s = *d.settings;
  fmt::format_to(it, "{{\"schema\":{},\"tool\":\"interprobe-probe\",\"version\":", kReportSchema);
  json_string(out, d.version);
  fmt::format_to(it, ",\"trigger\":\"{}\",\"report_requests\":{},\"pid\":{},", d.trigger,
                 d.report_requests, d.pid);
  fmt::format_to(it, "\"process\":{{\"pid\":{},\"ppid\":{},\"argv0\":", d.process.pid,
                 d.process.ppid);
  json_string(out, d.process.argv0);
  fmt::format_to(it, ",\"exe\":");
  json_string(out, d.process.exe);
  fmt::format_to(it, "}},\"notices\":[");
  for (std::size_t i = 0; i < d.notices.size(); ++i) {
    if (i != 0) out.push_back(',');
    json_string(out, d.notices[i]);
  }
  fmt::format_to(it,
                 "],\"settings\":{{\"backtrace\":{},\"time_offset\":{},\"format\":\"{}\","
                 "\"report\":",
                 s.backtrace, s.time_offset, format_name(s.format));
  json_string(out, report_shown(s));
  fmt::format_to(it, ",\"secure\":{},\"report_signal\":{},\"bypass\":{}}}", s.secure,
                 s.report_signal, s.bypass);
  if (d.shim) {
    fmt::format_to(it, ",\"shim\":{{\"library\":");
    json_string(out, d.shim->library);
    fmt::format_to(it, ",\"symbols\":{},\"dropped\":{}}}", d.shim->symbols, d.shim->dropped);
  }
}

}  // namespace

std::string render_json(const ReportData& d) {
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  json_envelope(out, d);
  fmt::format_to(it, ",\"symbols\":[");
  bool first_symbol = true;
  for (const SymbolRow& r : d.symbols) {
    fmt::format_to(it, "{}{{\"name\":", first_symbol ? "" : ",");
    first_symbol = false;
    json_string(out, r.name);
    fmt::format_to(it, ",\"family\":\"{}\",\"total\":{},\"callers\":[", r.family, total_of(r));
    bool first = true;
    for (auto& [obj, n] : r.callers) {
      fmt::format_to(it, "{}{{\"object\":", first ? "" : ",");
      json_string(out, object_name(d.objects, obj));
      fmt::format_to(it, ",\"count\":{}}}", n);
      first = false;
    }
    fmt::format_to(it, "]");
    if (r.bypass) json_bypass(out, *r.bypass, d.objects);
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

std::string render(const ReportData& d) {
  return d.settings->format == Format::json ? render_json(d) : render_text(d);
}

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

}  // namespace probe
