#include "record.h"

#include <cstring>

#include <absl/status/status.h>

#include "eventwire/fixed_bytes.h"

namespace eventwire::dedup {
namespace {

// "EWS" + the signature version (kSignatureVersion).
constexpr char kMagic[4] = {'E', 'W', 'S', '0' + kSignatureVersion};
static_assert(kSignatureVersion >= 1 && kSignatureVersion <= 9, "one digit in the magic");
constexpr size_t kMaxString = 1 << 20;

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  template <typename T>
  void Put(T v) {
    PutFixed<T>(out_, v);
  }
  void PutString(absl::string_view s) {
    Put<uint32_t>(static_cast<uint32_t>(s.size()));
    out_->append(s.data(), s.size());
  }

 private:
  std::string* out_;
};

class Reader {
 public:
  explicit Reader(absl::string_view in) : in_(in) {}
  template <typename T>
  bool Get(T* v) {
    return GetFixed(&in_, v);
  }
  bool GetString(std::string* s) {
    uint32_t n = 0;
    if (!Get(&n) || n > kMaxString || in_.size() < n) return false;
    s->assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  absl::string_view in_;
};

}  // namespace

bool IsOlderVersionRecord(absl::string_view bytes) {
  return bytes.size() >= 4 && std::memcmp(bytes.data(), kMagic, 3) == 0 && bytes[3] >= '1' &&
         bytes[3] < kMagic[3];
}

std::string Encode(const SignatureRecord& r) {
  std::string out;
  out.reserve(200 + r.article_id.size() + r.title.size() + r.url.size() + r.story_title.size());
  out.append(kMagic, 4);
  Writer w(&out);
  w.Put(r.story_key);
  w.Put(r.article_key);
  w.Put(r.event_time);
  w.Put(r.sketch.shingles);
  w.Put(r.sketch.num_figures);
  for (int i = 0; i < r.sketch.num_figures; ++i) {
    w.Put(r.sketch.figures[i].key);
    w.Put(r.sketch.figures[i].value);
  }
  out.append(reinterpret_cast<const char*>(r.sketch.bins.data()), kBins);
  w.Put(r.num_articles);
  w.Put(r.num_sources);
  w.Put(r.version);
  w.Put(r.first_seen);
  w.Put(r.similarity);
  for (const std::string* s : {&r.article_id, &r.source, &r.url, &r.title, &r.canonical_article_id,
                               &r.story_title, &r.language, &r.duplicate_of}) {
    w.PutString(*s);
  }
  return out;
}

absl::StatusOr<SignatureRecord> Decode(absl::string_view bytes) {
  if (bytes.size() < 4 || std::memcmp(bytes.data(), kMagic, 4) != 0) {
    return absl::InvalidArgumentError("not a dedup signature record (bad magic)");
  }
  Reader in(bytes.substr(4));
  SignatureRecord r;
  bool ok = in.Get(&r.story_key) && in.Get(&r.article_key) && in.Get(&r.event_time) &&
            in.Get(&r.sketch.shingles) && in.Get(&r.sketch.num_figures);
  if (ok && r.sketch.num_figures > kMaxFigures) {
    return absl::InvalidArgumentError("dedup signature record: too many figure slots");
  }
  for (int i = 0; ok && i < r.sketch.num_figures; ++i) {
    ok = in.Get(&r.sketch.figures[i].key) && in.Get(&r.sketch.figures[i].value);
  }
  for (int i = 0; ok && i < kBins; ++i) ok = in.Get(&r.sketch.bins[i]);
  ok = ok && in.Get(&r.num_articles) && in.Get(&r.num_sources) && in.Get(&r.version) &&
       in.Get(&r.first_seen) && in.Get(&r.similarity);
  for (std::string* s : {&r.article_id, &r.source, &r.url, &r.title, &r.canonical_article_id,
                         &r.story_title, &r.language, &r.duplicate_of}) {
    ok = ok && in.GetString(s);
  }
  if (!ok || !in.done()) return absl::InvalidArgumentError("dedup signature record: truncated or malformed");
  return r;
}

}  // namespace eventwire::dedup
