// scan_render.cpp — text, JSON and Markdown forms of scan results (render.hpp).
#include "scan_render.hpp"

#include <cxxabi.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <type_traits>

#include "machines.hpp"

namespace interprobe::scan {

std::string printable(std::string_view name, TextFor where) {
  auto plain = [where](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u != 0x7f && !(where == TextFor::markdown && c == '|');
  };
  if (std::all_of(name.begin(), name.end(), plain)) return std::string(name);
  std::string out;
  for (char c : name) {
    if (plain(c))
      out += c;
    else if (c == '|')
      out += "\\|";
    else
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
  }
  return out;
}

std::string demangle(std::string_view name) {
  if (name.size() < 3 || name.substr(0, 2) != "_Z") return {};
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> d(
      abi::__cxa_demangle(std::string(name).c_str(), nullptr, nullptr, &status), &std::free);
  return status == 0 && d ? std::string(d.get()) : std::string();
}

std::string shown_name(std::string_view name, TextFor where) {
  const std::string d = demangle(name);
  return printable(d.empty() ? name : std::string_view(d), where);
}

std::string shown_symbol(const SymbolReport& s, TextFor where) {
  std::string n = shown_name(s.name, where);
  if (!s.version.empty())
    n += printable(std::string(s.version_hidden ? "@" : "@@") + s.version, where);
  return n;
}

std::string symbol_text(const SymbolReport& s, TextFor where) {
  if (s.version.empty()) return printable(s.name, where);
  return printable(s.name + (s.version_hidden ? "@" : "@@") + s.version, where);
}

namespace {

std::string yes_no(bool b) { return b ? "yes" : "no"; }

std::string plt_text(const LibraryFacts& f) {
  std::vector<std::string> parts;
  if (f.plt) parts.push_back(".plt");
  if (f.plt_sec) parts.push_back(".plt.sec");
  if (f.plt_got) parts.push_back(".plt.got");
  return parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, "+"));
}

}  // namespace

std::string inlined_text(const std::optional<std::size_t>& n) {
  return n ? std::to_string(*n) : "-";
}

std::string summary_text(std::size_t exported, std::size_t interposable, std::size_t bound,
                         std::size_t mixed, std::size_t none) {
  return fmt::format(
      "{} exported: {} interposable, {} bound, {} mixed, {} without internal references", exported,
      interposable, bound, mixed, none);
}

std::string summary_text(const LibraryReport& lib) {
  return summary_text(lib.facts.exported, lib.count(SymVerdict::interposable),
                      lib.count(SymVerdict::bound), lib.count(SymVerdict::mixed),
                      lib.count(SymVerdict::none));
}

namespace {

// The machine's branch-target landing pads, as its backend reports them (machines.hpp).
std::string landing_pads_text(const LibraryFacts& f) {
  const Machine* m = find_machine(f.machine);
  if (m != nullptr && m->landing_pads == LandingPads::property_bit) return "BTI " + yes_no(f.bti);
  return "IBT .plt.sec " + yes_no(f.plt_sec);
}

}  // namespace

std::string facts_line(const LibraryFacts& f) {
  std::string compiler = f.compilers.empty() ? "unknown" : printable(f.compilers.front());
  return fmt::format(
      "DT_SYMBOLIC {}, BIND_NOW {}, PLT {}, -fno-plt GOT calls {}, {}, .symtab {}, "
      "DWARF {}, .localalias {}, protected {}, callers from {}, compiler: {}",
      yes_no(f.dt_symbolic), yes_no(f.bind_now), plt_text(f), f.got_calls, landing_pads_text(f),
      f.has_symtab ? "present" : "stripped",
      f.debug_file.empty() ? yes_no(f.has_dwarf) : "from " + printable(f.debug_file), f.localalias,
      f.protected_symbols, f.callers_from.empty() ? "-" : f.callers_from, compiler);
}

namespace {

// A JSON string literal. Names come from the file and may be anything: bytes that are not valid
// UTF-8 become U+FFFD (nlohmann's error_handler_t::replace; its default handler throws), control
// characters \u00XX escapes. Plain printable ASCII, nearly every name, is written as it is.
void put_json_string(fmt::memory_buffer& out, std::string_view s) {
  const bool plain = std::all_of(
      s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
  if (plain) {
    fmt::format_to(std::back_inserter(out), "\"{}\"", s);
    return;
  }
  const std::string quoted =
      nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.append(quoted.data(), quoted.data() + quoted.size());
}

// `"key": ` at `indent` spaces; members are in alphabetical order, as version 1 of the format had
// them (it was nlohmann::json's std::map order).
void put_key(fmt::memory_buffer& out, int indent, std::string_view key) {
  fmt::format_to(std::back_inserter(out), "{:{}}\"{}\": ", "", indent, key);
}

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

// An empty string as JSON null.
std::optional<std::string_view> unless_empty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string_view>(s);
}

// `"key": value` and a comma unless last; an empty std::optional is null.
template <class T>
void put_member(fmt::memory_buffer& out, int indent, std::string_view key, const T& value,
                bool last = false) {
  if constexpr (is_optional<T>::value) {
    if (value) return put_member(out, indent, key, *value, last);
    put_key(out, indent, key);
    out.append(std::string_view("null"));
  } else {
    put_key(out, indent, key);
    if constexpr (std::is_same_v<T, bool>)
      out.append(std::string_view(value ? "true" : "false"));
    else if constexpr (std::is_convertible_v<T, std::string_view>)
      put_json_string(out, value);
    else
      fmt::format_to(std::back_inserter(out), "{}", value);
  }
  out.append(std::string_view(last ? "\n" : ",\n"));
}

// `"key": [...]` with its key at `indent` spaces, `[]` when there are no items, else one item a
// line (`put_item` writes the item with its own indentation) and the `]` under the key; a comma
// after it unless last. The layout is nlohmann::json::dump(2)'s.
template <class Items, class PutItem>
void put_array(fmt::memory_buffer& out, int indent, std::string_view key, const Items& items,
               bool last, PutItem&& put_item) {
  put_key(out, indent, key);
  std::string_view end = last ? "\n" : ",\n";
  if (items.empty()) {
    out.append(std::string_view("[]"));
    out.append(end);
    return;
  }
  out.append(std::string_view("[\n"));
  for (std::size_t i = 0; i < items.size(); ++i) {
    put_item(items[i]);
    out.append(std::string_view(i + 1 < items.size() ? ",\n" : "\n"));
  }
  fmt::format_to(std::back_inserter(out), "{:{}}]", "", indent);
  out.append(end);
}

// `"callers": [...]`: one line per caller, its non-zero counts only, keys in alphabetical order.
void put_callers(fmt::memory_buffer& out, const SymbolReport& s,
                 const std::vector<std::string>& names) {
  put_array(out, 10, "callers", s.callers, false, [&](const CallerSites& c) {
    fmt::format_to(std::back_inserter(out), "{:12}{{", "");
    bool first = true;
    auto key = [&](std::string_view k) {
      fmt::format_to(std::back_inserter(out), "{}\"{}\": ", first ? "" : ", ", k);
      first = false;
    };
    auto count = [&](std::string_view k, std::uint32_t n) {
      if (n == 0) return;
      key(k);
      fmt::format_to(std::back_inserter(out), "{}", n);
    };
    count("absolute", c.absolute);
    count("address", c.address);
    key("caller");
    put_json_string(out, c.caller < names.size() ? names[c.caller] : std::string());
    count("clone", c.clone);
    count("direct", c.direct);
    count("got", c.got);
    count("inlined", c.inlined);
    count("inlined_via", c.inlined_via);
    count("local_got", c.local_got);
    count("relative", c.relative);
    out.append(std::string_view("}"));
  });
}

// `"inlined_into": {...}`: per caller with DWARF, the functions inlined into its code (diff's
// second look reads OLD's: diff_inlining.cpp), by name, one line each.
void put_inlined_into(fmt::memory_buffer& out, const LibraryReport& lib) {
  std::map<std::string_view, std::vector<std::string_view>> by_name;
  for (std::size_t c = 0; c < lib.inlined_into.size() && c < lib.callers.size(); ++c)
    for (std::uint32_t f : lib.inlined_into[c])
      if (f < lib.callers.size()) by_name[lib.callers[c]].push_back(lib.callers[f]);
  put_key(out, 6, "inlined_into");
  if (by_name.empty()) {
    out.append(std::string_view("{},\n"));
    return;
  }
  out.append(std::string_view("{\n"));
  std::size_t i = 0;
  for (auto& [caller, fs] : by_name) {
    std::sort(fs.begin(), fs.end());
    fmt::format_to(std::back_inserter(out), "{:8}", "");
    put_json_string(out, caller);
    out.append(std::string_view(": ["));
    for (std::size_t k = 0; k < fs.size(); ++k) {
      if (k > 0) out.append(std::string_view(", "));
      put_json_string(out, fs[k]);
    }
    out.append(std::string_view(++i < by_name.size() ? "],\n" : "]\n"));
  }
  out.append(std::string_view("      },\n"));
}

void put_library(fmt::memory_buffer& out, const LibraryReport& lib) {
  out.append(std::string_view("    {\n"));
  if (!lib.error.empty()) {
    put_member(out, 6, "error", lib.error);
    put_member(out, 6, "file", lib.file);
    put_member(out, 6, "member", unless_empty(lib.member));
    put_member(out, 6, "path", lib.path, true);
    out.append(std::string_view("    }"));
    return;
  }
  const LibraryFacts& f = lib.facts;
  put_member(out, 6, "build_id", unless_empty(f.build_id));
  put_key(out, 6, "facts");
  out.append(std::string_view("{\n"));
  put_member(out, 8, "bind_now", f.bind_now);
  put_member(out, 8, "bti", f.bti);
  put_member(out, 8, "callers_from", f.callers_from);
  put_array(out, 8, "compilers", f.compilers, false, [&](const std::string& compiler) {
    fmt::format_to(std::back_inserter(out), "{:10}", "");
    put_json_string(out, compiler);
  });
  put_member(out, 8, "debug_file", unless_empty(f.debug_file));
  put_member(out, 8, "dt_symbolic", f.dt_symbolic);
  put_member(out, 8, "dwarf", f.has_dwarf);
  put_member(out, 8, "got_calls", f.got_calls);
  put_member(out, 8, "localalias", f.localalias);
  put_member(out, 8, "plt", f.plt);
  put_member(out, 8, "plt_got", f.plt_got);
  put_member(out, 8, "plt_sec", f.plt_sec);
  put_member(out, 8, "protected_symbols", f.protected_symbols);
  put_member(out, 8, "symtab", f.has_symtab, true);
  out.append(std::string_view("      },\n"));
  put_member(out, 6, "file", lib.file);
  put_inlined_into(out, lib);
  put_member(out, 6, "machine", f.machine);
  put_member(out, 6, "member", unless_empty(lib.member));
  put_member(out, 6, "path", lib.path);
  put_member(out, 6, "soname", f.soname);
  put_key(out, 6, "summary");
  out.append(std::string_view("{\n"));
  put_member(out, 8, "bound", lib.count(SymVerdict::bound));
  put_member(out, 8, "exported", f.exported);
  put_member(out, 8, "interposable", lib.count(SymVerdict::interposable));
  put_member(out, 8, "mixed", lib.count(SymVerdict::mixed));
  put_member(out, 8, "none", lib.count(SymVerdict::none), true);
  out.append(std::string_view("      },\n"));
  put_array(out, 6, "symbols", lib.symbols, true, [&](const SymbolReport& s) {
    out.append(std::string_view("        {\n"));
    put_member(out, 10, "absolute", s.absolute);
    put_member(out, 10, "address", s.address);
    put_member(out, 10, "address_sites", s.address_sites);
    put_member(out, 10, "binding", s.binding);
    put_member(out, 10, "bound_refs", s.bound_refs());
    put_member(out, 10, "bound_sites", s.bound_sites());
    put_callers(out, s, lib.callers);
    put_member(out, 10, "clone_sites", s.clone_sites);
    put_member(out, 10, "demangled", unless_empty(demangle(s.name)));
    put_member(out, 10, "direct_sites", s.direct_sites);
    put_member(out, 10, "glob_dat", s.glob_dat);
    put_member(out, 10, "got_sites", s.got_sites);
    put_member(out, 10, "inlined", s.inlined);
    put_member(out, 10, "inlined_self", s.inlined_self);
    put_member(out, 10, "interposable_refs", s.interposable_refs());
    put_member(out, 10, "interposable_sites", s.interposable_sites());
    put_member(out, 10, "jump_slot", s.jump_slot);
    put_member(out, 10, "local_got_sites", s.local_got_sites);
    put_member(out, 10, "local_relocs", s.local_relocs);
    put_member(out, 10, "name", s.name);
    put_member(out, 10, "preemptible_bound", s.preemptible_bound);
    put_member(out, 10, "self_sites", s.self_sites);
    put_member(out, 10, "size", s.size);
    put_member(out, 10, "type", s.type);
    put_member(out, 10, "verdict", to_string(s.verdict));
    put_member(out, 10, "version", unless_empty(s.version));
    put_member(out, 10, "version_hidden", s.version_hidden);
    put_member(out, 10, "visibility", s.visibility, true);
    out.append(std::string_view("        }"));
  });
  out.append(std::string_view("    }"));
}

}  // namespace

// Written with fmt rather than built as an nlohmann::json tree and dumped: for libpython3.11's
// 1,600 symbols the tree took 15-20 ms, a quarter of the whole scan (docs/PERFORMANCE-scan.md).
// The text is the same as `nlohmann::json::dump(2)` of that tree gave (tests/scan/scan_cli_test.cpp
// parses it back and checks it against such a tree).
std::string render_json(const std::vector<LibraryReport>& libs) {
  fmt::memory_buffer out;
  out.append(std::string_view("{\n  \"format\": \"interprobe-scan\",\n"));
  put_member(out, 2, "interprobe_version", std::string_view(INTERPROBE_VERSION));
  put_array(out, 2, "libraries", libs, false,
            [&](const LibraryReport& lib) { put_library(out, lib); });
  fmt::format_to(std::back_inserter(out), "  \"version\": {}\n}}\n", kScanJsonVersion);
  return fmt::to_string(out);
}

std::string render_markdown(const std::vector<LibraryReport>& libs, const RenderOptions& opt) {
  std::string out = "# LD_PRELOAD and the libraries' own calls\n\n";
  out +=
      "Generated by `interprobe scan --markdown`. *Interposable internally*: the library's own "
      "references go through the PLT/GOT, so an LD_PRELOAD override also replaces the "
      "library's internal uses. *Bound internally*: the library calls or uses its own "
      "definition (direct calls, inlined copies, -Bsymbolic, protected visibility); an "
      "override only affects callers outside the library. Counts are sites in the library's "
      "code and data: *PLT/GOT sites* are calls, jumps and loads through the PLT or GOT, which "
      "an override takes (unless DT_SYMBOLIC or protected visibility binds them); *relocated "
      "words* hold the symbol's address as the dynamic linker resolves it (function pointer "
      "tables); *clone calls* call a local copy of the function (`f.constprop.0`); *inlined "
      "copies* (DWARF) do not count records inside the function's own body. See "
      "docs/SCAN.md.\n\n";
  for (const LibraryReport& lib : libs) {
    if (!lib.error.empty()) {
      out += fmt::format("## `{}`\n\nNot scanned: {}\n\n", printable(lib.path, TextFor::markdown),
                         lib.error);
      continue;
    }
    out += fmt::format(
        "## `{}`\n\n",
        printable(lib.facts.soname.empty() ? lib.path : lib.facts.soname, TextFor::markdown));
    out += fmt::format("- File: `{}` ({})\n- {}\n- {}\n\n", printable(lib.path, TextFor::markdown),
                       lib.facts.machine, facts_line(lib.facts), summary_text(lib));
    if (opt.summary_only) continue;
    out +=
        "| symbol | type | PLT/GOT sites | relocated words | direct calls | clone calls | "
        "address uses | inlined copies | verdict |\n";
    out += "|---|---|---:|---:|---:|---:|---:|---:|---|\n";
    std::size_t none = 0;
    for (auto& s : lib.symbols) {
      if (s.verdict == SymVerdict::none) {
        ++none;
        continue;
      }
      out += fmt::format("| `{}` | {} {} | {} | {} | {} | {} | {} | {} | {} |\n",
                         shown_symbol(s, TextFor::markdown), s.visibility, s.type, s.got_sites,
                         s.absolute, s.direct_sites, s.clone_sites,
                         s.address_sites + s.local_relocs + s.local_got_sites,
                         inlined_text(s.inlined), describe(s.verdict));
    }
    if (none > 0)
      out += fmt::format(
          "\n{} more exported symbols have no internal references (an override "
          "affects only outside callers).\n",
          none);
    out += "\n";
  }
  return out;
}

}  // namespace interprobe::scan
