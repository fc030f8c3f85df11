#include "html_text.h"

#include <gtest/gtest.h>

namespace eventwire::clean_internal {
namespace {

TEST(HtmlToText, KeepsParagraphsDropsChrome) {
  const HtmlText t = HtmlToText(
      "<html><head><title>Floods close port | The Coast Herald</title><style>p{}</style>"
      "<script>var x = '<p>not text</p>';</script></head><body>"
      "<nav><a href=/>Home</a> <a href=/world>World</a></nav>"
      "<article><h1>Floods close port</h1>"
      "<p>Heavy rain <b>closed</b> the port of Harwick on Monday.</p>"
      "<!-- tracking comment -->"
      "<div class=\"share-buttons\">Share on Facebook</div>"
      "<p>Officials said it would reopen&nbsp;soon &amp; repairs<br>had begun.</p>"
      "</article><aside>Most read</aside><footer>&copy; 2024 Herald</footer></body></html>");
  EXPECT_EQ(t.title, "Floods close port");
  EXPECT_EQ(t.text,
            "Floods close port\n\nHeavy rain closed the port of Harwick on Monday.\n\n"
            "Officials said it would reopen\u00A0soon & repairs\nhad begun.");
}

TEST(HtmlToText, TitleTagWithoutSiteName) {
  EXPECT_EQ(HtmlToText("<title>Storm hits coast - Daily Planet</title><p>x</p>").title, "Storm hits coast");
}

TEST(HtmlToText, SurvivesBrokenAndDeepMarkup) {
  std::string deep;
  for (int i = 0; i < 3000; ++i) deep += "<div>";
  deep += "deep text";
  EXPECT_EQ(HtmlToText(deep).text, "deep text");
  EXPECT_EQ(HtmlToText("<p>unclosed <b>bold <i>both</p>tail").text, "unclosed bold both\n\ntail");
}

TEST(LooksLikeHtml, Sniffs) {
  EXPECT_TRUE(LooksLikeHtml("<!DOCTYPE html><html><body><p>Hi</p></body></html>"));
  EXPECT_TRUE(LooksLikeHtml("<p>One</p>\n<p>Two<br>three</p>"));
  EXPECT_FALSE(LooksLikeHtml("Prices rose 3% as x < y and y > z."));
}

}  // namespace
}  // namespace eventwire::clean_internal
