#include "eventwire/utf8.h"

#include <gtest/gtest.h>

namespace eventwire {
namespace {

TEST(Utf8, CodePointAndByteOffsetsRoundTrip) {
  const std::string_view text = "don\xE2\x80\x99t stop";  // don’t stop
  EXPECT_EQ(CodePointOffset(text, 3), 3u);
  EXPECT_EQ(CodePointOffset(text, 6), 4u);  // after the 3-byte apostrophe
  EXPECT_EQ(ByteOffset(text, 4), 6u);
  EXPECT_EQ(ByteOffset(text, 100), text.size());
}

TEST(Utf8, Validation) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xE2\x80\x99"));
  EXPECT_FALSE(IsValidUtf8("\xE2\x80"));        // truncated
  EXPECT_FALSE(IsValidUtf8("caf\xE9"));         // latin-1
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));        // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));    // surrogate
}

}  // namespace
}  // namespace eventwire
