#include "tflo/actuators/yaml_edit.h"

#include <string>
#include <vector>

#include "test_util.h"
#include <gtest/gtest.h>

namespace tflo::actuators {
namespace {

using ::tflo::testing::ReadTestdata;

constexpr char kSource[] = "collector.yaml";

// Expected text computed independently of the editor: `text` with the single
// line `old_line` (without terminator) replaced by `new_line`. Fails the test if
// the line does not occur exactly once.
std::string ReplaceLineOnce(const std::string& text, const std::string& old_line,
                            const std::string& new_line) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start + 1));
    start = nl + 1;
  }
  int hits = 0;
  for (std::string& line : lines) {
    std::string body = line;
    std::string ending;
    if (!body.empty() && body.back() == '\n') {
      body.pop_back();
      ending = "\n";
      if (!body.empty() && body.back() == '\r') {
        body.pop_back();
        ending = "\r\n";
      }
    }
    if (body == old_line) {
      line = new_line + ending;
      ++hits;
    }
  }
  EXPECT_EQ(hits, 1) << "line not found exactly once: " << old_line;
  std::string out;
  for (const std::string& line : lines) out += line;
  return out;
}

// Inserts `new_lines` (LF-terminated) right after the line `after_line`.
std::string InsertAfterLine(const std::string& text, const std::string& after_line,
                            const std::string& new_lines) {
  const std::string needle = "\n" + after_line + "\n";
  const size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << after_line;
  EXPECT_EQ(text.find(needle, at + 1), std::string::npos) << "ambiguous anchor line " << after_line;
  std::string out = text;
  out.insert(at + needle.size(), new_lines);
  return out;
}

std::string ToCrlf(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

Result<std::string> Edit(const std::string& text, const std::string& key,
                         const std::string& value) {
  return ApplyScalarEdits(text, {{SplitKeyPath(key), value}}, kSource);
}

TEST(SplitKeyPathTest, SplitsOnDotsKeepingSlashes) {
  EXPECT_EQ(SplitKeyPath("exporters.otlp/tempo.sending_queue.queue_size"),
            (std::vector<std::string>{"exporters", "otlp/tempo", "sending_queue", "queue_size"}));
  EXPECT_EQ(SplitKeyPath("batch"), (std::vector<std::string>{"batch"}));
}

TEST(ReadScalarTest, ReturnsUnquotedValueOrNulloptWhenAbsent) {
  const std::string yaml = ReadTestdata("actuators/collector.yaml");

  auto grpc = ReadScalar(yaml, SplitKeyPath("receivers.otlp.protocols.grpc.endpoint"), kSource);
  auto http = ReadScalar(yaml, SplitKeyPath("receivers.otlp.protocols.http.endpoint"), kSource);
  auto size = ReadScalar(yaml, SplitKeyPath("processors.batch.send_batch_size"), kSource);
  auto absent = ReadScalar(yaml, SplitKeyPath("exporters.otlp/tempo.timeout"), kSource);
  auto absent_parent =
      ReadScalar(yaml, SplitKeyPath("exporters.nope.sending_queue.queue_size"), kSource);

  ASSERT_TRUE(grpc.ok()) << grpc.status().message();
  EXPECT_EQ(grpc->value_or("?"), "0.0.0.0:4317");
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->value_or("?"), "0.0.0.0:4318");
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(size->value_or("?"), "512");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  ASSERT_TRUE(absent_parent.ok());
  EXPECT_FALSE(absent_parent->has_value());
}

TEST(ReadScalarTest, MappingAtPathIsInvalidArgument) {
  auto result = ReadScalar(ReadTestdata("actuators/collector.yaml"),
                           SplitKeyPath("processors.batch"), kSource);

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("collector.yaml:"), std::string::npos)
      << result.status().message();
}

TEST(ApplyScalarEditsTest, ChangesOnlyTheEditedValuesKeepingComments) {
  const std::string before = ReadTestdata("actuators/collector.yaml");
  std::string expected = ReplaceLineOnce(before, "    send_batch_size: 512     # spans per batch",
                                         "    send_batch_size: 1000     # spans per batch");
  expected = ReplaceLineOnce(expected, "      queue_size: 100   # requests",
                             "      queue_size: 5000   # requests");

  auto after =
      ApplyScalarEdits(before,
                       {{SplitKeyPath("processors.batch.send_batch_size"), "1000"},
                        {SplitKeyPath("exporters.otlp/tempo.sending_queue.queue_size"), "5000"}},
                       kSource);

  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(*after, expected);
}

TEST(ApplyScalarEditsTest, CrlfFileStaysCrlf) {
  const std::string before = ToCrlf(ReadTestdata("actuators/collector.yaml"));
  const std::string expected = ReplaceLineOnce(before, "      queue_size: 100   # requests",
                                               "      queue_size: 2000   # requests");

  auto after = Edit(before, "exporters.otlp/tempo.sending_queue.queue_size", "2000");

  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(*after, expected);
}

TEST(ApplyScalarEditsTest, CrlfInsertionUsesCrlf) {
  const std::string before = "a:\r\n  b: 1\r\nc: 2\r\n";

  auto after = Edit(before, "a.d", "4");

  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(*after, "a:\r\n  b: 1\r\n  d: 4\r\nc: 2\r\n");
}

TEST(ApplyScalarEditsTest, FileWithoutTrailingNewlineStaysWithout) {
  const std::string before = "a:\n  b: 1\n  c: 2  # last";

  auto changed = Edit(before, "a.c", "3");
  auto inserted = Edit(before, "a.d", "4");

  ASSERT_TRUE(changed.ok()) << changed.status().message();
  EXPECT_EQ(*changed, "a:\n  b: 1\n  c: 3  # last");
  ASSERT_TRUE(inserted.ok()) << inserted.status().message();
  EXPECT_EQ(*inserted, "a:\n  b: 1\n  c: 2  # last\n  d: 4");
}

TEST(ApplyScalarEditsTest, QuotedValuesKeepTheirQuotes) {
  const std::string before = ReadTestdata("actuators/collector.yaml");
  std::string expected =
      ReplaceLineOnce(before, "        endpoint: \"0.0.0.0:4317\"   # gRPC from the SDKs",
                      "        endpoint: \"127.0.0.1:4317\"   # gRPC from the SDKs");
  expected = ReplaceLineOnce(expected, "        endpoint: '0.0.0.0:4318'",
                             "        endpoint: 'it''s:4318'");

  auto after =
      ApplyScalarEdits(before,
                       {{SplitKeyPath("receivers.otlp.protocols.grpc.endpoint"), "127.0.0.1:4317"},
                        {SplitKeyPath("receivers.otlp.protocols.http.endpoint"), "it's:4318"}},
                       kSource);

  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(*after, expected);
  auto reread = ReadScalar(*after, SplitKeyPath("receivers.otlp.protocols.http.endpoint"), kSource);
  ASSERT_TRUE(reread.ok());
  EXPECT_EQ(reread->value_or("?"), "it's:4318");
}

TEST(ApplyScalarEditsTest, PlainValueNeedingQuotesIsDoubleQuoted) {
  auto after = Edit("a:\n  b: x # note\n", "a.b", "v: #1");

  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(*after, "a:\n  b: \"v: #1\" # note\n");
}

TEST(ApplyScalarEditsTest, InsertsMissingKeyAfterBlockAtTwoSpaceIndentation) {
  const std::string before = ReadTestdata("actuators/collector.yaml");
  // The otlp/tempo block ends with its nested retry_on_failure children; the
  // blank line and the next exporter stay where they are.
  const std::string expected =
      InsertAfterLine(before, "      initial_interval: 5s", "    timeout: 10s\n");

  auto after = Edit(before, "exporters.otlp/tempo.timeout", "10s");

  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(*after, expected);
}

TEST(ApplyScalarEditsTest, InsertsMissingKeyAtFourSpaceIndentation) {
  const std::string before =
      "processors:\n"
      "    batch:\n"
      "        timeout: 1s   # flush\n"
      "        # trailing comment about memory\n"
      "\n"
      "    memory_limiter:\n"
      "        limit_mib: 4\n";

  auto after = Edit(before, "processors.batch.send_batch_size", "100");

  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(*after,
            "processors:\n"
            "    batch:\n"
            "        timeout: 1s   # flush\n"
            "        send_batch_size: 100\n"
            "        # trailing comment about memory\n"
            "\n"
            "    memory_limiter:\n"
            "        limit_mib: 4\n");
}

TEST(ApplyScalarEditsTest, InsertsMissingIntermediateMapping) {
  const std::string before = ReadTestdata("actuators/collector.yaml");
  const std::string expected =
      InsertAfterLine(before, "    verbosity: basic", "    sending_queue:\n      queue_size: 50\n");

  auto after = Edit(before, "exporters.debug.sending_queue.queue_size", "50");

  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(*after, expected);
}

TEST(ApplyScalarEditsTest, InsertsUnderNullParent) {
  const std::string before =
      "processors:\n"
      "  batch:   # defaults for now\n"
      "  memory_limiter:\n"
      "    limit_mib: 4\n";

  auto after = Edit(before, "processors.batch.send_batch_size", "8");

  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(*after,
            "processors:\n"
            "  batch:   # defaults for now\n"
            "    send_batch_size: 8\n"
            "  memory_limiter:\n"
            "    limit_mib: 4\n");
}

TEST(ApplyScalarEditsTest, FillsEmptyLeafValue) {
  auto after = Edit("q:\n  queue_size:   # unset\n  x: 1\n", "q.queue_size", "64");

  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(*after, "q:\n  queue_size: 64   # unset\n  x: 1\n");
}

TEST(ApplyScalarEditsTest, InsertsAfterCompactSequenceAtSiblingIndentation) {
  auto after = Edit("root:\n  inner:\n  - x\n  other: 1\nlast: 2\n", "root.new", "3");

  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(*after, "root:\n  inner:\n  - x\n  other: 1\n  new: 3\nlast: 2\n");
}

TEST(ApplyScalarEditsTest, MalformedYamlReportsLine) {
  auto result = Edit("a:\n  b: 1\n c: 2\n", "a.b", "3");

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("collector.yaml:3"), std::string::npos)
      << result.status().message();
}

TEST(ApplyScalarEditsTest, PathThroughSequenceOrScalarIsInvalidArgument) {
  const std::string yaml = "a:\n  list:\n    - x\n  s: 5\n";

  auto through_seq = Edit(yaml, "a.list.x", "1");
  auto through_scalar = Edit(yaml, "a.s.t", "1");

  ASSERT_EQ(through_seq.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(through_seq.status().message().find("collector.yaml:3"), std::string::npos)
      << through_seq.status().message();
  ASSERT_EQ(through_scalar.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(through_scalar.status().message().find("collector.yaml:4"), std::string::npos)
      << through_scalar.status().message();
}

TEST(ApplyScalarEditsTest, FlowCollectionsAreRefused) {
  auto flow_value = Edit("batch: {send_batch_size: 1}\n", "batch.send_batch_size", "2");
  auto empty_flow = Edit("batch: {}\n", "batch.send_batch_size", "2");

  EXPECT_EQ(flow_value.status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(empty_flow.status().code(), StatusCode::kUnimplemented);
}

TEST(ApplyScalarEditsTest, AnchorsAndAliasesAreRefused) {
  const std::string yaml = "base: &b\n  x: 1\nother: *b\nv: &n 3\n";

  EXPECT_EQ(Edit(yaml, "other.x", "2").status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(Edit(yaml, "base.x", "2").status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(Edit(yaml, "v", "2").status().code(), StatusCode::kUnimplemented);
}

TEST(ApplyScalarEditsTest, BlockAndMultiLineScalarsAreRefused) {
  EXPECT_EQ(Edit("a: |\n  text\n", "a", "x").status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(Edit("a: first\n  second\nb: 1\n", "a", "x").status().code(),
            StatusCode::kUnimplemented);
  EXPECT_EQ(Edit("a: \"first\n  second\"\n", "a", "x").status().code(), StatusCode::kUnimplemented);
}

TEST(ApplyScalarEditsTest, EditingAMappingIsInvalidArgument) {
  auto result = Edit(ReadTestdata("actuators/collector.yaml"), "processors.batch", "1");

  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
}

TEST(ApplyScalarEditsTest, ValueWithLineBreakIsRejected) {
  EXPECT_EQ(Edit("a: 1\n", "a", "x\ny").status().code(), StatusCode::kInvalidArgument);
}

TEST(ApplyScalarEditsTest, TwoEditsCreatingTheSameParent) {
  auto after = ApplyScalarEdits(
      "e:\n  x: 1\n", {{SplitKeyPath("e.q.a"), "1"}, {SplitKeyPath("e.q.b"), "2"}}, kSource);

  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(*after, "e:\n  x: 1\n  q:\n    a: 1\n    b: 2\n");
}

}  // namespace
}  // namespace tflo::actuators
