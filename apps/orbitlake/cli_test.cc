// The CLI's option checks, environment helpers and strict config file reader, on small
// CLI11 apps built like main.cc's (no command bodies run, no broker).
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "apps/orbitlake/commands.h"
#include "apps/orbitlake/config_file.h"
#include "support/test_env.h"

namespace orbitlake::cli {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

void ExpectRefused(const Status& st, std::initializer_list<std::string_view> says) {
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  for (auto s : says) EXPECT_NE(st.message().find(s), std::string::npos) << "'" << s << "' not in: " << st.message();
}

TEST(CheckTest, IntegersMustBeWholeAndInRange) {
  EXPECT_TRUE(CheckInteger("1", 1, 100).ok());
  EXPECT_TRUE(CheckInteger("100", 1, 100).ok());
  EXPECT_TRUE(CheckInteger("-5", -10, 0).ok());
  ExpectRefused(CheckInteger("0", 1, 100), {"from 1 to 100", "got '0'"});
  ExpectRefused(CheckInteger("-5", 1, 100), {"got '-5'"});
  ExpectRefused(CheckInteger("101", 1, 100), {"got '101'"});
  ExpectRefused(CheckInteger("99999999999999999999999", 1, 100), {"got '99999999999999999999999'"});
  for (const char* bad : {"", "abc", "1.5", "5x", " 5", "1e3", "+5"}) {
    ExpectRefused(CheckInteger(bad, 0, 100), {"must be an integer"});
  }
  EXPECT_TRUE(CheckUnsigned("18446744073709551615", 0, UINT64_MAX).ok());
  ExpectRefused(CheckUnsigned("-1", 0, UINT64_MAX), {"got '-1'"});
}

TEST(CheckTest, NumbersMustBeFiniteAndInRange) {
  EXPECT_TRUE(CheckNumber("0", 0, 1e9).ok());
  EXPECT_TRUE(CheckNumber("2.5", 0, 1e9).ok());
  for (const char* bad : {"-1", "nan", "inf", "1e10", "", "fast"}) {
    ExpectRefused(CheckNumber(bad, 0, 1e9), {"must be a number from 0 to", std::string("'") + bad + "'"});
  }
}

TEST(CheckTest, DurationsNeedAUnitAndARange) {
  EXPECT_TRUE(CheckDuration("500ms", milliseconds(10), hours(24)).ok());
  EXPECT_TRUE(CheckDuration("10ms", milliseconds(10), hours(24)).ok());
  ExpectRefused(CheckDuration("0s", milliseconds(10), hours(24)), {"from 10ms to 86400s", "got '0s'"});
  ExpectRefused(CheckDuration("5ms", milliseconds(10), hours(24)), {"got '5ms'"});
  ExpectRefused(CheckDuration("5", milliseconds(10), hours(24)), {"got '5'"});
  ExpectRefused(CheckDuration("2000000s", milliseconds(10), hours(24)), {"86400s"});
  EXPECT_TRUE(CheckSleepRange("5ms..50ms").ok());
  EXPECT_FALSE(CheckSleepRange("50ms..5ms").ok());
}

TEST(CheckTest, LongDurationsAndByteSizes) {
  EXPECT_TRUE(CheckDuration("30d", seconds(0), hours(24 * 3650)).ok());
  EXPECT_TRUE(CheckDuration("0s", seconds(0), hours(24 * 3650)).ok());
  ExpectRefused(CheckDuration("4000d", seconds(0), hours(24 * 3650)), {"from 0s to 3650d", "got '4000d'"});
  EXPECT_TRUE(CheckByteSize("128MiB", 1 << 20, int64_t{1} << 40).ok());
  EXPECT_TRUE(CheckByteSize("104857600", 1 << 20, int64_t{1} << 40).ok());
  ExpectRefused(CheckByteSize("1k", 1 << 20, int64_t{1} << 40), {"from 1MiB to 1TiB", "got '1k'"});
  ExpectRefused(CheckByteSize("lots", 1 << 20, int64_t{1} << 40), {"e.g. 128MiB", "got 'lots'"});
}

TEST(CheckTest, TopicNamesAreKafkaNamesAndOneAtATime) {
  EXPECT_TRUE(CheckTopicName("sat-data").ok());
  EXPECT_TRUE(CheckTopicName("a.b_C-9").ok());
  ExpectRefused(CheckTopicName("a,b"), {"one topic", "'a,b'"});
  ExpectRefused(CheckTopicName(""), {"empty"});
  ExpectRefused(CheckTopicName("my topic"), {"'my topic' is not a Kafka topic name"});
  ExpectRefused(CheckTopicName(".."), {"not a Kafka topic name"});
  ExpectRefused(CheckTopicName(std::string(250, 'a')), {"not a Kafka topic name"});
}

// ---- the config file reader ----

ConfigDocument Parsed(std::string_view text) {
  auto doc = ParseConfigToml(text, "f.toml");
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  return doc.ok() ? *doc : ConfigDocument{};
}

TEST(ParseConfigTomlTest, ReadsSectionsAndValuesWithLinesInFileOrder) {
  auto doc = Parsed(
      "# orbitlake\n"
      "\n"
      "[ingest]\r\n"
      "brokers = \"k1:9092,k2:9092\"  # two\n"
      "topic = [\"a\",\n"
      "  'b',  # comment inside\n"
      "]\n"
      "max-rows = 1_000\n"
      "rate = +2.5e3\n"
      "until-caught-up = true\n"
      "path = 'C:\\raw'\n"
      "esc = \"tab\\there \\u00e9 \\\"q\\\"\"\n"
      "[ tail ]\n"
      "rows = -3\n");
  ASSERT_EQ(doc.sections.size(), 2u);
  EXPECT_EQ(doc.sections[0].name, "ingest");
  EXPECT_EQ(doc.sections[0].line, 3);
  EXPECT_EQ(doc.sections[1].name, "tail");
  EXPECT_EQ(doc.sections[1].line, 13);
  ASSERT_EQ(doc.entries.size(), 8u);
  const auto& e = doc.entries;
  EXPECT_EQ(e[0].key, "brokers");
  EXPECT_EQ(e[0].line, 4);
  EXPECT_EQ(e[0].values[0].text, "k1:9092,k2:9092");
  EXPECT_FALSE(e[0].array);
  EXPECT_EQ(e[1].key, "topic");
  EXPECT_TRUE(e[1].array);
  ASSERT_EQ(e[1].values.size(), 2u);
  EXPECT_EQ(e[1].values[1].text, "b");
  EXPECT_EQ(e[2].key, "max-rows");
  EXPECT_EQ(e[2].line, 8);  // after the three-line array
  EXPECT_EQ(e[2].values[0].kind, ConfigValue::Kind::kInteger);
  EXPECT_EQ(e[2].values[0].text, "1000");
  EXPECT_EQ(e[3].values[0].kind, ConfigValue::Kind::kFloat);
  EXPECT_EQ(e[3].values[0].text, "2500");
  EXPECT_EQ(e[4].values[0].kind, ConfigValue::Kind::kBoolean);
  EXPECT_EQ(e[5].values[0].text, "C:\\raw");
  EXPECT_EQ(e[6].values[0].text, "tab\there \xC3\xA9 \"q\"");
  EXPECT_EQ(e[7].section, "tail");
  EXPECT_EQ(e[7].values[0].text, "-3");
}

TEST(ParseConfigTomlTest, SyntaxErrorsNameFileAndLine) {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c : {
           Case{"[ingest]\nuntil_caught_up\n", "f.toml:2:16: Error while parsing key-value pair: expected '='"},
           Case{"[ingest]\ninterval = 5s\n", "f.toml:2:13: "},
           Case{"[ingest]\nbrokers = \"k:1\n", "f.toml:2:15: Error while parsing string"},
           Case{"[ingest]\nbrokers = 'k:1\n", "f.toml:2:15: Error while parsing literal string"},
           Case{"brokers = \"k:1\"\n", "f.toml:1: key 'brokers' is outside a [command] section"},
           Case{"[ingest]\na = 1\n\na = 2\n", "f.toml:4:5: Error while parsing key-value pair: cannot redefine existing"},
           Case{"[ingest]\n[tail]\n[ingest]\n", "f.toml:3:1: Error while parsing table header: cannot redefine"},
           Case{"[[ingest]]\n", "f.toml:1: [[ingest]]: arrays of tables are not sections"},
           Case{"[ingest.x]\n", "f.toml:1: 'x' in [ingest] is a table: option values are"},
           Case{"[ingest\n", "f.toml:1:8: Error while parsing table header: expected ']'"},
           Case{"[ingest] x\n", "f.toml:1:10: Error while parsing table header"},
           Case{"[ingest]\na.b = 1\n", "f.toml:2: 'a' in [ingest] is a table"},
           Case{"[ingest]\na = {b = 1}\n", "f.toml:2: 'a' in [ingest] is a table"},
           Case{"[ingest]\na = [[1]]\n", "f.toml:2: the array of 'a' in [ingest] holds an array"},
           Case{"[ingest]\na = 1979-05-27\n", "f.toml:2: 'a' in [ingest] is a date"},
           Case{"[ingest]\na = [1,\n2\n", "f.toml:3:"},
           Case{"[ingest]\na = 1 2\n", "f.toml:2:7: "},
           Case{"[ingest]\na =\n", "f.toml:2:4: "},
           Case{"[ingest]\na = \"\\q\"\n", "f.toml:2:"},
           Case{"[ingest]\na = 01\n", "f.toml:2:"},
           Case{"[ingest]\na = True\n", "f.toml:2:"},
           Case{"[ingest]\n= 1\n", "f.toml:2:1: "},
       }) {
    auto doc = ParseConfigToml(c.text, "f.toml");
    ASSERT_FALSE(doc.ok()) << c.text;
    EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(doc.status().message().find(c.says), std::string::npos)
        << "expected '" << c.says << "' in: " << doc.status().message();
  }
}

// A root app shaped like main.cc's: [ingest] and [tail] with the shared helpers.
struct TestApp {
  CLI::App app{"test"};
  KafkaFlags kafka;
  std::vector<std::string> topics{"sat-data"};
  std::string group = "orbitlake";
  int64_t max_rows = 1'000'000;
  std::string interval = "5s";
  bool until_caught_up = false;
  std::string table;
  std::string produce_topic = "sat-data";
  std::string data_dir = "./data";

  TestApp() {
    SetStrictConfig(app, "--config", "config");
    app.fallthrough(true);
    app.require_subcommand(1);
    CLI::App* ingest = app.add_subcommand("ingest", "");
    AddKafkaOptions(ingest, &kafka);
    AddTopicsOption(ingest, &topics, "Topics");
    AddGroupOption(ingest, &group, "Group");
    ingest->add_option("--max-rows", max_rows, "")->check(IntegerIn(1, 100'000'000));
    ingest->add_option("-i,--interval", interval, "")->check(DurationIn(milliseconds(1), hours(24)));
    ingest->add_flag("--until-caught-up", until_caught_up, "");
    ingest->add_option("--table", table, "")->check(TableLocation());
    CLI::App* produce = app.add_subcommand("produce", "");
    AddTopicOption(produce, &produce_topic, "Topic");
    CLI::App* demo = app.add_subcommand("demo", "");
    demo->add_option("--data-dir", data_dir, "")->transform(LocalFolder());
    SetUpOptionSources(app);
  }

  Status CheckText(std::string_view text) {
    auto doc = ParseConfigToml(text, "f.toml");
    if (!doc.ok()) return doc.status();
    return CheckConfigDocument(*doc, app, "f.toml");
  }
};

TEST(CheckConfigDocumentTest, KeysMustBeOptionsOfTheSectionsCommand) {
  TestApp t;
  EXPECT_TRUE(t.CheckText("[ingest]\nbrokers = \"k:1\"\nX = [\"a=b\"]\ntopic = \"a,b\"\nmax-rows = 10\n"
                          "until-caught-up = false\ntable = \"file:///tmp/t\"\n[produce]\ntopic = \"x\"\n")
                  .ok());
  ExpectRefused(t.CheckText("[ingest]\n\nbogus-key = 1\n"),
                {"f.toml:3: unknown key 'bogus-key' in [ingest]", "orbitlake ingest --help"});
  ExpectRefused(t.CheckText("[ingest]\nuntil_caught_up = true\n"),
                {"f.toml:2: unknown key 'until_caught_up' in [ingest] (did you mean 'until-caught-up'?)"});
  ExpectRefused(t.CheckText("[ingets]\n"), {"f.toml:1: unknown section [ingets]", "ingest, produce, demo"});
  ExpectRefused(t.CheckText("[produce]\nmax-rows = 5\n"), {"f.toml:2: unknown key 'max-rows' in [produce]"});
  ExpectRefused(t.CheckText("[ingest]\nuntil-caught-up = \"yes\"\n"),
                {"f.toml:2: key 'until-caught-up' in [ingest] is a flag: write until-caught-up = true"});
  ExpectRefused(t.CheckText("[ingest]\nmax-rows = true\n"), {"f.toml:2: key 'max-rows'", "not true"});
  ExpectRefused(t.CheckText("[ingest]\nmax-rows = [1, 2]\n"), {"f.toml:2:", "takes one value, not an array"});
  ExpectRefused(t.CheckText("[ingest]\nmax-rows = 0\n"),
                {"f.toml:2: key 'max-rows' in [ingest]: must be an integer from 1 to 100000000, got '0'"});
  ExpectRefused(t.CheckText("[ingest]\nmax-rows = \"many\"\n"), {"f.toml:2:", "got 'many'"});
  ExpectRefused(t.CheckText("[ingest]\ninterval = \"0s\"\n"), {"f.toml:2: key 'interval'", "got '0s'"});
  ExpectRefused(t.CheckText("[ingest]\ntable = \"gs://b/t\"\n"), {"f.toml:2: key 'table'", "'gs://b/t'"});
  ExpectRefused(t.CheckText("[ingest]\ntopic = [\"a\", \"bad topic\"]\n"), {"f.toml:2: key 'topic'", "bad topic"});
  ExpectRefused(t.CheckText("[produce]\ntopic = \"a,b\"\n"), {"f.toml:2: key 'topic' in [produce]", "one topic"});
  ExpectRefused(t.CheckText("[ingest]\nhelp = true\n"), {"f.toml:2: key 'help' in [ingest] cannot be set"});
}

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : {"ORBITLAKE_BROKERS", "ORBITLAKE_TOPIC", "ORBITLAKE_GROUP"}) unsetenv(v);
  }
  void TearDown() override { SetUp(); }
  std::string Write(const std::string& text) {
    std::string path = (dir_.path() / "orbitlake.toml").string();
    std::ofstream(path) << text;
    return path;
  }
  orbitlake::testing::TempDir dir_;
};

TEST_F(ConfigFileTest, ValuesApplyWithCommandLineOverFileOverEnvironment) {
  std::string cfg = Write("[ingest]\nbrokers = \"file:1\"\ntopic = [\"f1\", \"f2,f3\"]\nmax-rows = 7\n"
                          "until-caught-up = true\n");
  setenv("ORBITLAKE_BROKERS", "env:1", 1);
  setenv("ORBITLAKE_GROUP", "env-group", 1);
  {
    TestApp t;
    t.app.parse("--config " + cfg + " ingest");
    EXPECT_EQ(t.kafka.client.brokers, "file:1");  // the file beats the environment
    EXPECT_EQ(t.topics, (std::vector<std::string>{"f1", "f2", "f3"}));
    EXPECT_EQ(t.max_rows, 7);
    EXPECT_TRUE(t.until_caught_up);
    EXPECT_EQ(t.group, "env-group");  // not in the file: the environment
  }
  {
    TestApp t;
    t.app.parse("ingest --config " + cfg + " -b cli:1 --max-rows 9");
    EXPECT_EQ(t.kafka.client.brokers, "cli:1");  // the command line beats both
    EXPECT_EQ(t.max_rows, 9);
  }
  {
    TestApp t;
    t.app.parse("ingest");
    EXPECT_EQ(t.kafka.client.brokers, "env:1");
    EXPECT_EQ(t.max_rows, 1'000'000);  // default
  }
}

TEST_F(ConfigFileTest, ABadFileStopsTheParseNamingFileLineAndKey) {
  std::string cfg = Write("[ingest]\nmax-rows = 5\nbogus-key = 1\n");
  TestApp t;
  try {
    t.app.parse("--config " + cfg + " ingest");
    FAIL() << "parsed";
  } catch (const CLI::ParseError& e) {
    EXPECT_EQ(std::string(e.what()), cfg + ":3: unknown key 'bogus-key' in [ingest]; keys are the long option "
                                           "names of 'orbitlake ingest --help'");
  }
}

TEST_F(ConfigFileTest, AMissingFileIsAnErrorNamingIt) {
  const std::string missing = (dir_.path() / "nope.toml").string();
  for (const std::string& path : {missing, dir_.path().string()}) {
    TestApp t;
    try {
      t.app.parse("--config " + path + " ingest");
      FAIL() << "parsed with " << path;
    } catch (const CLI::ParseError& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
}

TEST_F(ConfigFileTest, EnvironmentListsAreSplitAndSingleTopicsRefuseThem) {
  setenv("ORBITLAKE_TOPIC", "a,b", 1);
  {
    TestApp t;
    t.app.parse("ingest");
    EXPECT_EQ(t.topics, (std::vector<std::string>{"a", "b"}));
  }
  {
    TestApp t;
    t.app.parse("ingest -t x,y -t z");  // the command line wins, and is split too
    EXPECT_EQ(t.topics, (std::vector<std::string>{"x", "y", "z"}));
  }
  {
    TestApp t;
    try {
      t.app.parse("produce");
      FAIL() << "produce took ORBITLAKE_TOPIC=a,b as one topic: " << t.produce_topic;
    } catch (const CLI::ValidationError& e) {
      EXPECT_NE(std::string(e.what()).find("one topic"), std::string::npos) << e.what();
    }
  }
  setenv("ORBITLAKE_TOPIC", "solo", 1);
  TestApp t;
  t.app.parse("produce");
  EXPECT_EQ(t.produce_topic, "solo");
}

TEST_F(ConfigFileTest, LocalFoldersAcceptFileUris) {
  TestApp t;
  t.app.parse("demo --data-dir file:///tmp/demo%20data");
  EXPECT_EQ(t.data_dir, "/tmp/demo data");
  TestApp u;
  EXPECT_THROW(u.app.parse("demo --data-dir s3://b/d"), CLI::ValidationError);
}

TEST(SetUpOptionSourcesTest, EveryHelpNamesItsVariablesAndThePrecedence) {
  TestApp t;
  const std::string ingest = t.app.get_subcommand("ingest")->help();
  EXPECT_NE(ingest.find("ORBITLAKE_BROKERS  --brokers"), std::string::npos) << ingest;
  EXPECT_NE(ingest.find("ORBITLAKE_TOPIC    --topic"), std::string::npos) << ingest;
  EXPECT_NE(ingest.find("ORBITLAKE_GROUP    --group"), std::string::npos) << ingest;
  EXPECT_NE(ingest.find("command line > config file > environment > default"), std::string::npos) << ingest;
  const std::string demo = t.app.get_subcommand("demo")->help();
  EXPECT_EQ(demo.find("ORBITLAKE_"), std::string::npos) << demo;
  EXPECT_NE(demo.find("command line > config file > default"), std::string::npos) << demo;
}

}  // namespace
}  // namespace orbitlake::cli
