// sweep.hpp — one linear sweep over a library's code sections, cut into chunks that threads sweep
// at the same time, with exactly the references a single sweep reports.
//
// A linear sweep (objdump's, the scanner's) decodes one instruction after another from the start
// of a section, so where an instruction starts depends on everything before it. A chunk that
// starts in the middle of a section is therefore only a guess: it starts at a function entry
// (where, after the compiler's padding, the single sweep nearly always lands), and its result is
// kept only if the previous chunk's sweep ended exactly on that start. Otherwise the chunk is swept
// again, after the others, from where the previous chunk really ended. x86 decoding is
// deterministic, so the kept chunks together report what the single sweep reports: each chunk's
// sink receives the references of the instructions that the single sweep decodes at offsets in
// [its start, its end), where its start is the end of the previous chunk's sweep.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "architecture.hpp"

namespace interprobe::scan {

struct CodeRange {
  std::span<const std::uint8_t> code;
  std::uint64_t address = 0;
};

struct Chunk {
  std::size_t range = 0;            // index into the ranges
  std::size_t begin = 0, stop = 0;  // offsets in that range's code: sweep from begin, up to stop
};

// Cuts each range into chunks of about `chunk_bytes`, each cut placed at the first of the sorted
// `entries` (addresses) at or after the ideal offset; a range with no such entry stays whole.
// Chunks come in address order, ranges in the order given.
std::vector<Chunk> plan_chunks(std::span<const CodeRange> ranges,
                               std::span<const std::uint64_t> entries, std::size_t chunk_bytes);

// Where each chunk's references go. discard(k) forgets what sink(k) received (its guessed start
// was wrong); sink(k) then receives the chunk's references again from the right start.
class ChunkSinks {
 public:
  virtual ~ChunkSinks() = default;
  virtual RefSink& sink(std::size_t chunk) = 0;
  virtual void discard(std::size_t chunk) = 0;
};

struct SweepStats {
  std::size_t chunks = 0;
  std::size_t resweeps = 0;  // chunks whose guessed start was wrong, swept again
};

// Sweeps the chunks on `threads` threads (the caller's included), each with its own decoder from
// `make_arch` (decoders keep state), then re-sweeps the chunks whose start was wrong on the
// calling thread. An exception from a thread is rethrown here after all have stopped.
SweepStats sweep_chunks(std::span<const CodeRange> ranges, std::span<const Chunk> chunks,
                        unsigned threads,
                        const std::function<std::unique_ptr<Architecture>()>& make_arch,
                        ChunkSinks& sinks);

}  // namespace interprobe::scan
