#include "eventwire/decode.h"

#include <google/protobuf/io/coded_stream.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "eventwire/utf8.h"
#include "published_at.h"

namespace eventwire {
namespace {

using nlohmann::json;

std::string_view TrimLeft(std::string_view s) {
  // Skip a UTF-8 BOM and ASCII whitespace.
  if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  return s;
}

bool IsBlank(std::string_view s) { return TrimLeft(s).empty(); }

// Text if it has no NUL bytes and few control characters. Invalid UTF-8 still
// counts as text: legacy encodings are repaired by the cleaner, not dropped.
bool LooksLikeText(std::string_view s) {
  size_t control = 0;
  const size_t n = std::min<size_t>(s.size(), 64 * 1024);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') ++control;
  }
  return control * 100 <= n;  // at most 1% control characters
}

bool LooksLikeHtml(std::string_view s) {
  s = TrimLeft(s);
  if (s.empty() || s.front() != '<') return false;
  std::string head(s.substr(0, 1024));
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* tag : {"<!doctype html", "<html", "<body", "<div", "<p", "<article", "<head"}) {
    if (head.find(tag) != std::string::npos) return true;
  }
  return false;
}

// Latin-1 bytes -> UTF-8, used only to let JSON with a legacy encoding parse;
// the cleaner repairs windows-1252 specifics and mojibake afterwards.
std::string Latin1ToUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (unsigned char c : s) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

std::string ContentHashId(std::string_view payload) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "sha-%016llx",
                static_cast<unsigned long long>(XXH3_64bits(payload.data(), payload.size())));
  return buf;
}

void FillId(v1::RawArticle* a, std::string_view key, std::string_view payload) {
  if (!a->id().empty()) return;
  if (!key.empty()) a->set_id(std::string(key));
  else if (!a->url().empty()) a->set_id(a->url());
  else a->set_id(ContentHashId(payload));
}

DecodeResult Fail(DlqReason reason, std::string detail) {
  DecodeResult r;
  r.reason = reason;
  r.detail = std::move(detail);
  return r;
}

DecodeResult Succeed(v1::RawArticle article) {
  DecodeResult r;
  r.article = std::move(article);
  return r;
}

std::string StringField(const json& obj, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) continue;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number()) return it->dump();
  }
  return {};
}

DecodeResult FromJsonObject(const json& obj, std::string_view key, std::string_view payload) {
  if (!obj.is_object()) return Fail(DlqReason::kBadJson, "JSON value is not an object");
  v1::RawArticle a;
  a.set_id(StringField(obj, {"id", "article_id"}));
  a.set_url(StringField(obj, {"url", "link"}));
  a.set_source(StringField(obj, {"source", "outlet", "domain"}));
  a.set_title(StringField(obj, {"title", "headline"}));
  a.set_text(StringField(obj, {"text", "body", "content"}));
  a.set_html(StringField(obj, {"html"}));
  a.set_language(StringField(obj, {"language", "lang"}));
  if (auto it = obj.find("published_at"); it != obj.end() && !it->is_null()) {
    std::string value = it->is_string() ? it->get<std::string>() : it->dump();
    if (auto ts = ParsePublishedAt(value)) {
      *a.mutable_published_at() = *ts;
    } else {
      (*a.mutable_metadata())["published_at_unparsed"] = value;
    }
  }
  static const char* const kKnown[] = {"id", "article_id", "url", "link", "source", "outlet", "domain",
                                        "title", "headline", "text", "body", "content", "html",
                                        "language", "lang", "published_at"};
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::find(std::begin(kKnown), std::end(kKnown), it.key()) != std::end(kKnown)) continue;
    (*a.mutable_metadata())[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
  }
  if (IsBlank(a.text()) && IsBlank(a.html())) {
    return Fail(DlqReason::kMissingText, "JSON article has no text or html");
  }
  FillId(&a, key, payload);
  return Succeed(std::move(a));
}

DecodeResult DecodeJson(std::string_view payload, std::string_view key) {
  std::string utf8;
  if (!IsValidUtf8(payload)) {
    utf8 = Latin1ToUtf8(payload);
    payload = utf8;
  }
  json obj = json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
  if (obj.is_discarded()) return Fail(DlqReason::kBadJson, "payload is not valid JSON");
  return FromJsonObject(obj, key, payload);
}

// Walks the wire format checking that every string field is UTF-8, before
// protobuf's parser sees it: that parser logs an ERROR line per invalid string
// field, which would put one unstructured log line per poison message into the
// service's JSON logs. `map_entry` selects the metadata map entry's layout.
bool StringFieldsAreUtf8(std::string_view bytes, bool map_entry) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  while (const uint32_t tag = in.ReadTag()) {
    const uint32_t field = tag >> 3;
    switch (tag & 7) {
      case 0: {
        uint64_t v;
        if (!in.ReadVarint64(&v)) return false;
        break;
      }
      case 1: {
        uint64_t v;
        if (!in.ReadLittleEndian64(&v)) return false;
        break;
      }
      case 5: {
        uint32_t v;
        if (!in.ReadLittleEndian32(&v)) return false;
        break;
      }
      case 2: {
        uint32_t length;
        std::string value;
        if (!in.ReadVarint32(&length) || !in.ReadString(&value, static_cast<int>(length))) return false;
        // RawArticle: fields 1-6 and 8 are strings, 7 a Timestamp, 9 map entries.
        const bool is_string = map_entry ? (field == 1 || field == 2) : (field <= 6 || field == 8);
        if (is_string && !IsValidUtf8(value)) return false;
        if (!map_entry && field == 9 && !StringFieldsAreUtf8(value, /*map_entry=*/true)) return false;
        break;
      }
      default:
        return true;  // groups or a malformed tag: no strings we check; the parser decides
    }
  }
  return true;
}

DecodeResult DecodeProtobuf(std::string_view payload, std::string_view key) {
  if (!StringFieldsAreUtf8(payload, /*map_entry=*/false)) {
    return Fail(DlqReason::kBadProtobuf, "payload is not an eventwire.v1.RawArticle with UTF-8 strings");
  }
  v1::RawArticle a;
  if (!a.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return Fail(DlqReason::kBadProtobuf, "payload does not parse as eventwire.v1.RawArticle");
  }
  if (IsBlank(a.text()) && IsBlank(a.html())) {
    return Fail(DlqReason::kMissingText, "RawArticle has no text or html");
  }
  FillId(&a, key, payload);
  return Succeed(std::move(a));
}

// True when the payload is unmistakably a RawArticle: it starts with the tag
// of a RawArticle field, parses, has no unknown fields and carries text or
// html. Protobuf with long string fields has few control bytes and would
// otherwise pass LooksLikeText and be taken for bare text.
bool LooksLikeRawArticle(std::string_view payload) {
  if (payload.empty()) return false;
  const unsigned char tag = static_cast<unsigned char>(payload.front());
  const int field = tag >> 3;
  if ((tag & 7) != 2 || field < 1 || field > 9) return false;  // every field is length-delimited
  if (!StringFieldsAreUtf8(payload, /*map_entry=*/false)) return false;
  v1::RawArticle a;
  if (!a.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return false;
  if (!a.GetReflection()->GetUnknownFields(a).empty()) return false;
  return !IsBlank(a.text()) || !IsBlank(a.html());
}

DecodeResult DecodeText(std::string_view payload, std::string_view key, bool html) {
  if (!LooksLikeText(payload)) {
    return Fail(DlqReason::kNotText, html ? "declared text/html but payload is binary"
                                          : "declared text/plain but payload is binary");
  }
  v1::RawArticle a;
  if (html) {
    a.set_html(std::string(payload));
  } else {
    a.set_text(std::string(payload));
  }
  FillId(&a, key, payload);
  return Succeed(std::move(a));
}

// JSON lines start with a line that is a complete JSON value on its own; a
// pretty-printed object does not.
bool FirstLineIsJson(std::string_view body) {
  std::string_view line = body.substr(0, body.find('\n'));
  return json::accept(line.begin(), line.end());
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace

std::string_view DlqReasonName(DlqReason reason) {
  switch (reason) {
    case DlqReason::kNone: return "none";
    case DlqReason::kEmpty: return "empty";
    case DlqReason::kOversize: return "oversize";
    case DlqReason::kNotText: return "not_text";
    case DlqReason::kBadJson: return "bad_json";
    case DlqReason::kBadProtobuf: return "bad_protobuf";
    case DlqReason::kMissingText: return "missing_text";
  }
  return "unknown";
}

const std::vector<DlqReason>& AllDlqReasons() {
  static const std::vector<DlqReason> all = {DlqReason::kEmpty,   DlqReason::kOversize,
                                             DlqReason::kNotText, DlqReason::kBadJson,
                                             DlqReason::kBadProtobuf, DlqReason::kMissingText};
  return all;
}

DecodeResult DecodeArticle(std::string_view payload, std::string_view content_type,
                           std::string_view key, const DecodeOptions& options) {
  if (payload.size() > options.max_bytes) {
    return Fail(DlqReason::kOversize, "payload of " + std::to_string(payload.size()) +
                                          " bytes exceeds the limit of " +
                                          std::to_string(options.max_bytes));
  }
  if (IsBlank(payload)) return Fail(DlqReason::kEmpty, "payload is empty");

  std::string type(content_type);
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  if (Contains(type, "protobuf")) return DecodeProtobuf(payload, key);
  if (Contains(type, "json")) return DecodeJson(payload, key);
  if (Contains(type, "html")) return DecodeText(payload, key, /*html=*/true);
  if (Contains(type, "text/")) return DecodeText(payload, key, /*html=*/false);

  // Sniff: a protobuf RawArticle, then JSON, then text/HTML.
  if (LooksLikeRawArticle(payload)) return DecodeProtobuf(payload, key);
  const std::string_view first = TrimLeft(payload).substr(0, 1);
  if (first == "{" || first == "[") return DecodeJson(payload, key);
  if (LooksLikeText(payload)) return DecodeText(payload, key, LooksLikeHtml(payload));
  return Fail(DlqReason::kNotText, "binary payload that is not an eventwire.v1.RawArticle");
}

std::vector<DecodeResult> DecodeDocument(std::string_view contents, std::string_view name,
                                         const DecodeOptions& options) {
  std::vector<DecodeResult> out;
  std::string_view body = TrimLeft(contents);
  if (body.substr(0, 1) == "{") {
    // One JSON object, or JSON lines.
    DecodeResult whole = DecodeArticle(contents, "application/json", name, options);
    if (whole.ok() || whole.reason != DlqReason::kBadJson || !FirstLineIsJson(body)) {
      // One article, or one broken JSON document: a single result, not one per line.
      out.push_back(std::move(whole));
      return out;
    }
    size_t line_no = 0;
    size_t pos = 0;
    while (pos <= contents.size()) {
      size_t end = contents.find('\n', pos);
      if (end == std::string_view::npos) end = contents.size();
      std::string_view line = contents.substr(pos, end - pos);
      ++line_no;
      if (!IsBlank(line)) {
        DecodeResult r = DecodeArticle(line, "application/json", "", options);
        if (r.ok() && r.article->id().rfind("sha-", 0) == 0 && r.article->url().empty()) {
          r.article->set_id(std::string(name) + ":" + std::to_string(line_no));
        }
        if (!r.ok()) r.detail = std::string(name) + ":" + std::to_string(line_no) + ": " + r.detail;
        out.push_back(std::move(r));
      }
      pos = end + 1;
    }
    return out;
  }
  out.push_back(DecodeArticle(contents, LooksLikeHtml(contents) ? "text/html" : "", name, options));
  return out;
}

}  // namespace eventwire
