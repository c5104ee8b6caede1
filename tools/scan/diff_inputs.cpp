// diff_inputs.cpp — the libraries of two inputs paired by SONAME and compared (diff_inputs.hpp).
#include "diff_inputs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace interprobe::scan {

std::size_t InputDiff::lost() const {
  std::size_t n = 0;
  for (auto& p : pairs) n += p.diff.lost.size();
  return n;
}

std::size_t InputDiff::waived() const {
  std::size_t n = 0;
  for (auto& p : pairs) n += p.diff.waived.size();
  return n;
}

namespace {

// What a library is paired by: its SONAME, else its file name (a plug-in, a Python module).
std::string key_of(const LibraryReport& lib) {
  if (!lib.facts.soname.empty()) return lib.facts.soname;
  return std::filesystem::path(lib.member.empty() ? lib.file : lib.member).filename().string();
}

std::string where(const LibraryReport& lib) { return lib.member.empty() ? lib.file : lib.member; }

// The pair, or an error line when the two share no exported name: an empty comparison must not
// pass for "nothing lost".
void compare(InputDiff& d, const std::string& key, const LibraryReport& a, const LibraryReport& b,
             std::vector<std::string>& errors) {
  std::set<std::string> old_names;
  for (auto& s : a.symbols) old_names.insert(s.name);
  if (std::none_of(b.symbols.begin(), b.symbols.end(),
                   [&](const SymbolReport& s) { return old_names.count(s.name) != 0; })) {
    errors.push_back(fmt::format(
        "{} and {} export no symbol of the same name: not two builds of one library, nothing to "
        "compare",
        a.path, b.path));
    return;
  }
  d.pairs.push_back({key, &a, &b, diff_libraries(a, b)});
}

}  // namespace

InputDiff diff_inputs(const DiffSide& old_side, const DiffSide& new_side,
                      std::vector<std::string>& warnings, std::vector<std::string>& errors) {
  InputDiff d;
  d.old_side = &old_side;
  d.new_side = &new_side;
  const auto& olds = old_side.libraries;
  const auto& news = new_side.libraries;
  if (olds.size() == 1 && news.size() == 1) {
    const LibraryReport &a = olds[0], &b = news[0];
    // Two builds of one library share a SONAME (or both have none). Another SONAME is a new
    // major version (libfoo.so.1 -> .so.2: compared anyway, with a warning) or another library.
    if (a.facts.soname != b.facts.soname)
      warnings.push_back(fmt::format(
          "the SONAMEs differ ({} has '{}', {} has '{}'): comparing the symbols they share by "
          "name",
          a.path, a.facts.soname, b.path, b.facts.soname));
    compare(d, key_of(b), a, b, errors);
    return d;
  }
  std::map<std::string, std::vector<const LibraryReport*>> old_by, new_by;
  for (auto& l : olds) old_by[key_of(l)].push_back(&l);
  for (auto& l : news) new_by[key_of(l)].push_back(&l);
  std::set<const LibraryReport*> paired;
  for (auto& [key, os] : old_by) {
    auto it = new_by.find(key);
    if (it == new_by.end()) continue;
    const auto& ns = it->second;
    if (os.size() == 1 && ns.size() == 1) {
      compare(d, key, *os[0], *ns[0], errors);
      paired.insert({os[0], ns[0]});
      continue;
    }
    for (const LibraryReport* o : os)  // several of one SONAME: by installed path
      for (const LibraryReport* n : ns)
        if (where(*o) == where(*n)) {
          compare(d, key, *o, *n, errors);
          paired.insert({o, n});
        }
  }
  for (auto& l : olds)
    if (paired.count(&l) == 0) d.only_old.push_back(&l);
  for (auto& l : news)
    if (paired.count(&l) == 0) d.only_new.push_back(&l);
  if (d.pairs.empty() && errors.empty())
    errors.push_back(fmt::format("{} and {} have no library of the same SONAME: nothing to compare",
                                 old_side.path, new_side.path));
  return d;
}

}  // namespace interprobe::scan
