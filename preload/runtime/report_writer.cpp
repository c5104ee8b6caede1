// report_writer.cpp — see report_writer.hpp.
#include "report_writer.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "../core/report_file.hpp"
#include "process_state.hpp"

#ifndef INTERPROBE_VERSION
#define INTERPROBE_VERSION "unknown"
#endif

namespace probe {

namespace {
std::atomic<bool> g_reported{false};  // the report at exit was written (or is being written)
}  // namespace

bool claim_exit_report() { return !g_reported.exchange(true); }
bool exit_report_claimed() { return g_reported.load(std::memory_order_relaxed); }
void report_after_fork_child() { g_reported.store(false, std::memory_order_relaxed); }

void write_report(const ObjectMap& map, const std::string& path_template, std::string_view trigger,
                  std::uint64_t requests, const FillReport& fill) {
  ProcessState& p = g_process;
  ReportData d;
  d.pid = static_cast<long>(getpid());
  ReportTarget t = open_report(path_template, d.pid, p.module_name);
  if (t.kind == ReportTarget::Kind::discard) return;
  d.version = INTERPROBE_VERSION;
  d.trigger = trigger;
  d.report_requests = requests;
  d.process = ProcessIdentity{d.pid, static_cast<long>(getppid()),
                              program_invocation_name != nullptr ? program_invocation_name : "",
                              p.main_path};
  d.settings = &p.settings;
  for (std::size_t i = 0; i < map.object_count(); ++i)
    d.objects.emplace_back(map.object_name(static_cast<ObjectId>(i)));
  fill(d);
  p.notices.for_each([&](std::string_view line) { d.notices.emplace_back(line); });
  if (p.notices.dropped() != 0)
    d.notices.push_back(fmt::format("interprobe: {} more notices dropped", p.notices.dropped()));
  if (!t.message.empty()) d.notices.push_back(t.message);
  deliver(t, render(d), p.original_stderr);
}

}  // namespace probe
