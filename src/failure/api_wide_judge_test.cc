#include "failure/api_wide_judge.h"

#include <gtest/gtest.h>

#include "failure/failure_state_gate.h"

namespace tc {
namespace {

ApiWidePolicy Policy() { return ApiWidePolicy{.min_users = 20, .window = 50, .ratio = 0.9}; }

TEST(ApiWideJudgeTest, NoVerdictBeforeTheMinimumNumberOfUsers) {
  ApiWideJudge judge(Policy());
  for (int i = 0; i < 19; ++i) judge.Record(ErrorClass::kMalformed);
  EXPECT_FALSE(judge.verdict());
  judge.Record(ErrorClass::kMalformed);
  EXPECT_EQ(judge.verdict(), ErrorClass::kMalformed);
  EXPECT_NE(judge.description().find("malformed for 20"), std::string::npos);
}

TEST(ApiWideJudgeTest, ADifferentClassPerUserOrManySuccessesIsNoVerdict) {
  ApiWideJudge judge(Policy());
  for (int i = 0; i < 500; ++i) {
    judge.Record(i % 3 == 0 ? std::optional<ErrorClass>(ErrorClass::kRejectedToken) : std::nullopt);
  }
  EXPECT_FALSE(judge.verdict());
}

TEST(ApiWideJudgeTest, AnApiThatBreaksMidRunIsSeenWithinTheWindow) {
  ApiWideJudge judge(Policy());
  for (int i = 0; i < 1000; ++i) judge.Record(std::nullopt);
  int failures = 0;
  while (!judge.verdict() && failures < 100) {
    judge.Record(ErrorClass::kRejectedToken);
    ++failures;
  }
  EXPECT_EQ(judge.verdict(), ErrorClass::kRejectedToken);
  EXPECT_EQ(failures, 45);  // 90% of the 50-user window
}

UserState StateOf(int64_t user) {
  UserState state;
  state.user_id = user;
  state.consecutive_failures = 1;
  return state;
}

TEST(FailureStateGateTest, JudgedFailuresWaitForTheWindowThenAreWritten) {
  FailureStateGate gate(Policy());
  const int64_t ticket = gate.RecordOutcome(ErrorClass::kRejectedToken);
  EXPECT_TRUE(gate.Admit(ticket, ErrorClass::kRejectedToken, StateOf(1)).empty());
  for (int i = 0; i < 49; ++i) gate.RecordOutcome(std::nullopt);
  EXPECT_TRUE(gate.TakeReleased().empty());
  gate.RecordOutcome(std::nullopt);
  const auto released = gate.TakeReleased();
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].user_id, 1);
}

TEST(FailureStateGateTest, ClassesTheJudgeIgnoresPassStraightThrough) {
  FailureStateGate gate(Policy());
  const int64_t ticket = gate.RecordOutcome(ErrorClass::kStore);
  EXPECT_EQ(gate.Admit(ticket, ErrorClass::kStore, StateOf(3)).size(), 1u);
}

TEST(FailureStateGateTest, AVerdictDiscardsItsClassAndFinishKeepsTheRest) {
  FailureStateGate gate(Policy());
  const int64_t dead = gate.RecordOutcome(ErrorClass::kRejectedToken);
  EXPECT_TRUE(gate.Admit(dead, ErrorClass::kRejectedToken, StateOf(1)).empty());
  std::vector<int64_t> tickets;
  for (int i = 0; i < 25; ++i) tickets.push_back(gate.RecordOutcome(ErrorClass::kMalformed));
  ASSERT_EQ(gate.verdict(), ErrorClass::kMalformed);
  for (size_t i = 0; i < tickets.size(); ++i) {
    EXPECT_TRUE(
        gate.Admit(tickets[i], ErrorClass::kMalformed, StateOf(100 + static_cast<int64_t>(i)))
            .empty());
  }
  const auto finished = gate.Finish([](ErrorClass) { return false; });
  ASSERT_EQ(finished.size(), 1u);  // the dead token is the user's; the malformed ones the API's
  EXPECT_EQ(finished[0].user_id, 1);
}

TEST(FailureStateGateTest, FinishDropsClassesNamedApiWide) {
  FailureStateGate gate(Policy());
  const int64_t ticket = gate.RecordOutcome(ErrorClass::kTransient);
  EXPECT_TRUE(gate.Admit(ticket, ErrorClass::kTransient, StateOf(1)).empty());
  EXPECT_TRUE(gate.Finish([](ErrorClass c) { return c == ErrorClass::kTransient; }).empty());
}

}  // namespace
}  // namespace tc
