#include "common/status.h"

#include <cerrno>
#include <memory>

#include <gtest/gtest.h>

namespace orbitlake {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  ORBIT_ASSIGN_OR_RETURN(int h, Half(x));
  ORBIT_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int x) {
  ORBIT_RETURN_IF_ERROR(Half(x).status());
  return Status::OK();
}

TEST(StatusTest, OkAndErrorsCarryCodeAndMessage) {
  EXPECT_TRUE(Status::OK().ok());
  Status s = Status::NotFound("table x");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ToString(), "NotFound: table x");
  EXPECT_EQ(s.WithContext("open").ToString(), "NotFound: open: table x");
  EXPECT_EQ(Status::OK().WithContext("ignored"), Status::OK());
}

TEST(StatusTest, MacrosPropagateTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd: 3");
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(5).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.value_or(-1), -1);
}

TEST(StatusTest, ResultHoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(StatusTest, RetryabilityIsDecidedByCode) {
  EXPECT_TRUE(IsRetryable(Status::Unavailable("broker down")));
  EXPECT_TRUE(IsRetryable(Status::Timeout("flush")));
  EXPECT_TRUE(IsRetryable(Status::IOError("ENOSPC")));
  EXPECT_FALSE(IsRetryable(Status::Conflict("version 4 taken")));
  EXPECT_FALSE(IsRetryable(Status::Corruption("bad json")));
  EXPECT_FALSE(IsRetryable(Status::InvalidArgument("x")));
  EXPECT_FALSE(IsRetryable(Status::OK()));
}

TEST(StatusTest, ErrnoMapsToCodes) {
  EXPECT_EQ(ErrnoStatus("open", "/x", ENOENT).code(), StatusCode::kNotFound);
  EXPECT_EQ(ErrnoStatus("link", "/x", EEXIST).code(), StatusCode::kAlreadyExists);
  Status s = ErrnoStatus("write", "/x", ENOSPC);
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_NE(s.message().find("write /x"), std::string::npos);
}

}  // namespace
}  // namespace orbitlake
