// Fixed-width integers in records and snapshots, as raw little-endian bytes
// (the dedup signature records, the event merger's records and snapshots,
// the pipeline's StorySync snapshot).
//
//   std::string out;  PutFixed<uint32_t>(&out, n);
//   absl::string_view in = out;  uint32_t m;  if (!GetFixed(&in, &m)) ...truncated
#pragma once

#include <absl/base/internal/endian.h>

#include <cstring>
#include <string>

namespace eventwire {

static_assert(absl::little_endian::IsLittleEndian(), "records are written little-endian with memcpy");

template <typename T>
void PutFixed(std::string* out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out->append(buf, sizeof(T));
}

// Reads a T from the front of `in` (std::string_view or absl::string_view)
// and consumes it; false, with `in` untouched, when fewer bytes remain.
template <typename View, typename T>
bool GetFixed(View* in, T* v) {
  if (in->size() < sizeof(T)) return false;
  std::memcpy(v, in->data(), sizeof(T));
  in->remove_prefix(sizeof(T));
  return true;
}

}  // namespace eventwire
