// sweep_check.cpp — see sweep_check.hpp.
#include "sweep_check.hpp"

#include <elf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "scan_render.hpp"
#include "scanner.hpp"

namespace interprobe::scan::checks {

std::vector<std::string> variant_libraries(const std::string& dir, std::size_t at_least) {
  std::vector<std::string> out;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (std::filesystem::exists(e.path() / "libvictim.so.1"))
      out.push_back((e.path() / "libvictim.so.1").string());
  std::sort(out.begin(), out.end());
  EXPECT_GE(out.size(), at_least) << dir;
  return out;
}

Code code_of(const std::string& path) {
  Code c{ElfImage::open_file(path), {}, {}, {}};
  c.info = read_elf(c.image);
  for (const Section& s : c.info.sections)
    if (s.executable()) c.ranges.push_back({s.data, s.addr});
  for (const DynSymbol& s : c.info.dynsyms)
    if (s.type == STT_FUNC && s.shndx != SHN_UNDEF) c.entries.push_back(s.value);
  std::sort(c.entries.begin(), c.entries.end());
  c.entries.erase(std::unique(c.entries.begin(), c.entries.end()), c.entries.end());
  return c;
}

std::vector<Key> single_sweep(std::span<const CodeRange> ranges, std::uint16_t machine, Decoder d) {
  Collect all;
  auto arch = make_architecture(machine, d);
  for (const CodeRange& r : ranges) arch->find_references(r.code, r.address, all);
  return all.refs;
}

SweepStats chunked(std::span<const CodeRange> ranges, std::uint16_t machine,
                   std::span<const Chunk> chunks, Decoder d, unsigned threads,
                   std::vector<Key>& out) {
  Collects sinks(chunks.size());
  SweepStats st = sweep_chunks(
      ranges, chunks, threads, [=] { return make_architecture(machine, d); }, sinks);
  EXPECT_EQ(st.resweeps, sinks.discarded);
  out = sinks.all();
  return st;
}

void expect_chunked_equals_single(const std::string& path, std::size_t stride) {
  Code c = code_of(path);
  std::size_t total = 0;
  for (auto& r : c.ranges) total += r.code.size();
  for (Decoder d : {Decoder::standard, Decoder::capstone}) {
    const std::vector<Key> want = single_sweep(c.ranges, c.info.machine, d);
    ASSERT_FALSE(want.empty()) << path;
    std::vector<Key> got;
    // What the scanner does: cuts at exported functions' entries.
    auto at_entries = plan_chunks(c.ranges, c.entries, std::max<std::size_t>(total / 16, 64));
    SweepStats st = chunked(c.ranges, c.info.machine, at_entries, d, 2, got);
    EXPECT_EQ(got, want) << path << " " << decoder_name(c.info.machine, d) << ", cuts at entries";
    EXPECT_GT(st.chunks, c.ranges.size() + 2) << path << ": the plan cut (almost) nothing";
    // Cuts every `stride` bytes, wherever that falls: many guessed starts are inside an
    // instruction and must be swept again.
    std::vector<Chunk> blind;
    for (std::size_t r = 0; r < c.ranges.size(); ++r)
      for (std::size_t b = 0; b < c.ranges[r].code.size(); b += stride)
        blind.push_back({r, b, std::min(b + stride, c.ranges[r].code.size())});
    const SweepStats at_entries_stats = st;
    st = chunked(c.ranges, c.info.machine, blind, d, 3, got);
    EXPECT_EQ(got, want) << path << " " << decoder_name(c.info.machine, d) << ", blind cuts";
    EXPECT_GT(st.resweeps, 0u) << path << ": no blind cut was wrong, the re-sweep is untested";
    // For the log: a function entry is nearly always where the single sweep lands.
    std::cout << path << " " << decoder_name(c.info.machine, d) << ": swept again "
              << at_entries_stats.resweeps << " of " << at_entries_stats.chunks
              << " chunks cut at entries, " << st.resweeps << " of " << st.chunks << " cut blind\n";
  }
}

void expect_scan_independent_of_threads(const std::string& path) {
  ScanOptions one, many;
  one.threads = 1;
  const LibraryReport single = scan_file(path, one);
  ASSERT_TRUE(single.error.empty()) << path << ": " << single.error;
  const std::string want = render_json({single});
  for (unsigned t : {2u, 3u}) {
    many.threads = t;
    EXPECT_EQ(render_json({scan_file(path, many)}), want) << path << " with " << t << " threads";
  }
}

}  // namespace interprobe::scan::checks
