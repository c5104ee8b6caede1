// scan_sweep_test.cpp — one file's code swept by several threads in chunks (tools/scan/sweep.hpp)
// must report exactly the references of one sweep over each section, with both decoders: where
// the chunks start at function entries (what the scanner does), and where they start at arbitrary
// offsets, inside instructions, so that most guessed starts are wrong and the re-sweep decides.
// Then the whole scan: the same JSON with 1, 2 and 3 threads, on the victim variants and on
// Debian's libpython3.11 and libcrypto (whose .text holds data tables, where sweeps resynchronise).
#include <elf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>
#include <vector>

#include "architecture.hpp"
#include "sweep.hpp"
#include "sweep_check.hpp"

namespace {

using namespace interprobe::scan;
using namespace interprobe::scan::checks;

const char* const kLibpython = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0";
const char* const kLibcrypto = "/usr/lib/x86_64-linux-gnu/libcrypto.so.3";

TEST(ScanSweep, PlanCutsAtEntriesAndKeepsRangesWithoutThemWhole) {
  std::vector<std::uint8_t> a(1000), b(1000);
  const std::vector<CodeRange> ranges = {{a, 0x1000}, {b, 0x5000}};
  const std::vector<std::uint64_t> entries = {0x1000, 0x1010, 0x1120, 0x1200, 0x13e0, 0x5000};
  // 1000 bytes in 250-byte chunks: ideal cuts at offsets 250, 500 and 750; each moves to the
  // first entry at or after it: 0x1120 (288), 0x1200 (512), 0x13e0 (992).
  auto plan = plan_chunks(ranges, entries, 250);
  ASSERT_EQ(plan.size(), 5u);
  EXPECT_EQ(std::tie(plan[0].range, plan[0].begin, plan[0].stop), std::tuple(0u, 0u, 288u));
  EXPECT_EQ(std::tie(plan[1].begin, plan[1].stop), std::tuple(288u, 512u));
  EXPECT_EQ(std::tie(plan[2].begin, plan[2].stop), std::tuple(512u, 992u));
  EXPECT_EQ(std::tie(plan[3].begin, plan[3].stop), std::tuple(992u, 1000u));
  // The second range's only entry is its start: no cut can be placed, it stays whole.
  EXPECT_EQ(std::tie(plan[4].range, plan[4].begin, plan[4].stop), std::tuple(1u, 0u, 1000u));
  // No chunk size: one chunk per range.
  auto whole = plan_chunks(ranges, entries, 0);
  ASSERT_EQ(whole.size(), 2u);
  EXPECT_EQ(std::tie(whole[1].range, whole[1].begin, whole[1].stop), std::tuple(1u, 0u, 1000u));
}

TEST(ScanSweep, ACutInsideAnInstructionIsSweptAgainFromTheRightPlace) {
  // call rel32 (5 bytes) at 0, then call at 5; a chunk guessed to start at 2 (inside the first
  // call) decodes garbage there: it must be discarded and swept again from 5.
  const std::vector<std::uint8_t> bytes = {0xe8, 0x10, 0, 0, 0, 0xe8, 0x20, 0, 0, 0, 0xc3};
  const std::vector<CodeRange> ranges = {{bytes, 0x1000}};
  const std::vector<Chunk> chunks = {{0, 0, 2}, {0, 2, bytes.size()}};
  for (Decoder d : {Decoder::standard, Decoder::capstone}) {
    std::vector<Key> got;
    SweepStats st = chunked(ranges, EM_X86_64, chunks, d, 2, got);
    EXPECT_EQ(st.resweeps, 1u) << decoder_name(EM_X86_64, d);
    EXPECT_EQ(got, single_sweep(ranges, EM_X86_64, d)) << decoder_name(EM_X86_64, d);
    ASSERT_EQ(got.size(), 2u) << decoder_name(EM_X86_64, d);
    EXPECT_EQ(got[1], Key(0x1005, 0x102a, static_cast<int>(RefKind::call))) << decoder_name(EM_X86_64, d);
  }
}

// Every variant CMake built from victim/matrix.json.
std::vector<std::string> victim_variants() { return variant_libraries(TEST_VARIANTS, 16); }

TEST(ScanSweep, ChunksGiveTheSingleSweepsReferencesOnEveryVictimVariant) {
  for (const std::string& v : victim_variants()) expect_chunked_equals_single(v, 13);
}

TEST(ScanSweep, ChunksGiveTheSingleSweepsReferencesOnLibpythonAndLibcrypto) {
  expect_chunked_equals_single(kLibpython, 4099);
  expect_chunked_equals_single(kLibcrypto, 4099);
}

TEST(ScanSweep, TheScanDoesNotDependOnTheNumberOfThreads) {
  std::vector<std::string> files = victim_variants();
  files.push_back(kLibpython);
  files.push_back(kLibcrypto);
  for (const std::string& f : files) expect_scan_independent_of_threads(f);
}

}  // namespace
