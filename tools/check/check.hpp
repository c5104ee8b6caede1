// check.hpp — `interprobe check`: does an LD_PRELOAD override of the named symbols take effect for
// a library's own (internal) calls, as the packager expects?
//
// Two independent halves, each reporting whether it could check at all:
// - static (check_static.cpp): reads the library file with the scanner (tools/scan): the
//   library's own references to each symbol, through the PLT/GOT or bound (direct calls, address
//   uses, inlined copies, DT_SYMBOLIC, protected). Skipped only with --runtime-only.
// - runtime (check_runtime.cpp): runs the RUN command without and with an override of each
//   symbol and counts the calls that reached the override from the library itself. The override
//   is libprobe.so for the symbols it has (preload/core/symbols.def), and a shim generated for
//   the library's other functions (tools/shim: a trampoline per function that counts and forwards,
//   reporting in the probe's format); --observer chooses one for all.
// The verdict: every half that checked agrees with the expectation → pass (0); any disagrees →
// fail (1); nothing could be checked, or bad input → 2. What agrees: expect interposable ⇐ found
// interposable; expect bound ⇐ found bound or "no internal references" (nothing inside the
// library that an override could reach, e.g. every call inlined); "mixed" agrees with neither.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace interprobe {

namespace scan {
class ElfImage;
}  // namespace scan

enum class Expectation { interposable, bound };
std::string to_string(Expectation e);

// What overrides the symbols in the runtime half: libprobe.so where it can (automatic), or
// always libprobe.so, or always a generated shim.
enum class Observer { automatic, probe, shim };

// Writes a shim that trampolines `symbols` of `library` to `output`. The generator (tools/shim)
// links this library, so the caller passes it in. Throws std::exception with a one-line reason.
using ShimBuilder =
    std::function<void(const std::string& library, const std::vector<std::string>& symbols,
                       const std::string& output)>;

struct CheckRequest {
  std::string library;               // path to the shared library (its build output)
  std::vector<std::string> symbols;  // functions the library defines and calls itself
  Expectation expect = Expectation::interposable;
  std::vector<std::string> command;  // RUN; empty = static half only
  bool runtime_only = false;         // skip the static half (--runtime-only)
  std::string probe;                 // libprobe.so
  Observer observer = Observer::automatic;
  ShimBuilder build_shim;  // needed for symbols observed through a shim
  int timeout_seconds = 300;
};

// What a half found for one symbol. Only the static half finds `none` (no reference left in the
// file); only the runtime half finds `never_called` (with bypass counts: no call from the library
// reached the override or the definition), and without bypass counts it finds only interposable
// or bound.
enum class Found { interposable, bound, mixed, none, never_called };
// "interposable", "bound", "mixed", "no internal references", "never called"
std::string to_string(Found f);
// "interposable", "bound", "mixed", "none", "never_called" (JSON)
std::string to_key(Found f);
bool satisfies(Found f, Expectation e);

// What the evidence shows behind a finding, so that the explanation of a failure names what the
// half saw and not a guess (`interprobe check --symbols gzerror` on zlib must not blame
// -fno-semantic-interposition for a function zlib never calls):
// - references: the file's own references (or the run's calls) decided it;
// - no_caller_seen: no reference to it, and nothing in the library binds its own calls (its
//   internal references to exported functions all go through the PLT/GOT, no DT_SYMBOLIC, no
//   .localalias, no protected symbol): most likely the library never calls it;
// - no_trace: no reference to it, and the rest of the library does not settle it (it binds
//   other calls, or has no internal references at all): inlined, or never called. DWARF does not
//   settle it either: an inlined call that was also constant-folded leaves no DWARF record;
// - not_observed: at run time no call from the library reached the override: bound, or RUN
//   never made one.
enum class Cause { references, no_caller_seen, no_trace, not_observed };
std::string to_key(Cause c);  // "references", "no_caller_seen", ... (JSON)

struct SymbolFinding {
  Found found = Found::none;
  std::string evidence;  // "3 calls from libfoo.so reached the override (2 from app)"
  Cause cause = Cause::references;
  std::string library_wide;  // for no_caller_seen / no_trace: the rest of the library, in words
  nlohmann::json counts = nlohmann::json::object();  // the numbers of `evidence`, for --json
};

struct HalfResult {
  bool checked = false;
  std::string note;                               // why not checked, or what was run
  std::map<std::string, SymbolFinding> findings;  // by symbol, if checked
};

struct CheckOutcome {
  int status = 2;                  // 0 pass, 1 expectation not met, 2 bad input / nothing checked
  std::vector<std::string> lines;  // the report, for stdout
  std::string error;               // one line, for stderr, when status is 2
  nlohmann::json json;             // the same as a document (docs/cli/check.md, --json)
};

// Validates the request (library readable, a shared object, defining every symbol), runs both
// halves and renders the verdict. A symbol may be written as `interprobe scan` prints it,
// `name@@VERSION` or `name@VERSION` (the library must define that version of it); blanks around
// a name are dropped, so `--symbols "a, b"` is a and b.
CheckOutcome run_check(const CheckRequest& req);

// One --symbols entry as a bare name and the version it names ("" if none): "crc32_z@@ZLIB_1.2.9"
// -> {"crc32_z", "ZLIB_1.2.9"}; blanks around it dropped.
std::pair<std::string, std::string> split_symbol_version(const std::string& entry);

// The halves; run_check() has already validated req against the library's .dynsym. A half that
// cannot check returns checked=false with the reason in note; a half that meets bad input (the
// scanner rejects the file, RUN cannot start, the library is never loaded) sets `error` and the
// outcome is 2. `soname` is the library's DT_SONAME ("" if none).
HalfResult check_static(const CheckRequest& req, const scan::ElfImage& image, std::string* error);
HalfResult check_runtime(const CheckRequest& req, const std::string& soname, std::string* error);

// True if libprobe.so overrides `symbol` (it is listed in preload/core/symbols.def).
bool probe_overrides(const std::string& symbol);
// "malloc, free, ..." — the list, for error messages.
std::string probe_symbol_list();

}  // namespace interprobe
