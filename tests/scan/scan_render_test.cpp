// scan_render_test.cpp — `scan --json` is written with fmt (tools/scan/scan_render.cpp) for speed;
// it must be the very document that the tree below describes (the renderer's first code, built
// with nlohmann::json, kept here as the oracle, extended for versions 2 and 3), parsed back, and,
// apart from the one-line caller and inlined_into entries, the very text nlohmann::json's dump(2)
// gives: on the victim variants, libpython3.11 (1,600 symbols), a report without DWARF (inlined:
// null), one with no .comment (compilers: []) and a separate debug file, error reports and an
// empty list. And the reader of that text, diff's saved baseline (below).
#include "scan_render.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "diff.hpp"
#include "elf_image.hpp"
#include "scan_helpers.hpp"
#include "scanner.hpp"
#include "scratch.hpp"

namespace {

using namespace interprobe::scan;

nlohmann::json null_if_empty(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

nlohmann::json oracle(const LibraryReport& lib) {
  nlohmann::json j;
  j["path"] = lib.path;
  j["file"] = lib.file;
  j["member"] = null_if_empty(lib.member);
  if (!lib.error.empty()) {
    j["error"] = lib.error;
    return j;
  }
  const LibraryFacts& f = lib.facts;
  j["build_id"] = null_if_empty(f.build_id);
  j["inlined_into"] = nlohmann::json::object();
  for (std::size_t c = 0; c < lib.inlined_into.size(); ++c)
    for (std::uint32_t g : lib.inlined_into[c])
      j["inlined_into"][lib.callers[c]].push_back(lib.callers[g]);
  for (auto& [caller, fs] : j["inlined_into"].items()) std::sort(fs.begin(), fs.end());
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
  j["interprobe_version"] = INTERPROBE_TEST_VERSION;
  j["version"] = 3;
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
  // inlined_into's lists, one line each: `"caller": ["f", "g"]`.
  for (auto& lib : j["libraries"])
    if (lib.contains("inlined_into"))
      for (auto& [caller, fs] : lib["inlined_into"].items()) {
        std::string indented;
        for (char ch : fs.dump(2)) {
          indented += ch;
          if (ch == '\n') indented += std::string(8, ' ');
        }
        std::string line = fs.dump();
        for (std::size_t at = 0; (at = line.find("\",\"", at)) != std::string::npos; at += 3)
          line.insert(at + 2, " ");
        const std::string key = nlohmann::json(caller).dump() + ": ";
        if (auto at = text.find(key + indented); at != std::string::npos)
          text.replace(at + key.size(), indented.size(), line);
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

// --- A saved `scan --json` read back (read_scan_json) is the library it was made from, for
// everything diff reads: written again it is the same text, byte for byte, and as diff's OLD side
// it gives the same diff as the library itself, against every other build — on every victim
// variant and scan fixture (DWARF's inlined_into included: the nosi builds have inlined copies).
// And what the reader refuses: other formats, other versions, broken files. (In this file, not
// one of its own: each test file costs CI a compile of gtest and nlohmann::json, three times.)

namespace fs = std::filesystem;
using namespace scan_helpers;

std::vector<LibraryReport> builds() {
  std::vector<LibraryReport> libs;
  for (auto& e : fs::directory_iterator(TEST_VARIANTS))
    if (fs::exists(e.path() / "libvictim.so.1"))
      libs.push_back(scan_ok((e.path() / "libvictim.so.1").string()));
  for (const char* kind : {"default", "nosi"})
    for (const char* lib : {"libinline.so", "libsites.so", "libself.so", "libcxx.so"})
      libs.push_back(scan_ok(fixture(kind, lib)));
  libs.push_back(scan_ok(victim("gcc-O2-nosi"), /*dwarf=*/false));  // inlined: null
  return libs;
}

// A diff as its JSON, which holds every count and move.
nlohmann::json json_of(const LibraryDiff& d) { return diff_to_json(d); }

std::string saved(const std::vector<LibraryReport>& libs, const std::string& name) {
  const std::string path = (scratch_dir() / name).string();
  std::ofstream(path) << render_json(libs);
  return path;
}

TEST(ScanBaseline, ASavedScanIsWrittenAgainAsTheSameText) {
  const std::vector<LibraryReport> libs = builds();
  ASSERT_GE(libs.size(), 25u);
  std::size_t with_inlined_into = 0;
  for (auto& lib : libs)
    for (auto& into : lib.inlined_into) with_inlined_into += into.empty() ? 0 : 1;
  EXPECT_GT(with_inlined_into, 0u) << "no build with DWARF inlined_into: the test tests less";
  const SavedScan back = read_scan_json(saved(libs, "all.json"));
  EXPECT_EQ(back.interprobe_version, INTERPROBE_TEST_VERSION);
  ASSERT_EQ(back.libraries.size(), libs.size());
  EXPECT_EQ(render_json(back.libraries), render_json(libs));
}

TEST(ScanBaseline, ASavedScanDiffsLikeTheLibraryAgainstEveryOtherBuild) {
  const std::vector<LibraryReport> libs = builds();
  const SavedScan back = read_scan_json(saved(libs, "all.json"));
  ASSERT_EQ(back.libraries.size(), libs.size());
  std::size_t compared = 0, lost = 0;
  for (std::size_t i = 0; i < libs.size(); ++i)
    for (std::size_t k = 0; k < libs.size(); ++k) {
      if (libs[i].facts.soname != libs[k].facts.soname || libs[i].path == libs[k].path) continue;
      const LibraryDiff want = diff_libraries(libs[i], libs[k]);
      const LibraryDiff got = diff_libraries(back.libraries[i], libs[k]);
      EXPECT_EQ(json_of(got), json_of(want)) << libs[i].path << " -> " << libs[k].path;
      ++compared;
      lost += want.lost.size();
    }
  EXPECT_GT(compared, 250u);
  EXPECT_GT(lost, 100u);
}

// What the victims and fixtures do not have: OLD's DWARF relations that diff's second look reads
// (scan_helpers.hpp makes them by editing a real scan). Case (ii) there: OLD's fx_direct_cross
// had fx_helper inlined, where the call of fx_direct was (inlined_into); and its reverse of case
// (i): OLD had fx_direct_cross inlined into fx_host, fx_direct's copy inside (inlined_via).
TEST(ScanBaseline, ASavedScanKeepsTheDwarfRelationsOfTheSecondLook) {
  const LibraryReport plain = scan_ok(fixture("default", "libsites.so"));
  const LibraryReport old2 = helper_inlined_into_cross(plain),
                      old1 = cross_inlined_into_host(plain);
  const LibraryReport new2 = call_in_helper_out_of_line(plain);
  const SavedScan back = read_scan_json(saved({old2, old1}, "edited.json"));
  ASSERT_EQ(back.libraries.size(), 2u);
  const LibraryDiff want2 = diff_libraries(old2, new2);
  const LibraryDiff got2 = diff_libraries(back.libraries[0], new2);
  EXPECT_EQ(json_of(got2), json_of(want2));
  ASSERT_NE(change(got2.lost, "fx_direct"), nullptr);
  EXPECT_EQ(change(got2.lost, "fx_direct")->moved_elsewhere, 1u);
  const LibraryDiff want1 = diff_libraries(old1, plain);
  const LibraryDiff got1 = diff_libraries(back.libraries[1], plain);
  EXPECT_EQ(json_of(got1), json_of(want1));
  ASSERT_NE(change(got1.gained, "fx_direct"), nullptr);
  EXPECT_EQ(change(got1.gained, "fx_direct")->moved_back_elsewhere, 1u);
}

// One line for each way a file is not a saved scan this interprobe reads.
TEST(ScanBaseline, TheReaderRefusesWhatItDoesNotKnow) {
  const auto refusal = [](const std::string& name, const std::string& text) {
    const std::string path = (scratch_dir() / name).string();
    std::ofstream(path) << text;
    try {
      read_scan_json(path);
    } catch (const ScanError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  std::string v3 = render_json({scan_ok(victim("gcc-O2"))});
  EXPECT_EQ(refusal("v2.json", R"({"format": "interprobe-scan", "version": 2, "libraries": []})"),
            "a saved scan of version 2, which this interprobe does not read (it reads version 3: "
            "scan the old build again with this interprobe)");
  EXPECT_EQ(refusal("v4.json", R"({"format": "interprobe-scan", "version": 4})").substr(0, 28),
            "a saved scan of version 4, w");
  EXPECT_EQ(refusal("diff.json", R"({"format": "interprobe-diff", "version": 3})"),
            "JSON, but not a saved scan (no \"format\": \"interprobe-scan\")");
  EXPECT_EQ(refusal("cut.json", v3.substr(0, v3.size() / 2)).substr(0, 9), "not JSON:");
  std::string mistyped = v3;
  mistyped.replace(mistyped.find("\"got_sites\": "), 14, "\"got_sites\": \"3\"");
  EXPECT_EQ(refusal("mistyped.json", mistyped).substr(0, 47),
            "a saved scan with a missing or mistyped key: ty");
  std::string missing = v3;
  missing.replace(missing.find("\"inlined_into\""), 14, "\"inlined_onto\"");
  EXPECT_EQ(refusal("missing.json", missing),
            "a saved scan with a missing or mistyped key: key 'inlined_into' not found");
  EXPECT_EQ(refusal("ok.json", v3), "accepted");
}

}  // namespace
