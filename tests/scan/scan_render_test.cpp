// scan_render_test.cpp — `scan --json` is written with fmt (tools/scan/scan_render.cpp) for speed;
// it must be the very text that version 1 of the format always was: nlohmann::json's dump(2) of
// the tree below (the renderer's previous code, kept here as the oracle), on the victim variants,
// libpython3.11 (1,600 symbols), a report without DWARF (inlined: null), one with no .comment
// (compilers: []) and a separate debug file, error reports and an empty list.
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
  j["facts"] = {{"dt_symbolic", f.dt_symbolic},
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
  for (auto& s : lib.symbols)
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
         {"inlined", s.inlined ? nlohmann::json(*s.inlined) : nlohmann::json(nullptr)},
         {"preemptible_bound", s.preemptible_bound},
         {"interposable_refs", s.interposable_refs()},
         {"bound_refs", s.bound_refs()},
         {"verdict", to_string(s.verdict)},
         {"version", s.version.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.version)},
         {"version_hidden", s.version_hidden}});
  j["symbols"] = std::move(syms);
  return j;
}

std::string oracle_text(const std::vector<LibraryReport>& libs) {
  nlohmann::json j;
  j["format"] = "interprobe-scan";
  j["version"] = 1;
  j["libraries"] = nlohmann::json::array();
  for (auto& lib : libs) j["libraries"].push_back(oracle(lib));
  return j.dump(2) + "\n";
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
    EXPECT_EQ(render_json({lib}), oracle_text({lib})) << lib.path;
  }
  EXPECT_EQ(render_json(libs), oracle_text(libs));
  EXPECT_EQ(render_json({}), oracle_text({}));
}

}  // namespace
