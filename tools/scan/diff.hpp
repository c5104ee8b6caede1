// diff.hpp — `interprobe diff OLD.so NEW.so`: what LD_PRELOAD users lose (or gain) if NEW ships,
// site by site and caller by caller (docs/SCAN.md, "diff").
//
// Symbols are matched by name (the versions of one name summed), callers by their normalised
// name (callers.hpp). For each symbol and caller the sites of each kind are compared: a caller
// whose PLT/GOT sites decrease while its direct calls, clone calls, inlined copies or address uses
// increase *moved* those sites from interposable to bound. A symbol is **lost** when at least one
// caller moved (fully: NEW has no interposable site left; partially: some remain) — also when
// its total stays equal (a call inlined here, a new PLT call there). Sites gone from a caller
// with no bound site in their place are *vanished*, unless NEW's DWARF marks the function inlined
// in that caller's compile unit (inlined, the copy folded away or left without a record:
// *unrecorded*, which is a move too). A
// symbol whose interposable sites only vanished is listed apart, not as lost. **Gained** is the
// same the other way round. Symbols exported by only one of the two are listed apart.
#pragma once

#include <array>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scanner.hpp"

namespace interprobe::scan {

// The kinds of site diff compares, in this order (the JSON keys of docs/SCAN.md).
enum class DiffKind : std::uint8_t {
  plt_got,       // code sites through the PLT/GOT: an override takes them
  absolute,      // data words relocated against the symbol: an override takes them
  direct,        // direct call/jump sites
  clone,         // call/jump sites of a local clone (f.constprop.0, ...)
  inlined,       // inlined copies (DWARF), not counting the function's own body
  address,       // other address uses: lea/mov, RELATIVE words, locally bound GOT slots
  linker_bound,  // PLT/GOT sites and absolute words that DT_SYMBOLIC or protected visibility bind
};
constexpr std::size_t kDiffKinds = 7;
const char* to_string(DiffKind k);
using KindCounts = std::array<std::size_t, kDiffKinds>;
std::size_t interposable(const KindCounts& c);  // plt_got + absolute
std::size_t bound(const KindCounts& c);         // the other kinds

// Where interposable sites went between the builds, for one caller or summed over a symbol's.
struct Moves {
  KindCounts moved{};          // interposable sites of OLD now bound, by the bound kind
  std::size_t unrecorded = 0;  // interposable sites gone, the function marked inlined in the
                               // caller's compile unit: inlined, no DWARF record left
  std::size_t vanished = 0;    // interposable sites gone without a trace
  KindCounts moved_back{};     // bound sites of OLD now interposable, by the bound kind
  std::size_t appeared = 0;    // new interposable sites with no bound site gone
  // Of moved (moved_back): the sites found in another function's code, which this caller was
  // inlined into or had inlined before (diff_inlining.cpp).
  std::size_t moved_elsewhere = 0, moved_back_elsewhere = 0;
  void add(const Moves& m);
  std::size_t moved_total() const;       // Σ moved + unrecorded
  std::size_t moved_back_total() const;  // Σ moved_back
};

// One caller's sites of one symbol in both builds, and what moved.
struct CallerChange : Moves {
  std::string caller;  // "" = code no symbol holds (docs/SCAN.md, "Callers")
  KindCounts old_sites{}, new_sites{};
};

enum class ChangeClass : std::uint8_t {
  lost,      // some caller moved interposable sites to bound ones
  gained,    // some caller moved bound sites to interposable ones (and none the other way)
  vanished,  // interposable sites decreased, none moved
  other,     // sites changed, none moved and none interposable vanished
};
const char* to_string(ChangeClass c);

struct SymbolChange : Moves {  // Moves: the sums over its callers
  std::string name;
  ChangeClass cls = ChangeClass::other;
  bool fully = false;  // lost: NEW has no interposable site left
  SymVerdict old_verdict = SymVerdict::none, new_verdict = SymVerdict::none;
  KindCounts old_sites{}, new_sites{};
  KindCounts old_self{}, new_self{};  // its own recursion: compared with nothing (scanner.hpp)
  bool also_gained = false;           // lost, and some other caller moved back
  std::vector<CallerChange> callers;  // those whose counts changed, by name
};

struct LibraryDiff {
  std::vector<SymbolChange> lost, gained, vanished, other;
  std::vector<std::string> removed, added;         // exported by only one side
  std::vector<std::string> fact_changes;           // "DT_SYMBOLIC: no -> yes", ...
  bool old_dwarf = false, new_dwarf = false;       // inlined copies counted (else: unknown)
  std::string old_callers_from, new_callers_from;  // LibraryFacts::callers_from
};

LibraryDiff diff_libraries(const LibraryReport& old_lib, const LibraryReport& new_lib);

// diff_render.cpp. Text for a terminal; JSON (docs/SCAN.md, "diff --json", version 2); Markdown
// for a package's documentation ("what LD_PRELOAD users lose in this release").
std::string render_diff_text(const LibraryDiff& d, const std::string& old_path,
                             const std::string& new_path);
nlohmann::json diff_to_json(const LibraryDiff& d, const std::string& old_path,
                            const std::string& new_path);
// diff_to_json as text, whatever bytes the names hold.
std::string render_diff_json(const LibraryDiff& d, const std::string& old_path,
                             const std::string& new_path);
std::string render_diff_markdown(const LibraryDiff& d, const std::string& old_path,
                                 const std::string& new_path);

}  // namespace interprobe::scan
