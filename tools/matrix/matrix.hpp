// matrix.hpp — the truth table (victim/matrix.json) and how one cell of it is observed.
//
// A cell is (variant, path). Observing it runs victim_app PATH against the variant twice: a
// control run without the probe and a run with LD_PRELOAD=libprobe.so. The verdict combines two
// independent witnesses: did the probe count a call of the path's target from the expected
// caller, and did the app's visible result change (the probe's overrides return values the real
// functions never do, and shift the clock by kTimeOffset)?
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "artifacts.hpp"
#include "probe_report.hpp"
#include "exec.hpp"

namespace interprobe {

enum class Verdict { interposed, bypassed, ran_unused, inconsistent };
std::string to_string(Verdict v);
// Throws std::invalid_argument naming `text` if it is not a verdict name.
Verdict verdict_from_string(const std::string& text);

enum class Observe { value, count, time };

struct PathSpec {
  std::string name;
  std::vector<std::string> symbols;  // hooked targets; empty for data (value only)
  std::string caller;                // "app" or "lib"
  Observe observe = Observe::value;
  std::string about;
};

struct VariantSpec {
  std::string name, compiler, cflags, ldflags, about;
  std::map<std::string, Verdict> expect;  // by path name
  std::map<std::string, std::string> why;  // by path name, for surprising cells
};

// The table's notes on an architecture other than the build machine's (its "architectures"
// object): how the table is run there, the variants not built for it (CMake reads the same
// names) and why, and what is said of the variants built only for it.
struct ArchNotes {
  std::string run, others;
  std::map<std::string, std::string> not_built;  // variant -> why
};

struct Matrix {
  std::string about;
  std::vector<PathSpec> paths;
  std::vector<VariantSpec> variants;
  std::map<std::string, ArchNotes> architectures;  // by architecture name ("aarch64")
  const PathSpec& path(const std::string& name) const;
  const VariantSpec& variant(const std::string& name) const;
};

// Reads and checks victim/matrix.json: every variant has an expectation for every path.
// Throws std::runtime_error with a one-line reason.
Matrix load_matrix(const std::string& file);

inline constexpr long kTimeOffset = 1'000'000'000;  // seconds: ~31.7 years, unmistakable
inline constexpr const char* kLibraryName = "libvictim.so.1";

// Pure classification, unit-tested: `ran` = the probe counted the call from the expected caller,
// `changed` = the visible result differs from the control run as the override would make it.
Verdict classify(Observe how, bool ran, bool changed);

struct Observation {
  Verdict verdict = Verdict::inconsistent;
  std::map<std::string, std::uint64_t> calls;  // per target symbol, from the expected caller
  // With `bypass` (PROBE_BYPASS=1): per target symbol, calls from the expected caller that reached
  // its real definition without the override; absent where the entry was not patched (why: in
  // bypass_refused).
  std::map<std::string, std::uint64_t> bypassed;
  std::map<std::string, std::string> bypass_refused;
  std::string caller_object;                   // file name the calls were expected from
  long control_value = 0, probed_value = 0;
  ExecResult control, probed;
  std::string problem;  // non-empty if the cell could not be observed (and why)
};

Observation observe(const Artifacts& a, const VariantSpec& v, const PathSpec& p,
                    bool bypass = false);

// How victim_app `path` ends with the library of the variant directory `variant` and no probe
// ("exit 0", "signal 4"): the document's word on variants built but not in the table.
std::string try_variant(const Artifacts& a, const std::string& variant, const std::string& path);

bool variant_built(const Artifacts& a, const VariantSpec& v);

}  // namespace interprobe
