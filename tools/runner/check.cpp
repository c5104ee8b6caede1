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
#include <optional>

#include "elf_image.hpp"

namespace interprobe {

std::string to_string(Expectation e) {
  return e == Expectation::interposable ? "interposable" : "bound";
}

std::string to_string(Found f) {
  switch (f) {
    case Found::interposable:
      return "interposable";
    case Found::bound:
      return "bound";
    case Found::mixed:
      return "mixed";
    case Found::none:
      return "no internal references";
  }
  return "?";
}

// "No internal references" satisfies bound: nothing inside the library is left for an override
// to reach (the usual cause is inlining). It does not satisfy interposable: whoever expects that
// wants the library's internal calls to reach an override, and there are none.
bool satisfies(Found f, Expectation e) {
  return e == Expectation::interposable ? f == Found::interposable
                                        : f == Found::bound || f == Found::none;
}

namespace {

// The paragraph a failing check prints: what was expected, what was found, why it matters.
std::string why_it_matters(const CheckRequest& req, const std::string& symbol,
                           const SymbolFinding& found, const std::string& half) {
  const std::string lib = std::filesystem::path(req.library).filename().string();
  if (req.expect == Expectation::interposable) {
    std::string what;
    if (found.found == Found::mixed)
      what = fmt::format(
          "some of {1}'s own references to {0} go through the PLT/GOT and others "
          "are bound inside it, so an override sees only part of {1}'s internal "
          "calls",
          symbol, lib);
    else if (found.found == Found::none)
      what = fmt::format(
          "{1} has no call of {0} left in its code (inlined or folded into its "
          "callers, or never called internally), so no internal call can reach an "
          "override; where {1} uses {0}, it runs its own inlined copy",
          symbol, lib);
    else
      what = fmt::format("{1} binds its own calls of {0} to its own definition", symbol, lib);
    return fmt::format(
        "Expected: calls of {0} made inside {1} can be overridden with LD_PRELOAD (interposable). "
        "Found ({2}): {3}; {4}. An override of {0} (an allocator, a fault injector, a tracer, a "
        "test double) then takes effect for callers outside {1} but silently not for (all of) "
        "{1}'s internal calls, and tools built on it see only part of the calls. Usual causes: "
        "-fno-semantic-interposition (with inlining), -Wl,-Bsymbolic or -Bsymbolic-functions, "
        "protected visibility, a hidden alias; see DRAWBACKS.md.",
        symbol, lib, half, found.evidence, what);
  }
  const std::string what =
      found.found == Found::mixed
          ? fmt::format(
                "some of {1}'s own references to {0} are bound but others still go "
                "through the PLT/GOT and can be overridden: the flags took effect only in "
                "part (typically -fno-semantic-interposition without LTO binds calls made "
                "in the same source file, not calls from other files)",
                symbol, lib)
          : "those calls still go through the PLT and can be overridden: the flags did not take "
            "effect (not passed to this compiler or link step, or the call crosses translation "
            "units without LTO)";
  return fmt::format(
      "Expected: {1} binds its own calls of {0} to its own definition (bound), as its build flags "
      "(-fno-semantic-interposition, -Bsymbolic-functions, ...) are meant to do. Found ({2}): {3}; "
      "{4}, and the speed they were added for is not there. See DRAWBACKS.md.",
      symbol, lib, half, found.evidence, what);
}

// One line per symbol for a half that checked; a failure paragraph for each disagreement.
bool render_half(const CheckRequest& req, const std::string& name, const HalfResult& h,
                 std::vector<std::string>& lines) {
  bool ok = true;
  lines.push_back(fmt::format("{}: {}", name, h.note));
  if (!h.checked) return ok;
  for (auto& s : req.symbols) {
    const SymbolFinding& f = h.findings.at(s);
    const bool agrees = satisfies(f.found, req.expect);
    lines.push_back(fmt::format("  {}: expected {}, found {} — {}: {}", s, to_string(req.expect),
                                to_string(f.found), agrees ? "ok" : "FAILED", f.evidence));
    if (!agrees) {
      lines.push_back("  " + why_it_matters(req, s, f, name));
      ok = false;
    }
  }
  return ok;
}

// Why `name` cannot be checked in this library, or "" if it is an exported function of it.
std::string symbol_problem(const CheckRequest& req, const scan::ElfInfo& info,
                           const std::string& name) {
  bool listed = false, defined = false, function = false;
  for (const scan::DynSymbol& d : info.dynsyms) {
    if (d.name != name) continue;
    if (d.bind != STB_GLOBAL && d.bind != STB_WEAK && d.bind != STB_GNU_UNIQUE) continue;
    if (d.visibility != STV_DEFAULT && d.visibility != STV_PROTECTED) continue;
    listed = true;
    // A versioned library may list a name more than once; any definition counts.
    if (d.shndx == SHN_UNDEF) continue;
    defined = true;
    function = function || d.type == STT_FUNC || d.type == STT_GNU_IFUNC;
  }
  if (!listed)
    return fmt::format(
        "'{}' is not in the dynamic symbol table of {}: it is not exported "
        "(misspelt, static, or hidden visibility)",
        name, req.library);
  if (!defined)
    return fmt::format(
        "{} does not define '{}', it only uses it (the check is about symbols a "
        "library defines and calls itself)",
        req.library, name);
  if (!function)
    return fmt::format("'{}' in {} is not a function; only calls can be checked", name,
                       req.library);
  return "";
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
  // The scanner's reader (tools/scan/elf_image): libelf, every table checked against the file
  // size. The static half scans this same image.
  std::optional<scan::ElfImage> image;
  scan::ElfInfo info;
  try {
    image.emplace(scan::ElfImage::open_file(req.library));
    info = scan::read_elf(*image);
  } catch (const scan::ScanError& e) {
    out.error = fmt::format("library '{}': {}", req.library, e.what());
    return out;
  }
  if (info.pie) {
    out.error =
        fmt::format("library '{}' is an executable (PIE), not a shared library", req.library);
    return out;
  }
  for (auto& s : req.symbols)
    if (std::string problem = symbol_problem(req, info, s); !problem.empty()) {
      out.error = problem;
      return out;
    }

  std::string error;
  HalfResult st;
  if (req.runtime_only) {
    st.note = "not checked: --runtime-only";
  } else {
    st = check_static(req, *image, &error);
    if (!error.empty()) {
      out.error = error;
      return out;
    }
  }
  HalfResult rt;
  if (!req.command.empty()) {
    rt = check_runtime(req, info.soname, &error);
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
    // Only --runtime-only without RUN gets here: a "not checked" is never a pass.
    out.error = fmt::format("nothing was checked: static: {}; runtime: {}", st.note, rt.note);
    return out;
  }
  out.status = ok ? 0 : 1;
  out.lines.push_back(ok ? "result: ok" : "result: FAILED");
  return out;
}

}  // namespace interprobe
