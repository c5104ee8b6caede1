// scan_render_test.cpp — `scan --json` is written with fmt (tools/scan/scan_render.cpp) for speed;
// it must be the very document that the tree below describes (the renderer's first code, built
// with nlohmann::json, kept here as the oracle, extended for version 2), parsed back, and, apart
// from the one-line caller entries, the very text nlohmann::json's dump(2) gives: on the victim
// variants, libpython3.11 (1,600 symbols), a report without DWARF (inlined: null), one with no
// .comment (compilers: []) and a separate debug file, error reports and an empty list.
#include "scan_render.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "scanner.hpp"
#include "scratch.hpp"

namespace {

using namespace interprobe::scan;

nlohmann::json oracle(const LibraryReport& lib) {
  nlohmann::json j;
  j["path"] = lib.path;
  if (!lib.error.empty()) {
    j["error"] = lib.error;
    return j;
  }
  const LibraryFacts& f = lib.facts;
  j["machine"] = f.machine;
  j["soname"] = f.soname;
  j["facts"] = {{"callers_from", f.callers_from},
                {"dt_symbolic", f.dt_symbolic},
                {"bind_now", f.bind_now},
                {"bti", f.bti},
                {"plt", f.plt},
                {"plt_sec", f.plt_sec},
                {"plt_got", f.plt_got},
                {"got_calls", f.got_calls},
                {"symtab", f.has_symtab},
                {"dwarf", f.has_dwarf},
                {"localalias", f.localalias},
                {"protected_symbols", f.protected_symbols},
                {"compilers", f.compilers},
                {"debug_file",
                 f.debug_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.debug_file)}};
  j["summary"] = {{"exported", f.exported},
                  {"interposable", lib.count(SymVerdict::interposable)},
                  {"bound", lib.count(SymVerdict::bound)},
                  {"mixed", lib.count(SymVerdict::mixed)},
                  {"none", lib.count(SymVerdict::none)}};
  nlohmann::json syms = nlohmann::json::array();
  auto opt = [](const std::optional<std::size_t>& n) {
    return n ? nlohmann::json(*n) : nlohmann::json(nullptr);
  };
  for (auto& s : lib.symbols) {
    nlohmann::json callers = nlohmann::json::array();
    for (const CallerSites& c : s.callers) {
      nlohmann::json e{{"caller", lib.callers[c.caller]}};
      for (auto [key, n] : {std::pair<const char*, std::uint32_t>{"got", c.got},
                            {"direct", c.direct},
                            {"clone", c.clone},
                            {"address", c.address},
                            {"local_got", c.local_got},
                            {"inlined", c.inlined},
                            {"inlined_via", c.inlined_via},
                            {"absolute", c.absolute},
                            {"relative", c.relative}})
        if (n > 0) e[key] = n;
      callers.push_back(std::move(e));
    }
    const std::string demangled = demangle(s.name);
    syms.push_back(
        {{"name", s.name},
         {"type", s.type},
         {"binding", s.binding},
         {"visibility", s.visibility},
         {"address", s.address},
         {"size", s.size},
         {"jump_slot", s.jump_slot},
         {"glob_dat", s.glob_dat},
         {"absolute", s.absolute},
         {"got_sites", s.got_sites},
         {"direct_sites", s.direct_sites},
         {"address_sites", s.address_sites},
         {"local_relocs", s.local_relocs},
         {"local_got_sites", s.local_got_sites},
         {"clone_sites", s.clone_sites},
         {"self_sites", s.self_sites},
         {"inlined", opt(s.inlined)},
         {"inlined_self", opt(s.inlined_self)},
         {"preemptible_bound", s.preemptible_bound},
         {"interposable_refs", s.interposable_refs()},
         {"bound_refs", s.bound_refs()},
         {"interposable_sites", s.interposable_sites()},
         {"bound_sites", s.bound_sites()},
         {"callers", std::move(callers)},
         {"demangled", demangled.empty() ? nlohmann::json(nullptr) : nlohmann::json(demangled)},
         {"verdict", to_string(s.verdict)},
         {"version", s.version.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.version)},
         {"version_hidden", s.version_hidden}});
  }
  j["symbols"] = std::move(syms);
  return j;
}

nlohmann::json oracle_json(const std::vector<LibraryReport>& libs) {
  nlohmann::json j;
  j["format"] = "interprobe-scan";
  j["version"] = 2;
  j["libraries"] = nlohmann::json::array();
  for (auto& lib : libs) j["libraries"].push_back(oracle(lib));
  return j;
}

// dump(2) of the oracle with every caller entry on one line, as the renderer writes them (that
// keeps a 1,600-symbol library's JSON at a few lines per symbol).
std::string oracle_text(const std::vector<LibraryReport>& libs) {
  nlohmann::json j = oracle_json(libs);
  std::string text = j.dump(2) + "\n";
  for (auto& lib : j["libraries"])
    for (auto& s : lib["symbols"])
      for (auto& c : s["callers"]) {
        const std::string pretty = c.dump(2);
        std::string indented;  // the entry as dump(2) writes it 12 spaces deep
        for (char ch : pretty) {
          indented += ch;
          if (ch == '\n') indented += std::string(12, ' ');
        }
        std::string line = c.dump();
        for (std::size_t at = 0; (at = line.find("\":", at)) != std::string::npos; at += 3)
          line.insert(at + 2, " ");
        for (std::size_t at = 0; (at = line.find(",\"", at)) != std::string::npos; at += 3)
          line.insert(at + 1, " ");
        if (auto at = text.find(indented); at != std::string::npos)
          text.replace(at, indented.size(), line);
      }
  return text;
}

TEST(ScanRender, JsonIsTheFormatsTextExactly) {
  std::vector<LibraryReport> libs;
  for (auto& e : std::filesystem::directory_iterator(TEST_VARIANTS))
    if (std::filesystem::exists(e.path() / "libvictim.so.1"))
      libs.push_back(scan_file((e.path() / "libvictim.so.1").string(), {}));
  ASSERT_GE(libs.size(), 16u);
  libs.push_back(scan_file("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0", {}));
  ScanOptions no_dwarf;
  no_dwarf.dwarf = false;
  libs.push_back(scan_file(libs.front().path, no_dwarf));
  LibraryReport bare = libs.front();
  bare.facts.compilers.clear();
  bare.symbols.clear();
  bare.facts.debug_file = "/usr/lib/debug/.build-id/ab/cdef.debug";
  libs.push_back(bare);
  libs.push_back(scan_file("/nonexistent.so", {}));
  const std::string not_elf = scratch_dir().string() + "/not_elf.so";
  std::ofstream(not_elf) << "text\n";
  libs.push_back(scan_file(not_elf, {}));
  for (auto& lib : libs) {
    ASSERT_TRUE(lib.error.empty() || lib.path == "/nonexistent.so" || lib.path == not_elf)
        << lib.path << ": " << lib.error;
    EXPECT_EQ(nlohmann::json::parse(render_json({lib})), oracle_json({lib})) << lib.path;
    EXPECT_EQ(render_json({lib}), oracle_text({lib})) << lib.path;
  }
  EXPECT_EQ(render_json(libs), oracle_text(libs));
  EXPECT_EQ(render_json({}), oracle_text({}));
}

}  // namespace
