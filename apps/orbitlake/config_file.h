// The --config file: TOML (read by toml++), one [command] section per command.
//
// CLI11's own reader skips what it does not understand (a line without '=', a typo'd
// key, a stray bracket), so a broken file silently ran the defaults. This one refuses,
// naming the file, the line and the key: any TOML syntax error (toml++'s message, with
// line and column), a key outside a section, a value that is not a string, number,
// boolean or array of those (tables, dotted keys, dates), an array of tables.
//
// Then every entry is checked against the command's options: the section must name a
// command, the key one of its options (the long name without "--", or a one-letter
// short name such as X), a flag takes true/false, a one-value option no array, and
// each value must pass the option's own checks (ranges, durations, table locations).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/status.h"

namespace orbitlake::cli {

struct ConfigValue {
  enum class Kind { kString, kInteger, kFloat, kBoolean };
  Kind kind = Kind::kString;
  // A string's decoded content; a number as written without '_' and a leading '+';
  // "true" / "false".
  std::string text;
};

struct ConfigEntry {
  std::string section;
  std::string key;
  std::vector<ConfigValue> values;  // one value, or the elements of an array
  bool array = false;
  int line = 0;  // 1-based, the line of the key
};

struct ConfigSection {
  std::string name;
  int line = 0;
};

struct ConfigDocument {
  std::vector<ConfigSection> sections;
  std::vector<ConfigEntry> entries;
};

// Parses the file's text; `name` is only used in messages. InvalidArgument
// "<name>:<line>[:<column>]: <what>" at the first error. Sections and entries come in
// file order.
Result<ConfigDocument> ParseConfigToml(std::string_view text, std::string_view name);

// Checks `doc` against `root`'s subcommands and their options (see above).
// InvalidArgument "<name>:<line>: ..." naming the section or key.
Status CheckConfigDocument(const ConfigDocument& doc, CLI::App& root, std::string_view name);

// Gives `root` the option `option` (e.g. "--config") reading such a file, with this
// reader in place of CLI11's: a missing file, a syntax error or an unknown key is a
// usage error. Values from the file are applied like CLI11's config (command line >
// config file > environment > default).
CLI::Option* SetStrictConfig(CLI::App& root, const std::string& option, const std::string& help);

}  // namespace orbitlake::cli
