#include <gtest/gtest.h>

#include "torchdoctor/core/result.hpp"

TEST(Result, HoldsAValue) {
  td::Result<int> r(42);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(r.value_or(7), 42);
}

TEST(Result, HoldsAnErrorWithKindAndMessage) {
  td::Result<int> r(td::make_error(td::ErrorKind::parse, "bad"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, td::ErrorKind::parse);
  EXPECT_EQ(r.error().message, "bad");
  EXPECT_EQ(r.value_or(7), 7);
}

TEST(Result, AddsContextToErrors) {
  const auto e = td::make_error(td::ErrorKind::io, "Permission denied").with_context("/etc/os-release");
  EXPECT_EQ(e.message, "/etc/os-release: Permission denied");
  EXPECT_EQ(e.kind, td::ErrorKind::io);
}

TEST(Result, StatusOk) {
  td::Status s = td::Ok{};
  EXPECT_TRUE(s.ok());
}
