#include "tflo/core/model.h"

#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace tflo::core {
namespace {

TEST(IdsTest, HexRoundTripIsLowerCase) {
  const auto id = TraceIdFromHex("4BF92F3577B34DA6A3CE929D0E0E4736");

  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(ToHex(*id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(IsValid(*id));
}

TEST(IdsTest, RejectsWrongLengthAndNonHex) {
  EXPECT_FALSE(TraceIdFromHex("4bf92f").has_value());
  EXPECT_FALSE(SpanIdFromHex("00f067aa0ba902bz").has_value());
  EXPECT_FALSE(SpanIdFromHex("00f067aa0ba902b7a").has_value());
}

TEST(IdsTest, EmptyHexIsTheInvalidAllZeroId) {
  const auto id = SpanIdFromHex("");

  ASSERT_TRUE(id.has_value());
  EXPECT_FALSE(IsValid(*id));
  EXPECT_EQ(ToHex(*id), "0000000000000000");
}

TEST(NameTest, LiteralsAreBorrowedAndEverythingElseIsCopied) {
  static constexpr char kLiteral[] = "http.response.status_code";
  const Name literal(kLiteral);
  EXPECT_TRUE(literal.borrowed());
  EXPECT_EQ(literal.data(), kLiteral);
  EXPECT_EQ(literal.size(), 25U);

  // Copies and moves of a borrowed key borrow the same characters.
  Name copy = literal;
  EXPECT_EQ(copy.data(), kLiteral);
  Name moved = std::move(copy);
  EXPECT_EQ(moved.data(), kLiteral);

  // Anything that is not a literal is copied: inline (short) or on the heap.
  std::string text = "messaging.destination.name";
  const Name from_string(text);
  const Name from_view(std::string_view("k"));
  const char* pointer = text.c_str();
  const Name from_pointer(pointer);
  text.assign(text.size(), 'x');  // the copies do not see the buffer change
  EXPECT_FALSE(from_string.borrowed());
  EXPECT_FALSE(from_pointer.borrowed());
  EXPECT_EQ(from_string, "messaging.destination.name");
  EXPECT_EQ(from_pointer, "messaging.destination.name");
  EXPECT_EQ(from_view, "k");
}

TEST(NameTest, StaticBorrowsTextReachedThroughAPointer) {
  // A constant table's strings, reached through const char* (not arrays).
  static constexpr const char* kTable[] = {"DynamoDB.UpdateItem", "kyc"};
  for (const char* text : kTable) {
    const Name name = Name::Static(text);
    EXPECT_TRUE(name.borrowed());
    EXPECT_EQ(name.data(), text);
    EXPECT_EQ(name, std::string_view(text));
    Name copy = name;
    EXPECT_EQ(copy.data(), text);
    Name moved = std::move(copy);
    EXPECT_EQ(moved.data(), text);
  }
  // The same pointer passed as a plain const char* is copied.
  const char* pointer = kTable[0];
  EXPECT_FALSE(Name(pointer).borrowed());
}

TEST(NameTest, ASpanNameFromALiteralIsBorrowedAndComparesWithStrings) {
  Span span;
  span.name = "sqs.process_batch";
  EXPECT_TRUE(span.name.borrowed());
  EXPECT_EQ(span.name, "sqs.process_batch");
  EXPECT_EQ(span.name, std::string("sqs.process_batch"));
  EXPECT_LT(span.name, std::string("sqs.send"));
  std::string text = "POST /onboard";
  span.name = text;
  text[0] = 'x';
  EXPECT_FALSE(span.name.borrowed());
  EXPECT_EQ(span.name.str(), "POST /onboard");
}

TEST(NameTest, CopyMoveAndAssignKeepTheCharacters) {
  const std::string long_text(40, 'a');
  for (const std::string& text : {std::string(), std::string("short"), std::string(16, 'b'),
                                  std::string(17, 'c'), long_text}) {
    Name key{std::string_view(text)};
    Name copy = key;
    Name moved = std::move(key);
    EXPECT_EQ(copy, text);
    EXPECT_EQ(moved, text);
    EXPECT_EQ(moved.size(), text.size());
    Name assigned("x");
    assigned = copy;
    EXPECT_EQ(assigned, text);
    assigned = Name(std::string_view(long_text));
    EXPECT_EQ(assigned, long_text);
    assigned = std::move(moved);
    EXPECT_EQ(assigned, text);
    assigned = assigned;  // NOLINT: self-assignment keeps the key
    EXPECT_EQ(assigned, text);
  }
}

TEST(NameTest, ALargerArrayEndsAtItsFirstNul) {
  static constexpr char kPadded[32] = "abc";
  const Name key(kPadded);
  EXPECT_EQ(key.size(), 3U);
  EXPECT_EQ(key, "abc");
}

TEST(NameTest, ComparesWithStringsAndOrdersLexicographically) {
  const Name a("alpha");
  const Name b{std::string("beta")};
  EXPECT_TRUE(a == std::string("alpha"));
  EXPECT_TRUE(a == std::string_view("alpha"));
  EXPECT_TRUE(a != b);
  EXPECT_LT(a, b);
  EXPECT_EQ(a + "=1", "alpha=1");
  EXPECT_EQ(std::string("k:") + b, "k:beta");
  std::ostringstream os;
  os << b;
  EXPECT_EQ(os.str(), "beta");
}

TEST(AnyValueTest, LiteralAndPointerStringsAreStringsNotBools) {
  const char* pointer = "text";
  char buffer[16] = "buf";
  EXPECT_EQ(*AnyValue("literal").AsString(), "literal");
  EXPECT_EQ(*AnyValue(pointer).AsString(), "text");
  EXPECT_EQ(*AnyValue(buffer).AsString(), "buf");
  EXPECT_EQ(AnyValue(true).AsBool() != nullptr, true);
}

TEST(AttributesTest, SetReplacesExistingAndAppendsNew) {
  Attributes attrs;

  SetAttribute(attrs, "service.name", "onboarding-api");
  SetAttribute(attrs, "retries", 3);
  SetAttribute(attrs, "service.name", "onboarding-lambda");

  ASSERT_EQ(attrs.size(), 2U);
  EXPECT_EQ(*FindAttribute(attrs, "service.name")->AsString(), "onboarding-lambda");
  EXPECT_EQ(*FindAttribute(attrs, "retries")->AsInt(), 3);
  EXPECT_EQ(FindAttribute(attrs, "missing"), nullptr);
}

// A prefix block shared by copies; appends stay private; every other change
// copies the prefix first and never reaches the block.
TEST(AttributesTest, SharedPrefixIsSharedByCopiesAndNeverChanged) {
  const SharedAttributeBlock block =
      MakeSharedAttributeBlock({{"rpc.system", "aws-api"}, {"rpc.service", "DynamoDB"}});
  Attributes a(block);
  a.emplace_back("customer.id", "CUST-1");
  Attributes b = a;
  b.push_back({"attempt", 2});

  ASSERT_EQ(a.size(), 3U);
  ASSERT_EQ(b.size(), 4U);
  EXPECT_TRUE(a.has_shared_prefix());
  EXPECT_TRUE(b.has_shared_prefix());
  EXPECT_EQ(a[0].key, "rpc.system");
  EXPECT_EQ(a[2].key, "customer.id");
  EXPECT_EQ(b.back().key, "attempt");
  EXPECT_EQ(*FindAttribute(b, "rpc.service")->AsString(), "DynamoDB");

  SetAttribute(b, "rpc.service", "S3");  // in the prefix: b unshares
  EXPECT_FALSE(b.has_shared_prefix());
  EXPECT_EQ(*FindAttribute(b, "rpc.service")->AsString(), "S3");
  EXPECT_EQ(*FindAttribute(a, "rpc.service")->AsString(), "DynamoDB");
  EXPECT_EQ(*(*block)[1].value.AsString(), "DynamoDB");
  EXPECT_EQ(block.use_count(), 2);  // the block and a
}

// A static block is shared like any other but carries no reference count.
TEST(AttributesTest, StaticBlocksAreSharedWithoutAReferenceCount) {
  const SharedAttributeBlock block =
      MakeStaticAttributeBlock({{"rpc.system", "aws-api"}, {"rpc.service", "S3"}});
  Attributes a(block);
  a.emplace_back("customer.id", "CUST-2");
  const Attributes b = a;

  EXPECT_EQ(block.use_count(), 0);
  EXPECT_TRUE(b.has_shared_prefix());
  EXPECT_EQ(b, (Attributes{{"rpc.system", "aws-api"}, {"rpc.service", "S3"},
                           {"customer.id", "CUST-2"}}));
  a.mutable_at(0).value = "other";  // unshares a copy; the block is unchanged
  EXPECT_FALSE(a.has_shared_prefix());
  EXPECT_EQ(*(*block)[0].value.AsString(), "aws-api");
}

TEST(AttributesTest, EqualityIgnoresHowTheElementsAreStored) {
  Attributes shared(MakeSharedAttributeBlock({{"a", 1}, {"b", "x"}}));
  shared.emplace_back("c", true);
  const Attributes plain = {{"a", 1}, {"b", "x"}, {"c", true}};
  Attributes other(MakeSharedAttributeBlock({{"a", 1}}));
  other.emplace_back("b", "x");
  other.emplace_back("c", false);

  EXPECT_EQ(shared, plain);
  EXPECT_EQ(plain, shared);
  EXPECT_NE(shared, other);
  EXPECT_EQ(Attributes(std::vector<KeyValue>(plain.begin(), plain.end())), shared);
}

TEST(AttributesTest, InsertEraseAndIterateAcrossThePrefix) {
  Attributes a(MakeSharedAttributeBlock({{"k1", 1}, {"k2", 2}}));
  a.insert(a.end(), {{"k4", 4}, {"k5", 5}});
  EXPECT_TRUE(a.has_shared_prefix());  // appending keeps it shared

  a.insert(a.begin() + 2, KeyValue{"k3", 3});
  a.erase(a.begin());                    // in the prefix: unshares
  const size_t removed = a.EraseIf([](const KeyValue& kv) { return kv.key == "k5"; });

  EXPECT_EQ(removed, 1U);
  std::vector<std::string> keys;
  for (const KeyValue& kv : a) keys.push_back(kv.key.str());
  EXPECT_EQ(keys, (std::vector<std::string>{"k2", "k3", "k4"}));
  std::vector<std::string> reversed;
  for (auto it = a.rbegin(); it != a.rend(); ++it) reversed.push_back(it->key.str());
  EXPECT_EQ(reversed, (std::vector<std::string>{"k4", "k3", "k2"}));
  EXPECT_EQ(a.end() - a.begin(), 3);
  EXPECT_THROW(a.at(3), std::out_of_range);
  a.clear();
  EXPECT_TRUE(a.empty());
  EXPECT_FALSE(a.has_shared_prefix());
}

TEST(AttributesTest, MutableAccessUnsharesOnlyForThePrefix) {
  Attributes a(MakeSharedAttributeBlock({{"k1", 1}}));
  a.emplace_back("k2", 2);

  a.mutable_back().value = 20;  // owned: the prefix stays shared
  EXPECT_TRUE(a.has_shared_prefix());
  a.mutable_at(0).value = 10;
  EXPECT_FALSE(a.has_shared_prefix());
  EXPECT_EQ(a, (Attributes{{"k1", 10}, {"k2", 20}}));
}

TEST(AnyValueTest, ToStringRendersNestedValues) {
  AnyValue v(ArrayValue{{AnyValue("a"), AnyValue(int64_t{2}), AnyValue(true),
                         AnyValue(KeyValueList{{KeyValue{"k", AnyValue(1.5)}}})}});

  EXPECT_EQ(v.ToString(), "[a,2,true,{k=1.5}]");
  EXPECT_TRUE(AnyValue().empty());
}

TEST(AnyValueTest, EqualityIsTypeAware) {
  EXPECT_EQ(AnyValue(int64_t{1}), AnyValue(1));
  EXPECT_NE(AnyValue(int64_t{1}), AnyValue(1.0));
  EXPECT_NE(AnyValue("1"), AnyValue(int64_t{1}));
}

TEST(CountsTest, CountNestedItems) {
  TracesData traces;
  traces.resource_spans.resize(2);
  traces.resource_spans[0].scope_spans.resize(2);
  traces.resource_spans[0].scope_spans[0].spans.resize(3);
  traces.resource_spans[0].scope_spans[1].spans.resize(1);
  traces.resource_spans[1].scope_spans.resize(1);
  traces.resource_spans[1].scope_spans[0].spans.resize(2);
  MetricsData metrics;
  metrics.resource_metrics.resize(1);
  metrics.resource_metrics[0].scope_metrics.resize(1);
  Metric sum;
  std::get<Gauge>(sum.data).data_points.resize(2);
  Metric hist;
  hist.data = Histogram{};
  std::get<Histogram>(hist.data).data_points.resize(3);
  metrics.resource_metrics[0].scope_metrics[0].metrics = {sum, hist};

  EXPECT_EQ(traces.SpanCount(), 6U);
  EXPECT_EQ(metrics.DataPointCount(), 5U);
}

TEST(SpanTest, RootAndDuration) {
  Span span;
  span.start_time_unix_nano = 1'000'000'000;
  span.end_time_unix_nano = 1'002'500'000;

  EXPECT_TRUE(span.is_root());
  EXPECT_DOUBLE_EQ(span.duration_ms(), 2.5);
  span.parent_span_id[7] = 1;
  EXPECT_FALSE(span.is_root());
}

}  // namespace
}  // namespace tflo::core
