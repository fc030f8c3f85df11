#include "reuters.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <absl/status/status.h>
#include <absl/strings/string_view.h>

namespace eventwire::dedup_eval {
namespace {

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// SGML entities and latin-1 bytes -> UTF-8; control characters dropped.
std::string DecodeText(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '&') {
      const size_t semi = in.find(';', i);
      if (semi != absl::string_view::npos && semi - i <= 6) {
        const absl::string_view name = in.substr(i + 1, semi - i - 1);
        uint32_t cp = 0;
        if (name == "lt") cp = '<';
        else if (name == "gt") cp = '>';
        else if (name == "amp") cp = '&';
        else if (name == "quot") cp = '"';
        else if (!name.empty() && name[0] == '#') cp = static_cast<uint32_t>(std::atoi(std::string(name.substr(1)).c_str()));
        if (cp != 0 || name == "#0") {
          if (cp >= 0x20 || cp == '\n') AppendUtf8(cp, &out);
          i = semi;
          continue;
        }
      }
    }
    if (c < 0x20 && c != '\n') continue;
    AppendUtf8(c, &out);
  }
  return out;
}

absl::string_view Between(absl::string_view s, absl::string_view open, absl::string_view close) {
  const size_t a = s.find(open);
  if (a == absl::string_view::npos) return {};
  const size_t b = s.find(close, a + open.size());
  if (b == absl::string_view::npos) return {};
  return s.substr(a + open.size(), b - a - open.size());
}

// Reuters bodies wrap lines at ~70 columns and indent paragraphs by spaces.
std::string Paragraphs(const std::string& body) {
  std::string out;
  std::istringstream lines(body);
  std::string line;
  while (std::getline(lines, line)) {
    const bool indented = line.rfind("  ", 0) == 0;
    const size_t first = line.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    if (!out.empty()) out += indented ? "\n\n" : " ";
    out += line.substr(first);
  }
  return out;
}

int64_t ParseDate(absl::string_view d) {
  // "26-FEB-1987 15:01:01.79"
  static const char* kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                  "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  char mon[4] = {};
  const std::string s(d.substr(d.find_first_not_of(' ') == absl::string_view::npos ? 0 : d.find_first_not_of(' ')));
  if (std::sscanf(s.c_str(), "%d-%3s-%d %d:%d:%d", &day, mon, &year, &hh, &mm, &ss) < 3) return 0;
  int month = 0;
  for (int m = 0; m < 12; ++m) {
    if (absl::string_view(mon) == kMonths[m]) month = m + 1;
  }
  if (month == 0) return 0;
  // Days from civil (H. Hinnant).
  const int y = year - (month <= 2);
  const int era = y / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = static_cast<int64_t>(era) * 146097 + doe - 719468;
  return days * 86400 + hh * 3600 + mm * 60 + ss;
}

}  // namespace

absl::StatusOr<std::vector<CorpusArticle>> LoadReuters(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("reut2-", 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".sgm") {
      files.push_back(entry.path().string());
    }
  }
  if (files.empty()) return absl::NotFoundError("no reut2-*.sgm files in " + dir);
  std::sort(files.begin(), files.end());
  std::vector<CorpusArticle> out;
  for (const std::string& path : files) {
    std::ifstream in(path, std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    absl::string_view rest(data);
    for (size_t guard = 0; guard < 100000; ++guard) {
      const size_t a = rest.find("<REUTERS");
      if (a == absl::string_view::npos) break;
      const size_t b = rest.find("</REUTERS>", a);
      if (b == absl::string_view::npos) break;
      const absl::string_view doc = rest.substr(a, b - a);
      rest.remove_prefix(b + 10);
      const absl::string_view body = Between(doc, "<BODY>", "</BODY>");
      if (body.empty()) continue;
      CorpusArticle art;
      art.id = "reuters-" + std::string(Between(doc, "NEWID=\"", "\""));
      art.title = DecodeText(Between(doc, "<TITLE>", "</TITLE>"));
      art.text = Paragraphs(DecodeText(body));
      art.time = ParseDate(Between(doc, "<DATE>", "</DATE>"));
      if (!art.text.empty()) out.push_back(std::move(art));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const CorpusArticle& x, const CorpusArticle& y) { return x.time < y.time; });
  return out;
}

}  // namespace eventwire::dedup_eval
