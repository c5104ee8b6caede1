// waivers.cpp — `diff --accept FILE`: known losses, one symbol or glob a line, waived
// (diff_inputs.hpp). A waiver that matches no lost symbol any more is stale: the package
// regained that interposition, or the symbol is gone, and the line should go before it hides a
// new loss of the same name.
#include <fmt/format.h>
#include <fnmatch.h>

#include <fstream>

#include "diff_inputs.hpp"
#include "elf_image.hpp"
#include "scan_render.hpp"

namespace interprobe::scan {

namespace {

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool matches(const Waiver& w, const std::string& name) {
  if (fnmatch(w.pattern.c_str(), name.c_str(), 0) == 0) return true;
  const std::string d = demangle(name);
  return !d.empty() && fnmatch(w.pattern.c_str(), d.c_str(), 0) == 0;
}

}  // namespace

std::vector<Waiver> read_waivers(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ScanError("cannot open the waiver file");
  std::vector<Waiver> out;
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    Waiver w;
    w.line = n;
    const auto hash = line.find('#');
    if (hash != std::string::npos) {
      w.reason = trimmed(line.substr(hash + 1));
      line.resize(hash);
    }
    w.pattern = trimmed(line);
    if (w.pattern.empty()) continue;  // blank, or a comment line
    if (w.pattern.find_first_of(" \t") != std::string::npos)
      throw ScanError(fmt::format(
          "line {}: '{}' is more than one word: one symbol name or glob a line, then an "
          "optional # reason",
          n, printable(w.pattern)));
    out.push_back(std::move(w));
  }
  if (in.bad()) throw ScanError("cannot read the waiver file");
  return out;
}

void apply_waivers(InputDiff& d, const std::vector<Waiver>& waivers) {
  std::vector<bool> used(waivers.size(), false);
  for (LibraryPair& p : d.pairs) {
    std::vector<SymbolChange> kept;
    for (SymbolChange& c : p.diff.lost) {
      // The first waiver that matches gives the reason; every one that matches is in use.
      const Waiver* first = nullptr;
      for (std::size_t i = 0; i < waivers.size(); ++i)
        if (matches(waivers[i], c.name)) {
          used[i] = true;
          if (first == nullptr) first = &waivers[i];
        }
      if (first == nullptr)
        kept.push_back(std::move(c));
      else
        p.diff.waived.push_back({std::move(c), *first});
    }
    p.diff.lost = std::move(kept);
  }
  for (std::size_t i = 0; i < waivers.size(); ++i)
    if (!used[i]) d.stale.push_back(waivers[i]);
}

}  // namespace interprobe::scan
