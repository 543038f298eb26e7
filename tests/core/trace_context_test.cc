#include "tflo/core/trace_context.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace tflo::core {
namespace {

constexpr char kValid[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
constexpr char kTraceIdHex[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kParentIdHex[] = "00f067aa0ba902b7";

using Members = std::vector<std::pair<std::string, std::string>>;

TraceParent ValidTraceParent() {
  TraceParent tp;
  tp.trace_id = *TraceIdFromHex(kTraceIdHex);
  tp.parent_id = *SpanIdFromHex(kParentIdHex);
  tp.flags = kTraceFlagSampled;
  return tp;
}

// ---- traceparent --------------------------------------------------------------

TEST(ParseTraceParentTest, ParsesTheSpecExample) {
  std::optional<TraceParent> tp = ParseTraceParent(kValid);

  ASSERT_TRUE(tp.has_value());
  EXPECT_EQ(ToHex(tp->trace_id), kTraceIdHex);
  EXPECT_EQ(ToHex(tp->parent_id), kParentIdHex);
  EXPECT_EQ(tp->flags, kTraceFlagSampled);
  EXPECT_TRUE(tp->sampled());
}

TEST(ParseTraceParentTest, ParsesUnsampledAndRandomFlags) {
  std::optional<TraceParent> unsampled =
      ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  std::optional<TraceParent> random =
      ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");

  ASSERT_TRUE(unsampled.has_value());
  EXPECT_FALSE(unsampled->sampled());
  ASSERT_TRUE(random.has_value());
  EXPECT_EQ(random->flags, kTraceFlagSampled | kTraceFlagRandom);
}

TEST(ParseTraceParentTest, DropsUnknownFlagBits) {
  std::optional<TraceParent> tp =
      ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff");

  ASSERT_TRUE(tp.has_value());
  EXPECT_EQ(tp->flags, kTraceFlagSampled | kTraceFlagRandom);
  EXPECT_EQ(FormatTraceParent(*tp), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");

  std::optional<TraceParent> only_unknown =
      ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-08");
  ASSERT_TRUE(only_unknown.has_value());
  EXPECT_EQ(only_unknown->flags, 0);
}

TEST(ParseTraceParentTest, RejectsUpperCaseHex) {
  EXPECT_FALSE(ParseTraceParent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A"));
  EXPECT_FALSE(ParseTraceParent("0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(ParseTraceParentTest, RejectsAllZeroIds) {
  EXPECT_FALSE(ParseTraceParent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
}

TEST(ParseTraceParentTest, RejectsVersionFf) {
  EXPECT_FALSE(ParseTraceParent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceParent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz"));
}

TEST(ParseTraceParentTest, ParsesHigherVersionAndReemitsAs00) {
  std::optional<TraceParent> with_extra =
      ParseTraceParent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future");
  std::optional<TraceParent> exact =
      ParseTraceParent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

  ASSERT_TRUE(with_extra.has_value());
  EXPECT_EQ(FormatTraceParent(*with_extra), kValid);
  ASSERT_TRUE(exact.has_value());
  EXPECT_EQ(FormatTraceParent(*exact), kValid);
}

TEST(ParseTraceParentTest, HigherVersionNeedsDashAfterFlags) {
  EXPECT_FALSE(ParseTraceParent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"));
  EXPECT_FALSE(ParseTraceParent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0"));
}

TEST(ParseTraceParentTest, Version00MustBeExactly55Characters) {
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 "));
}

TEST(ParseTraceParentTest, RejectsWrongLengths) {
  EXPECT_FALSE(ParseTraceParent(""));
  EXPECT_FALSE(ParseTraceParent("00"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1"));
  EXPECT_FALSE(ParseTraceParent("0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceParent("000-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(ParseTraceParentTest, RejectsNonHexCharacters) {
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x"));
  EXPECT_FALSE(ParseTraceParent("0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e47 6-00f067aa0ba902b7-01"));
}

TEST(ParseTraceParentTest, RejectsEveryOtherByteInEveryHexPosition) {
  const std::string valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  ASSERT_TRUE(ParseTraceParent(valid));
  const auto is_lower_hex = [](int c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  for (size_t pos = 0; pos < valid.size(); ++pos) {
    if (valid[pos] == '-') continue;
    for (int c = 0; c < 256; ++c) {
      if (is_lower_hex(c)) continue;
      std::string header = valid;
      header[pos] = static_cast<char>(c);
      EXPECT_FALSE(ParseTraceParent(header)) << "byte " << c << " at " << pos;
    }
  }
}

TEST(ParseTraceParentTest, RejectsMissingOrMisplacedDashes) {
  EXPECT_FALSE(ParseTraceParent("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01"));
  EXPECT_FALSE(ParseTraceParent("004bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b701-"));
}

TEST(FormatTraceParentTest, WritesLowerCaseVersion00AndOnlyKnownFlags) {
  TraceParent tp = ValidTraceParent();
  tp.flags = 0xFF;

  EXPECT_EQ(FormatTraceParent(tp), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");
  EXPECT_EQ(ParseTraceParent(FormatTraceParent(ValidTraceParent())), ValidTraceParent());
}

// ---- tracestate ---------------------------------------------------------------

std::string MembersHeader(int count, int first = 0) {
  std::string header;
  for (int i = first; i < first + count; ++i) {
    if (!header.empty()) header += ",";
    header += "k" + std::to_string(i) + "=v" + std::to_string(i);
  }
  return header;
}

TEST(TraceStateTest, ParsesTheSpecExample) {
  std::optional<TraceState> ts = TraceState::Parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");

  ASSERT_TRUE(ts.has_value());
  EXPECT_EQ(ts->members(), (Members{{"rojo", "00f067aa0ba902b7"}, {"congo", "t61rcWkgMzE"}}));
  EXPECT_EQ(ts->ToHeader(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  EXPECT_EQ(ts->Get("congo"), "t61rcWkgMzE");
  EXPECT_FALSE(ts->Get("nope").has_value());
}

TEST(TraceStateTest, Accepts32MembersAndRejects33) {
  std::optional<TraceState> full = TraceState::Parse(MembersHeader(32));
  std::optional<TraceState> too_many = TraceState::Parse(MembersHeader(33));

  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->members().size(), 32U);
  EXPECT_FALSE(too_many.has_value());
}

TEST(TraceStateTest, RejectsDuplicateKeys) {
  EXPECT_FALSE(TraceState::Parse("a=1,b=2,a=3").has_value());
}

TEST(TraceStateTest, IgnoresOwsAndEmptyMembers) {
  std::optional<TraceState> ts = TraceState::Parse(" \ta=1 ,, \t,b=2\t, ");
  std::optional<TraceState> empty = TraceState::Parse("");
  std::optional<TraceState> blank = TraceState::Parse(" , ,");

  ASSERT_TRUE(ts.has_value());
  EXPECT_EQ(ts->members(), (Members{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(ts->ToHeader(), "a=1,b=2");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
  ASSERT_TRUE(blank.has_value());
  EXPECT_TRUE(blank->empty());
}

TEST(TraceStateTest, EmptyMembersDoNotCountTowardsTheLimit) {
  std::optional<TraceState> ts = TraceState::Parse(MembersHeader(32) + ",,,");

  ASSERT_TRUE(ts.has_value());
  EXPECT_EQ(ts->members().size(), 32U);
}

TEST(TraceStateTest, AcceptsMultiTenantAndSpecialCharacterKeys) {
  std::optional<TraceState> ts =
      TraceState::Parse("tenant@vendor=x,0tenant@sys=y,a_b-c*d/e=z,9lives=w");

  ASSERT_TRUE(ts.has_value());
  EXPECT_EQ(ts->Get("tenant@vendor"), "x");
  EXPECT_EQ(ts->Get("0tenant@sys"), "y");
  EXPECT_EQ(ts->Get("a_b-c*d/e"), "z");
  EXPECT_EQ(ts->Get("9lives"), "w");
}

TEST(TraceStateTest, RejectsInvalidKeys) {
  for (const std::string& header :
       std::vector<std::string>{"Upper=1", "_under=1", "@tenant=1", "sp ace=1", "=novalue",
                                "dot.key=1", "noequals", std::string(257, 'a') + "=1"}) {
    EXPECT_FALSE(TraceState::Parse(header).has_value()) << header;
  }
  EXPECT_TRUE(TraceState::Parse(std::string(256, 'a') + "=1").has_value());
}

TEST(TraceStateTest, ValidatesValues) {
  EXPECT_FALSE(TraceState::Parse("a=").has_value());
  EXPECT_FALSE(TraceState::Parse("a=b=c").has_value());
  EXPECT_FALSE(TraceState::Parse("a=tab\there").has_value());
  EXPECT_FALSE(TraceState::Parse("a=caf\xC3\xA9").has_value());
  EXPECT_FALSE(TraceState::Parse("a=" + std::string(257, 'v')).has_value());
  EXPECT_TRUE(TraceState::Parse("a=" + std::string(256, 'v')).has_value());

  // Leading spaces belong to the value; trailing ones are OWS.
  std::optional<TraceState> spaced = TraceState::Parse("a= x y ");
  ASSERT_TRUE(spaced.has_value());
  EXPECT_EQ(spaced->Get("a"), " x y");
}

TEST(TraceStateTest, SetMovesKeyToTheFront) {
  std::optional<TraceState> ts = TraceState::Parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  ASSERT_TRUE(ts.has_value());

  ASSERT_TRUE(ts->Set("congo", "ucfJifl5GOE").ok());
  ASSERT_TRUE(ts->Set("new", "1").ok());

  EXPECT_EQ(ts->ToHeader(), "new=1,congo=ucfJifl5GOE,rojo=00f067aa0ba902b7");
}

TEST(TraceStateTest, SetDropsTheRightMostBeyond32) {
  std::optional<TraceState> ts = TraceState::Parse(MembersHeader(32));
  ASSERT_TRUE(ts.has_value());

  ASSERT_TRUE(ts->Set("fresh", "1").ok());

  ASSERT_EQ(ts->members().size(), 32U);
  EXPECT_EQ(ts->members().front(), (std::pair<std::string, std::string>{"fresh", "1"}));
  EXPECT_EQ(ts->members().back().first, "k30");
  EXPECT_FALSE(ts->Get("k31").has_value());
}

TEST(TraceStateTest, SetRejectsInvalidKeyOrValue) {
  TraceState ts;

  EXPECT_EQ(ts.Set("Bad", "1").code(), ::tflo::StatusCode::kInvalidArgument);
  EXPECT_EQ(ts.Set("ok", "a,b").code(), ::tflo::StatusCode::kInvalidArgument);
  EXPECT_EQ(ts.Set("ok", "").code(), ::tflo::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ts.empty());
}

TEST(TraceStateTest, EraseRemovesOnlyThatKey) {
  std::optional<TraceState> ts = TraceState::Parse("a=1,b=2,c=3");
  ASSERT_TRUE(ts.has_value());

  ts->Erase("b");
  ts->Erase("missing");

  EXPECT_EQ(ts->ToHeader(), "a=1,c=3");
}

// ---- baggage ------------------------------------------------------------------

TEST(BaggageTest, ParsesTheSpecExampleWithOwsAndProperties) {
  Baggage b = Baggage::Parse(
      "key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue");

  ASSERT_EQ(b.members().size(), 3U);
  EXPECT_EQ(b.members()[0], (BaggageMember{"key1", "value1", "property1;property2"}));
  EXPECT_EQ(b.members()[1], (BaggageMember{"key2", "value2", ""}));
  EXPECT_EQ(b.members()[2], (BaggageMember{"key3", "value3", "propertyKey=propertyValue"}));
  EXPECT_EQ(b.ToHeader(),
            "key1=value1;property1;property2,key2=value2,key3=value3;propertyKey=propertyValue");
}

TEST(BaggageTest, PercentDecodesValues) {
  Baggage b = Baggage::Parse("userId=alice,serverNode=DF%2028,isProduction=false,x=caf%C3%A9");

  EXPECT_EQ(b.Get("userId"), "alice");
  EXPECT_EQ(b.Get("serverNode"), "DF 28");
  EXPECT_EQ(b.Get("isProduction"), "false");
  EXPECT_EQ(b.Get("x"), "caf\xC3\xA9");
}

TEST(BaggageTest, ReplacesInvalidUtf8WithReplacementCharacter) {
  Baggage b = Baggage::Parse("a=%FF,b=x%C3,c=%E2%82%ACok,d=%ED%A0%80");

  EXPECT_EQ(b.Get("a"), "\xEF\xBF\xBD");
  EXPECT_EQ(b.Get("b"), "x\xEF\xBF\xBD");
  EXPECT_EQ(b.Get("c"),
            "\xE2\x82\xAC"
            "ok");
  // A UTF-16 surrogate encoded in UTF-8 is ill-formed.
  EXPECT_EQ(b.Get("d"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(BaggageTest, AllowsEqualsSignInsideValues) {
  Baggage b = Baggage::Parse("token=abc==,expr=a=b");

  EXPECT_EQ(b.Get("token"), "abc==");
  EXPECT_EQ(b.Get("expr"), "a=b");
}

TEST(BaggageTest, SkipsInvalidMembersAndKeepsValidOnes) {
  Baggage b = Baggage::Parse(
      "good=1,noequals,=nokey,bad key=2,quote=\"x\",back=a\\b,sp=a b,badprop=1;=x,good2=2");

  ASSERT_EQ(b.members().size(), 2U);
  EXPECT_EQ(b.Get("good"), "1");
  EXPECT_EQ(b.Get("good2"), "2");
}

TEST(BaggageTest, PercentEncodingRoundTrips) {
  Baggage b;
  const std::string tricky = "a b,c;d\"e\\f%g=h\xC3\xA9\t!~";
  b.Set("k", tricky);

  const std::string header = b.ToHeader();
  Baggage back = Baggage::Parse(header);

  EXPECT_EQ(header, "k=a%20b%2Cc%3Bd%22e%5Cf%25g=h%C3%A9%09!~");
  EXPECT_EQ(back.Get("k"), tricky);
}

TEST(BaggageTest, SetReplacesTheValueAndDropsDuplicates) {
  Baggage b = Baggage::Parse("a=1;p,b=2,a=3");

  b.Set("a", "new");
  b.Set("c", "4");
  b.Set("bad key", "ignored");

  EXPECT_EQ(b.ToHeader(), "a=new,b=2,c=4");
}

TEST(BaggageTest, ToHeaderKeepsAtMost64Members) {
  Baggage b;
  for (int i = 0; i < 70; ++i) b.Set("k" + std::to_string(i), "v");

  Baggage back = Baggage::Parse(b.ToHeader());

  ASSERT_EQ(back.members().size(), Baggage::kMaxMembers);
  EXPECT_EQ(back.members().front().key, "k0");
  EXPECT_EQ(back.members().back().key, "k63");
}

TEST(BaggageTest, ToHeaderStaysWithin8192BytesDroppingWholeMembers) {
  Baggage b;
  b.Set("big1", std::string(4000, 'x'));
  b.Set("big2", std::string(4000, 'y'));
  b.Set("big3", std::string(4000, 'z'));  // would exceed the limit
  b.Set("small", "s");                    // still fits after big3 is dropped

  const std::string header = b.ToHeader();
  Baggage back = Baggage::Parse(header);

  EXPECT_LE(header.size(), Baggage::kMaxBytes);
  EXPECT_EQ(back.Get("big1"), std::string(4000, 'x'));
  EXPECT_EQ(back.Get("big2"), std::string(4000, 'y'));
  EXPECT_FALSE(back.Get("big3").has_value());
  EXPECT_EQ(back.Get("small"), "s");
}

// ---- carriers -----------------------------------------------------------------

PropagationContext SampleContext() {
  PropagationContext ctx;
  ctx.traceparent = ValidTraceParent();
  ctx.tracestate = *TraceState::Parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  ctx.baggage = Baggage::Parse("userId=alice,serverNode=DF%2028;region=eu");
  return ctx;
}

void ExpectSameContext(const PropagationContext& got, const PropagationContext& want) {
  EXPECT_EQ(got.traceparent, want.traceparent);
  EXPECT_EQ(got.tracestate.members(), want.tracestate.members());
  EXPECT_EQ(got.baggage.members(), want.baggage.members());
}

TEST(HttpCarrierTest, ExtractOfInjectIsIdentity) {
  const PropagationContext ctx = SampleContext();
  HttpHeaders headers{{"content-type", "application/json"}};

  InjectHttp(ctx, headers);
  const PropagationContext back = ExtractHttp(headers);

  ExpectSameContext(back, ctx);
  EXPECT_EQ(headers.count("traceparent"), 1U);
  EXPECT_EQ(headers.count("tracestate"), 1U);
  EXPECT_EQ(headers.count("baggage"), 1U);
  EXPECT_EQ(headers.count("content-type"), 1U);
}

TEST(HttpCarrierTest, InjectReplacesExistingHeadersOfAnyCase) {
  HttpHeaders headers{{"Traceparent", "stale"}, {"TRACESTATE", "old=1"}, {"Baggage", "old=1"}};

  InjectHttp(SampleContext(), headers);

  EXPECT_EQ(headers.size(), 3U);
  EXPECT_EQ(headers.find("traceparent")->second, kValid);
  EXPECT_EQ(headers.find("tracestate")->second, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  EXPECT_EQ(headers.find("baggage")->second, "userId=alice,serverNode=DF%2028;region=eu");
}

TEST(HttpCarrierTest, ExtractMatchesHeaderNamesCaseInsensitively) {
  HttpHeaders headers{{"TraceParent", kValid}, {"TRACESTATE", "a=1"}, {"BaGgAgE", "k=v"}};

  const PropagationContext ctx = ExtractHttp(headers);

  ASSERT_TRUE(ctx.traceparent.has_value());
  EXPECT_EQ(*ctx.traceparent, ValidTraceParent());
  EXPECT_EQ(ctx.tracestate.Get("a"), "1");
  EXPECT_EQ(ctx.baggage.Get("k"), "v");
}

TEST(HttpCarrierTest, IgnoresTraceStateWhenTraceParentIsInvalid) {
  HttpHeaders headers{{"traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"},
                      {"tracestate", "a=1"},
                      {"baggage", "k=v"}};

  const PropagationContext ctx = ExtractHttp(headers);

  EXPECT_FALSE(ctx.traceparent.has_value());
  EXPECT_TRUE(ctx.tracestate.empty());
  EXPECT_EQ(ctx.baggage.Get("k"), "v");  // baggage is independent of trace context
}

TEST(HttpCarrierTest, InvalidTraceStateDoesNotInvalidateTraceParent) {
  HttpHeaders headers{{"traceparent", kValid}, {"tracestate", "a=1,a=2"}};

  const PropagationContext ctx = ExtractHttp(headers);

  EXPECT_TRUE(ctx.traceparent.has_value());
  EXPECT_TRUE(ctx.tracestate.empty());
}

TEST(HttpCarrierTest, CombinesRepeatedHeaders) {
  HttpHeaders headers{{"traceparent", kValid},
                      {"tracestate", "a=1"},
                      {"tracestate", "b=2"},
                      {"baggage", "userId=alice"},
                      {"baggage", "serverNode=DF%2028,isProduction=false"}};

  const PropagationContext ctx = ExtractHttp(headers);

  EXPECT_EQ(ctx.tracestate.ToHeader(), "a=1,b=2");
  ASSERT_EQ(ctx.baggage.members().size(), 3U);
  EXPECT_EQ(ctx.baggage.Get("userId"), "alice");
  EXPECT_EQ(ctx.baggage.Get("serverNode"), "DF 28");
  EXPECT_EQ(ctx.baggage.Get("isProduction"), "false");
}

TEST(HttpCarrierTest, TwoTraceParentHeadersAreInvalid) {
  HttpHeaders headers{{"traceparent", kValid}, {"traceparent", kValid}};

  EXPECT_FALSE(ExtractHttp(headers).traceparent.has_value());
}

TEST(HttpCarrierTest, EmptyContextInjectsNothing) {
  HttpHeaders headers;

  InjectHttp(PropagationContext{}, headers);

  EXPECT_TRUE(headers.empty());
}

TEST(SqsCarrierTest, ExtractOfInjectIsIdentity) {
  const PropagationContext ctx = SampleContext();
  SqsMessageAttributes attributes{{"other", {"Number", "7"}}};

  InjectSqs(ctx, attributes);
  const PropagationContext back = ExtractSqs(attributes);

  ExpectSameContext(back, ctx);
  ASSERT_EQ(attributes.count("traceparent"), 1U);
  EXPECT_EQ(attributes.at("traceparent"), (SqsMessageAttribute{"String", kValid}));
  EXPECT_EQ(attributes.at("tracestate").data_type, "String");
  EXPECT_EQ(attributes.at("baggage").string_value, "userId=alice,serverNode=DF%2028;region=eu");
  EXPECT_EQ(attributes.at("other"), (SqsMessageAttribute{"Number", "7"}));
}

TEST(SqsCarrierTest, ExtractIsCaseInsensitiveAndNeedsStringType) {
  SqsMessageAttributes attributes{{"TraceParent", {"String", kValid}},
                                  {"tracestate", {"String.w3c", "a=1"}},
                                  {"baggage", {"Binary", "k=v"}}};

  const PropagationContext ctx = ExtractSqs(attributes);

  ASSERT_TRUE(ctx.traceparent.has_value());
  EXPECT_EQ(*ctx.traceparent, ValidTraceParent());
  EXPECT_EQ(ctx.tracestate.Get("a"), "1");
  EXPECT_TRUE(ctx.baggage.empty());
}

TEST(SqsCarrierTest, IgnoresTraceStateWhenTraceParentIsMissing) {
  SqsMessageAttributes attributes{{"tracestate", {"String", "a=1"}}};

  const PropagationContext ctx = ExtractSqs(attributes);

  EXPECT_FALSE(ctx.traceparent.has_value());
  EXPECT_TRUE(ctx.tracestate.empty());
}

}  // namespace
}  // namespace tflo::core
