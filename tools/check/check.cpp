// check.cpp — see check.hpp: input validation, the two halves, and the verdict with its
// explanation.
#include "check.hpp"

#include <elf.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "elf_image.hpp"
#include "exported.hpp"
#include "text.hpp"

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
    case Found::never_called:
      return "never called";
  }
  return "?";
}

std::string to_key(Found f) {
  switch (f) {
    case Found::none:
      return "none";
    case Found::never_called:
      return "never_called";
    default:
      return to_string(f);
  }
}

std::string to_key(Cause c) {
  switch (c) {
    case Cause::references:
      return "references";
    case Cause::no_caller_seen:
      return "no_caller_seen";
    case Cause::no_trace:
      return "no_trace";
    case Cause::not_observed:
      return "not_observed";
  }
  return "?";
}

std::pair<std::string, std::string> split_symbol_version(const std::string& entry) {
  const auto b = entry.find_first_not_of(" \t\n");
  if (b == std::string::npos) return {"", ""};
  const std::string s = entry.substr(b, entry.find_last_not_of(" \t\n") - b + 1);
  const auto at = s.find('@');
  if (at == std::string::npos) return {s, ""};
  return {s.substr(0, at), s.substr(s.find_first_not_of('@', at))};
}

// "No internal references" satisfies bound: nothing inside the library is left for an override
// to reach (the usual cause is inlining). It does not satisfy interposable: whoever expects that
// wants the library's internal calls to reach an override, and there are none. "Never called"
// (the run's answer when neither the override nor the definition saw a call from the library)
// is read the same way: whatever the library did, no override took it.
bool satisfies(Found f, Expectation e) {
  return e == Expectation::interposable
             ? f == Found::interposable
             : f == Found::bound || f == Found::none || f == Found::never_called;
}

namespace {

// The paragraph a failing check prints: what was expected, what the evidence shows (not the
// evidence again: the line above has it), why it matters.
std::string why_it_matters(const CheckRequest& req, const std::string& symbol,
                           const SymbolFinding& found, const std::string& half) {
  const std::string lib = std::filesystem::path(req.library).filename().string();
  if (req.expect == Expectation::interposable) {
    const std::string expected = fmt::format(
        "Expected: calls of {0} made inside {1} can be overridden with LD_PRELOAD "
        "(interposable).",
        symbol, lib);
    if (found.found == Found::never_called)
      return fmt::format(
          "{2} Found ({3}): in this run no call from {1} reached the override or the definition "
          "of {0}: the command never took a path on which {1} calls {0}, or each such call was "
          "an inlined copy (never a call: the static half counts them from DWARF, and a copy "
          "that was also constant-folded leaves no record). Run a command that makes {1} call "
          "{0}, or read the static half.",
          symbol, lib, expected, half);
    switch (found.cause) {
      case Cause::no_caller_seen:
        // gzerror in Debian's zlib: nothing calls it, and nothing in zlib binds its own calls.
        return fmt::format(
            "{2} Found ({3}): {1} has no call or address use of {0}, and nothing in {1} binds "
            "its own calls ({4}). Most likely {1} never calls {0} itself, and an override of {0} "
            "loses no internal call. (A call inlined where the compiler may inline an exported "
            "function — under -fno-semantic-interposition, or clang's default with -fPIC, in "
            "the same source file — and also constant-folded would leave no trace; a RUN "
            "command that makes the calls rules that out.) Expect bound, which no internal "
            "references satisfies, or check only functions {1} calls itself.",
            symbol, lib, expected, half, found.library_wide);
      case Cause::no_trace:
        return fmt::format(
            "{2} Found ({3}): {1} has no call or address use of {0} left in its code, and the "
            "rest of {1} does not say whether it was inlined or is never called ({4}). An inlined "
            "copy is a call an override silently misses (one that was also constant-folded "
            "leaves no DWARF record). The file cannot tell: add a RUN command that makes the "
            "calls, or check a function {1} calls without inlining it.",
            symbol, lib, expected, half, found.library_wide);
      case Cause::not_observed:
        return fmt::format(
            "{2} Found ({3}): no call from {1} reached the override in this run: {1} binds its "
            "calls of {0} to its own definition (-fno-semantic-interposition, -Bsymbolic-"
            "functions, protected visibility, a hidden alias; see DRAWBACKS.md), or RUN never "
            "made one. The static half, or a RUN command that makes {1} call {0}, tells which.",
            symbol, lib, expected, half);
      case Cause::references:
        break;
    }
    const std::string what =
        found.found == Found::mixed
            ? fmt::format(
                  "some of {1}'s own references to {0} go through the PLT/GOT and others are "
                  "bound inside it, so an override sees only part of {1}'s internal calls",
                  symbol, lib)
            : fmt::format("{1} binds its own calls of {0} to its own definition", symbol, lib);
    return fmt::format(
        "{2} Found ({3}): {4}. An override of {0} (an allocator, a fault injector, a tracer, a "
        "test double) then takes effect for callers outside {1} but silently not for (all of) "
        "{1}'s internal calls, and tools built on it see only part of the calls. Usual causes: "
        "-fno-semantic-interposition (with inlining), -Wl,-Bsymbolic or -Bsymbolic-functions, "
        "protected visibility, a hidden alias; see DRAWBACKS.md.",
        symbol, lib, expected, half, what);
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
      "(-fno-semantic-interposition, -Bsymbolic-functions, ...) are meant to do. Found ({2}): "
      "{3}, and the speed they were added for is not there. See DRAWBACKS.md.",
      symbol, lib, half, what);
}

// One line per symbol for a half that checked, its evidence below it, and for a disagreement
// the paragraph saying what it means; long lines wrapped (text.hpp).
bool render_half(const CheckRequest& req, const std::string& name, const HalfResult& h,
                 std::vector<std::string>& lines, nlohmann::json& json) {
  bool ok = true;
  // The note names files and the command run: one line, as grep finds it. The evidence and the
  // explanations are wrapped; a continuation line is indented by six.
  lines.push_back(fmt::format("{}: {}", name, h.note));
  json = {{"checked", h.checked}, {"note", h.note}, {"symbols", nlohmann::json::object()}};
  if (!h.checked) return ok;
  for (auto& s : req.symbols) {
    const SymbolFinding& f = h.findings.at(s);
    const bool agrees = satisfies(f.found, req.expect);
    lines.push_back(fmt::format("  {}: expected {}, found {} — {}", s, to_string(req.expect),
                                to_string(f.found), agrees ? "ok" : "FAILED"));
    for (auto& l : wrap(f.evidence, "    evidence: ", "      ")) lines.push_back(l);
    nlohmann::json j = {{"found", to_key(f.found)},
                        {"cause", to_key(f.cause)},
                        {"agrees", agrees},
                        {"evidence", f.evidence},
                        {"counts", f.counts}};
    if (!agrees) {
      const std::string why = why_it_matters(req, s, f, name);
      for (auto& l : wrap(why, "    ", "      ")) lines.push_back(l);
      j["explanation"] = why;
      ok = false;
    }
    json["symbols"][s] = std::move(j);
  }
  return ok;
}

// Why `name` cannot be checked in this library, or "" if it is an exported function of it.
std::string symbol_problem(const CheckRequest& req, const scan::ElfInfo& info,
                           const std::string& name, const std::string& version) {
  bool listed = false, defined = false, function = false, version_found = version.empty();
  std::vector<std::string> versions;
  for (const scan::DynSymbol& d : info.dynsyms) {
    if (d.name != name) continue;
    if (!scan::binds_across_objects(d.bind, d.visibility)) continue;
    listed = true;
    // A versioned library may list a name more than once; any definition counts.
    if (d.shndx == SHN_UNDEF) continue;
    defined = true;
    function = function || d.type == STT_FUNC || d.type == STT_GNU_IFUNC;
    if (!d.version.empty()) versions.push_back(d.version);
    version_found = version_found || d.version == version;
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
  if (!version_found)
    return fmt::format("{} defines '{}' {}, not version {}", req.library, name,
                       versions.empty() ? std::string("without a version")
                                        : fmt::format("with version {}", fmt::join(versions, ", ")),
                       version);
  return "";
}

// The outcome as a document, whatever the status (docs/cli/check.md, "JSON").
void finish_json(const CheckRequest& req, CheckOutcome& out) {
  out.json["format"] = "interprobe-check";
  out.json["version"] = 1;
  out.json["library"] = req.library;
  out.json["symbols"] = req.symbols;
  out.json["expect"] = to_string(req.expect);
  out.json["status"] = out.status;
  out.json["result"] = out.status == 0 ? "ok" : out.status == 1 ? "failed" : "error";
  if (!out.error.empty()) out.json["error"] = out.error;
}

CheckOutcome check_normalised(const CheckRequest& req, const std::vector<std::string>& versions);

}  // namespace

CheckOutcome run_check(const CheckRequest& request) {
  // The names as given, as the scanner prints them (name@@VERSION), or with blanks around them.
  CheckRequest req = request;
  req.symbols.clear();
  std::vector<std::string> versions;
  for (const std::string& entry : request.symbols) {
    auto [name, version] = split_symbol_version(entry);
    if (name.empty()) continue;
    if (std::find(req.symbols.begin(), req.symbols.end(), name) != req.symbols.end()) continue;
    req.symbols.push_back(name);
    versions.push_back(version);
  }
  CheckOutcome out = check_normalised(req, versions);
  finish_json(req, out);
  return out;
}

namespace {

CheckOutcome check_normalised(const CheckRequest& req, const std::vector<std::string>& versions) {
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
    scan::require_shared_library(*image);  // the rule scan, shim and run --shim-for share
  } catch (const scan::ScanError& e) {
    out.error = fmt::format("library '{}': {}", req.library, e.what());
    return out;
  }
  for (std::size_t i = 0; i < req.symbols.size(); ++i)
    if (std::string problem = symbol_problem(req, info, req.symbols[i], versions[i]);
        !problem.empty()) {
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
  bool ok = render_half(req, "static", st, out.lines, out.json["static"]);
  ok = render_half(req, "runtime", rt, out.lines, out.json["runtime"]) && ok;
  if (!st.checked && !rt.checked) {
    // Only --runtime-only without RUN gets here: a "not checked" is never a pass.
    out.error = fmt::format("nothing was checked: static: {}; runtime: {}", st.note, rt.note);
    return out;
  }
  out.status = ok ? 0 : 1;
  out.lines.push_back(ok ? "result: ok" : "result: FAILED");
  return out;
}

}  // namespace

}  // namespace interprobe
