#include "input.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "eventwire/decode.h"

namespace eventwire::cli {
namespace {

namespace fs = std::filesystem;

size_t EmitDocument(std::string_view contents, const std::string& name,
                    const std::function<void(const v1::RawArticle&)>& on_article) {
  size_t errors = 0;
  for (DecodeResult& r : DecodeDocument(contents, name)) {
    if (r.ok()) {
      on_article(*r.article);
    } else {
      std::cerr << "eventwire: " << name << ": skipped (" << DlqReasonName(r.reason) << "): " << r.detail
                << "\n";
      ++errors;
    }
  }
  return errors;
}

size_t ReadStdin(const std::function<void(const v1::RawArticle&)>& on_article) {
  size_t errors = 0;
  std::string line;
  size_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    DecodeResult r = DecodeArticle(line, "application/json", "");
    if (r.ok()) {
      on_article(*r.article);
    } else {
      std::cerr << "eventwire: stdin:" << line_no << ": skipped (" << DlqReasonName(r.reason)
                << "): " << r.detail << "\n";
      ++errors;
    }
  }
  return errors;
}

void ReadFile(const fs::path& path, const std::function<void(const v1::RawArticle&)>& on_article,
              InputErrors* errors) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "eventwire: cannot read " << path.string() << "\n";
    ++errors->unreadable_paths;
    return;
  }
  std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  errors->bad_records += EmitDocument(contents, path.filename().string(), on_article);
}

}  // namespace

size_t ForEachArticle(const std::vector<std::string>& paths,
                      const std::function<void(const v1::RawArticle&)>& on_article, InputErrors* by_kind) {
  InputErrors local;
  InputErrors* errors = by_kind != nullptr ? by_kind : &local;
  *errors = {};
  if (paths.empty()) errors->bad_records += ReadStdin(on_article);
  for (const std::string& p : paths) {
    if (p == "-") {
      errors->bad_records += ReadStdin(on_article);
      continue;
    }
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::recursive_directory_iterator(p, ec)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      for (const fs::path& f : files) ReadFile(f, on_article, errors);
    } else if (fs::exists(p, ec)) {
      ReadFile(p, on_article, errors);
    } else {
      std::cerr << "eventwire: no such file or directory: " << p << "\n";
      ++errors->unreadable_paths;
    }
  }
  return errors->bad_records + errors->unreadable_paths;
}

}  // namespace eventwire::cli
