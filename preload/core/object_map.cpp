// object_map.cpp — see object_map.hpp.
#include "object_map.hpp"

#include <dlfcn.h>
#include <link.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace probe {

ObjectMap::ObjectMap() {
  for (auto& slot : slots_) {
    void* p = mmap(nullptr, sizeof(Table), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) std::abort();  // start-up, 8 × 48 KiB: nothing sensible to fall back to
    slot = static_cast<Table*>(p);
    slot->size = 0;
  }
  std::memcpy(names_[0], "[unknown]", sizeof "[unknown]");
}

ObjectId ObjectMap::lookup(std::uintptr_t addr) const {
  const Table* t = current_.load(std::memory_order_acquire);
  if (t == nullptr) return kUnknownObject;
  std::size_t lo = 0, hi = std::min(t->size, kMaxRanges);
  while (lo < hi) {  // first range with range.hi > addr
    std::size_t mid = (lo + hi) / 2;
    if (t->ranges[mid].hi <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < kMaxRanges && lo < t->size && t->ranges[lo].lo <= addr) {
    ObjectId id = t->ranges[lo].id;
    return id < kMaxObjects ? id : kUnknownObject;
  }
  return kUnknownObject;
}

ObjectId ObjectMap::intern(std::string_view path) {
  if (path.size() >= kMaxPath) path = path.substr(path.size() - (kMaxPath - 1));
  std::size_t n = num_objects_.load(std::memory_order_relaxed);
  for (std::size_t i = 1; i < n; ++i)
    if (path == names_[i]) return static_cast<ObjectId>(i);
  if (n == kMaxObjects) return kUnknownObject;
  std::memcpy(names_[n], path.data(), path.size());
  names_[n][path.size()] = '\0';
  num_objects_.store(n + 1, std::memory_order_release);
  return static_cast<ObjectId>(n);
}

ObjectMap::Table* ObjectMap::begin_refresh() {
  if (writer_busy_.test_and_set(std::memory_order_acquire)) return nullptr;
  Table* t = slots_[next_slot_];
  next_slot_ = (next_slot_ + 1) % kSlots;
  t->size = 0;
  return t;
}

void ObjectMap::add_range(Table* t, std::uintptr_t lo, std::uintptr_t hi, std::string_view path) {
  if (t->size == kMaxRanges || hi <= lo) return;
  t->ranges[t->size++] = Range{lo, hi, intern(path)};
}

void ObjectMap::commit_refresh(Table* t) {
  std::sort(t->ranges, t->ranges + t->size,
            [](const Range& a, const Range& b) { return a.lo < b.lo; });
  current_.store(t, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  writer_busy_.clear(std::memory_order_release);
}

bool ObjectMap::refresh(std::span<const Segment> segments) {
  Table* t = begin_refresh();
  if (t == nullptr) return false;
  for (const Segment& s : segments) add_range(t, s.lo, s.hi, s.path);
  commit_refresh(t);
  return true;
}

namespace {

struct Collect {
  ObjectMap* map;
  void* table;
  std::string_view main_path;
};

}  // namespace

// Names are copied inside the callback, while the loader guarantees they stay valid.
int ObjectMap::collect_segments(dl_phdr_info* info, std::size_t, void* data) {
  auto* c = static_cast<Collect*>(data);
  std::string_view path = info->dlpi_name != nullptr ? info->dlpi_name : "";
  if (path.empty()) path = c->main_path;  // the executable is listed first, without a name
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
    std::uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
    c->map->add_range(static_cast<Table*>(c->table), lo, lo + ph.p_memsz, path);
  }
  return 0;
}

bool ObjectMap::refresh_from_loader(std::string_view main_path) {
  Table* t = begin_refresh();
  if (t == nullptr) return false;
  Collect c{this, t, main_path};
  dl_iterate_phdr(collect_segments, &c);
  commit_refresh(t);
  return true;
}

bool ObjectMap::add_object(std::uintptr_t lo, std::uintptr_t hi, std::string_view path) {
  Table* t = begin_refresh();
  if (t == nullptr) return false;
  const Table* old = current_.load(std::memory_order_acquire);  // never t: slots rotate
  if (old != nullptr)
    for (std::size_t i = 0; i < old->size; ++i)
      if (old->ranges[i].hi <= lo || old->ranges[i].lo >= hi)  // keep what does not overlap
        t->ranges[t->size++] = old->ranges[i];
  add_range(t, lo, hi, path);
  commit_refresh(t);
  return true;
}

std::optional<ObjectId> ObjectMap::learn(std::uintptr_t addr, std::string_view main_path) {
  dl_find_object found{};
  if (_dl_find_object(reinterpret_cast<void*>(addr), &found) != 0 || found.dlfo_link_map == nullptr)
    return kUnknownObject;
  const char* name = found.dlfo_link_map->l_name;
  if (!add_object(reinterpret_cast<std::uintptr_t>(found.dlfo_map_start),
                  reinterpret_cast<std::uintptr_t>(found.dlfo_map_end),
                  name != nullptr && name[0] != '\0' ? std::string_view(name) : main_path))
    return std::nullopt;
  return lookup(addr);
}

std::string_view ObjectMap::object_name(ObjectId id) const {
  return id < object_count() ? std::string_view(names_[id]) : std::string_view(names_[0]);
}

}  // namespace probe
