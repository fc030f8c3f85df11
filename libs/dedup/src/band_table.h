// One generation of the LSH index: an insert-only open-addressing table from
// band key to the article's position in the generation. An entry is 4 bytes:
// 24 bits of position and an 8-bit key fingerprint that rejects most
// colliding probes without touching the article. Expiry drops whole
// generations (see StoryIndex), so entries are never deleted one by one.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
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

  struct Free {
    void operator()(uint32_t* p) const { std::free(p); }
  };

  // Zeroed slots, 2 MiB-aligned and marked for transparent huge pages: every
  // lookup probes ~100 random slots across tables of 4-128 MiB, and with 4 KiB
  // pages each probe was also a TLB miss. (Only a hint: without THP the
  // memory is ordinary pages.)
  static std::unique_ptr<uint32_t[], Free> Allocate(size_t capacity) {
    constexpr size_t kHugePage = size_t{2} << 20;
    const size_t bytes = (capacity * sizeof(uint32_t) + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, bytes);
    if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);
#endif
    std::memset(p, 0, bytes);
    return std::unique_ptr<uint32_t[], Free>(static_cast<uint32_t*>(p));
  }

  std::unique_ptr<uint32_t[], Free> slots_;
  size_t capacity_;
  size_t mask_;
  size_t used_ = 0;
};

}  // namespace eventwire::dedup
