// sweep_check.hpp — the exactness checks of tools/scan/sweep.hpp on one real file, for any
// instruction set the scanner reads: shared by scan_sweep_test.cpp (x86-64 files) and
// scan_aarch64_test.cpp (aarch64 files), each with both decoders of the file's machine.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "architecture.hpp"
#include "elf_image.hpp"
#include "machines.hpp"  // decoder_name
#include "sweep.hpp"

namespace interprobe::scan::checks {

using Key = std::tuple<std::uint64_t, std::uint64_t, int>;  // site, target, kind
inline Key key(const CodeRef& r) { return {r.site, r.target, static_cast<int>(r.kind)}; }

struct Collect final : RefSink {
  std::vector<Key> refs;
  void on_ref(const CodeRef& r) override { refs.push_back(key(r)); }
};

// One Collect per chunk; counts the chunks sweep_chunks discarded.
struct Collects final : ChunkSinks {
  explicit Collects(std::size_t n) : sinks(n) {}
  RefSink& sink(std::size_t k) override { return sinks[k]; }
  void discard(std::size_t k) override {
    sinks[k].refs.clear();
    ++discarded;
  }
  std::vector<Key> all() const {
    std::vector<Key> out;
    for (auto& s : sinks) out.insert(out.end(), s.refs.begin(), s.refs.end());
    return out;
  }
  std::vector<Collect> sinks;
  std::size_t discarded = 0;
};

struct Code {
  ElfImage image;
  ElfInfo info;
  std::vector<CodeRange> ranges;       // every executable section
  std::vector<std::uint64_t> entries;  // exported functions' addresses, sorted
};
Code code_of(const std::string& path);

// DIR/*/libvictim.so.1, sorted: the victim variants CMake built into DIR (at least `at_least`).
std::vector<std::string> variant_libraries(const std::string& dir, std::size_t at_least);

// One sweep over each range with the Architecture of ELF e_machine `machine`.
std::vector<Key> single_sweep(std::span<const CodeRange> ranges, std::uint16_t machine, Decoder d);
// The chunks swept on `threads` threads (sweep_chunks), every chunk's references in order.
SweepStats chunked(std::span<const CodeRange> ranges, std::uint16_t machine,
                   std::span<const Chunk> chunks, Decoder d, unsigned threads,
                   std::vector<Key>& out);

// Chunks cut at exported functions' entries (what the scanner does), and blind cuts every
// `stride` bytes (a prime, so that it falls at every offset modulo the usual instruction lengths
// and alignments: many guessed starts are wrong and the re-sweep decides), report exactly the
// single sweep's references, with both decoders.
void expect_chunked_equals_single(const std::string& path, std::size_t stride);
// The whole scan's JSON is the same with 1, 2 and 3 threads.
void expect_scan_independent_of_threads(const std::string& path);

}  // namespace interprobe::scan::checks
