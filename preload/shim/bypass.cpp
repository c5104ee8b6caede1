// bypass.cpp — PROBE_BYPASS in a shim (bypass.hpp): the entries patched at the constructor, the
// slow half of the counting entry, and what the report reads. The fast half is bypass_hit.cpp.
#include "bypass.hpp"

#include <sys/single_threaded.h>

#include <cerrno>
#include <new>
#include <vector>

#include "definitions.hpp"
#include "shim_report.hpp"

extern "C" void interprobe_bypass_entry();  // preload/patch/x86_64/entry.S

namespace shim {

bool g_bypass_on = false;
std::uint32_t* g_counted_as = nullptr;

namespace {

namespace patch = interprobe::patch;

// By trampoline index; allocated at install (the constructor), read at report time.
patch::Definition* g_definitions = nullptr;

}  // namespace

void bypass_install() {
  if (!shim_settings().bypass || g_bypass_on) return;
  const std::uint32_t n = interprobe_shim_count;
  // The counts' keys hold 3n "symbols" (bypass.hpp).
  if (std::uint64_t{3} * n >= SparseCounts::kMaxSymbols) {
    add_notice("interprobe shim: PROBE_BYPASS: too many trampolines to count bypassed calls");
    return;
  }
  g_definitions = new (std::nothrow) patch::Definition[n];
  g_counted_as = new (std::nothrow) std::uint32_t[n];
  if (g_definitions == nullptr || g_counted_as == nullptr) return;
  std::vector<std::uint32_t> ids;
  std::vector<void*> defs;
  for (std::uint32_t i = 0; i < n; ++i) {
    g_counted_as[i] = i;
    // Resolved now rather than at the first call: the entry must be patched before anyone runs
    // it, and resolution calls nothing (runtime.cpp). Not found (a library loaded later): its
    // first call resolves it as usual; its entry stays unpatched (the report says so).
    void* def = __atomic_load_n(&interprobe_shim_targets[i], __ATOMIC_ACQUIRE);
    if (def == nullptr) def = resolve_index(i);
    if (def == nullptr) continue;
    __atomic_store_n(&interprobe_shim_targets[i], def, __ATOMIC_RELEASE);
    ids.push_back(i);
    defs.push_back(def);
  }
  if (!__libc_single_threaded) {
    // A constructor run after a thread was started (by an earlier constructor): nothing is
    // rewritten (preload/patch/README.md); every definition is reported with the reason.
    for (std::size_t k = 0; k < ids.size(); ++k) {
      patch::Function fn;
      patch::Definition& d = g_definitions[ids[k]];
      const patch::Refusal r =
          patch::plan_definition(defs[k], ids[k], probe::g_process.main_path, d, fn);
      d.refusal = r != patch::Refusal::none ? r : patch::Refusal::threads_running;
    }
  } else {
    patch::patch_definitions(ids.data(), defs.data(), ids.size(),
                             {reinterpret_cast<std::uintptr_t>(&interprobe_bypass_entry)},
                             probe::g_process.main_path, g_definitions);
  }
  for (const std::uint32_t i : ids)
    if (g_definitions[i].same_as >= 0)
      g_counted_as[i] = static_cast<std::uint32_t>(g_definitions[i].same_as);
  g_bypass_on = true;  // from now on the trampolines mark their calls
  probe::bump_epoch();  // and every site filled before leaves the trampolines' fast path
}

bool bypass_definition(std::uint32_t index, BypassDefinitionView& out) {
  if (!g_bypass_on || index >= interprobe_shim_count) return false;
  const patch::Definition& d = g_definitions[index];
  out.address = d.address;
  out.object = d.address != 0 && d.same_as >= 0 ? g_definitions[d.same_as].object : d.object;
  out.refused = d.address != 0 && d.same_as < 0 && d.refusal != patch::Refusal::none
                    ? patch::describe(d.refusal)
                    : nullptr;
  out.same_as = d.same_as;
  return true;
}

}  // namespace shim

using namespace shim;

// The slow half of the counting entry (entry.S saved the vector state): a thread's first
// arrival, or a return address the cache does not know.
extern "C" __attribute__((visibility("hidden"))) void interprobe_bypass_slow(std::uint32_t id,
                                                                             std::uintptr_t ret) {
  if (probe::in_runtime() || id >= interprobe_shim_count) return;
  const int saved_errno = errno;  // as interprobe_shim_slow: the callee may read it
  probe::set_in_runtime(true);
  if (SparseCounts::Table* t = thread_table()) {
    const std::uint32_t epoch = probe::g_epoch.load(std::memory_order_acquire);  // before the lookup
    const probe::ObjectId object = probe::attribute(ret);
    probe::sync_epoch();  // the lookup may have learned an object
    bypass_count(t, id, ret, object, epoch);
  }
  probe::set_in_runtime(false);
  errno = saved_errno;
}
