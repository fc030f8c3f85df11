// Runs every decoder and cleaner on hostile input and checks what comes out.
//
// Two ways to drive it:
//   - as a bounded property test (default; what ctest runs): seeded random
//     bytes and mutations of realistic fragments for --seconds (or
//     --iterations), stopping at the first violated invariant;
//   - as a libFuzzer target: build with clang, -fsanitize=fuzzer and
//     -DEVENTWIRE_LIBFUZZER; then LLVMFuzzerTestOneInput is the entry point.
// Either way the binary is built with ASan and UBSan (tests/fuzz/CMakeLists.txt),
// so memory errors, leaks and undefined behaviour abort the run.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "eventwire/clean.h"
#include "eventwire/dates.h"
#include "eventwire/decode.h"
#include "eventwire/utf8.h"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "invariant violated: %s\ninput (%zu bytes):\n", what, input.size());
  for (unsigned char c : input.substr(0, 2000)) std::fprintf(stderr, "\\x%02x", c);
  std::fprintf(stderr, "\n");
  std::abort();
}

void Check(bool ok, const char* what, std::string_view input) {
  if (!ok) Fail(what, input);
}

void CheckClean(const eventwire::CleanArticle& a, std::string_view input) {
  Check(eventwire::IsValidUtf8(a.text), "clean text is valid UTF-8", input);
  Check(eventwire::IsValidUtf8(a.title), "title is valid UTF-8", input);
  Check(eventwire::IsValidUtf8(a.dateline) && eventwire::IsValidUtf8(a.credit) && eventwire::IsValidUtf8(a.byline),
        "fields are valid UTF-8", input);
  size_t previous_end = 0;
  for (const eventwire::Span& s : a.sentences) {
    Check(s.begin < s.end && s.end <= a.text.size(), "sentence span inside text", input);
    Check(s.begin >= previous_end, "sentences ordered, not overlapping", input);
    Check(eventwire::IsValidUtf8(std::string_view(a.text).substr(s.begin, s.end - s.begin)),
          "sentence boundaries on code points", input);
    previous_end = s.end;
  }
  for (const eventwire::DateMatch& d : a.dates) {
    Check(d.begin < d.end && d.end <= a.text.size(), "date span inside text", input);
    Check(a.text.compare(d.begin, d.end - d.begin, d.text) == 0, "date text is the span", input);
  }
  const eventwire::v1::CleanArticle p = eventwire::ToProto(a);
  const size_t code_points = eventwire::CodePointOffset(a.text, a.text.size());
  for (const auto& s : p.sentences()) Check(s.end() <= code_points, "proto offsets in code points", input);
}

void RunOne(std::string_view input) {
  // Decoders: every content type, and the file reader.
  for (std::string_view type : {"", "application/json", "application/x-protobuf", "text/html", "text/plain"}) {
    eventwire::DecodeResult r = eventwire::DecodeArticle(input, type, "key");
    Check(r.ok() == (r.reason == eventwire::DlqReason::kNone), "decode: ok iff no reason", input);
    if (r.ok()) CheckClean(eventwire::Clean(*r.article), input);
  }
  for (const eventwire::DecodeResult& r : eventwire::DecodeDocument(input, "fuzz.txt")) {
    if (r.ok()) CheckClean(eventwire::Clean(*r.article), input);
  }
  // Cleaner directly, as text and as HTML, with a title and a date.
  eventwire::v1::RawArticle raw;
  raw.set_text(std::string(input));
  raw.set_title(std::string(input.substr(0, 40)));
  raw.mutable_published_at()->set_seconds(1715774400);
  CheckClean(eventwire::Clean(raw), input);
  eventwire::v1::RawArticle html;
  html.set_html(std::string(input));
  CheckClean(eventwire::Clean(html), input);
  // Date resolution without a reference and with extreme ones.
  for (eventwire::CivilDate ref : {eventwire::CivilDate{}, eventwire::CivilDate{2024, 5, 15},
                                   eventwire::CivilDate{1, 1, 1}, eventwire::CivilDate{9999, 12, 31}}) {
    for (const eventwire::DateMatch& d : eventwire::FindDates(input, ref)) {
      Check(d.end <= input.size() && d.begin < d.end, "FindDates span inside input", input);
    }
  }
}

// Fragments that reach the interesting code: markup, mojibake, datelines,
// credits, dates in every supported form, JSON and protobuf shapes.
const std::vector<std::string>& Fragments() {
  static const std::vector<std::string> f = {
      "<html>", "<p>", "</p>", "<div class=\"share\">", "<script>", "</script>", "<!--", "-->", "<br>", "<h1>",
      "&amp;", "&nbsp;", "&#x1F600;", "\xC3\xA2\xE2\x82\xAC\xE2\x84\xA2", "\xC3\x83\xC2\xA2", "\xE2\x80", "\xC3",
      "\x92", "\xFF\xFE", "\xF0\x9F\x98", "\xED\xA0\x80", "\xC0\xAF", "KABUL, Oct 25 (Reuters) - ", "ISLAMABAD - ",
      "(Prensa Latina)", "-- Reported by the ", "(Reporting by ", "By ", "Subscribe", " | ", "\n", "\n\n", "\r\n",
      "    ", ".", "U.S.", "Gen. ", "\"", "\xE2\x80\x9C", "?", "Wednesday, May 15th, 2024", "on Saturday",
      "last month", "early October", "two weeks ago", "Mehr 27", "27 Dey 1402", "2024-02-30", "February 29",
      "Sept. 31", "in 2013", "mid-", "{\"text\":\"", "\"title\":", "}", "[", "\x0a\x05" "hello", "\x2a\x03" "abc",
      std::string(1, '\0'), "\xEF\xBB\xBF", "\xC2\xA0", "\xE2\x80\x8B", "e\xCC\x81", "99999999999999999999",
  };
  return f;
}

std::string Generate(std::mt19937_64& rng) {
  std::string s;
  const int parts = static_cast<int>(rng() % 24);
  for (int i = 0; i < parts; ++i) {
    switch (rng() % 4) {
      case 0: {  // random bytes
        const size_t n = rng() % 16;
        for (size_t k = 0; k < n; ++k) s.push_back(static_cast<char>(rng() & 0xFF));
        break;
      }
      case 1:  // random ASCII words
        for (size_t k = rng() % 8; k > 0; --k) {
          s.push_back(static_cast<char>('A' + rng() % 58));
          if (rng() % 3 == 0) s.push_back(' ');
        }
        break;
      default: {
        const auto& f = Fragments();
        s += f[rng() % f.size()];
      }
    }
  }
  // Occasionally a deep or long structure.
  if (rng() % 200 == 0) s += std::string(rng() % 3000, '<') + std::string(rng() % 200, 'a');
  if (rng() % 200 == 0) for (int i = 0; i < 500; ++i) s += "<div>";
  return s;
}

}  // namespace

#ifdef EVENTWIRE_LIBFUZZER
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  RunOne(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
#else
int main(int argc, char** argv) {
  double seconds = 60;
  long iterations = -1;
  uint64_t seed = 20240515;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.starts_with("--seconds=")) seconds = std::atof(argv[i] + 10);
    else if (a.starts_with("--iterations=")) iterations = std::atol(argv[i] + 13);
    else if (a.starts_with("--seed=")) seed = std::strtoull(argv[i] + 7, nullptr, 10);
  }
  std::mt19937_64 rng(seed);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  long n = 0;
  // Bounded by time and by count, whichever comes first.
  for (; iterations < 0 || n < iterations; ++n) {
    if ((n & 63) == 0 && std::chrono::steady_clock::now() > deadline) break;
    RunOne(Generate(rng));
  }
  std::printf("fuzz_decode_clean: %ld inputs, seed %llu, no invariant violated\n", n,
              static_cast<unsigned long long>(seed));
  return 0;
}
#endif
