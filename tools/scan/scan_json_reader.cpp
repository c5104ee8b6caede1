// scan_json_reader.cpp — a saved `interprobe scan --json` read back into LibraryReports, for
// `diff`'s OLD side (scan_render.hpp, read_scan_json; the format: docs/SCAN.md "JSON format").
// The reader of the one writer, render_json: it takes what diff compares — every symbol's counts
// and callers, the library facts diff reports changes of, DWARF's inlined_into — and refuses a
// file of another format or version rather than guess what its keys mean.
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "elf_image.hpp"
#include "scan_render.hpp"

namespace interprobe::scan {

namespace {

using nlohmann::json;

// Caller names interned as the scanner does: [0] is the unknown caller "".
class Names {
 public:
  explicit Names(std::vector<std::string>& names) : names_(names) { id(""); }
  std::uint32_t id(const std::string& name) {
    auto [it, added] = ids_.emplace(name, static_cast<std::uint32_t>(names_.size()));
    if (added) names_.push_back(name);
    return it->second;
  }

 private:
  std::vector<std::string>& names_;
  std::unordered_map<std::string, std::uint32_t> ids_;
};

std::string optional_string(const json& j, const char* key) {
  const json& v = j.at(key);
  return v.is_null() ? std::string() : v.get<std::string>();
}

std::optional<std::size_t> optional_count(const json& j, const char* key) {
  const json& v = j.at(key);
  if (v.is_null()) return std::nullopt;
  return v.get<std::size_t>();
}

SymVerdict verdict_named(const std::string& v) {
  for (SymVerdict s :
       {SymVerdict::interposable, SymVerdict::bound, SymVerdict::mixed, SymVerdict::none})
    if (to_string(s) == v) return s;
  throw ScanError(fmt::format("unknown verdict '{}'", v));
}

CallerSites caller_of(const json& c, Names& names) {
  CallerSites s;
  s.caller = names.id(c.at("caller").get<std::string>());
  // Only the non-zero counts are written (render_json, put_callers).
  const auto n = [&](const char* key) { return c.value(key, std::uint32_t{0}); };
  s.got = n("got");
  s.direct = n("direct");
  s.clone = n("clone");
  s.address = n("address");
  s.local_got = n("local_got");
  s.inlined = n("inlined");
  s.absolute = n("absolute");
  s.relative = n("relative");
  s.inlined_via = n("inlined_via");
  return s;
}

SymbolReport symbol_of(const json& j, Names& names) {
  SymbolReport s;
  s.name = j.at("name").get<std::string>();
  s.version = optional_string(j, "version");
  s.version_hidden = j.at("version_hidden").get<bool>();
  s.type = j.at("type").get<std::string>();
  s.binding = j.at("binding").get<std::string>();
  s.visibility = j.at("visibility").get<std::string>();
  s.address = j.at("address").get<std::uint64_t>();
  s.size = j.at("size").get<std::uint64_t>();
  s.jump_slot = j.at("jump_slot").get<std::size_t>();
  s.glob_dat = j.at("glob_dat").get<std::size_t>();
  s.absolute = j.at("absolute").get<std::size_t>();
  s.got_sites = j.at("got_sites").get<std::size_t>();
  s.direct_sites = j.at("direct_sites").get<std::size_t>();
  s.clone_sites = j.at("clone_sites").get<std::size_t>();
  s.address_sites = j.at("address_sites").get<std::size_t>();
  s.local_relocs = j.at("local_relocs").get<std::size_t>();
  s.local_got_sites = j.at("local_got_sites").get<std::size_t>();
  s.inlined = optional_count(j, "inlined");
  s.inlined_self = optional_count(j, "inlined_self");
  s.self_sites = j.at("self_sites").get<std::size_t>();
  s.preemptible_bound = j.at("preemptible_bound").get<bool>();
  s.verdict = verdict_named(j.at("verdict").get<std::string>());
  for (const json& c : j.at("callers")) s.callers.push_back(caller_of(c, names));
  return s;
}

LibraryReport library_of(const json& j) {
  LibraryReport lib;
  lib.path = j.at("path").get<std::string>();
  lib.file = j.at("file").get<std::string>();
  lib.member = optional_string(j, "member");
  if (j.contains("error")) {
    lib.error = j.at("error").get<std::string>();
    return lib;
  }
  Names names(lib.callers);
  LibraryFacts& f = lib.facts;
  f.build_id = optional_string(j, "build_id");
  f.machine = j.at("machine").get<std::string>();
  f.soname = j.at("soname").get<std::string>();
  const json& facts = j.at("facts");
  f.bind_now = facts.at("bind_now").get<bool>();
  f.bti = facts.at("bti").get<bool>();
  f.callers_from = facts.at("callers_from").get<std::string>();
  f.compilers = facts.at("compilers").get<std::vector<std::string>>();
  f.debug_file = optional_string(facts, "debug_file");
  f.dt_symbolic = facts.at("dt_symbolic").get<bool>();
  f.has_dwarf = facts.at("dwarf").get<bool>();
  f.got_calls = facts.at("got_calls").get<std::size_t>();
  f.localalias = facts.at("localalias").get<std::size_t>();
  f.plt = facts.at("plt").get<bool>();
  f.plt_got = facts.at("plt_got").get<bool>();
  f.plt_sec = facts.at("plt_sec").get<bool>();
  f.protected_symbols = facts.at("protected_symbols").get<std::size_t>();
  f.has_symtab = facts.at("symtab").get<bool>();
  f.exported = j.at("summary").at("exported").get<std::size_t>();
  for (const json& s : j.at("symbols")) lib.symbols.push_back(symbol_of(s, names));
  std::vector<std::pair<std::uint32_t, std::vector<std::uint32_t>>> into;
  for (auto& [caller, fs] : j.at("inlined_into").items()) {
    std::vector<std::uint32_t> ids;
    for (const json& g : fs) ids.push_back(names.id(g.get<std::string>()));
    into.emplace_back(names.id(caller), std::move(ids));
  }
  lib.inlined_into.resize(lib.callers.size());
  for (auto& [caller, ids] : into) {
    std::sort(ids.begin(), ids.end());  // InlinedInto::holds searches them by id
    lib.inlined_into[caller] = std::move(ids);
  }
  lib.caller_units.resize(lib.callers.size());  // not saved: NEW's evidence only (diff.cpp)
  return lib;
}

// nlohmann's messages start with "[json.exception.type_error.302] ": the reason is the rest.
std::string without_tag(const std::string& what) {
  const auto end = what.find("] ");
  return what.rfind("[json.exception.", 0) == 0 && end != std::string::npos ? what.substr(end + 2)
                                                                            : what;
}

}  // namespace

SavedScan read_scan_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ScanError("cannot open the saved scan");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    throw ScanError("not JSON: " + without_tag(e.what()));
  }
  if (!j.is_object() || j.value("format", json()) != "interprobe-scan")
    throw ScanError("JSON, but not a saved scan (no \"format\": \"interprobe-scan\")");
  const json& v = j.value("version", json());
  if (!v.is_number_integer() || v.get<int>() != kScanJsonVersion)
    throw ScanError(fmt::format(
        "a saved scan of version {}, which this interprobe does not read (it reads version {}: "
        "scan the old build again with this interprobe)",
        v.dump(), kScanJsonVersion));
  SavedScan out;
  try {
    out.interprobe_version = j.at("interprobe_version").get<std::string>();
    for (const json& lib : j.at("libraries")) out.libraries.push_back(library_of(lib));
  } catch (const json::exception& e) {
    throw ScanError("a saved scan with a missing or mistyped key: " + without_tag(e.what()));
  }
  return out;
}

}  // namespace interprobe::scan
