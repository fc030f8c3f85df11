// Every input format DecodeArticle / DecodeDocument accept, and every DLQ reason.
#include "eventwire/decode.h"

#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

namespace eventwire {
namespace {

using ::testing::Test;

constexpr std::string_view kBody =
    "KANDAHAR, Afghanistan - Provincial officials met tribal elders on Monday to discuss the "
    "reopening of the border crossing.";

std::string ProtoBytes(const v1::RawArticle& a) {
  std::string out;
  EXPECT_TRUE(a.SerializeToString(&out));
  return out;
}

// ---- JSON ----------------------------------------------------------------

TEST(DecodeJson, CanonicalFields) {
  DecodeResult r = DecodeArticle(
      R"({"id":"a1","url":"https://example.org/a1","source":"Example Wire","title":"Elders meet",)"
      R"("text":"Body text.","published_at":"2024-05-15T08:30:00+02:00","language":"en"})",
      "application/json", "key-ignored");
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.reason, DlqReason::kNone);
  EXPECT_EQ(r.article->id(), "a1");
  EXPECT_EQ(r.article->url(), "https://example.org/a1");
  EXPECT_EQ(r.article->source(), "Example Wire");
  EXPECT_EQ(r.article->title(), "Elders meet");
  EXPECT_EQ(r.article->text(), "Body text.");
  EXPECT_EQ(r.article->language(), "en");
  // 08:30 at +02:00 is 06:30 UTC.
  EXPECT_EQ(r.article->published_at().seconds(), 1715754600);
  EXPECT_TRUE(r.article->metadata().empty());
}

TEST(DecodeJson, FieldAliases) {
  DecodeResult r = DecodeArticle(
      R"({"article_id":"b2","link":"https://example.org/b2","outlet":"Daily Example",)"
      R"("headline":"Talks resume","body":"Negotiators returned.","lang":"fr"})",
      "application/json", "");
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.article->id(), "b2");
  EXPECT_EQ(r.article->url(), "https://example.org/b2");
  EXPECT_EQ(r.article->source(), "Daily Example");
  EXPECT_EQ(r.article->title(), "Talks resume");
  EXPECT_EQ(r.article->text(), "Negotiators returned.");
  EXPECT_EQ(r.article->language(), "fr");

  DecodeResult c = DecodeArticle(R"({"domain":"example.net","content":"Some content."})", "", "");
  ASSERT_TRUE(c.ok()) << c.detail;
  EXPECT_EQ(c.article->source(), "example.net");
  EXPECT_EQ(c.article->text(), "Some content.");
}

TEST(DecodeJson, HtmlBodyIsKeptAsHtml) {
  DecodeResult r = DecodeArticle(R"({"id":"h","html":"<p>Protest in the square.</p>"})", "", "");
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.article->html(), "<p>Protest in the square.</p>");
  EXPECT_TRUE(r.article->text().empty());
}

TEST(DecodeJson, PublishedAtFormats) {
  auto seconds = [](const std::string& value) -> int64_t {
    DecodeResult r = DecodeArticle(R"({"text":"x","published_at":)" + value + "}", "", "k");
    EXPECT_TRUE(r.ok()) << r.detail;
    if (!r.ok() || !r.article->has_published_at()) return -1;
    return r.article->published_at().seconds();
  };
  EXPECT_EQ(seconds(R"("2024-05-15T06:30:00Z")"), 1715754600);
  EXPECT_EQ(seconds(R"("2024-05-15")"), 1715731200);
  EXPECT_EQ(seconds(R"("2024-05-15 06:30:00")"), 1715754600);
  EXPECT_EQ(seconds("1715754600"), 1715754600);
  EXPECT_EQ(seconds(R"("1715754600")"), 1715754600);
}

TEST(DecodeJson, UnparsablePublishedAtIsKeptInMetadata) {
  for (const char* value : {R"("last Tuesday")", "99999999999999999", R"("-99999999999999")"}) {
    DecodeResult r = DecodeArticle(std::string(R"({"text":"x","published_at":)") + value + "}", "", "k");
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_FALSE(r.article->has_published_at()) << value;
    EXPECT_EQ(r.article->metadata().count("published_at_unparsed"), 1u) << value;
  }
}

TEST(DecodeJson, UnknownFieldsGoToMetadata) {
  DecodeResult r = DecodeArticle(R"({"text":"x","section":"World","tags":["a","b"],"score":3})", "", "k");
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.article->metadata().at("section"), "World");
  EXPECT_EQ(r.article->metadata().at("tags"), R"(["a","b"])");
  EXPECT_EQ(r.article->metadata().at("score"), "3");
}

TEST(DecodeJson, IdFallsBackToKeyThenUrlThenContentHash) {
  EXPECT_EQ(DecodeArticle(R"({"url":"u","text":"x"})", "", "the-key").article->id(), "the-key");
  EXPECT_EQ(DecodeArticle(R"({"url":"u","text":"x"})", "", "").article->id(), "u");
  std::string a = DecodeArticle(R"({"text":"x"})", "", "").article->id();
  std::string b = DecodeArticle(R"({"text":"y"})", "", "").article->id();
  EXPECT_EQ(a.rfind("sha-", 0), 0u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, DecodeArticle(R"({"text":"x"})", "", "").article->id()) << "hash id must be stable";
}

TEST(DecodeJson, Latin1PayloadIsRepairedToUtf8) {
  DecodeResult r = DecodeArticle("{\"text\":\"Caf\xE9 bombing in S\xE3o Paulo\"}", "", "k");
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.article->text(), "Caf\xC3\xA9 bombing in S\xC3\xA3o Paulo");
}

TEST(DecodeJson, ByteOrderMarkAndWhitespaceAreSkipped) {
  DecodeResult r = DecodeArticle("\xEF\xBB\xBF \n{\"text\":\"x\"}", "", "k");
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.article->text(), "x");
}

// ---- protobuf --------------------------------------------------------------

v1::RawArticle SampleProto() {
  v1::RawArticle a;
  a.set_id("p1");
  a.set_source("Proto Wire");
  a.set_title("Sanctions announced");
  a.set_text(std::string(kBody));
  a.mutable_published_at()->set_seconds(1715754600);
  (*a.mutable_metadata())["feed"] = "rss";
  return a;
}

TEST(DecodeProtobuf, DeclaredContentType) {
  DecodeResult r = DecodeArticle(ProtoBytes(SampleProto()), "application/x-protobuf", "");
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.article->SerializeAsString(), SampleProto().SerializeAsString());
}

TEST(DecodeProtobuf, SniffedWithoutContentType) {
  DecodeResult r = DecodeArticle(ProtoBytes(SampleProto()), "", "");
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.article->id(), "p1");
  EXPECT_EQ(r.article->text(), kBody);
}

// A protobuf whose bytes are almost all printable must not be taken for bare text.
TEST(DecodeProtobuf, LongTextIsNotMistakenForBareText) {
  v1::RawArticle a;
  a.set_text(std::string(20, 'x') + std::string(kBody) + std::string(kBody) + std::string(kBody));
  DecodeResult r = DecodeArticle(ProtoBytes(a), "", "k9");
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.article->text(), a.text());
  EXPECT_EQ(r.article->id(), "k9");
}

TEST(DecodeProtobuf, KeyBecomesIdWhenMissing) {
  v1::RawArticle a = SampleProto();
  a.clear_id();
  DecodeResult r = DecodeArticle(ProtoBytes(a), "application/x-protobuf", "from-key");
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.article->id(), "from-key");
}

// ---- bare text and HTML ----------------------------------------------------

TEST(DecodeText, DeclaredAndSniffed) {
  for (const char* type : {"text/plain; charset=utf-8", ""}) {
    DecodeResult r = DecodeArticle(kBody, type, "t1");
    ASSERT_TRUE(r.ok()) << type << ": " << r.detail;
    EXPECT_EQ(r.article->text(), kBody);
    EXPECT_TRUE(r.article->html().empty());
    EXPECT_EQ(r.article->id(), "t1");
  }
}

TEST(DecodeText, InvalidUtf8TextIsStillText) {
  // Legacy encodings are the cleaner's job to repair, not a reason to drop.
  DecodeResult r = DecodeArticle("Ministers met in Bogot\xE1 on Friday.", "", "k");
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_FALSE(r.article->text().empty());
}

TEST(DecodeHtml, DeclaredAndSniffed) {
  const std::string html = "<!DOCTYPE html><html><body><p>Troops withdrew.</p></body></html>";
  for (const char* type : {"text/html", ""}) {
    DecodeResult r = DecodeArticle(html, type, "h1");
    ASSERT_TRUE(r.ok()) << type << ": " << r.detail;
    EXPECT_EQ(r.article->html(), html);
    EXPECT_TRUE(r.article->text().empty());
  }
  DecodeResult fragment = DecodeArticle("  <div class=\"story\"><p>Talks.</p></div>", "", "h2");
  ASSERT_TRUE(fragment.ok());
  EXPECT_FALSE(fragment.article->html().empty());
}

// ---- every DLQ reason ------------------------------------------------------

struct DlqCase {
  const char* name;
  std::string payload;
  std::string content_type;
  DlqReason want;
};

std::vector<DlqCase> DlqCases() {
  v1::RawArticle no_text;
  no_text.set_id("x");
  no_text.set_title("Headline only");
  const std::string binary("\x00\x01\x02\xFF\xFE\x00\x10\x80\x81\x00", 10);
  return {
      {"zero bytes", "", "", DlqReason::kEmpty},
      {"whitespace only", " \n\t\r\n ", "application/json", DlqReason::kEmpty},
      {"bom only", "\xEF\xBB\xBF\n", "", DlqReason::kEmpty},
      {"oversize", std::string(100, 'a'), "", DlqReason::kOversize},
      {"binary sniffed", binary, "", DlqReason::kNotText},
      {"binary declared text", binary, "text/plain", DlqReason::kNotText},
      {"binary declared html", binary, "text/html", DlqReason::kNotText},
      {"truncated json", R"({"id":"a","text":"x)", "", DlqReason::kBadJson},
      {"json array", R"([{"text":"x"}])", "", DlqReason::kBadJson},
      {"json scalar declared", "42", "application/json", DlqReason::kBadJson},
      {"text declared json", "Plain words", "application/json", DlqReason::kBadJson},
      {"garbage declared protobuf", "\xFF\xFF\xFF\xFF\xFF", "application/x-protobuf",
       DlqReason::kBadProtobuf},
      {"json without text", R"({"id":"a","title":"Only a title"})", "", DlqReason::kMissingText},
      {"json with blank text", R"({"id":"a","text":"  ","html":""})", "", DlqReason::kMissingText},
      {"protobuf with invalid utf-8 text", std::string("\x2a\x03" "a\xFF" "b"), "application/x-protobuf",
       DlqReason::kBadProtobuf},
      {"protobuf with invalid utf-8 metadata", std::string("\x2a\x01x\x4a\x07\x0a\x01k\x12\x02\xFF\xFE", 13),
       "application/x-protobuf", DlqReason::kBadProtobuf},
      {"protobuf without text", ProtoBytes(no_text), "application/x-protobuf", DlqReason::kMissingText},
  };
}

TEST(DecodeDlq, EachCaseHasItsReasonAndADetail) {
  const DecodeOptions small{.max_bytes = 80};  // every other case is shorter
  for (const DlqCase& c : DlqCases()) {
    DecodeResult r = DecodeArticle(c.payload, c.content_type, "k", small);
    EXPECT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(DlqReasonName(r.reason), DlqReasonName(c.want)) << c.name << ": " << r.detail;
    EXPECT_FALSE(r.detail.empty()) << c.name;
  }
}

TEST(DecodeDlq, CasesCoverEveryReason) {
  std::set<DlqReason> covered;
  for (const DlqCase& c : DlqCases()) covered.insert(c.want);
  for (DlqReason reason : AllDlqReasons()) {
    EXPECT_EQ(covered.count(reason), 1u) << "no test case for " << DlqReasonName(reason);
  }
}

TEST(DecodeDlq, OversizeIsCheckedBeforeParsing) {
  std::string big(DecodeOptions{}.max_bytes + 1, ' ');  // blank, but too big to even look at
  EXPECT_EQ(DecodeArticle(big, "", "k").reason, DlqReason::kOversize);
  std::string at_limit = "{\"text\":\"" + std::string(DecodeOptions{}.max_bytes - 11, 'a') + "\"}";
  ASSERT_EQ(at_limit.size(), DecodeOptions{}.max_bytes);
  EXPECT_TRUE(DecodeArticle(at_limit, "", "k").ok());
}

TEST(DecodeDlq, ReasonNamesAreDistinctMetricLabels) {
  std::set<std::string_view> names;
  for (DlqReason reason : AllDlqReasons()) {
    std::string_view name = DlqReasonName(reason);
    EXPECT_TRUE(names.insert(name).second) << name;
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
  }
  EXPECT_EQ(names.count("none"), 0u);
}

// ---- documents (offline CLI files) ------------------------------------------

TEST(DecodeDocument, JsonLinesWithOneBadLine) {
  const std::string doc =
      "{\"id\":\"l1\",\"text\":\"First.\"}\n"
      "\n"
      "{\"text\":\"Second, no id.\"}\n"
      "{\"id\":\"l3\",\"text\":\n"
      "{\"id\":\"l4\",\"title\":\"no body\"}\n"
      "{\"id\":\"l5\",\"text\":\"Fifth.\"}\n";
  std::vector<DecodeResult> rs = DecodeDocument(doc, "feed.jsonl");
  ASSERT_EQ(rs.size(), 5u);
  EXPECT_EQ(rs[0].article->id(), "l1");
  ASSERT_TRUE(rs[1].ok());
  EXPECT_EQ(rs[1].article->id(), "feed.jsonl:3") << "line-numbered id for a line without one";
  EXPECT_EQ(rs[2].reason, DlqReason::kBadJson);
  EXPECT_NE(rs[2].detail.find("feed.jsonl:4"), std::string::npos) << rs[2].detail;
  EXPECT_EQ(rs[3].reason, DlqReason::kMissingText);
  EXPECT_EQ(rs[4].article->id(), "l5");
}

TEST(DecodeDocument, PrettyPrintedJsonObject) {
  std::vector<DecodeResult> rs =
      DecodeDocument("{\n  \"title\": \"Visit\",\n  \"text\": \"The envoy arrived.\"\n}\n", "visit.json");
  ASSERT_EQ(rs.size(), 1u);
  ASSERT_TRUE(rs[0].ok()) << rs[0].detail;
  EXPECT_EQ(rs[0].article->id(), "visit.json");
}

TEST(DecodeDocument, BrokenPrettyJsonIsOneError) {
  std::vector<DecodeResult> rs = DecodeDocument("{\n  \"title\": \"Visit\",\n  \"text\": \n", "broken.json");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].reason, DlqReason::kBadJson);
}

TEST(DecodeDocument, TextAndHtmlFilesUseTheFileNameAsId) {
  std::vector<DecodeResult> text = DecodeDocument(std::string(kBody), "kandahar.txt");
  ASSERT_EQ(text.size(), 1u);
  EXPECT_EQ(text[0].article->id(), "kandahar.txt");
  EXPECT_EQ(text[0].article->text(), kBody);

  std::vector<DecodeResult> html = DecodeDocument("<html><body><p>Talks.</p></body></html>", "talks.html");
  ASSERT_EQ(html.size(), 1u);
  EXPECT_EQ(html[0].article->id(), "talks.html");
  EXPECT_FALSE(html[0].article->html().empty());
}

TEST(DecodeDocument, EmptyFileIsOneEmptyResult) {
  std::vector<DecodeResult> rs = DecodeDocument("", "empty.txt");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].reason, DlqReason::kEmpty);
}

// ---- property: arbitrary bytes never crash ----------------------------------

void ExpectWellFormed(const DecodeResult& r) {
  if (r.ok()) {
    EXPECT_EQ(r.reason, DlqReason::kNone);
    EXPECT_FALSE(r.article->id().empty());
    EXPECT_TRUE(!r.article->text().empty() || !r.article->html().empty());
  } else {
    EXPECT_NE(r.reason, DlqReason::kNone);
    EXPECT_FALSE(r.detail.empty());
  }
}

int g_protobuf_log_lines = 0;
void CountProtobufLog(google::protobuf::LogLevel, const char*, int, const std::string&) {
  ++g_protobuf_log_lines;
}

// Also checks that poison input never makes protobuf log (unstructured stderr
// lines in a service that logs JSON).
TEST(DecodeProperty, RandomAndMutatedBytesNeverCrashNorLog) {
  g_protobuf_log_lines = 0;
  google::protobuf::LogHandler* previous = google::protobuf::SetLogHandler(CountProtobufLog);
  std::mt19937 rng(20240515);  // fixed seed: failures reproduce
  const std::vector<std::string> seeds = {
      ProtoBytes(SampleProto()), R"({"id":"a","text":"x","published_at":"2024-01-01"})",
      "<html><body><p>x</p></body></html>", std::string(kBody)};
  const char* const types[] = {"", "application/json", "application/x-protobuf", "text/plain", "text/html"};
  for (int i = 0; i < 3000; ++i) {
    std::string payload;
    if (i % 2 == 0) {
      payload.resize(rng() % 200);
      for (char& c : payload) c = static_cast<char>(rng());
    } else {
      payload = seeds[rng() % seeds.size()];
      for (int flips = 1 + rng() % 4; flips > 0 && !payload.empty(); --flips) {
        payload[rng() % payload.size()] = static_cast<char>(rng());
      }
      if (rng() % 3 == 0) payload.resize(rng() % (payload.size() + 1));
    }
    ExpectWellFormed(DecodeArticle(payload, types[i % 5], i % 3 ? "key" : ""));
    for (const DecodeResult& r : DecodeDocument(payload, "random.bin")) ExpectWellFormed(r);
  }
  google::protobuf::SetLogHandler(previous);
  EXPECT_EQ(g_protobuf_log_lines, 0);
}

}  // namespace
}  // namespace eventwire
