// bypass_hit.cpp — the C half of the shim's counting entry (preload/patch/x86_64/entry.S), for
// what the entry's own fast path does not count (runtime/entry_counter.hpp),
// called at a patched definition's entry with the host's vector registers live: compiled
// -mgeneral-regs-only (CMakeLists.txt), calling nothing but the cached ObjectMap lookup, like
// hit.cpp. Returns 0 when the slow half (bypass.cpp) must finish: a thread's first table, an
// address in no known object.
#include "bypass.hpp"

using namespace shim;

extern "C" __attribute__((visibility("hidden"))) int interprobe_bypass_hit(std::uint32_t id,
                                                                           std::uintptr_t ret) {
  // The runtime's own work (e.g. its calls of libc while a shim of libc reports): neither kind.
  if (probe::in_runtime() || id >= interprobe_shim_count) return 1;
  if (!probe::runtime_ready()) return 1;
  SparseCounts::Table* t = t_table;
  if (__builtin_expect(t == nullptr, 0)) return 0;
  if (t == kThreadGone) t = g_counts->shared();
  const std::uint32_t epoch = probe::g_epoch.load(std::memory_order_acquire);  // before the lookup
  const probe::ObjectId object = cached_object(ret);
  if (object == probe::kUnknownObject) return 0;
  bypass_count(t, id, ret, object, epoch);
  return 1;
}
