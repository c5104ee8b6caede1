// diff_render.cpp — `interprobe diff` as text, JSON (version 2, docs/SCAN.md) and Markdown.
//
// Every form says, per symbol, the interposable sites before and after and where they went
// ("→ direct 6, inlined 24, vanished 2"), then the callers that moved. Text and Markdown name
// kinds for what they count; JSON uses the DiffKind keys.
#include <fmt/format.h>

#include <algorithm>

#include "diff.hpp"
#include "scan_render.hpp"

namespace interprobe::scan {

namespace {

const char* label(DiffKind d) {
  switch (d) {
    case DiffKind::plt_got:
      return "PLT/GOT";
    case DiffKind::absolute:
      return "relocated data words";
    case DiffKind::direct:
      return "direct";
    case DiffKind::clone:
      return "clone calls";
    case DiffKind::inlined:
      return "inlined";
    case DiffKind::address:
      return "address uses";
    case DiffKind::linker_bound:
      return "bound by DT_SYMBOLIC/protected";
  }
  return "?";
}

// "direct 6, inlined 24, vanished 2" (what is not zero), or "" if nothing.
std::string went(const KindCounts& moved, std::size_t unrecorded, std::size_t vanished) {
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < kDiffKinds; ++i)
    if (moved[i] > 0) parts.push_back(fmt::format("{} {}", label(DiffKind(i)), moved[i]));
  if (unrecorded > 0) parts.push_back(fmt::format("inlined without a DWARF record {}", unrecorded));
  if (vanished > 0) parts.push_back(fmt::format("vanished {}", vanished));
  return fmt::format("{}", fmt::join(parts, ", "));
}

// "PLT/GOT 1 -> 0, inlined 0 -> 1" for the kinds that changed.
std::string kinds_changed(const KindCounts& a, const KindCounts& b) {
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < kDiffKinds; ++i)
    if (a[i] != b[i]) parts.push_back(fmt::format("{} {} -> {}", label(DiffKind(i)), a[i], b[i]));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string caller_text(const std::string& c, TextFor where) {
  return c.empty() ? "(code outside every function symbol)" : shown_name(c, where);
}

// The callers that moved sites (either way) first, most moved first; then the others by name.
std::vector<const CallerChange*> by_weight(const SymbolChange& c) {
  std::vector<const CallerChange*> v;
  for (auto& cc : c.callers) v.push_back(&cc);
  auto weight = [](const CallerChange* x) { return x->moved_total() + x->moved_back_total(); };
  std::stable_sort(v.begin(), v.end(), [&](auto* a, auto* b) { return weight(a) > weight(b); });
  return v;
}

constexpr std::size_t kTextCallers = 5;

void symbol_text(std::string& out, const SymbolChange& c, bool back) {
  const std::size_t io = interposable(c.old_sites), in = interposable(c.new_sites);
  std::string head = c.cls == ChangeClass::lost       ? (c.fully ? "fully lost" : "partially lost")
                     : c.cls == ChangeClass::gained   ? "gained"
                     : c.cls == ChangeClass::vanished ? "sites vanished"
                                                      : "changed";
  if (back && c.cls == ChangeClass::lost) head = "gained at some callers (lost at others)";
  std::string where =
      back ? went(c.moved_back, 0, c.appeared) : went(c.moved, c.unrecorded, c.vanished);
  if (back && c.appeared > 0)
    where = went(c.moved_back, 0, 0) + fmt::format(", new {}", c.appeared);
  out +=
      fmt::format("  {:<40} {:<15} interposable sites {} -> {}{}\n", shown_name(c.name), head, io,
                  in, where.empty() ? "" : fmt::format("  ({} {})", back ? "←" : "→", where));
  std::size_t shown = 0;
  for (const CallerChange* cc : by_weight(c)) {
    if (shown == kTextCallers) {
      out += fmt::format("      ... {} more caller(s) changed (--json lists every one)\n",
                         c.callers.size() - shown);
      break;
    }
    out += fmt::format("      {}: {}\n", caller_text(cc->caller, TextFor::terminal),
                       kinds_changed(cc->old_sites, cc->new_sites));
    ++shown;
  }
}

std::string dwarf_note(const LibraryDiff& d) {
  if (d.old_dwarf && d.new_dwarf) return "";
  return fmt::format(
      "  Note: {} has no DWARF: inlined copies are not seen there, so a call inlined into its "
      "caller shows as vanished, not as lost (docs/SCAN.md).\n",
      !d.old_dwarf && !d.new_dwarf ? "neither file"
      : d.old_dwarf                ? "NEW"
                                   : "OLD");
}

}  // namespace

std::string render_diff_text(const LibraryDiff& d, const std::string& old_path,
                             const std::string& new_path) {
  std::string out = fmt::format("OLD {}\nNEW {}\n", printable(old_path), printable(new_path));
  for (auto& f : d.fact_changes) out += "  " + f + "\n";
  out += dwarf_note(d);
  const std::size_t fully = static_cast<std::size_t>(
      std::count_if(d.lost.begin(), d.lost.end(), [](auto& c) { return c.fully; }));
  out += fmt::format(
      "\nLD_PRELOAD users lose {} symbol(s) ({} fully, {} partially): callers inside the library "
      "whose calls or uses went through the PLT/GOT, where an override takes them, now call, "
      "inline or address the library's own definition:\n",
      d.lost.size(), fully, d.lost.size() - fully);
  for (auto& c : d.lost) symbol_text(out, c, false);
  out += fmt::format("\nLD_PRELOAD users gain {} symbol(s): callers moved from bound to PLT/GOT:\n",
                     d.gained.size());
  for (auto& c : d.gained) symbol_text(out, c, true);
  if (!d.vanished.empty()) {
    out += fmt::format(
        "\nFewer interposable sites, none seen moving ({} symbol(s), not counted as lost): the "
        "sites are gone with nothing in their place in the same caller (constant-folded, dead "
        "code removed, or inlined without a DWARF record):\n",
        d.vanished.size());
    for (auto& c : d.vanished) symbol_text(out, c, false);
  }
  if (!d.other.empty())
    out += fmt::format(
        "\n{} other symbol(s) changed sites without losing interposable ones (more copies, new "
        "sites; --json lists them).\n",
        d.other.size());
  if (!d.removed.empty() || !d.added.empty())
    out += fmt::format("\nExports removed: {}, added: {}\n", d.removed.size(), d.added.size());
  return out;
}

namespace {

nlohmann::json counts_json(const KindCounts& c, bool bound_only = false) {
  nlohmann::json j = nlohmann::json::object();
  for (std::size_t i = 0; i < kDiffKinds; ++i) {
    const auto d = static_cast<DiffKind>(i);
    if (bound_only && (d == DiffKind::plt_got || d == DiffKind::absolute)) continue;
    j[to_string(d)] = c[i];
  }
  return j;
}

// The members every change and caller entry has: where the interposable sites went.
void put_moves(nlohmann::json& j, const Moves& m) {
  j["moved"] = counts_json(m.moved, true);
  j["inlined_without_record"] = m.unrecorded;
  j["vanished"] = m.vanished;
  j["moved_back"] = counts_json(m.moved_back, true);
  j["appeared"] = m.appeared;
  j["moved_elsewhere"] = m.moved_elsewhere;
  j["moved_back_elsewhere"] = m.moved_back_elsewhere;
}

nlohmann::json caller_json(const CallerChange& c) {
  nlohmann::json j{{"caller", c.caller},
                   {"old_sites", counts_json(c.old_sites)},
                   {"new_sites", counts_json(c.new_sites)}};
  put_moves(j, c);
  return j;
}

nlohmann::json change_json(const SymbolChange& c) {
  nlohmann::json callers = nlohmann::json::array();
  for (auto& cc : c.callers) callers.push_back(caller_json(cc));
  nlohmann::json j{{"name", c.name},
                   {"class", to_string(c.cls)},
                   {"fully", c.fully},
                   {"also_gained", c.also_gained},
                   {"old_verdict", to_string(c.old_verdict)},
                   {"new_verdict", to_string(c.new_verdict)},
                   {"old_sites", counts_json(c.old_sites)},
                   {"new_sites", counts_json(c.new_sites)},
                   {"old_self_sites", counts_json(c.old_self)},
                   {"new_self_sites", counts_json(c.new_self)},
                   {"old_interposable_sites", interposable(c.old_sites)},
                   {"new_interposable_sites", interposable(c.new_sites)},
                   {"callers", std::move(callers)}};
  put_moves(j, c);
  return j;
}

nlohmann::json changes_json(const std::vector<SymbolChange>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (auto& c : v) a.push_back(change_json(c));
  return a;
}

}  // namespace

nlohmann::json diff_to_json(const LibraryDiff& d, const std::string& old_path,
                            const std::string& new_path) {
  const std::size_t fully = static_cast<std::size_t>(
      std::count_if(d.lost.begin(), d.lost.end(), [](auto& c) { return c.fully; }));
  return {
      {"format", "interprobe-diff"},
      {"version", 2},
      {"old", {{"path", old_path}, {"dwarf", d.old_dwarf}, {"callers_from", d.old_callers_from}}},
      {"new", {{"path", new_path}, {"dwarf", d.new_dwarf}, {"callers_from", d.new_callers_from}}},
      {"fact_changes", d.fact_changes},
      {"removed", d.removed},
      {"added", d.added},
      {"summary",
       {{"lost", d.lost.size()},
        {"fully_lost", fully},
        {"partially_lost", d.lost.size() - fully},
        {"gained", d.gained.size()},
        {"vanished", d.vanished.size()},
        {"other", d.other.size()}}},
      {"lost", changes_json(d.lost)},
      {"gained", changes_json(d.gained)},
      {"vanished", changes_json(d.vanished)},
      {"other", changes_json(d.other)}};
}

std::string render_diff_json(const LibraryDiff& d, const std::string& old_path,
                             const std::string& new_path) {
  // Names are whatever bytes the files hold: invalid UTF-8 becomes U+FFFD (the default handler
  // throws).
  return diff_to_json(d, old_path, new_path)
             .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

std::string render_diff_markdown(const LibraryDiff& d, const std::string& old_path,
                                 const std::string& new_path) {
  auto md = [](const std::string& s) { return printable(s, TextFor::markdown); };
  std::string out = "## What LD_PRELOAD users lose in this build\n\n";
  out += fmt::format(
      "Generated by `interprobe diff --markdown` from `{}` (before) and `{}` (after). An "
      "`LD_PRELOAD` override of a function still replaces it for every caller outside the "
      "library; the functions below are also called (or their address used) by the library "
      "itself, and some of those internal calls no longer reach an override: they became direct "
      "calls, inlined copies or local address uses. *Interposable sites*: the library's own "
      "call, jump and load sites through its PLT/GOT, and data words relocated against the "
      "symbol.\n\n",
      md(old_path), md(new_path));
  if (!d.old_dwarf || !d.new_dwarf)
    out +=
        "Without DWARF in both files, calls inlined into their callers are not seen: such "
        "sites count as vanished, not lost.\n\n";
  const std::size_t fully = static_cast<std::size_t>(
      std::count_if(d.lost.begin(), d.lost.end(), [](auto& c) { return c.fully; }));
  if (d.lost.empty()) {
    out +=
        "No internal caller moved from the PLT/GOT to a bound reference: every internal "
        "call or use that reached an override before still does.\n\n";
  } else {
    out += fmt::format(
        "{} symbol(s) lost: {} fully (no internal call reaches an override any "
        "more), {} partially.\n\n",
        d.lost.size(), fully, d.lost.size() - fully);
    out +=
        "| symbol | lost | interposable sites before → after | where they went | callers that "
        "moved |\n|---|---|---:|---|---|\n";
    for (auto& c : d.lost) {
      std::vector<std::string> moved;
      for (const CallerChange* cc : by_weight(c)) {
        if (cc->moved_total() == 0) continue;
        if (moved.size() == kTextCallers) {
          moved.push_back("…");
          break;
        }
        moved.push_back("`" + caller_text(cc->caller, TextFor::markdown) + "`");
      }
      out += fmt::format("| `{}` | {} | {} → {} | {} | {} |\n",
                         shown_name(c.name, TextFor::markdown), c.fully ? "fully" : "partially",
                         interposable(c.old_sites), interposable(c.new_sites),
                         went(c.moved, c.unrecorded, c.vanished), fmt::join(moved, ", "));
    }
    out += "\n";
  }
  if (!d.gained.empty())
    out += fmt::format("{} symbol(s) gained internal calls that reach an override.\n\n",
                       d.gained.size());
  if (!d.vanished.empty())
    out += fmt::format(
        "{} symbol(s) have fewer interposable sites with nothing in their place (folded, dead "
        "code, or inlined without a DWARF record); not counted as lost.\n\n",
        d.vanished.size());
  return out;
}

}  // namespace interprobe::scan
