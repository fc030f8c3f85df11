// Bytes + headers -> RawArticle, or the reason the message belongs in the DLQ.
//
// Accepts (by content-type, else by sniffing): a JSON object
// {id,url,source|outlet,title,text|html,published_at,language}, a protobuf
// eventwire.v1.RawArticle, HTML, or bare text (first non-empty line = title).
//
//   eventwire::DecodeResult r = eventwire::DecodeArticle(payload, "application/json", key);
//   if (!r.ok()) SendToDlq(eventwire::DlqReasonName(r.reason), r.detail);
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventwire/v1/article.pb.h"

namespace eventwire {

enum class DlqReason {
  kNone,
  kEmpty,          // zero bytes, or only whitespace
  kOversize,       // larger than DecodeOptions::max_bytes
  kNotText,        // binary payload that is neither text nor a RawArticle
  kBadJson,        // looks like / declared as JSON but does not parse to an object
  kBadProtobuf,    // declared as protobuf but does not parse
  kMissingText,    // structurally valid, but no text or html to work on
};

// Stable, metric-label-safe name: "empty", "oversize", "not_text", ...
std::string_view DlqReasonName(DlqReason reason);

// All reasons except kNone, for pre-registering metric series.
const std::vector<DlqReason>& AllDlqReasons();

struct DecodeOptions {
  // Messages above this size are dead-lettered unread. 2 MiB covers the longest
  // real articles with HTML while bounding memory per in-flight message.
  size_t max_bytes = 2 * 1024 * 1024;
};

struct DecodeResult {
  std::optional<v1::RawArticle> article;  // set when decoding succeeded
  DlqReason reason = DlqReason::kNone;
  std::string detail;                     // human-readable explanation for the DLQ header
  bool ok() const { return article.has_value(); }
};

// Decodes one Kafka message. `content_type` may be empty (then the payload is
// sniffed); `key` becomes the id when the article carries none.
DecodeResult DecodeArticle(std::string_view payload, std::string_view content_type,
                           std::string_view key, const DecodeOptions& options = {});

// Decodes a file's contents for the offline CLI: JSON lines, one JSON object,
// HTML or bare text (detected). `name` (the file name) is the id fallback.
std::vector<DecodeResult> DecodeDocument(std::string_view contents, std::string_view name,
                                         const DecodeOptions& options = {});

}  // namespace eventwire
