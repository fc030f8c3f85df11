#include "html_text.h"

#include <gumbo.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace eventwire::clean_internal {
namespace {

bool IsDroppedTag(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_NAV: case GUMBO_TAG_ASIDE: case GUMBO_TAG_FOOTER: case GUMBO_TAG_FORM:
    case GUMBO_TAG_BUTTON: case GUMBO_TAG_SELECT: case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_SVG: case GUMBO_TAG_MATH: case GUMBO_TAG_OBJECT: case GUMBO_TAG_EMBED:
    case GUMBO_TAG_CANVAS: case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_MENU:
      return true;
    default:
      return false;
  }
}

bool IsBlockTag(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3:
    case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_LI: case GUMBO_TAG_UL:
    case GUMBO_TAG_OL: case GUMBO_TAG_TABLE: case GUMBO_TAG_TR: case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_SECTION: case GUMBO_TAG_HEADER:
    case GUMBO_TAG_MAIN: case GUMBO_TAG_FIGURE: case GUMBO_TAG_DL: case GUMBO_TAG_DT: case GUMBO_TAG_DD:
    case GUMBO_TAG_HR: case GUMBO_TAG_ADDRESS: case GUMBO_TAG_BODY: case GUMBO_TAG_TD: case GUMBO_TAG_TH:
      return true;
    default:
      return false;
  }
}

// class/id words that name page chrome in the markup of most CMSs. Matched as
// whole tokens separated by - _ or space, so "shared-story" does not match "share".
constexpr std::array<std::string_view, 24> kChromeNames = {
    "nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "share", "sharing",
    "social", "cookie", "cookies", "consent", "newsletter", "subscribe", "subscription",
    "related", "comments", "comment", "sidebar", "advert", "ad", "ads", "promo", "footer"};

bool NamesChrome(std::string_view value) {
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && !std::isalnum(static_cast<unsigned char>(value[i]))) ++i;
    size_t j = i;
    while (j < value.size() && std::isalnum(static_cast<unsigned char>(value[j]))) ++j;
    if (j > i) {
      std::string word(value.substr(i, j - i));
      std::transform(word.begin(), word.end(), word.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (std::find(kChromeNames.begin(), kChromeNames.end(), word) != kChromeNames.end()) return true;
    }
    i = j;
  }
  return false;
}

bool IsChromeElement(const GumboElement& el) {
  // Page-level containers carry theme classes ("has-sidebar"); never judge them.
  if (el.tag == GUMBO_TAG_HTML || el.tag == GUMBO_TAG_BODY || el.tag == GUMBO_TAG_MAIN ||
      el.tag == GUMBO_TAG_ARTICLE) {
    return false;
  }
  for (const char* name : {"class", "id", "role"}) {
    const GumboAttribute* a = gumbo_get_attribute(&el.attributes, name);
    if (a != nullptr && NamesChrome(a->value)) return true;
  }
  const GumboAttribute* hidden = gumbo_get_attribute(&el.attributes, "hidden");
  return hidden != nullptr;
}

class Walker {
 public:
  void Walk(const GumboNode* root) {
    // Explicit stack: hostile documents nest deeply, recursion would overflow.
    struct Frame {
      const GumboNode* node;
      unsigned next_child;
    };
    std::vector<Frame> stack = {{root, 0}};
    Enter(root);
    while (!stack.empty()) {
      Frame& f = stack.back();
      const GumboNode* node = f.node;
      const bool has_children = node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE;
      if (!has_children || f.next_child >= node->v.element.children.length) {
        Leave(node);
        stack.pop_back();
        continue;
      }
      const auto* child = static_cast<const GumboNode*>(node->v.element.children.data[f.next_child++]);
      if (Enter(child)) stack.push_back({child, 0});
    }
  }

  std::string title_tag;
  std::string h1;
  std::string text;

 private:
  // Returns true when the node's children should be visited.
  bool Enter(const GumboNode* node) {
    switch (node->type) {
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_CDATA:
      case GUMBO_NODE_WHITESPACE:
        AppendInline(node->v.text.text);
        return false;
      case GUMBO_NODE_COMMENT:
        return false;
      case GUMBO_NODE_DOCUMENT:
        return true;
      case GUMBO_NODE_ELEMENT:
      case GUMBO_NODE_TEMPLATE:
        break;
    }
    const GumboElement& el = node->v.element;
    if (el.tag == GUMBO_TAG_TITLE) {
      if (title_tag.empty()) title_tag = CollectText(node);
      return false;
    }
    if (el.tag == GUMBO_TAG_H1 && h1.empty()) h1 = CollectText(node);
    if (IsDroppedTag(el.tag) || IsChromeElement(el)) return false;
    if (el.tag == GUMBO_TAG_BR) {
      BreakLine();
      return false;
    }
    if (IsBlockTag(el.tag)) BreakParagraph();
    return true;
  }

  void Leave(const GumboNode* node) {
    if (node->type == GUMBO_NODE_ELEMENT && IsBlockTag(node->v.element.tag)) BreakParagraph();
  }

  static std::string CollectText(const GumboNode* node) {
    std::string out;
    std::vector<const GumboNode*> stack = {node};
    while (!stack.empty()) {
      const GumboNode* n = stack.back();
      stack.pop_back();
      if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE) {
        out += n->v.text.text;
      } else if (n->type == GUMBO_NODE_ELEMENT) {
        const GumboVector& c = n->v.element.children;
        for (unsigned i = c.length; i > 0; --i) stack.push_back(static_cast<const GumboNode*>(c.data[i - 1]));
      }
    }
    std::string collapsed;
    for (char c : out) {
      const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
      if (space) {
        if (!collapsed.empty() && collapsed.back() != ' ') collapsed.push_back(' ');
      } else {
        collapsed.push_back(c);
      }
    }
    while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
    return collapsed;
  }

  // Inline text: whitespace runs collapse to one space, as a browser renders.
  void AppendInline(const char* s) {
    for (; *s != '\0'; ++s) {
      const char c = *s;
      if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
        pending_space_ = true;
        continue;
      }
      if (pending_space_ && !text.empty() && text.back() != '\n') text.push_back(' ');
      pending_space_ = false;
      text.push_back(c);
    }
  }

  void TrimTrailingSpace() {
    while (!text.empty() && text.back() == ' ') text.pop_back();
    pending_space_ = false;
  }

  void BreakLine() {
    TrimTrailingSpace();
    if (!text.empty() && text.back() != '\n') text.push_back('\n');
  }

  void BreakParagraph() {
    TrimTrailingSpace();
    if (text.empty()) return;
    if (text.back() != '\n') text.push_back('\n');
    if (text.size() < 2 || text[text.size() - 2] != '\n') text.push_back('\n');
  }

  bool pending_space_ = false;
};

// "Headline | Site Name" -> "Headline": <title> usually appends the site.
std::string WithoutSiteName(std::string_view title) {
  for (std::string_view sep : {" | ", " - ", " \u2013 ", " \u2014 "}) {
    const size_t at = title.rfind(sep);
    if (at == std::string_view::npos) continue;
    const std::string_view site = title.substr(at + sep.size());
    if (std::count(site.begin(), site.end(), ' ') <= 3) return std::string(title.substr(0, at));
  }
  return std::string(title);
}

}  // namespace

HtmlText HtmlToText(std::string_view html) {
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 1000;  // bound the error list on garbage input
  GumboOutput* output = gumbo_parse_with_options(&options, html.data(), html.size());
  Walker walker;
  walker.Walk(output->root);
  gumbo_destroy_output(&options, output);
  HtmlText result;
  result.title = !walker.h1.empty() ? std::move(walker.h1) : WithoutSiteName(walker.title_tag);
  result.text = std::move(walker.text);
  while (!result.text.empty() && (result.text.back() == '\n' || result.text.back() == ' ')) {
    result.text.pop_back();
  }
  return result;
}

bool LooksLikeHtml(std::string_view text) {
  if (text.find('<') == std::string_view::npos) return false;
  const size_t probe = std::min<size_t>(text.size(), 4096);
  std::string head(text.substr(0, probe));
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  int tags = 0;
  for (std::string_view t : {"<html", "<body", "<p>", "<p ", "<div", "<br", "<!doctype", "</p>", "<article"}) {
    if (head.find(t) != std::string::npos) ++tags;
  }
  return tags >= 2 || head.find("<!doctype html") != std::string::npos || head.find("<html") != std::string::npos;
}

}  // namespace eventwire::clean_internal
