// symbol_lookup.cpp — see symbol_lookup.hpp. Calls no function (not even memcmp or strcmp): it
// runs inside a shim of libc while libc's own functions are being resolved. Compiled with
// -fno-builtin -fno-tree-loop-distribute-patterns -fno-stack-protector in the shim runtime
// (preload/shim/CMakeLists.txt) so that the compiler adds no call either.
#include "symbol_lookup.hpp"

#include <elf.h>

namespace probe {

namespace {

// What one object's dynamic section says about its symbols.
struct Tables {
  const ElfW(Sym) * symtab = nullptr;
  const char* strtab = nullptr;
  const std::uint32_t* gnu_hash = nullptr;
  const ElfW(Word) * sysv_hash = nullptr;
  const ElfW(Half) * versym = nullptr;
};

// ld.so relocates the dynamic section's pointers in place, except where that section is
// read-only; an unrelocated one is an offset from the load address (smaller than it).
template <typename T>
const T* pointer(const link_map* m, ElfW(Addr) p) {
  return reinterpret_cast<const T*>(p < m->l_addr ? p + m->l_addr : p);
}

Tables tables_of(const link_map* m) {
  Tables t;
  for (const ElfW(Dyn)* d = m->l_ld; d->d_tag != DT_NULL; ++d) {
    switch (d->d_tag) {
      case DT_SYMTAB:
        t.symtab = pointer<ElfW(Sym)>(m, d->d_un.d_ptr);
        break;
      case DT_STRTAB:
        t.strtab = pointer<char>(m, d->d_un.d_ptr);
        break;
      case DT_GNU_HASH:
        t.gnu_hash = pointer<std::uint32_t>(m, d->d_un.d_ptr);
        break;
      case DT_HASH:
        t.sysv_hash = pointer<ElfW(Word)>(m, d->d_un.d_ptr);
        break;
      case DT_VERSYM:
        t.versym = pointer<ElfW(Half)>(m, d->d_un.d_ptr);
        break;
      default:
        break;
    }
  }
  return t;
}

bool same(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) ++a, ++b;
  return *a == *b;
}

std::uint32_t gnu_hash(const char* s) {
  std::uint32_t h = 5381;
  for (; *s != '\0'; ++s) h = h * 33 + static_cast<unsigned char>(*s);
  return h;
}

std::uint32_t sysv_hash(const char* s) {
  std::uint32_t h = 0;
  for (; *s != '\0'; ++s) {
    h = (h << 4) + static_cast<unsigned char>(*s);
    const std::uint32_t g = h & 0xf0000000u;
    if (g != 0) h ^= g >> 24;
    h &= ~g;
  }
  return h;
}

// The state of one object's lookup, as glibc's check_match keeps it.
struct Match {
  const ElfW(Sym) * unversioned = nullptr;  // a definition without a version: wins at once
  const ElfW(Sym) * versioned = nullptr;    // the last default (not hidden) version seen
  int versions = 0;                         // how many of those
};

void consider(const Tables& t, std::uint32_t index, const char* name, Match& m) {
  const ElfW(Sym)& s = t.symtab[index];
  const unsigned type = ELF64_ST_TYPE(s.st_info), bind = ELF64_ST_BIND(s.st_info);
  if (s.st_shndx == SHN_UNDEF || s.st_value == 0) return;  // TLS is not looked up here
  if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_OBJECT && type != STT_NOTYPE &&
      type != STT_COMMON)
    return;
  if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE) return;
  if (!same(name, t.strtab + s.st_name)) return;
  // dlsym's rule (DL_LOOKUP_RETURN_NEWEST): index 0 or 1 is unversioned; a hidden version
  // (compat, name@VERSION) is never chosen by an unversioned lookup.
  const ElfW(Half) v = t.versym != nullptr ? t.versym[index] : 0;
  if ((v & 0x7fff) < 2) {
    if (m.unversioned == nullptr) m.unversioned = &s;
  } else if ((v & 0x8000) == 0) {
    m.versioned = &s;
    ++m.versions;
  }
}

const ElfW(Sym) * lookup(const Tables& t, const char* name) {
  if (t.symtab == nullptr || t.strtab == nullptr) return nullptr;
  Match m;
  if (const std::uint32_t* h = t.gnu_hash) {
    const std::uint32_t nbuckets = h[0], symoffset = h[1], bloom_size = h[2], shift = h[3];
    if (nbuckets == 0 || bloom_size == 0) return nullptr;
    const auto* bloom = reinterpret_cast<const ElfW(Addr)*>(h + 4);
    const auto* buckets = reinterpret_cast<const std::uint32_t*>(bloom + bloom_size);
    const std::uint32_t* chain = buckets + nbuckets;
    const std::uint32_t hash = gnu_hash(name);
    constexpr unsigned kBits = sizeof(ElfW(Addr)) * 8;
    const ElfW(Addr) word = bloom[(hash / kBits) % bloom_size];
    const ElfW(Addr) mask =
        (ElfW(Addr){1} << (hash % kBits)) | (ElfW(Addr){1} << ((hash >> shift) % kBits));
    if ((word & mask) != mask) return nullptr;
    std::uint32_t i = buckets[hash % nbuckets];
    if (i < symoffset) return nullptr;
    for (;; ++i) {
      const std::uint32_t h2 = chain[i - symoffset];
      if ((h2 | 1) == (hash | 1)) consider(t, i, name, m);
      if (m.unversioned != nullptr || (h2 & 1) != 0) break;
    }
  } else if (const ElfW(Word)* sh = t.sysv_hash) {
    const ElfW(Word) nbucket = sh[0];
    if (nbucket == 0) return nullptr;
    const ElfW(Word)* bucket = sh + 2;
    const ElfW(Word)* chain = bucket + nbucket;
    for (ElfW(Word) i = bucket[sysv_hash(name) % nbucket]; i != 0 && m.unversioned == nullptr;
         i = chain[i])
      consider(t, i, name, m);
  }
  if (m.unversioned != nullptr) return m.unversioned;
  return m.versions == 1 ? m.versioned : nullptr;  // glibc: one default version, no ambiguity
}

void* address_of(const link_map* m, const ElfW(Sym) * s) {
  ElfW(Addr) a = s->st_shndx == SHN_ABS ? s->st_value : m->l_addr + s->st_value;
  if (ELF64_ST_TYPE(s->st_info) == STT_GNU_IFUNC)  // what dlsym returns: the resolver's choice
    a = reinterpret_cast<ElfW(Addr) (*)()>(a)();
  return reinterpret_cast<void*>(a);
}

void* search(const link_map* from, const link_map* to, const char* name,
             const ElfW(Dyn) * self_dynamic, std::uintptr_t vdso_base) {
  for (const link_map* m = from; m != to; m = m->l_next) {
    if (m->l_ld == nullptr || m->l_ld == self_dynamic) continue;
    if (vdso_base != 0 && m->l_addr == vdso_base) continue;
    if (const ElfW(Sym)* s = lookup(tables_of(m), name)) return address_of(m, s);
  }
  return nullptr;
}

}  // namespace

void* find_definition_in(const link_map* head, const char* name, const ElfW(Dyn) * self_dynamic,
                         std::uintptr_t vdso_base) {
  const link_map* self = head;
  while (self != nullptr && self->l_ld != self_dynamic) self = self->l_next;
  if (self == nullptr) return search(head, nullptr, name, self_dynamic, vdso_base);
  if (void* p = search(self->l_next, nullptr, name, self_dynamic, vdso_base)) return p;
  return search(head, self, name, self_dynamic, vdso_base);
}

void* find_definition(const char* name, const ElfW(Dyn) * self_dynamic, std::uintptr_t vdso_base) {
  return find_definition_in(_r_debug.r_map, name, self_dynamic, vdso_base);
}

}  // namespace probe
