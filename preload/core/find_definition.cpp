// find_definition.cpp — see find_definition.hpp.
#include "find_definition.hpp"

#include <dlfcn.h>
#include <link.h>

#include <cstddef>

namespace probe {

void* find_definition_elsewhere(const char* name, const void* self) {
  struct Find {
    const char* name;
    void* self_base;
    void* found;
  } find{name, nullptr, nullptr};
  Dl_info me{};
  if (dladdr(self, &me) != 0) find.self_base = me.dli_fbase;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) -> int {
        auto* f = static_cast<Find*>(data);
        if (info->dlpi_name == nullptr || info->dlpi_name[0] == '\0') return 0;
        void* h = dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
        if (h == nullptr) return 0;
        void* p = dlsym(h, f->name);
        Dl_info where{};
        if (p != nullptr && dladdr(p, &where) != 0 && where.dli_fbase != f->self_base) f->found = p;
        dlclose(h);
        return f->found != nullptr;
      },
      &find);
  return find.found;
}

}  // namespace probe
