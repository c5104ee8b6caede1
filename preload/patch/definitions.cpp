// definitions.cpp — see definitions.hpp.
#include "definitions.hpp"

#include <dlfcn.h>
#include <link.h>
#include <sys/auxv.h>

#include <cstdio>
#include <cstring>

namespace interprobe::patch {

std::vector<CodeRange> code_of(std::uintptr_t address) {
  struct Search {
    std::uintptr_t inside;
    std::vector<CodeRange> code;
  } s{address, {}};
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) -> int {
        auto* seg = static_cast<Search*>(data);
        std::vector<CodeRange> mine;
        bool here = false;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
          const std::uintptr_t lo = info->dlpi_addr + ph.p_vaddr, hi = lo + ph.p_memsz;
          mine.push_back({lo, hi});
          here = here || (seg->inside >= lo && seg->inside < hi);
        }
        if (here) seg->code = std::move(mine);
        return here ? 1 : 0;
      },
      &s);
  return s.code;
}

bool still_loaded(const Definition& d) {
  dl_find_object found{};
  if (d.address == 0 || _dl_find_object(reinterpret_cast<void*>(d.address), &found) != 0)
    return false;
  if (reinterpret_cast<std::uintptr_t>(found.dlfo_map_start) != d.base) return false;
  // Another file mapped at the same place since: names differ (the executable, listed with an empty
  // name, is never unloaded).
  const char* name = found.dlfo_link_map != nullptr ? found.dlfo_link_map->l_name : nullptr;
  return name == nullptr || name[0] == '\0' || std::strcmp(name, d.object) == 0;
}

Refusal plan_definition(void* definition, std::uint32_t id, const char* main_path, Definition& d,
                        Function& fn) {
  d.address = reinterpret_cast<std::uintptr_t>(definition);
  Dl_info info{};
  ElfW(Sym)* sym = nullptr;
  if (dladdr1(definition, &info, reinterpret_cast<void**>(&sym), RTLD_DL_SYMENT) == 0)
    return Refusal::not_in_object;
  // The executable is listed with an empty name.
  const char* name =
      info.dli_fname != nullptr && info.dli_fname[0] != '\0' ? info.dli_fname : main_path;
  std::snprintf(d.object, sizeof d.object, "%.255s", name);
  d.base = reinterpret_cast<std::uintptr_t>(info.dli_fbase);
  if (reinterpret_cast<std::uintptr_t>(info.dli_fbase) == getauxval(AT_SYSINFO_EHDR)) {
    std::snprintf(d.object, sizeof d.object, "[vdso]");
    return Refusal::in_vdso;
  }
  if (sym == nullptr || info.dli_saddr != definition) return Refusal::no_symbol;
  fn = Function{d.address, sym->st_size, id};
  return Refusal::none;
}

void patch_definitions(const std::uint32_t* ids, void* const* defs, std::size_t n,
                       CountingEntry entry, const char* main_path, Definition* by_id) {
  std::vector<bool> done(n, false);
  // Two requested names, one definition (memalign and aligned_alloc in glibc, a library's
  // aliases): one entry, patched once; its calls are counted under the first name.
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t j = 0; j < k && !done[k]; ++j)
      if (defs[j] == defs[k] && !done[j]) {
        done[k] = true;
        Definition& d = by_id[ids[k]];
        d.address = reinterpret_cast<std::uintptr_t>(defs[k]);
        d.same_as = ids[j];
      }
  for (std::size_t i = 0; i < n; ++i) {
    if (done[i]) continue;
    const auto code = code_of(reinterpret_cast<std::uintptr_t>(defs[i]));
    std::vector<Function> fns;
    std::vector<std::uint32_t> which;
    for (std::size_t k = i; k < n; ++k) {
      if (done[k]) continue;
      bool here = false;
      for (const CodeRange& r : code)
        here = here || (reinterpret_cast<std::uintptr_t>(defs[k]) >= r.lo &&
                        reinterpret_cast<std::uintptr_t>(defs[k]) < r.hi);
      if (k != i && !here) continue;
      done[k] = true;
      Function fn;
      Definition& d = by_id[ids[k]];
      const Refusal r = plan_definition(defs[k], ids[k], main_path, d, fn);
      if (r != Refusal::none) {
        d.refusal = r;
        continue;
      }
      if (code.empty()) {
        d.refusal = Refusal::not_in_object;
        continue;
      }
      fns.push_back(fn);
      which.push_back(ids[k]);
    }
    if (fns.empty()) continue;
    std::vector<Outcome> out(fns.size());
    patch_functions(code, fns, entry, out);
    for (std::size_t k = 0; k < fns.size(); ++k) by_id[which[k]].refusal = out[k].refusal;
  }
}

}  // namespace interprobe::patch
