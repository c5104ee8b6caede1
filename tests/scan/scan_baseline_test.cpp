// scan_baseline_test.cpp — a saved `scan --json` read back (read_scan_json) is the library it was
// made from, for everything diff reads: written again it is the same text, byte for byte, and as
// diff's OLD side it gives the same diff as the library itself, against every other build — on
// every victim variant and scan fixture (DWARF's inlined_into included: the nosi builds have
// inlined copies). And what the reader refuses: other formats, other versions, broken files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "diff.hpp"
#include "elf_image.hpp"
#include "scan_helpers.hpp"
#include "scan_render.hpp"
#include "scratch.hpp"

namespace {

using namespace scan_helpers;
namespace fs = std::filesystem;

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
  const LibraryReport old2 = helper_inlined_into_cross(plain), old1 = cross_inlined_into_host(plain);
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
