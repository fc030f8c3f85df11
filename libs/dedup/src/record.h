// SignatureRecord: one article's index entry as bytes, for the signatures.v1
// topic and for snapshots. Self-contained: another StoryIndex can index the
// article and rebuild its story from it. Layout (little-endian) in record.cc.
#pragma once

#include <cstdint>
#include <string>

#include <absl/status/statusor.h>
#include <absl/strings/string_view.h>

#include "sketch.h"

namespace eventwire::dedup {

// The signature version: raised whenever the sketch of a text changes (word
// hash, shingles, bins, figure slots), since sketches of two versions do not
// compare. 1: xxHash word hashes (records "EWS1", snapshots "EWSNAP01");
// 2: multiply-fold word hashes ("EWS2", "EWSNAP02").
inline constexpr int kSignatureVersion = 2;

// True when the bytes are a record of an earlier signature version (by its
// magic alone): valid when written, but not comparable with this build's
// sketches. StoryIndex drops such records and counts them.
bool IsOlderVersionRecord(absl::string_view bytes);

struct SignatureRecord {
  uint64_t story_key = 0;
  uint32_t article_key = 0;   // hash of the article id (with the bins: redelivery check)
  int64_t event_time = 0;     // Unix seconds used for the window
  Sketch sketch;              // band keys are recomputed from its bins
  // The story as this article left it; Apply() never lowers local counts.
  uint32_t num_articles = 0;
  uint32_t num_sources = 0;
  uint64_t version = 0;
  int64_t first_seen = 0;
  std::string article_id, source, url, title;
  std::string canonical_article_id, story_title, language;
  std::string duplicate_of;
  double similarity = 0;
};

std::string Encode(const SignatureRecord& record);
absl::StatusOr<SignatureRecord> Decode(absl::string_view bytes);

}  // namespace eventwire::dedup
