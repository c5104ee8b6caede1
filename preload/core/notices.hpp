// notices.hpp — the probe's own messages (a setting that did not parse, a report file that
// already existed, a signal already handled...), kept for the report instead of written to the
// host's stderr.
//
// With a report path given, no probe message may reach the host's stderr: cmake captured
// `uname -m` with its stderr, and a child's "report file already exists" became part of
// CMAKE_SYSTEM_PROCESSOR (issue 11). So every notice goes into the report itself — JSON
// "notices", text lines after the header (docs/REPORT_FORMAT.md) — and, without a path, the
// report is on stderr anyway and its notices with it. Fixed storage and a lock-free add: notices
// are added at start-up, before the heap may be used, and from hooks in any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace probe {

class Notices {
 public:
  static constexpr std::size_t kMax = 16;
  static constexpr std::size_t kLength = 512;

  // Keeps one line (truncated to kLength - 1 bytes); beyond kMax it is only counted.
  void add(std::string_view line) {
    const std::size_t i = claimed_.fetch_add(1, std::memory_order_relaxed);
    if (i >= kMax) return;
    const std::size_t n = line.size() < kLength ? line.size() : kLength - 1;
    std::memcpy(text_[i], line.data(), n);
    text_[i][n] = '\0';
    ready_[i].store(true, std::memory_order_release);
  }

  // The notices added so far, in order (a notice being added right now may be missing).
  template <typename F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < kMax && i < claimed(); ++i)
      if (ready_[i].load(std::memory_order_acquire)) f(std::string_view(text_[i]));
  }
  std::size_t count() const { return claimed() < kMax ? claimed() : kMax; }
  std::size_t dropped() const { return claimed() > kMax ? claimed() - kMax : 0; }
  const char* text(std::size_t i) const { return text_[i]; }

 private:
  std::size_t claimed() const { return claimed_.load(std::memory_order_acquire); }
  char text_[kMax][kLength] = {};
  std::atomic<bool> ready_[kMax] = {};
  std::atomic<std::size_t> claimed_{0};
};

}  // namespace probe
