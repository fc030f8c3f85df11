#include "encoding.h"

#include <gtest/gtest.h>

#include "eventwire/utf8.h"

namespace eventwire::clean_internal {
namespace {

std::string Repair(std::string_view bytes, uint32_t* repairs = nullptr) {
  uint32_t n = 0;
  std::string out = RepairAndNormalize(bytes, repairs != nullptr ? repairs : &n);
  return out;
}

TEST(DecodeBytes, KeepsValidUtf8) {
  uint32_t repairs = 0;
  EXPECT_EQ(DecodeBytes("Caf\xC3\xA9 \xE2\x80\x9Cquoted\xE2\x80\x9D", &repairs), "Café “quoted”");
  EXPECT_EQ(repairs, 0u);
}

TEST(DecodeBytes, ReadsStrayBytesAsWindows1252) {
  uint32_t repairs = 0;
  // A cp1252 file: 0x92 is a right single quote, 0xE9 is e-acute.
  EXPECT_EQ(DecodeBytes("don\x92t caf\xE9", &repairs), "don’t café");
  EXPECT_EQ(repairs, 2u);
  // Truncated UTF-8 sequence at the end and a lone continuation byte.
  std::string out = DecodeBytes("abc\xE2\x80", &repairs);
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_TRUE(IsValidUtf8(DecodeBytes("\x80\xBF\xC0\xAF\xED\xA0\x80", &repairs)));
}

TEST(Mojibake, RepairsUtf8ReadAsCp1252Once) {
  uint32_t repairs = 0;
  EXPECT_EQ(Repair("They donâ€™t agree, â€œno dealâ€\x9D he said", &repairs), "They don’t agree, “no deal” he said");
  EXPECT_EQ(repairs, 4u);  // three mojibake sequences, and the raw 0x9D byte read as cp1252
  EXPECT_EQ(Repair("SÃ£o Paulo and MÃ¼nchen cost Â£5"), "São Paulo and München cost £5");
}

TEST(Mojibake, RepairsDoubleEncoding) {
  // ’ -> "â€™" -> "Ã¢â‚¬â„¢"
  EXPECT_EQ(Repair("it\xC3\x83\xC2\xA2\xC3\xA2\xE2\x80\x9A\xC2\xAC\xC3\xA2\xE2\x80\x9E\xC2\xA2s"), "it’s");
}

TEST(Mojibake, RepairsDamagedApostropheBetweenLetters) {
  EXPECT_EQ(Repair("they donâÖt want"), "they don’t want");
  EXPECT_EQ(Repair("the councilâ\xC2\x90s vote"), "the council’s vote");
}

TEST(Mojibake, RepairsQuoteMissingItsLastByte) {
  EXPECT_EQ(Repair("he said â€œwe leaveâ€ and left"), "he said “we leave” and left");
}

TEST(Mojibake, LeavesRealAccentsAlone) {
  EXPECT_EQ(Repair("Le château de Versailles, São Tomé, Ærø, pâté"), "Le château de Versailles, São Tomé, Ærø, pâté");
  EXPECT_EQ(Repair("Ângela and Â bare"), "Ângela and Â bare");
}

TEST(Normalize, AppliesNfcAndWhitespacePolicy) {
  // "e" + combining acute -> precomposed é; NBSP -> space; soft hyphen and ZWSP dropped.
  EXPECT_EQ(Repair("Cafe\xCC\x81\xC2\xA0open\xC2\xADing\xE2\x80\x8B now\r\nnext\rline\tend"),
            "Café opening now\nnext\nline end");
}

TEST(Normalize, AsciiFastPathStillAppliesThePolicy) {
  // Printable ASCII and newlines pass unchanged; any other ASCII control,
  // wherever it sits in an 8-byte block, sends the text through the full path.
  EXPECT_EQ(Repair("Plain ASCII news text,\nwith a second line."), "Plain ASCII news text,\nwith a second line.");
  for (size_t at = 0; at < 17; ++at) {
    std::string text(17, 'a');
    text[at] = '\t';
    EXPECT_EQ(Repair(text), std::string(at, 'a') + " " + std::string(16 - at, 'a')) << at;
    text[at] = '\x7F';
    EXPECT_EQ(Repair(text), std::string(at, 'a') + std::string(16 - at, 'a')) << at;
    text[at] = '\x01';
    EXPECT_EQ(Repair(text), std::string(at, 'a') + std::string(16 - at, 'a')) << at;
  }
  EXPECT_EQ(Repair("one\r\ntwo"), "one\ntwo");
}

}  // namespace
}  // namespace eventwire::clean_internal
