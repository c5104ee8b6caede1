// sweep.cpp — chunked linear sweeps on threads, checked against the single sweep (sweep.hpp).
#include "sweep.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

namespace interprobe::scan {

std::vector<Chunk> plan_chunks(std::span<const CodeRange> ranges,
                               std::span<const std::uint64_t> entries, std::size_t chunk_bytes) {
  std::vector<Chunk> chunks;
  for (std::size_t r = 0; r < ranges.size(); ++r) {
    const CodeRange& range = ranges[r];
    const std::size_t n = range.code.size();
    const std::size_t parts = chunk_bytes == 0 ? 1 : std::max<std::size_t>(1, n / chunk_bytes);
    std::size_t begin = 0;
    for (std::size_t i = 1; i < parts; ++i) {
      const std::size_t ideal = n / parts * i;
      if (ideal <= begin) continue;
      auto it = std::lower_bound(entries.begin(), entries.end(), range.address + ideal);
      if (it == entries.end() || *it >= range.address + n) break;
      const std::size_t cut = static_cast<std::size_t>(*it - range.address);
      chunks.push_back({r, begin, cut});
      begin = cut;
    }
    chunks.push_back({r, begin, n});
  }
  return chunks;
}

SweepStats sweep_chunks(std::span<const CodeRange> ranges, std::span<const Chunk> chunks,
                        unsigned threads,
                        const std::function<std::unique_ptr<Architecture>()>& make_arch,
                        ChunkSinks& sinks) {
  std::vector<std::size_t> ends(chunks.size());
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto worker = [&] {
    try {
      std::unique_ptr<Architecture> arch = make_arch();
      for (std::size_t k; (k = next.fetch_add(1)) < chunks.size();) {
        const Chunk& c = chunks[k];
        const CodeRange& r = ranges[c.range];
        ends[k] = arch->sweep(r.code, r.address, c.begin, c.stop, sinks.sink(k));
      }
    } catch (...) {
      next.store(chunks.size());  // the others stop after their current chunk
      std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  const unsigned n = static_cast<unsigned>(
      std::clamp<std::size_t>(threads, 1, std::max<std::size_t>(chunks.size(), 1)));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < n; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);

  // Each chunk after the first of its range is right only if the sweep before it ended exactly
  // where it began; if not, it is swept again from there (on this thread, in order, so that a
  // re-swept chunk's new end is known before the next chunk is checked).
  SweepStats stats;
  stats.chunks = chunks.size();
  std::unique_ptr<Architecture> arch;
  for (std::size_t k = 1; k < chunks.size(); ++k) {
    const Chunk& c = chunks[k];
    if (chunks[k - 1].range != c.range || ends[k - 1] == c.begin) continue;
    sinks.discard(k);
    ++stats.resweeps;
    const std::size_t from = ends[k - 1];
    if (from >= c.stop) {  // an instruction of the previous chunk covered all of this one
      ends[k] = from;
      continue;
    }
    if (!arch) arch = make_arch();
    const CodeRange& r = ranges[c.range];
    ends[k] = arch->sweep(r.code, r.address, from, c.stop, sinks.sink(k));
  }
  return stats;
}

}  // namespace interprobe::scan
