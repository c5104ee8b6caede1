// diff_report.cpp — the whole `interprobe diff` of two inputs as text, JSON (version 3,
// docs/SCAN.md) and Markdown (diff_inputs.hpp): each pair of libraries as diff_render.cpp writes
// it, under the SONAME when the inputs are packages or saved scans, then the libraries left
// unpaired and the stale waivers.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "diff_inputs.hpp"
#include "scan_render.hpp"

namespace interprobe::scan {

namespace {

using nlohmann::json;

// Two library files named: the output is that of the pair alone, as before packages.
bool plain(const InputDiff& d) {
  return d.old_side->kind == InputKind::elf && d.new_side->kind == InputKind::elf &&
         d.pairs.size() == 1;
}

std::string side_text(const DiffSide& s) {
  const std::size_t n = s.libraries.size();
  return fmt::format("{} ({}{}, {} shared librar{})", printable(s.path), describe(s.kind),
                     s.saved_by.empty() ? "" : " by interprobe " + printable(s.saved_by), n,
                     n == 1 ? "y" : "ies");
}

// A library as named in the pair's "OLD ..." line: its path, and for a saved scan what the scan
// was made from.
std::string library_label(const LibraryReport& lib, const DiffSide& side) {
  if (side.kind != InputKind::scan_json) return lib.path;
  return fmt::format("{}: saved scan of {}{}", side.path, lib.path,
                     lib.facts.build_id.empty() ? "" : ", build ID " + lib.facts.build_id);
}

std::size_t fully_lost(const InputDiff& d) {
  std::size_t n = 0;
  for (auto& p : d.pairs)
    n += static_cast<std::size_t>(
        std::count_if(p.diff.lost.begin(), p.diff.lost.end(), [](auto& c) { return c.fully; }));
  return n;
}

std::size_t sum(const InputDiff& d, std::vector<SymbolChange> LibraryDiff::*list) {
  std::size_t n = 0;
  for (auto& p : d.pairs) n += (p.diff.*list).size();
  return n;
}

std::string unpaired_text(const InputDiff& d) {
  std::string out;
  for (auto [which, list] : {std::pair{"OLD", &d.only_old}, std::pair{"NEW", &d.only_new}})
    for (const LibraryReport* l : *list)
      out += fmt::format(
          "\nOnly in {}: {}{}, not compared (no library of its SONAME on the other "
          "side)",
          which, printable(l->path),
          l->facts.soname.empty() ? "" : " (" + printable(l->facts.soname) + ")");
  return out.empty() ? out : out + "\n";
}

std::string stale_text(const InputDiff& d) {
  if (d.stale.empty()) return "";
  std::string out = fmt::format(
      "\nStale waivers in {} (they match no lost symbol: remove them, so that they cannot hide a "
      "new loss of the same name):\n",
      printable(d.accept_file));
  for (const Waiver& w : d.stale)
    out += fmt::format("  line {}: {}{}\n", w.line, printable(w.pattern),
                       w.reason.empty() ? "" : "  # " + printable(w.reason));
  return out;
}

json library_side(const LibraryReport& l) {
  return {{"path", l.path},
          {"file", l.file},
          {"member", l.member.empty() ? json(nullptr) : json(l.member)},
          {"build_id", l.facts.build_id.empty() ? json(nullptr) : json(l.facts.build_id)},
          {"soname", l.facts.soname},
          {"dwarf", l.facts.has_dwarf},
          {"callers_from", l.facts.callers_from}};
}

json unpaired_json(const std::vector<const LibraryReport*>& v) {
  json a = json::array();
  for (const LibraryReport* l : v) a.push_back({{"path", l->path}, {"soname", l->facts.soname}});
  return a;
}

}  // namespace

std::string render_input_diff_text(const InputDiff& d) {
  std::string out;
  if (plain(d)) {
    const LibraryPair& p = d.pairs.front();
    out = render_diff_text(p.diff, p.old_lib->path, p.new_lib->path);
  } else {
    out = fmt::format("OLD {}\nNEW {}\n", side_text(*d.old_side), side_text(*d.new_side));
    for (const LibraryPair& p : d.pairs)
      out += fmt::format("\n== {}\n", printable(p.key)) +
             render_diff_text(p.diff, library_label(*p.old_lib, *d.old_side),
                              library_label(*p.new_lib, *d.new_side));
    out += unpaired_text(d);
    out += fmt::format("\nTotal: {} librar{} compared, {} symbol(s) lost ({} fully), {} waived\n",
                       d.pairs.size(), d.pairs.size() == 1 ? "y" : "ies", d.lost(), fully_lost(d),
                       d.waived());
  }
  return out + stale_text(d);
}

std::string render_input_diff_json(const InputDiff& d) {
  json libraries = json::array();
  for (const LibraryPair& p : d.pairs) {
    json j = diff_to_json(p.diff);
    j["soname"] = p.key;
    j["old"] = library_side(*p.old_lib);
    j["new"] = library_side(*p.new_lib);
    libraries.push_back(std::move(j));
  }
  json stale = json::array();
  for (const Waiver& w : d.stale)
    stale.push_back({{"line", w.line}, {"pattern", w.pattern}, {"reason", w.reason}});
  const auto side = [](const DiffSide& s) {
    return json{{"path", s.path},
                {"kind", to_string(s.kind)},
                {"saved_by", s.saved_by.empty() ? json(nullptr) : json(s.saved_by)},
                {"libraries", s.libraries.size()}};
  };
  const std::size_t fully = fully_lost(d);
  const json out = {
      {"format", "interprobe-diff"},
      {"version", 3},
      {"old", side(*d.old_side)},
      {"new", side(*d.new_side)},
      {"libraries", std::move(libraries)},
      {"unpaired", {{"old", unpaired_json(d.only_old)}, {"new", unpaired_json(d.only_new)}}},
      {"accept",
       {{"file", d.accept_file.empty() ? json(nullptr) : json(d.accept_file)},
        {"stale", std::move(stale)}}},
      {"summary",
       {{"libraries", d.pairs.size()},
        {"lost", d.lost()},
        {"fully_lost", fully},
        {"partially_lost", d.lost() - fully},
        {"waived", d.waived()},
        {"gained", sum(d, &LibraryDiff::gained)},
        {"vanished", sum(d, &LibraryDiff::vanished)},
        {"other", sum(d, &LibraryDiff::other)},
        {"unpaired_old", d.only_old.size()},
        {"unpaired_new", d.only_new.size()},
        {"stale_waivers", d.stale.size()}}},
      {"status", d.lost() > 0 ? 1 : 0}};
  // Names are whatever bytes the files hold: invalid UTF-8 becomes U+FFFD (the default handler
  // throws).
  return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string render_input_diff_markdown(const InputDiff& d) {
  const auto md = [](const std::string& s) { return printable(s, TextFor::markdown); };
  if (plain(d)) {
    const LibraryPair& p = d.pairs.front();
    return diff_markdown_intro(p.old_lib->path, p.new_lib->path) + diff_markdown_body(p.diff);
  }
  std::string out = diff_markdown_intro(d.old_side->path, d.new_side->path);
  for (const LibraryPair& p : d.pairs)
    out += fmt::format("### `{}`\n\n`{}` → `{}`\n\n", md(p.key), md(p.old_lib->path),
                       md(p.new_lib->path)) +
           diff_markdown_body(p.diff);
  for (auto [which, list] : {std::pair{"old", &d.only_old}, std::pair{"new", &d.only_new}})
    for (const LibraryReport* l : *list)
      out += fmt::format("`{}` is only in the {} build: not compared.\n\n", md(l->path), which);
  return out;
}

}  // namespace interprobe::scan
