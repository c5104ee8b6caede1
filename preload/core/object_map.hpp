// object_map.hpp — which loaded object (executable, shared library, vDSO) contains an address.
//
// Objects get stable small ids (their path is their identity, so a library dlclose'd and loaded
// again keeps its id and its counts). The address→id map is an immutable sorted array published
// through an atomic pointer: readers on the hook path do a lock-free binary search; a refresh
// builds the next array in one of kSlots preallocated buffers and publishes it. Buffers are reused
// round-robin, never unmapped, so a reader never touches unmapped memory; a reader preempted for
// kSlots-1 whole refreshes may attribute one call to a wrong object, never crash (ids are
// bounds-checked).
#pragma once

#include <link.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace probe {

using ObjectId = std::uint16_t;

inline constexpr ObjectId kUnknownObject = 0;  // address in no known object
inline constexpr std::size_t kMaxObjects = 256;  // ids beyond this count as kUnknownObject

// One executable address range of one object, as given to refresh().
struct Segment {
  std::uintptr_t lo;
  std::uintptr_t hi;  // one past the end
  std::string_view path;
};

class ObjectMap {
 public:
  static constexpr std::size_t kMaxRanges = 2048;
  static constexpr std::size_t kSlots = 8;
  static constexpr std::size_t kMaxPath = 256;

  ObjectMap();
  ObjectMap(const ObjectMap&) = delete;
  ObjectMap& operator=(const ObjectMap&) = delete;

  // Hook path: lock-free, allocation-free.
  ObjectId lookup(std::uintptr_t addr) const;
  std::uint32_t generation() const { return generation_.load(std::memory_order_acquire); }

  // Replaces the map with `segments`. Returns false (and changes nothing) if another refresh is
  // running: callers never wait.
  bool refresh(std::span<const Segment> segments);

  // Reads the loaded objects with dl_iterate_phdr (takes glibc's loader lock) and refreshes.
  // `main_path` names the executable, which the loader lists with an empty name.
  bool refresh_from_loader(std::string_view main_path);

  // On a lookup miss, for an object loaded since the last refresh: adds the range [lo, hi) of
  // `path` to the map (dropping any stale range it overlaps, left by an unloaded object). The
  // probe finds the range with _dl_find_object, which takes no loader lock, so a miss on the hook
  // path never waits for the loader. Returns false (and changes nothing) if another refresh runs.
  bool add_object(std::uintptr_t lo, std::uintptr_t hi, std::string_view path);

  // What a hook does on a miss: asks glibc's _dl_find_object (lock-free, async-signal-safe,
  // glibc >= 2.35) which object contains `addr` and adds it. Returns its id, kUnknownObject for
  // code in no object (JIT), or nullopt if another refresh was running (try again later; do not
  // cache the answer). `main_path` names the executable, which the loader lists as "".
  std::optional<ObjectId> learn(std::uintptr_t addr, std::string_view main_path);

  // Report time: object names by id ("[unknown]" for id 0).
  std::size_t object_count() const { return num_objects_.load(std::memory_order_acquire); }
  std::string_view object_name(ObjectId id) const;

  // After fork in the child: a refresh that was running in another thread is gone.
  void reset_after_fork() { writer_busy_.clear(std::memory_order_relaxed); }

 private:
  struct Range {
    std::uintptr_t lo, hi;
    ObjectId id;
  };
  struct Table {
    std::size_t size;
    Range ranges[kMaxRanges];
  };

  ObjectId intern(std::string_view path);
  Table* begin_refresh();  // nullptr if another refresh is running
  void add_range(Table* t, std::uintptr_t lo, std::uintptr_t hi, std::string_view path);
  void commit_refresh(Table* t);
  static int collect_segments(::dl_phdr_info* info, std::size_t size, void* data);

  Table* slots_[kSlots];  // mmap'd once, never unmapped
  std::size_t next_slot_ = 0;
  std::atomic<Table*> current_{nullptr};
  std::atomic<std::uint32_t> generation_{0};
  std::atomic_flag writer_busy_ = ATOMIC_FLAG_INIT;
  char names_[kMaxObjects][kMaxPath] = {};
  std::atomic<std::size_t> num_objects_{1};
};

}  // namespace probe
