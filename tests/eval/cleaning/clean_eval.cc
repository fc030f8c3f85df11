// Evaluates eventwire::Clean on hand-written messy articles.
//
//   clean_eval <cases dir> [-v]
//
// Kept text is compared word by word (longest common subsequence of words,
// each word weighted by its length in characters plus one for the space), so
// precision = share of output characters that belong in the article and
// recall = share of the article's characters that were kept. Fields are
// compared exactly. Exit status 1 when below target.
#include <google/protobuf/util/time_util.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "eventwire/clean.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kTextTarget = 0.97;   // precision and recall of kept text (issue 4)
constexpr double kFieldTarget = 0.90;  // exact-match rate for dateline, credit, dates

std::string ReadFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

struct Overlap {
  size_t matched = 0, output = 0, expected = 0;
};

Overlap Compare(std::string_view output, std::string_view expected) {
  const std::vector<std::string> a = Words(output), b = Words(expected);
  Overlap o;
  for (const auto& w : a) o.output += CodePoints(w) + 1;
  for (const auto& w : b) o.expected += CodePoints(w) + 1;
  // Weighted LCS, two rows.
  std::vector<size_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + CodePoints(a[i - 1]) + 1 : std::max(prev[j], cur[j - 1]);
    }
    std::swap(prev, cur);
  }
  o.matched = prev[b.size()];
  return o;
}

struct Rate {
  int hit = 0, total = 0;
  void Add(bool ok) { hit += ok ? 1 : 0, ++total; }
  double Value() const { return total == 0 ? 1.0 : static_cast<double>(hit) / total; }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: clean_eval <cases dir> [-v]\n";
    return 2;
  }
  const bool verbose = argc > 2 && std::string(argv[2]) == "-v";
  std::vector<fs::path> cases;
  for (const auto& e : fs::directory_iterator(argv[1])) {
    if (e.is_directory()) cases.push_back(e.path());
  }
  std::sort(cases.begin(), cases.end());
  if (cases.empty()) {
    std::cerr << "no cases under " << argv[1] << "\n";
    return 2;
  }

  Overlap total;
  Rate title, dateline, credit, byline, page_date, dates, language;
  for (const fs::path& dir : cases) {
    const json fields = json::parse(ReadFile(dir / "fields.json"));
    eventwire::v1::RawArticle raw;
    raw.set_id(dir.filename().string());
    if (fs::exists(dir / "raw.html")) {
      raw.set_html(ReadFile(dir / "raw.html"));
    } else {
      raw.set_text(ReadFile(dir / "raw.txt"));
    }
    if (fields.contains("producer_title")) raw.set_title(fields["producer_title"].get<std::string>());
    if (fields.contains("published_at")) {
      google::protobuf::util::TimeUtil::FromString(fields["published_at"].get<std::string>(), raw.mutable_published_at());
    }
    const eventwire::CleanArticle a = eventwire::Clean(raw);

    std::string expected = ReadFile(dir / "expected.txt");
    while (!expected.empty() && expected.back() == '\n') expected.pop_back();
    const Overlap o = Compare(a.text, expected);
    total.matched += o.matched, total.output += o.output, total.expected += o.expected;

    std::vector<std::string> problems;
    auto check = [&](Rate& rate, const char* name, const std::string& got, const std::string& want) {
      const bool ok = got == want;
      rate.Add(ok);
      if (!ok) problems.push_back(std::string(name) + ": got \"" + got + "\" want \"" + want + "\"");
    };
    check(title, "title", a.title, fields.value("title", ""));
    check(dateline, "dateline", a.dateline, fields.value("dateline", ""));
    check(credit, "credit", a.credit, fields.value("credit", ""));
    check(byline, "byline", a.byline, fields.value("byline", ""));
    check(page_date, "page_date", a.page_date, fields.value("page_date", ""));
    check(language, "language", a.language, fields.value("language", ""));
    for (const auto& [mention, want] : fields["dates"].items()) {
      std::string got = "(not found)";
      for (const eventwire::DateMatch& d : a.dates) {
        // The key may carry the preposition the phrase was written with ("on Sunday").
        const bool same = d.text == mention || (mention.size() > d.text.size() && mention.ends_with(" " + d.text));
        if (same) got = d.resolved.Iso();
      }
      check(dates, ("date \"" + mention + "\"").c_str(), got, want.get<std::string>());
    }
    const double p = o.output == 0 ? 1.0 : static_cast<double>(o.matched) / o.output;
    const double r = o.expected == 0 ? 1.0 : static_cast<double>(o.matched) / o.expected;
    if (verbose || p < 1.0 || r < 1.0 || !problems.empty()) {
      std::printf("%-52s P=%.3f R=%.3f\n", dir.filename().c_str(), p, r);
      for (const auto& s : problems) std::printf("    %s\n", s.c_str());
      if (verbose && (p < 1.0 || r < 1.0)) std::printf("    --- got ---\n%s\n    --- want ---\n%s\n", a.text.c_str(), expected.c_str());
    }
  }

  const double precision = static_cast<double>(total.matched) / std::max<size_t>(total.output, 1);
  const double recall = static_cast<double>(total.matched) / std::max<size_t>(total.expected, 1);
  std::printf("\ncleaning eval: %zu articles\n", cases.size());
  std::printf("  kept text   precision %.4f  recall %.4f  (target >= %.2f each)\n", precision, recall, kTextTarget);
  std::printf("  exact match dateline %.3f (%d/%d)  credit %.3f (%d/%d)  dates %.3f (%d/%d)  (target >= %.2f)\n",
              dateline.Value(), dateline.hit, dateline.total, credit.Value(), credit.hit, credit.total, dates.Value(),
              dates.hit, dates.total, kFieldTarget);
  std::printf("  exact match title %.3f  byline %.3f  page_date %.3f  language %.3f\n", title.Value(), byline.Value(),
              page_date.Value(), language.Value());
  const bool pass = precision >= kTextTarget && recall >= kTextTarget && dateline.Value() >= kFieldTarget &&
                    credit.Value() >= kFieldTarget && dates.Value() >= kFieldTarget;
  std::printf("%s\n", pass ? "PASS" : "FAIL: below target");
  return pass ? 0 : 1;
}
