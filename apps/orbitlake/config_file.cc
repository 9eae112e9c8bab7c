#include "apps/orbitlake/config_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace orbitlake::cli {
namespace {

// What a TOML node is, in a message.
std::string_view KindName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "a value";
  }
}

// One scalar as the text CLI11 receives; nullopt for tables, arrays, dates and times.
std::optional<ConfigValue> Scalar(const toml::node& n) {
  if (auto s = n.as_string()) return ConfigValue{ConfigValue::Kind::kString, s->get()};
  if (auto i = n.as_integer()) return ConfigValue{ConfigValue::Kind::kInteger, std::to_string(i->get())};
  if (auto f = n.as_floating_point()) return ConfigValue{ConfigValue::Kind::kFloat, fmt::format("{}", f->get())};
  if (auto b = n.as_boolean()) return ConfigValue{ConfigValue::Kind::kBoolean, b->get() ? "true" : "false"};
  return std::nullopt;
}

int LineOf(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

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
  auto error = [&](int line, const std::string& what) {
    return Status::InvalidArgument(fmt::format("{}:{}: {}", name, line, what));
  };
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    // toml++ says what and where; the line itself shows which key it is about.
    const auto line = e.source().begin.line;
    std::string_view rest = text;
    for (toml::source_index i = 1; i < line && !rest.empty(); ++i) {
      const size_t nl = rest.find('\n');
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
    std::string quoted(rest.substr(0, rest.find('\n')));
    while (!quoted.empty() && (quoted.back() == '\r' || quoted.back() == ' ')) quoted.pop_back();
    if (quoted.size() > 60) quoted = quoted.substr(0, 57) + "...";
    return Status::InvalidArgument(fmt::format("{}:{}:{}: {} (in: {})", name, line, e.source().begin.column,
                                               e.description(), quoted));
  }
  ConfigDocument doc;
  for (const auto& [section_key, section_node] : root) {
    const std::string section(section_key.str());
    const toml::table* table = section_node.as_table();
    if (table == nullptr) {
      const int line = static_cast<int>(section_key.source().begin.line);
      if (section_node.is_array_of_tables()) {
        return error(line, fmt::format("[[{}]]: arrays of tables are not sections; write [{}]", section, section));
      }
      return error(line, fmt::format("key '{}' is outside a [command] section", section));
    }
    doc.sections.push_back({section, static_cast<int>(section_key.source().begin.line)});
    for (const auto& [key_key, node] : *table) {
      ConfigEntry e;
      e.section = section;
      e.key = std::string(key_key.str());
      e.line = static_cast<int>(key_key.source().begin.line);
      if (auto v = Scalar(node)) {
        e.values.push_back(std::move(*v));
      } else if (const toml::array* arr = node.as_array()) {
        e.array = true;
        for (const toml::node& item : *arr) {
          auto v = Scalar(item);
          if (!v) {
            return error(LineOf(item), fmt::format("the array of '{}' in [{}] holds {}: option values are strings, "
                                                   "numbers or booleans", e.key, section, KindName(item)));
          }
          e.values.push_back(std::move(*v));
        }
      } else {
        // [ingest.x], ingest.x = ..., x = { ... }, or a date: none names an option value.
        return error(e.line, fmt::format("'{}' in [{}] is {}: option values are strings, numbers, booleans or "
                                         "arrays of those", e.key, section, KindName(node)));
      }
      doc.entries.push_back(std::move(e));
    }
  }
  // toml++ keeps keys sorted; report the file's first problem first.
  std::stable_sort(doc.sections.begin(), doc.sections.end(),
                   [](const ConfigSection& a, const ConfigSection& b) { return a.line < b.line; });
  std::stable_sort(doc.entries.begin(), doc.entries.end(),
                   [](const ConfigEntry& a, const ConfigEntry& b) { return a.line < b.line; });
  return doc;
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
