#include "apps/orbitlake/config_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

namespace orbitlake::cli {
namespace {

bool IsBareKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// What a character looks like in a message.
std::string Shown(char c) {
  if (c == '\n') return "end of line";
  if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return fmt::format("byte 0x{:02x}", static_cast<int>(c));
  return fmt::format("'{}'", c);
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view name) : t_(text), name_(name) {
    if (t_.starts_with("\xEF\xBB\xBF")) pos_ = 3;  // UTF-8 byte order mark
  }

  Result<ConfigDocument> Parse() {
    ConfigDocument doc;
    std::map<std::string, int> section_lines;
    std::map<std::pair<std::string, std::string>, int> key_lines;
    std::string section;
    while (true) {
      SkipSpaces();
      if (AtEnd()) break;
      const char c = Peek();
      if (c == '\n' || c == '\r' || c == '#') {
        ORBIT_RETURN_IF_ERROR(ExpectLineEnd("a comment"));
        continue;
      }
      if (c == '[') {
        ORBIT_ASSIGN_OR_RETURN(section, SectionHeader());
        if (auto it = section_lines.find(section); it != section_lines.end()) {
          return Error(fmt::format("section [{}] appears twice (first on line {})", section, it->second));
        }
        section_lines[section] = line_;
        doc.sections.push_back({section, line_});
        ORBIT_RETURN_IF_ERROR(ExpectLineEnd("[" + section + "]"));
        continue;
      }
      ConfigEntry entry;
      entry.line = line_;
      ORBIT_ASSIGN_OR_RETURN(entry.key, Key());
      if (section.empty()) {
        return Error(fmt::format("key '{}' is outside a [command] section (e.g. put it under [ingest])", entry.key));
      }
      SkipSpaces();
      if (Peek() == '.') return Error(fmt::format("dotted keys ('{}.') are not supported", entry.key));
      if (Peek() != '=') return Error(fmt::format("expected '=' after key '{}', got {}", entry.key, Shown(Peek())));
      ++pos_;
      SkipSpaces();
      if (AtEnd() || Peek() == '\n' || Peek() == '\r' || Peek() == '#') {
        return Error(fmt::format("key '{}' has no value", entry.key));
      }
      if (Peek() == '[') {
        entry.array = true;
        ORBIT_ASSIGN_OR_RETURN(entry.values, Array(entry.key));
      } else {
        ORBIT_ASSIGN_OR_RETURN(ConfigValue v, Value(entry.key));
        entry.values.push_back(std::move(v));
      }
      ORBIT_RETURN_IF_ERROR(ExpectLineEnd("the value of '" + entry.key + "'"));
      entry.section = section;
      auto [it, inserted] = key_lines.emplace(std::make_pair(section, entry.key), entry.line);
      if (!inserted) {
        return ErrorAt(entry.line, fmt::format("key '{}' appears twice in [{}] (first on line {})", entry.key, section,
                                               it->second));
      }
      doc.entries.push_back(std::move(entry));
    }
    return doc;
  }

 private:
  bool AtEnd() const { return pos_ >= t_.size(); }
  char Peek(size_t ahead = 0) const { return pos_ + ahead < t_.size() ? t_[pos_ + ahead] : '\n'; }

  Status ErrorAt(int line, const std::string& what) const {
    return Status::InvalidArgument(fmt::format("{}:{}: {}", name_, line, what));
  }
  Status Error(const std::string& what) const { return ErrorAt(line_, what); }

  void SkipSpaces() {
    while (!AtEnd() && (t_[pos_] == ' ' || t_[pos_] == '\t')) ++pos_;
  }

  // Optional spaces and comment, then the end of the line (or of the file).
  Status ExpectLineEnd(const std::string& after) {
    SkipSpaces();
    if (!AtEnd() && t_[pos_] == '#') {
      while (!AtEnd() && t_[pos_] != '\n' && t_[pos_] != '\r') ++pos_;
    }
    if (AtEnd()) return Status::OK();
    if (t_[pos_] == '\r' && Peek(1) == '\n') ++pos_;
    if (t_[pos_] != '\n') return Error(fmt::format("unexpected {} after {}", Shown(t_[pos_]), after));
    ++pos_;
    ++line_;
    return Status::OK();
  }

  // Spaces, comments and line ends, inside an array.
  void SkipBlank() {
    while (!AtEnd()) {
      const char c = t_[pos_];
      if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '\n') {
        ++pos_;
        ++line_;
      } else if (c == '#') {
        while (!AtEnd() && t_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  Result<std::string> BareKey(const char* what, const char* expected) {
    const size_t start = pos_;
    while (!AtEnd() && IsBareKeyChar(t_[pos_])) ++pos_;
    if (pos_ == start) {
      const char c = Peek();
      if (c == '"' || c == '\'') return Error(fmt::format("quoted {}s are not supported", what));
      return Error(fmt::format("expected {}, got {}", expected, Shown(c)));
    }
    return std::string(t_.substr(start, pos_ - start));
  }

  Result<std::string> Key() {
    return BareKey("key", "a key (letters, digits, '-', '_'), a [section] or a comment");
  }

  Result<std::string> SectionHeader() {
    ++pos_;  // '['
    if (Peek() == '[') return Error("arrays of tables ([[...]]) are not supported; use one [command] section");
    SkipSpaces();
    ORBIT_ASSIGN_OR_RETURN(std::string name, BareKey("section name", "a section name"));
    SkipSpaces();
    if (Peek() == '.') return Error(fmt::format("dotted section names ([{}.]) are not supported", name));
    if (Peek() != ']') return Error(fmt::format("expected ']' after [{}, got {}", name, Shown(Peek())));
    ++pos_;
    return name;
  }

  Result<std::vector<ConfigValue>> Array(const std::string& key) {
    const int start_line = line_;
    ++pos_;  // '['
    std::vector<ConfigValue> values;
    while (true) {
      SkipBlank();
      if (AtEnd()) return ErrorAt(start_line, fmt::format("the array of '{}' is never closed with ']'", key));
      if (Peek() == ']') break;
      if (Peek() == '[') return Error(fmt::format("nested arrays are not supported (key '{}')", key));
      ORBIT_ASSIGN_OR_RETURN(ConfigValue v, Value(key));
      values.push_back(std::move(v));
      SkipBlank();
      if (AtEnd()) return ErrorAt(start_line, fmt::format("the array of '{}' is never closed with ']'", key));
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() != ']') {
        return Error(fmt::format("expected ',' or ']' in the array of '{}', got {}", key, Shown(Peek())));
      }
    }
    ++pos_;  // ']'
    return values;
  }

  Result<ConfigValue> Value(const std::string& key) {
    const char c = Peek();
    if (c == '"') return BasicString(key);
    if (c == '\'') return LiteralString(key);
    if (c == '{') return Error(fmt::format("inline tables are not supported (key '{}')", key));
    // A bare token: a number or a boolean (anything else is refused below).
    const size_t start = pos_;
    while (!AtEnd()) {
      const char d = t_[pos_];
      if (d == ' ' || d == '\t' || d == ',' || d == ']' || d == '#' || d == '\n' || d == '\r') break;
      ++pos_;
    }
    const std::string token(t_.substr(start, pos_ - start));
    if (token == "true" || token == "false") return ConfigValue{ConfigValue::Kind::kBoolean, token};
    static const std::regex kInteger("[+-]?(0|[1-9](_?[0-9])*)");
    static const std::regex kFloat(
        "[+-]?(0|[1-9](_?[0-9])*)((\\.[0-9](_?[0-9])*)([eE][+-]?[0-9](_?[0-9])*)?|[eE][+-]?[0-9](_?[0-9])*)"
        "|[+-]?(inf|nan)");
    auto number = [&](ConfigValue::Kind kind) {
      std::string text;
      for (char d : token) {
        if (d != '_') text += d;
      }
      if (text.starts_with('+')) text.erase(0, 1);
      return ConfigValue{kind, text};
    };
    if (std::regex_match(token, kInteger)) return number(ConfigValue::Kind::kInteger);
    if (std::regex_match(token, kFloat)) return number(ConfigValue::Kind::kFloat);
    return Error(fmt::format("'{}' is not a TOML value for key '{}' (strings are quoted: {} = \"{}\")", token, key,
                             key, token));
  }

  Result<ConfigValue> BasicString(const std::string& key) {
    if (Peek(1) == '"' && Peek(2) == '"') {
      return Error(fmt::format("multi-line strings (\"\"\") are not supported (key '{}')", key));
    }
    ++pos_;
    std::string out;
    while (true) {
      if (AtEnd() || t_[pos_] == '\n' || t_[pos_] == '\r') {
        return Error(fmt::format("the string of '{}' is not closed with '\"' on its line", key));
      }
      const char c = t_[pos_++];
      if (c == '"') break;
      if (c != '\\') {
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
          return Error(fmt::format("control character {} in the string of '{}'", Shown(c), key));
        }
        out += c;
        continue;
      }
      const char e = Peek();
      ++pos_;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case 'b': out += '\b'; break;
        case 't': out += '\t'; break;
        case 'n': out += '\n'; break;
        case 'f': out += '\f'; break;
        case 'r': out += '\r'; break;
        case 'u':
        case 'U': {
          const size_t digits = e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          for (size_t i = 0; i < digits; ++i) {
            const char h = Peek();
            int v = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                                                      : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
            if (v < 0) return Error(fmt::format("bad \\{} escape in the string of '{}'", e, key));
            cp = cp * 16 + static_cast<uint32_t>(v);
            ++pos_;
          }
          if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return Error(fmt::format("\\{} escape of an invalid code point in the string of '{}'", e, key));
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          return Error(fmt::format("unknown escape '\\{}' in the string of '{}' (write \\\\ for a backslash)",
                                   e == '\n' ? ' ' : e, key));
      }
    }
    return ConfigValue{ConfigValue::Kind::kString, std::move(out)};
  }

  Result<ConfigValue> LiteralString(const std::string& key) {
    if (Peek(1) == '\'' && Peek(2) == '\'') {
      return Error(fmt::format("multi-line strings (''') are not supported (key '{}')", key));
    }
    ++pos_;
    const size_t start = pos_;
    while (!AtEnd() && t_[pos_] != '\'' && t_[pos_] != '\n' && t_[pos_] != '\r') ++pos_;
    if (AtEnd() || t_[pos_] != '\'') {
      return Error(fmt::format("the string of '{}' is not closed with \"'\" on its line", key));
    }
    std::string out(t_.substr(start, pos_ - start));
    ++pos_;
    return ConfigValue{ConfigValue::Kind::kString, std::move(out)};
  }

  std::string_view t_;
  std::string_view name_;
  size_t pos_ = 0;
  int line_ = 1;
};

// The option a config key sets, looked up the way CLI11 applies it: the long name, a
// one-letter short name, or a positional's name.
CLI::Option* FindOption(CLI::App& sub, const std::string& key) {
  CLI::Option* op = sub.get_option_no_throw("--" + key);
  if (op == nullptr && key.size() == 1) op = sub.get_option_no_throw("-" + key);
  if (op == nullptr) op = sub.get_option_no_throw(key);
  return op;
}

CLI::App* FindCommand(CLI::App& root, const std::string& name) {
  for (CLI::App* sub : root.get_subcommands({})) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

std::string CommandNames(CLI::App& root) {
  std::string names;
  for (CLI::App* sub : root.get_subcommands({})) names += (names.empty() ? "" : ", ") + sub->get_name();
  return names;
}

// The option's own checks (ranges, durations, ...) on one value; "" when it passes.
std::string Validate(CLI::Option& op, const std::string& value) {
  for (int i = 0;; ++i) {
    CLI::Validator* v = nullptr;
    try {
      v = op.get_validator(i);
    } catch (const CLI::OptionNotFound&) {
      return {};
    }
    if (!v->get_active()) continue;
    std::string copy = value;
    std::string err = (*v)(copy);
    if (!err.empty()) return err;
  }
}

// CLI11's Config interface over ParseConfigToml + CheckConfigDocument.
class StrictConfig final : public CLI::Config {
 public:
  explicit StrictConfig(CLI::App* root) : root_(root) {}

  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override {
    return CLI::ConfigTOML().to_config(app, default_also, write_description, std::move(prefix));
  }

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    const auto& files = root_->get_config_ptr()->results();
    if (files.size() != 1) throw CLI::ConfigError("--config: give one config file");
    const std::string& name = files.front();
    std::stringstream buffer;
    buffer << input.rdbuf();
    if (input.bad()) throw CLI::ConfigError(fmt::format("cannot read config file {}", name));
    auto doc = ParseConfigToml(buffer.str(), name);
    if (!doc.ok()) throw CLI::ConfigError(doc.status().message());
    if (Status st = CheckConfigDocument(*doc, *root_, name); !st.ok()) throw CLI::ConfigError(st.message());
    std::vector<CLI::ConfigItem> items;
    for (const ConfigEntry& e : doc->entries) {
      CLI::ConfigItem item;
      item.parents = {e.section};
      item.name = e.key;
      for (const ConfigValue& v : e.values) item.inputs.push_back(v.text);
      items.push_back(std::move(item));
    }
    return items;
  }

 private:
  CLI::App* root_;
};

}  // namespace

Result<ConfigDocument> ParseConfigToml(std::string_view text, std::string_view name) {
  return Parser(text, name).Parse();
}

Status CheckConfigDocument(const ConfigDocument& doc, CLI::App& root, std::string_view name) {
  auto error = [&](int line, const std::string& what) {
    return Status::InvalidArgument(fmt::format("{}:{}: {}", name, line, what));
  };
  for (const ConfigSection& s : doc.sections) {
    if (FindCommand(root, s.name) == nullptr) {
      return error(s.line, fmt::format("unknown section [{}]: sections are command names ({})", s.name,
                                       CommandNames(root)));
    }
  }
  for (const ConfigEntry& e : doc.entries) {
    CLI::App* sub = FindCommand(root, e.section);
    CLI::Option* op = FindOption(*sub, e.key);
    const std::string where = fmt::format("key '{}' in [{}]", e.key, e.section);
    if (op == nullptr) {
      std::string hint;
      std::string dashed = e.key;
      std::replace(dashed.begin(), dashed.end(), '_', '-');
      if (dashed != e.key && FindOption(*sub, dashed) != nullptr) hint = fmt::format(" (did you mean '{}'?)", dashed);
      return error(e.line, fmt::format("unknown {}{}; keys are the long option names of 'orbitlake {} --help'",
                                       where, hint, e.section));
    }
    if (!op->get_configurable()) return error(e.line, fmt::format("{} cannot be set in a config file", where));
    const bool flag = op->get_expected_min() == 0;
    if (flag) {
      if (e.array || e.values.size() != 1 || e.values[0].kind != ConfigValue::Kind::kBoolean) {
        return error(e.line, fmt::format("{} is a flag: write {} = true or {} = false", where, e.key, e.key));
      }
      continue;
    }
    if (e.array && op->get_items_expected_max() <= 1) {
      return error(e.line, fmt::format("{} takes one value, not an array", where));
    }
    if (e.values.empty()) return error(e.line, fmt::format("{} has an empty array", where));
    for (const ConfigValue& v : e.values) {
      if (v.kind == ConfigValue::Kind::kBoolean) {
        return error(e.line, fmt::format("{} takes a value, not {} (only flags take true/false)", where, v.text));
      }
      std::vector<std::string> pieces;
      if (op->get_delimiter() != '\0') {
        for (std::string& p : CLI::detail::split(v.text, op->get_delimiter())) {
          if (!p.empty()) pieces.push_back(std::move(p));  // as CLI11 splits the command line
        }
      } else {
        pieces = {v.text};
      }
      for (const std::string& piece : pieces) {
        if (std::string err = Validate(*op, piece); !err.empty()) {
          return error(e.line, fmt::format("{}: {}", where, err));
        }
      }
    }
  }
  return Status::OK();
}

CLI::Option* SetStrictConfig(CLI::App& root, const std::string& option, const std::string& help) {
  root.config_formatter(std::make_shared<StrictConfig>(&root));
  CLI::Option* opt = root.set_config(option, "", help);
  // Checked when the command line is processed; CLI11's own "missing file" error is
  // only raised after the option's checks, so this message is the one printed.
  opt->check(CLI::Validator(
      [](std::string& path) -> std::string {
        if (path.empty()) return "the config file name is empty";
        std::error_code ec;
        auto status = std::filesystem::status(path, ec);
        if (ec || !std::filesystem::exists(status)) {
          return fmt::format("cannot read config file {}: {}", path,
                             ec ? ec.message() : std::string("No such file or directory"));
        }
        if (!std::filesystem::is_regular_file(status)) return fmt::format("config file {} is not a file", path);
        std::ifstream probe(path);
        if (!probe.good()) return fmt::format("cannot read config file {}: {}", path, std::strerror(errno));
        return {};
      },
      "FILE"));
  return opt;
}

}  // namespace orbitlake::cli
