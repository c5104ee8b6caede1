// patcher.cpp — patch_functions() (patch.hpp): plan each function, sweep the object's code for
// branches into the bytes to be replaced, fill a pool of stubs within reach, then write the jumps.
#include <sys/single_threaded.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "backend.hpp"
#include "code_memory.hpp"
#include "patch.hpp"

namespace interprobe::patch {

const char* describe(Refusal r) {
  switch (r) {
    case Refusal::none: return "patched";
    case Refusal::no_decoder: return "the instruction decoder (libZydis.so.4.0) could not be loaded";
    case Refusal::unknown_size: return "the symbol has no size, so its end is unknown";
    case Refusal::too_short: return "the function is shorter than the jump that would replace its first instructions";
    case Refusal::undecodable: return "one of its first instructions could not be decoded";
    case Refusal::call_in_stolen: return "a call among its first instructions (the callee would return into a copy without unwind information)";
    case Refusal::not_relocatable: return "one of its first instructions cannot be moved (a branch into them, jrcxz/loop, or a target out of reach)";
    case Refusal::branch_into_stolen: return "code elsewhere branches into its first instructions";
    case Refusal::no_room_nearby: return "no free address range within reach of the library for the counting stubs";
    case Refusal::cannot_write: return "its code could not be written";
    case Refusal::not_in_object: return "the address is not in the library's executable code";
    case Refusal::already_patched: return "its entry is already patched";
    case Refusal::threads_running: return "the process already runs several threads (code they may be executing is never rewritten)";
    case Refusal::in_vdso: return "the definition is in the vDSO, the kernel's page shared by every process (never rewritten)";
    case Refusal::no_symbol: return "no symbol starts at the definition's address, so its end is unknown";
    case Refusal::no_backend: return "interprobe has no entry patcher for this architecture yet";
    case Refusal::unloaded: return "its library was unloaded (dlclose) after it was patched (the calls counted while it was loaded are kept)";
    case Refusal::no_lahf_sahf: return "the CPU has no LAHF/SAHF in 64-bit mode, which the counting entry needs to keep the flags";
  }
  return "?";
}

namespace {

// Jumps written by earlier calls, so that a second request for one is refused, not stacked. An
// entry counts as patched while its bytes still are the jump: a library unloaded and loaded again
// at the same address has its original code back and is patched afresh.
struct Written {
  std::uintptr_t entry, site;
  std::uint8_t bytes[16];
  std::size_t length;
  bool still_there() const {
    return std::memcmp(reinterpret_cast<const void*>(site), bytes, length) == 0;
  }
};
std::vector<Written>& written_jumps() {
  static std::vector<Written> v;
  return v;
}
bool patched_already(std::uintptr_t entry) {
  for (const Written& w : written_jumps())
    if (w.entry == entry && w.still_there()) return true;
  return false;
}

}  // namespace

bool still_patched(std::uintptr_t entry) { return patched_already(entry); }

namespace {

bool in_code(std::span<const CodeRange> code, std::uintptr_t a, std::size_t n) {
  for (const CodeRange& r : code)
    if (a >= r.lo && a + n <= r.hi) return true;
  return false;
}

// The replaced byte ranges, sorted, for the sweep: a branch target t refuses its function if
// site < t < site + stolen, or t == site when the site is not the entry (a branch to just after
// endbr64 would run the jump as if the function were called).
struct Stolen {
  std::uintptr_t site, end, entry;
  std::size_t index;
  bool operator<(const Stolen& o) const { return site < o.site; }
};

struct Sweep {
  std::vector<Stolen> ranges;
  std::span<Outcome> out;
  static void on_target(void* ctx, std::uintptr_t t) {
    auto* s = static_cast<Sweep*>(ctx);
    auto it = std::upper_bound(s->ranges.begin(), s->ranges.end(), Stolen{t, 0, 0, 0});
    if (it == s->ranges.begin()) return;
    const Stolen& r = *std::prev(it);
    if (t < r.end && (t != r.site || r.site != r.entry))
      s->out[r.index].refusal = Refusal::branch_into_stolen;
  }
};

}  // namespace

std::size_t patch_functions(std::span<const CodeRange> code, std::span<const Function> functions,
                            CountingEntry entry, std::span<Outcome> out) {
  auto refuse_all = [&](Refusal r) {
    for (Outcome& o : out)
      if (o.refusal == Refusal::none) o = Outcome{r, 0, 0, 0};
    return std::size_t{0};
  };
  for (Outcome& o : out) o = Outcome{};
  if (functions.empty() || code.empty()) return 0;
  // Code another thread may be executing is never rewritten: glibc clears this flag for good when
  // the process creates its first thread.
  if (!__libc_single_threaded) return refuse_all(Refusal::threads_running);
  Refusal why = Refusal::none;
  Backend* be = host_backend(why);
  if (be == nullptr) return refuse_all(why);

  std::vector<Plan> plans(functions.size());
  Sweep sweep;
  sweep.out = out;
  for (std::size_t i = 0; i < functions.size(); ++i) {
    const Function& f = functions[i];
    Refusal& r = out[i].refusal;
    if (f.size != 0 && !in_code(code, f.entry, f.size))
      r = Refusal::not_in_object;
    else if (patched_already(f.entry))
      r = Refusal::already_patched;
    else
      r = be->plan(f.entry, f.size, plans[i]);
    for (std::size_t j = 0; j < i && r == Refusal::none; ++j)
      if (functions[j].entry == f.entry) r = Refusal::already_patched;
    if (r != Refusal::none) continue;
    out[i].patch_offset = plans[i].patch_offset;
    out[i].stolen = plans[i].stolen;
    sweep.ranges.push_back({plans[i].site(), plans[i].site() + plans[i].stolen, f.entry, i});
  }
  std::sort(sweep.ranges.begin(), sweep.ranges.end());
  if (!sweep.ranges.empty())
    for (const CodeRange& r : code) be->branch_targets(r, &Sweep::on_target, &sweep);

  std::size_t wanted = 0;
  for (const Outcome& o : out) wanted += o.refusal == Refusal::none;
  if (wanted == 0) return 0;
  std::uintptr_t lo = code.front().lo, hi = code.front().hi;
  for (const CodeRange& r : code) {
    lo = std::min(lo, r.lo);
    hi = std::max(hi, r.hi);
  }
  const std::size_t slot_bytes = 16, stub_bytes = (be->max_stub_size() + 15) & ~std::size_t{15};
  const std::size_t pool_bytes = slot_bytes + wanted * stub_bytes;
  auto* pool = static_cast<std::uint8_t*>(map_near(lo, hi, pool_bytes, be->reach() / 2));
  if (pool == nullptr) return refuse_all(Refusal::no_room_nearby);
  std::memcpy(pool, &entry.address, sizeof entry.address);
  const auto slot = reinterpret_cast<std::uintptr_t>(pool);

  std::vector<CodeWrite> writes;
  std::uint8_t* next = pool + slot_bytes;
  for (std::size_t i = 0; i < functions.size(); ++i) {
    if (out[i].refusal != Refusal::none) continue;
    const auto at = reinterpret_cast<std::uintptr_t>(next);
    Refusal r = Refusal::none;
    if (be->emit_stub(plans[i], functions[i].id, at, slot, next, r) == 0) {
      out[i].refusal = r;
      continue;
    }
    CodeWrite w;
    w.at = plans[i].site();
    w.length = be->emit_jump(w.at, at, w.bytes);
    w.tag = i;
    writes.push_back(w);
    out[i].stub = at;
    next += stub_bytes;
  }
  if (!seal(pool, pool_bytes)) return refuse_all(Refusal::cannot_write);
  const std::size_t written = write_code(writes.data(), writes.size());
  for (std::size_t k = 0; k < writes.size(); ++k) {
    const std::size_t i = writes[k].tag;
    if (k < written) {
      Written w{functions[i].entry, writes[k].at, {}, writes[k].length};
      std::memcpy(w.bytes, writes[k].bytes, writes[k].length);
      written_jumps().push_back(w);
    } else {
      out[i] = Outcome{Refusal::cannot_write, 0, 0, 0};
    }
  }
  return written;
}

}  // namespace interprobe::patch
