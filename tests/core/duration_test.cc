#include "tflo/core/duration.h"

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace tflo::core {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

nanoseconds ParseOrDie(const std::string& text) {
  Result<nanoseconds> d = ParseGoDuration(text);
  EXPECT_TRUE(d.ok()) << text << ": " << d.status().message();
  return d.ok() ? *d : nanoseconds(-42);
}

TEST(ParseGoDurationTest, AcceptsEveryUnit) {
  EXPECT_EQ(ParseOrDie("100ns"), nanoseconds(100));
  EXPECT_EQ(ParseOrDie("1us"), microseconds(1));
  EXPECT_EQ(ParseOrDie("1\xC2\xB5s"), microseconds(1));  // U+00B5 MICRO SIGN
  EXPECT_EQ(ParseOrDie("1\xCE\xBCs"), microseconds(1));  // U+03BC GREEK MU
  EXPECT_EQ(ParseOrDie("300ms"), milliseconds(300));
  EXPECT_EQ(ParseOrDie("5s"), seconds(5));
  EXPECT_EQ(ParseOrDie("10m"), minutes(10));
  EXPECT_EQ(ParseOrDie("2h"), hours(2));
}

TEST(ParseGoDurationTest, AcceptsCompoundsFractionsAndSigns) {
  EXPECT_EQ(ParseOrDie("2h45m"), hours(2) + minutes(45));
  EXPECT_EQ(ParseOrDie("1m30s"), seconds(90));
  EXPECT_EQ(ParseOrDie("-1.5h"), -minutes(90));
  EXPECT_EQ(ParseOrDie("+5s"), seconds(5));
  EXPECT_EQ(ParseOrDie("1.5s"), milliseconds(1500));
  EXPECT_EQ(ParseOrDie(".5s"), milliseconds(500));
  EXPECT_EQ(ParseOrDie("5.s"), seconds(5));
  EXPECT_EQ(ParseOrDie("1h1m1s1ms1us1ns"), hours(1) + minutes(1) + seconds(1) + milliseconds(1) +
                                               microseconds(1) + nanoseconds(1));
  EXPECT_EQ(ParseOrDie("0.000000001s"), nanoseconds(1));
}

TEST(ParseGoDurationTest, AcceptsBareZeroOnly) {
  EXPECT_EQ(ParseOrDie("0"), nanoseconds(0));
  EXPECT_EQ(ParseOrDie("-0"), nanoseconds(0));
  EXPECT_EQ(ParseOrDie("0s"), nanoseconds(0));

  EXPECT_FALSE(ParseGoDuration("1").ok());
  EXPECT_FALSE(ParseGoDuration("00").ok());
}

TEST(ParseGoDurationTest, RejectsMalformedText) {
  for (const char* text : {"", "1", "ms", "1x", "1.5.3s", "-", "+", ".s", "s1", "1 s", " 1s", "1s ",
                           "1S", "1sec", "1mss", "--1s"}) {
    Result<nanoseconds> d = ParseGoDuration(text);
    EXPECT_FALSE(d.ok()) << '"' << text << "\" parsed as " << (d.ok() ? d->count() : 0);
    if (!d.ok()) {
      EXPECT_EQ(d.status().code(), ::tflo::StatusCode::kInvalidArgument);
    }
  }
}

TEST(ParseGoDurationTest, HandlesTheInt64Range) {
  EXPECT_EQ(ParseOrDie("2562047h47m16.854775807s"),
            nanoseconds(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(ParseOrDie("-2562047h47m16.854775808s"),
            nanoseconds(std::numeric_limits<int64_t>::min()));

  EXPECT_FALSE(ParseGoDuration("2562047h47m16.854775808s").ok());
  EXPECT_FALSE(ParseGoDuration("9223372036854775808ns").ok());
  EXPECT_FALSE(ParseGoDuration("3000000h").ok());
}

TEST(ParseGoDurationTest, ErrorNamesTheText) {
  Result<nanoseconds> d = ParseGoDuration("1x");

  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("\"1x\""), std::string::npos) << d.status().message();
}

TEST(FormatGoDurationTest, MatchesGoDurationString) {
  EXPECT_EQ(FormatGoDuration(nanoseconds(0)), "0s");
  EXPECT_EQ(FormatGoDuration(nanoseconds(100)), "100ns");
  EXPECT_EQ(FormatGoDuration(nanoseconds(1500)), "1.5\xC2\xB5s");
  EXPECT_EQ(FormatGoDuration(microseconds(1)), "1\xC2\xB5s");
  EXPECT_EQ(FormatGoDuration(milliseconds(200)), "200ms");
  EXPECT_EQ(FormatGoDuration(microseconds(1500)), "1.5ms");
  EXPECT_EQ(FormatGoDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatGoDuration(seconds(5)), "5s");
  EXPECT_EQ(FormatGoDuration(seconds(90)), "1m30s");
  EXPECT_EQ(FormatGoDuration(minutes(1)), "1m0s");
  EXPECT_EQ(FormatGoDuration(hours(1)), "1h0m0s");
  EXPECT_EQ(FormatGoDuration(hours(2) + minutes(45)), "2h45m0s");
  EXPECT_EQ(FormatGoDuration(-minutes(90)), "-1h30m0s");
  EXPECT_EQ(FormatGoDuration(seconds(1) + nanoseconds(1)), "1.000000001s");
  EXPECT_EQ(FormatGoDuration(nanoseconds(std::numeric_limits<int64_t>::min())),
            "-2562047h47m16.854775808s");
}

TEST(FormatGoDurationTest, RoundTripsThroughParse) {
  const nanoseconds cases[] = {
      nanoseconds(1),    nanoseconds(999),   microseconds(1234),
      milliseconds(200), milliseconds(1500), seconds(90),
      hours(25),         -milliseconds(7),   nanoseconds(std::numeric_limits<int64_t>::max())};
  for (const nanoseconds d : cases) {
    const std::string text = FormatGoDuration(d);

    Result<nanoseconds> back = ParseGoDuration(text);

    ASSERT_TRUE(back.ok()) << text << ": " << back.status().message();
    EXPECT_EQ(*back, d) << text;
  }
}

}  // namespace
}  // namespace tflo::core
