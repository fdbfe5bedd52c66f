#include <gtest/gtest.h>

#include "torchdoctor/core/version.hpp"

using td::Version;

namespace {
Version v(const char* s) {
  auto r = Version::parse(s);
  EXPECT_TRUE(r.ok()) << s << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Version{};
}
}  // namespace

TEST(Version, ParsesDriverVersions) {
  const Version d = v("525.60.13");
  EXPECT_EQ(d.major(), 525U);
  EXPECT_EQ(d.minor(), 60U);
  EXPECT_EQ(d.patch(), 13U);
  EXPECT_EQ(d.str(), "525.60.13");
}

TEST(Version, ParsesTorchLocalVariants) {
  const Version t = v("2.6.0+cu124");
  EXPECT_EQ(t.release(), (std::vector<std::uint32_t>{2, 6, 0}));
  EXPECT_EQ(t.local(), "cu124");
  EXPECT_EQ(t.str(), "2.6.0+cu124");
  EXPECT_EQ(t.public_version().str(), "2.6.0");
}

TEST(Version, ParsesNightlyWithGitLocal) {
  const Version t = v("2.10.0a0+git1234abc");
  EXPECT_EQ(t.pre(), Version::Pre::alpha);
  EXPECT_EQ(t.pre_number(), 0U);
  EXPECT_EQ(t.local(), "git1234abc");
  EXPECT_EQ(t.str(), "2.10.0a0+git1234abc");
}

TEST(Version, ParsesL4TWithPrefix) {
  const Version l = v("r35.3.1");
  EXPECT_EQ(l.prefix(), "r");
  EXPECT_EQ(l.str(), "r35.3.1");
  EXPECT_EQ(l, v("35.3.1"));
  EXPECT_EQ(v("36.4.3").str(), "36.4.3");
}

TEST(Version, ComparesNumericallyNotLexically) {
  EXPECT_LT(v("2.9.1"), v("2.10.0"));
  EXPECT_LT(v("550.54.14"), v("550.54.15"));
  EXPECT_LT(v("9.0"), v("12.4"));
  EXPECT_GT(v("13.0"), v("12.9"));
}

TEST(Version, MissingPartsCountAsZero) {
  EXPECT_EQ(v("12.4"), v("12.4.0"));
  EXPECT_LT(v("12.4"), v("12.4.1"));
}

TEST(Version, PreReleasesSortBeforeFinal) {
  EXPECT_LT(v("2.10.0a0"), v("2.10.0"));
  EXPECT_LT(v("2.6.0rc1"), v("2.6.0"));
  EXPECT_LT(v("2.6.0a0"), v("2.6.0b1"));
  EXPECT_LT(v("2.6.0b1"), v("2.6.0rc1"));
  EXPECT_LT(v("2.6.0.dev20241112"), v("2.6.0a0"));
  EXPECT_LT(v("2.10.0a0+git1234abc"), v("2.10.0"));
  EXPECT_GT(v("2.10.0a0+git1234abc"), v("2.9.1"));
}

TEST(Version, PostReleasesSortAfterFinal) {
  EXPECT_GT(v("1.0.post1"), v("1.0"));
  EXPECT_LT(v("1.0.post1"), v("1.0.1"));
}

TEST(Version, LocalOnlyBreaksTies) {
  EXPECT_GT(v("2.6.0+cu124"), v("2.6.0"));
  EXPECT_LT(v("2.6.0+cu124"), v("2.6.1"));
  EXPECT_LT(v("2.6.0+cu118"), v("2.6.0+cu124"));
}

TEST(Version, RoundTripsThroughPrint) {
  for (const char* s : {"525.60.13", "12.4", "2.6.0+cu124", "2.10.0a0+git1234abc", "r35.3.1", "36.4.3", "2.6.0rc1",
                        "1.13.1", "2.6.0.dev20241112", "1.0.post2"}) {
    EXPECT_EQ(v(s).str(), s);
    EXPECT_EQ(v(v(s).str().c_str()), v(s));
  }
}

TEST(Version, TruncatesToMajorMinor) { EXPECT_EQ(v("12.4.1").truncated(2).str(), "12.4"); }

TEST(Version, RejectsGarbageWithAReason) {
  for (const char* s : {"", "banana", "1..2", "1.2.", "+cu124", "2.6.0+", "2.6.0+cu 124", "1.2.3x", "99999999999.1",
                        "1.2.3.4.5.6.7.8.9"}) {
    auto r = Version::parse(s);
    EXPECT_FALSE(r.ok()) << s;
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("invalid version"), std::string::npos);
      EXPECT_EQ(r.error().kind, td::ErrorKind::bad_input);
    }
  }
}

TEST(Version, KeepsLeadingZerosWhenPrinting) {
  EXPECT_EQ(v("535.183.01").str(), "535.183.01");
  EXPECT_EQ(v("535.183.01"), v("535.183.1"));
  EXPECT_EQ(v("r35.3.1").public_version().str(), "35.3.1");
  EXPECT_EQ(v("2.6.0+cu124").public_version().str(), "2.6.0");
}
