// check.cpp — see check.hpp: input validation, the two halves, and the verdict with its
// explanation.
#include "check.hpp"

#include <elf.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace interprobe {

std::string to_string(Expectation e) {
  return e == Expectation::interposable ? "interposable" : "bound";
}

namespace {

// The paragraph a failing check prints: what was expected, what was found, why it matters.
std::string why_it_matters(const CheckRequest& req, const std::string& symbol,
                           const SymbolFinding& found, const std::string& half) {
  const std::string lib = std::filesystem::path(req.library).filename().string();
  if (req.expect == Expectation::interposable)
    return fmt::format(
        "Expected: calls of {0} made inside {1} can be overridden with LD_PRELOAD (interposable). "
        "Found ({2}): {3}, so {1} binds its own calls of {0} to its own definition. An override of "
        "{0} (an allocator, a fault injector, a tracer, a test double) then takes effect for "
        "callers outside {1} but silently not for {1}'s internal calls, and tools built on it see "
        "only part of the calls. Usual causes: -fno-semantic-interposition (with inlining), "
        "-Wl,-Bsymbolic or -Bsymbolic-functions, protected visibility, a hidden alias; see "
        "DRAWBACKS.md.",
        symbol, lib, half, found.evidence);
  return fmt::format(
      "Expected: {1} binds its own calls of {0} to its own definition (bound), as its build flags "
      "(-fno-semantic-interposition, -Bsymbolic-functions, ...) are meant to do. Found ({2}): {3}, "
      "so those calls still go through the PLT and can be overridden: the flags did not take "
      "effect (not passed to this compiler or link step, or the call crosses translation units "
      "without LTO), and the speed they were added for is not there. See DRAWBACKS.md.",
      symbol, lib, half, found.evidence);
}

// One line per symbol for a half that checked; a failure paragraph for each disagreement.
bool render_half(const CheckRequest& req, const std::string& name, const HalfResult& h,
                 std::vector<std::string>& lines) {
  bool ok = true;
  lines.push_back(fmt::format("{}: {}", name, h.note));
  if (!h.checked) return ok;
  for (auto& s : req.symbols) {
    const SymbolFinding& f = h.findings.at(s);
    const bool agrees = f.interposable == (req.expect == Expectation::interposable);
    lines.push_back(fmt::format("  {}: expected {}, found {} — {}: {}", s, to_string(req.expect),
                                f.interposable ? "interposable" : "bound", agrees ? "ok" : "FAILED",
                                f.evidence));
    if (!agrees) {
      lines.push_back("  " + why_it_matters(req, s, f, name));
      ok = false;
    }
  }
  return ok;
}

}  // namespace

CheckOutcome run_check(const CheckRequest& req) {
  CheckOutcome out;
  if (req.symbols.empty()) {
    out.error = "no symbols given";
    return out;
  }
  if (access(req.library.c_str(), R_OK) != 0) {
    out.error = fmt::format("library '{}': {}", req.library,
                            errno == ENOENT ? "not found" : std::strerror(errno));
    return out;
  }
  std::string error;
  auto syms = read_dynamic_symbols(req.library, &error);
  if (!syms) {
    out.error = error;
    return out;
  }
  for (auto& s : req.symbols) {
    auto it = syms->symbols.find(s);
    if (it == syms->symbols.end()) {
      out.error = fmt::format(
          "'{}' is not in the dynamic symbol table of {}: it is not exported "
          "(misspelt, static, or hidden visibility)",
          s, req.library);
      return out;
    }
    if (!it->second.defined) {
      out.error = fmt::format(
          "{} does not define '{}', it only uses it (the check is about "
          "symbols a library defines and calls itself)",
          req.library, s);
      return out;
    }
    if (!it->second.function) {
      out.error =
          fmt::format("'{}' in {} is not a function; only calls can be checked", s, req.library);
      return out;
    }
  }

  HalfResult st = check_static(req, *syms, &error);
  if (!error.empty()) {
    out.error = error;
    return out;
  }
  HalfResult rt;
  if (!req.command.empty()) {
    rt = check_runtime(req, *syms, &error);
    if (!error.empty()) {
      out.error = error;
      return out;
    }
  } else {
    rt.note = "not checked: no RUN command given";
  }
  out.lines.push_back(fmt::format("interprobe check: {} — {} expected {}", req.library,
                                  fmt::join(req.symbols, ", "), to_string(req.expect)));
  bool ok = render_half(req, "static", st, out.lines);
  ok = render_half(req, "runtime", rt, out.lines) && ok;
  if (!st.checked && !rt.checked) {
    out.error =
        "nothing was checked: the static check needs interprobe scan (unavailable in this "
        "build) and no RUN command was given";
    return out;
  }
  out.status = ok ? 0 : 1;
  out.lines.push_back(ok ? "result: ok" : "result: FAILED");
  return out;
}

}  // namespace interprobe
