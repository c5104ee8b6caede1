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

#include "exec.hpp"
#include "probe_report.hpp"

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

struct Matrix {
  std::string about;
  std::vector<PathSpec> paths;
  std::vector<VariantSpec> variants;
  const PathSpec& path(const std::string& name) const;
  const VariantSpec& variant(const std::string& name) const;
};

// Reads and checks victim/matrix.json: every variant has an expectation for every path.
// Throws std::runtime_error with a one-line reason.
Matrix load_matrix(const std::string& file);

// Where the built pieces are.
struct Artifacts {
  std::string probe;         // libprobe.so
  std::string app;           // victim_app
  std::string variants_dir;  // one sub-directory per variant, each with libvictim.so.1
  std::string matrix;        // victim/matrix.json
  // Runs an app of another architecture, e.g. {"qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"};
  // empty for the machine's own. The loader's variables go to the app only (qemu's -E), never to
  // the emulator, which is a program of this machine.
  std::vector<std::string> launcher = {};
  static Artifacts from_build_tree();  // the paths this build was configured with
  // The build tree's cross-built pieces for `arch` ("aarch64": cmake/InterprobeCross.cmake), run
  // under qemu-user; the app is empty if they were not built. Throws std::invalid_argument for an
  // architecture the build knows nothing of.
  static Artifacts for_arch(const std::string& arch);
  // An installed interprobe (libprobe.so found relative to the running executable, per
  // GNUInstallDirs) gets the installed probe and no victim pieces (they are not installed);
  // otherwise from_build_tree(). In locate.cpp.
  static Artifacts locate();
};

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

bool variant_built(const Artifacts& a, const VariantSpec& v);

}  // namespace interprobe
