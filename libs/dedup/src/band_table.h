// One generation of the LSH index: an insert-only open-addressing table from
// band key to the article's position in the generation. An entry is 4 bytes:
// 24 bits of position and an 8-bit key fingerprint that rejects most
// colliding probes without touching the article. Expiry drops whole
// generations (see StoryIndex), so entries are never deleted one by one.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

namespace eventwire::dedup {

class BandTable {
 public:
  static constexpr uint32_t kMaxPositions = (1u << 24) - 2;

  // capacity: number of slots, a power of two.
  explicit BandTable(size_t capacity) : slots_(Allocate(capacity)), capacity_(capacity), mask_(capacity - 1) {}

  // Tables roll over (a new generation starts) at 75% load so probe chains stay short.
  bool HasRoomFor(size_t n) const { return (used_ + n) * 4 <= capacity_ * 3; }
  size_t capacity() const { return capacity_; }
  size_t used() const { return used_; }
  size_t bytes() const { return capacity_ * sizeof(uint32_t); }

  // REQUIRES: HasRoomFor(1), position <= kMaxPositions.
  void Insert(uint64_t key, uint32_t position) {
    size_t p = key & mask_;
    while (slots_[p] != 0) p = (p + 1) & mask_;
    slots_[p] = ((position + 1) << 8) | Fingerprint(key);
    ++used_;
  }

  // Starts loading the first slot of key's chain: a lookup probes 20 bands in
  // every generation, each a likely cache miss, and issuing all the loads
  // before the probes lets them overlap.
  void Prefetch(uint64_t key) const { __builtin_prefetch(&slots_[key & mask_]); }

  // Calls f(position) for each entry whose fingerprint matches key.
  template <typename F>
  void Find(uint64_t key, F&& f) const {
    const uint32_t fp = Fingerprint(key);
    // The table is never full, so an empty slot ends every chain.
    for (size_t p = key & mask_; slots_[p] != 0; p = (p + 1) & mask_) {
      if ((slots_[p] & 0xFF) == fp) f((slots_[p] >> 8) - 1);
    }
  }

 private:
  static uint32_t Fingerprint(uint64_t key) { return static_cast<uint32_t>(key >> 56); }

  static constexpr size_t kHugePage = size_t{2} << 20;
  static size_t MappedBytes(size_t capacity) {
    return (capacity * sizeof(uint32_t) + kHugePage - 1) / kHugePage * kHugePage;
  }
  struct Unmap {
    size_t bytes;
    void operator()(uint32_t* p) const { munmap(p, bytes); }
  };

  // Zeroed slots straight from mmap, so no memset: zeroing a new 16-128 MiB
  // generation held the Add() that started it for tens of milliseconds; now
  // pages are zeroed by the kernel as inserts first touch them. 2 MiB-aligned
  // and marked for transparent huge pages: every lookup probes ~60 random
  // slots across the tables, and with 4 KiB pages each probe was also a TLB
  // miss. (Only a hint: without THP the memory is ordinary pages.)
  static std::unique_ptr<uint32_t[], Unmap> Allocate(size_t capacity) {
    const size_t bytes = MappedBytes(capacity);
    // Over-map by one huge page to align the start.
    void* raw = mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
    if (aligned > start) munmap(raw, aligned - start);
    const uintptr_t end = start + bytes + kHugePage;
    if (end > aligned + bytes) munmap(reinterpret_cast<void*>(aligned + bytes), end - (aligned + bytes));
    void* p = reinterpret_cast<void*>(aligned);
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return std::unique_ptr<uint32_t[], Unmap>(static_cast<uint32_t*>(p), Unmap{bytes});
  }

  std::unique_ptr<uint32_t[], Unmap> slots_;
  size_t capacity_;
  size_t mask_;
  size_t used_ = 0;
};

}  // namespace eventwire::dedup
