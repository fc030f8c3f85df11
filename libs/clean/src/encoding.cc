#include "encoding.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>

#include <array>
#include <cstring>
#include <vector>

namespace eventwire::clean_internal {
namespace {

// windows-1252 bytes 0x80..0x9F. The five bytes cp1252 leaves undefined are
// mapped to the C1 control of the same value, as browsers and Python's
// "latin-1" fallback do, so the mapping stays reversible.
constexpr std::array<char32_t, 32> kCp1252High = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

char32_t Cp1252ToCodePoint(unsigned char b) {
  if (b >= 0x80 && b < 0xA0) return kCp1252High[b - 0x80];
  return b;
}

// Inverse of Cp1252ToCodePoint: the byte a code point came from, or -1.
int CodePointToCp1252(char32_t cp) {
  if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF)) return static_cast<int>(cp);
  for (size_t i = 0; i < kCp1252High.size(); ++i) {
    if (kCp1252High[i] == cp) return static_cast<int>(0x80 + i);
  }
  return -1;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlongs, no
// surrogates, <= U+10FFFF), 0 when it is not one. Sets *cp.
size_t Utf8SequenceAt(std::string_view s, size_t i, char32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t n;
  char32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, min = 0x80, *cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, min = 0x800, *cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, min = 0x10000, *cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (b & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
  return n;
}

// Decodes valid UTF-8 into code points with their byte offsets.
struct CodePoints {
  std::vector<char32_t> cps;
  std::vector<size_t> offsets;  // offsets[i] = byte offset of cps[i]; back() = size
};

CodePoints Decode(std::string_view text) {
  CodePoints out;
  out.cps.reserve(text.size());
  out.offsets.reserve(text.size() + 1);
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    size_t n = Utf8SequenceAt(text, i, &cp);
    if (n == 0) n = 1, cp = 0xFFFD;  // callers promise valid input; stay safe anyway
    out.cps.push_back(cp);
    out.offsets.push_back(i);
    i += n;
  }
  out.offsets.push_back(text.size());
  return out;
}

bool IsAsciiLetter(char32_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// One pass of mojibake repair. Returns true when something changed.
bool RepairPass(std::string_view text, std::string* out, uint32_t* repairs) {
  const CodePoints d = Decode(text);
  const size_t n = d.cps.size();
  out->clear();
  out->reserve(text.size());
  bool changed = false;
  for (size_t i = 0; i < n;) {
    const int lead = CodePointToCp1252(d.cps[i]);
    size_t len = 0;
    if (lead >= 0xC2 && lead <= 0xDF) len = 2;
    else if (lead >= 0xE0 && lead <= 0xEF) len = 3;
    else if (lead >= 0xF0 && lead <= 0xF4) len = 4;
    if (len != 0 && i + len <= n) {
      // The next len-1 characters must be the cp1252 images of continuation bytes.
      std::string bytes(1, static_cast<char>(lead));
      for (size_t k = 1; k < len; ++k) {
        const int b = CodePointToCp1252(d.cps[i + k]);
        if (b < 0x80 || b > 0xBF) break;
        bytes.push_back(static_cast<char>(b));
      }
      char32_t cp = 0;
      if (bytes.size() == len && Utf8SequenceAt(bytes, 0, &cp) == len) {
        out->append(bytes);
        ++*repairs;
        changed = true;
        i += len;
        continue;
      }
      // Partly damaged form of a three-byte punctuation mark (’ “ ” – — …):
      // "â" plus one or two stray Latin-1/cp1252 characters between letters,
      // where the original bytes were lost. Inside a word it was an apostrophe.
      // "â€" whose third byte was lost (the undefined cp1252 0x9D of ”, dropped
      // by many decoders): a closing quote after a word, else an opening one.
      if (lead == 0xE2 && i + 1 < n && d.cps[i + 1] == 0x20AC &&
          (i + 2 == n || CodePointToCp1252(d.cps[i + 2]) < 0x80 ||
           CodePointToCp1252(d.cps[i + 2]) > 0xBF)) {
        const bool after_word = i > 0 && d.cps[i - 1] != ' ' && d.cps[i - 1] != '\n';
        AppendUtf8(after_word ? 0x201D : 0x201C, out);
        ++*repairs;
        changed = true;
        i += 2;
        continue;
      }
      if (lead == 0xE2 && i > 0 && IsAsciiLetter(d.cps[i - 1])) {
        size_t k = i + 1;
        while (k < n && k <= i + 2 && d.cps[k] >= 0x80 && CodePointToCp1252(d.cps[k]) >= 0x80) ++k;
        if (k > i + 1 && k < n && IsAsciiLetter(d.cps[k])) {
          AppendUtf8(0x2019, out);
          ++*repairs;
          changed = true;
          i = k;
          continue;
        }
      }
    }
    out->append(text.substr(d.offsets[i], d.offsets[i + 1] - d.offsets[i]));
    ++i;
  }
  return changed;
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// Printable ASCII and '\n' only. Eight bytes at a time: a byte is outside
// 0x20..0x7E when it is >= 0x80, < 0x20 or == 0x7F; newlines are checked apart.
bool IsPlainAscii(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    const uint64_t high = w & kHigh;
    const uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;  // byte < 0x20 (for bytes < 0x80)
    const uint64_t del = ((w ^ (kOnes * 0x7F)) - kOnes) & ~(w ^ (kOnes * 0x7F)) & kHigh;  // byte == 0x7F
    if ((high | del) != 0) return false;
    if (below_space != 0) {
      for (size_t k = i; k < i + 8; ++k) {
        if (static_cast<unsigned char>(s[k]) < 0x20 && s[k] != '\n') return false;
      }
    }
  }
  for (; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b >= 0x7F || (b < 0x20 && b != '\n')) return false;
  }
  return true;
}

}  // namespace

std::string DecodeBytes(std::string_view bytes, uint32_t* repairs) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (size_t i = 0; i < bytes.size();) {
    // Runs of ASCII are copied whole: most news text is mostly ASCII.
    size_t run = i;
    while (run < bytes.size() && static_cast<unsigned char>(bytes[run]) < 0x80) ++run;
    if (run > i) {
      out.append(bytes.substr(i, run - i));
      i = run;
      continue;
    }
    char32_t cp = 0;
    const size_t n = Utf8SequenceAt(bytes, i, &cp);
    if (n > 0) {
      out.append(bytes.substr(i, n));
      i += n;
    } else {
      AppendUtf8(Cp1252ToCodePoint(static_cast<unsigned char>(bytes[i])), &out);
      ++*repairs;
      ++i;
    }
  }
  return out;
}

std::string RepairMojibake(std::string_view text, uint32_t* repairs) {
  std::string current(text);
  if (IsAscii(current)) return current;
  std::string next;
  // Text decoded wrongly twice needs two passes; a third covers the rare
  // triple case. Each pass only shortens the text, so this terminates anyway.
  for (int pass = 0; pass < 3; ++pass) {
    if (!RepairPass(current, &next, repairs)) break;
    current.swap(next);
  }
  return current;
}

std::string NormalizeText(std::string_view text) {
  std::string spaced;
  spaced.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t run = i;
    while (run < text.size() && ((text[run] >= 0x20 && text[run] < 0x7F) || text[run] == '\n')) ++run;
    if (run > i) {
      spaced.append(text.substr(i, run - i));
      i = run;
      continue;
    }
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      if (b == '\r') {
        spaced.push_back('\n');
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      } else if (b == '\t' || b == '\f' || b == '\v') {
        spaced.push_back(' ');
      } else if ((b >= 0x20 && b != 0x7F) || b == '\n') {
        spaced.push_back(static_cast<char>(b));
      }  // other C0 controls and DEL dropped
      ++i;
      continue;
    }
    char32_t cp = 0;
    size_t n = Utf8SequenceAt(text, i, &cp);
    if (n == 0) n = 1, cp = 0xFFFD;
    if (cp == 0x00A0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F ||
        cp == 0x3000) {
      spaced.push_back(' ');
    } else if (cp == 0x2028 || cp == 0x2029 || cp == 0x0085) {
      spaced.push_back('\n');
    } else if (cp == 0x00AD || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF ||
               (cp >= 0x80 && cp < 0xA0)) {
      // soft hyphen, zero-width characters, BOM, C1 controls: invisible noise
    } else {
      AppendUtf8(cp, &spaced);
    }
    i += n;
  }
  if (IsAscii(spaced)) return spaced;
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || nfc->isNormalizedUTF8(spaced, status)) return spaced;
  status = U_ZERO_ERROR;
  std::string out;
  icu::StringByteSink<std::string> sink(&out);
  nfc->normalizeUTF8(0, spaced, sink, nullptr, status);
  return U_SUCCESS(status) ? out : spaced;
}

std::string RepairAndNormalize(std::string_view bytes, uint32_t* repairs) {
  // Most feeds are printable ASCII and newlines, which every step leaves as it
  // is: one scan and one copy instead of three passes.
  if (IsPlainAscii(bytes)) return std::string(bytes);
  return NormalizeText(RepairMojibake(DecodeBytes(bytes, repairs), repairs));
}

}  // namespace eventwire::clean_internal
