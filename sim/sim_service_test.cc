#include "sim_service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pass_text.h"
#include "sim_token.h"

namespace tc::sim {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

class SimServiceTest : public ::testing::Test {
 protected:
  SimResponse Get(std::string_view target, int64_t user) {
    std::string authorization = "Bearer " + SimTokenForUser(user);
    SimResponse response = service_.Handle({"GET", target, authorization, ""});
    service_.Answered(response);
    return response;
  }
  SimResponse Control(std::string_view method, std::string_view target, std::string body = "") {
    return service_.Handle({method, target, "", body});
  }
  json Counters() { return json::parse(Control("GET", "/_sim/counters").body); }

  SimService service_{SimSettings{.users = 50}, 1};
};

TEST_F(SimServiceTest, ServesBothListsWithTheUsersToken) {
  SimResponse active = Get("/passes?per_page=100&page=1", 7);
  ASSERT_EQ(active.status, 200);
  ordered_json body = ordered_json::parse(active.body);
  EXPECT_EQ(body["data"]["passes"].size(), 10u);
  EXPECT_EQ(body["data"]["passes"][0]["uuid"], SimPassUuid(7, PassList::kActive, 0));
  SimResponse expired = Get("/v4.0/passes?status=EXPIRED&per_page=2&page=2", 7);
  ASSERT_EQ(expired.status, 200);
  body = ordered_json::parse(expired.body);
  ASSERT_EQ(body["data"]["passes"].size(), 1u);
  EXPECT_EQ(body["data"]["passes"][0]["status"], "EXPIRED");
  EXPECT_EQ(Get("/passes", 7).body, active.body);  // defaults: per_page 100, page 1
}

TEST_F(SimServiceTest, RejectsBadTokensAndRequests) {
  for (std::string_view authorization :
       {"", "Bearer tc-sim-token-51", "Bearer tc-sim-token-0", "Bearer tc-sim-token-07",
        "Bearer tc-sim-token-7x", "bearer tc-sim-token-7", "Bearer other", "tc-sim-token-7"}) {
    EXPECT_EQ(service_.Handle({"GET", "/passes", authorization, ""}).status, 401) << authorization;
  }
  EXPECT_EQ(Get("/passes?page=0", 1).status, 400);
  EXPECT_EQ(Get("/v4.0/passes?page=1", 1).status, 400);
  EXPECT_EQ(Get("/nothing", 1).status, 404);
  EXPECT_EQ(service_.Handle({"POST", "/passes", "Bearer tc-sim-token-1", ""}).status, 405);
}

TEST_F(SimServiceTest, CountsApiRequestsByPathAndStatus) {
  Get("/passes", 1);
  Get("/passes", 2);
  Get("/v4.0/passes?status=EXPIRED", 3);
  Get("/passes", 99);
  Control("GET", "/_sim/health");
  json counters = Counters();
  EXPECT_EQ(counters["requests_total"], 4);
  EXPECT_EQ(counters["by_path_status"]["/passes 200"], 2);
  EXPECT_EQ(counters["by_path_status"]["/passes 401"], 1);
  EXPECT_EQ(counters["by_path_status"]["/v4.0/passes 200"], 1);
  EXPECT_EQ(counters["in_flight"], 0);
  EXPECT_EQ(counters["peak_concurrency"], 1);
  EXPECT_GE(counters["max_per_second"], 1);
  ASSERT_GE(counters["per_second"].size(), 1u);

  // A request whose answer has not gone out yet is in flight.
  SimResponse pending = service_.Handle({"GET", "/passes", "Bearer tc-sim-token-1", ""});
  EXPECT_EQ(Counters()["in_flight"], 1);
  service_.Answered(pending);
  EXPECT_EQ(Counters()["in_flight"], 0);

  EXPECT_EQ(Control("POST", "/_sim/reset").status, 200);
  counters = Counters();
  EXPECT_EQ(counters["requests_total"], 0);
  EXPECT_TRUE(counters["by_path_status"].empty());
  EXPECT_TRUE(counters["per_second"].empty());
}

TEST_F(SimServiceTest, ConfigAppliesAtOnce) {
  SimResponse answer = Control("POST", "/_sim/config", R"({"passes":0,"latency_ms":20})");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(json::parse(answer.body)["passes"], 0);
  SimResponse page = Get("/passes", 4);
  EXPECT_EQ(ordered_json::parse(page.body)["data"]["passes"].size(), 0u);
  EXPECT_EQ(page.delay, std::chrono::milliseconds(20));
  EXPECT_EQ(Control("POST", "/_sim/config", R"({"pases":1})").status, 400);
  EXPECT_EQ(Control("POST", "/_sim/config", "not json").status, 400);
  EXPECT_EQ(json::parse(Control("GET", "/_sim/config").body)["latency_ms"], 20);
}

TEST_F(SimServiceTest, LatencyDistributionsAreDeterministic) {
  Control("POST", "/_sim/config", R"({"latency_ms":10,"latency_dist":"uniform"})");
  SimService other(
      SimSettings{.users = 50, .latency_ms = 10, .latency_dist = LatencyDistribution::kUniform}, 1);
  std::chrono::microseconds total{0};
  for (int i = 0; i < 200; ++i) {
    SimResponse a = Get("/passes", 1);
    SimResponse b = other.Handle({"GET", "/passes", "Bearer tc-sim-token-1", ""});
    EXPECT_EQ(a.delay, b.delay);
    EXPECT_LE(a.delay, std::chrono::milliseconds(20));
    total += a.delay;
  }
  EXPECT_NEAR(static_cast<double>(total.count()) / 200, 10000, 1500);
}

TEST_F(SimServiceTest, RateLimitAnswers429WithRetryAfter) {
  Control("POST", "/_sim/config", R"({"rate_limit":5})");
  int limited = 0;
  for (int i = 0; i < 20; ++i) {
    SimResponse response = Get("/passes", 1);
    if (response.status == 429) {
      ++limited;
      ASSERT_EQ(response.headers.size(), 1u);
      EXPECT_EQ(response.headers[0], std::make_pair(std::string("Retry-After"), std::string("1")));
    }
  }
  EXPECT_GE(limited, 14);  // 5 burst (+ at most a refill or so during the loop)
  EXPECT_GE(Counters()["by_path_status"]["/passes 429"], 14);
}

TEST_F(SimServiceTest, RandomFaultsFollowTheSeed) {
  Control(
      "POST", "/_sim/config",
      R"({"fault_5xx":0.2,"fault_timeout":0.1,"fault_malformed":0.1,"fault_401":0.1,"fault_429":0.1,"timeout_delay_ms":7})");
  std::map<int, int> statuses;
  int truncated = 0;
  for (int i = 0; i < 1000; ++i) {
    SimResponse response = Get("/passes", 1);
    ++statuses[response.status];
    if (response.status == 504) {
      EXPECT_EQ(response.delay, std::chrono::milliseconds(7));
    }
    if (response.status == 200 && !json::accept(response.body)) ++truncated;
  }
  EXPECT_NEAR(statuses[500] + statuses[503], 200, 50);
  EXPECT_NEAR(statuses[504], 100, 40);
  EXPECT_NEAR(truncated, 100, 40);
  EXPECT_NEAR(statuses[401], 100, 40);
  EXPECT_NEAR(statuses[429], 100, 40);
}

TEST_F(SimServiceTest, FirstCallFaultRefusesAPageOnceThenServesIt) {
  Control("POST", "/_sim/config", R"({"fault_429_first":0.2})");
  int refused = 0;
  for (int64_t user = 1; user <= 50; ++user) {
    const std::string page = "/passes?per_page=5&page=1";
    SimResponse first = Get(page, user);
    if (first.status == 429) {
      ++refused;
      ASSERT_EQ(first.headers.size(), 1u);
      EXPECT_EQ(first.headers[0], std::make_pair(std::string("Retry-After"), std::string("1")));
    } else {
      EXPECT_EQ(first.status, 200);
    }
    EXPECT_EQ(Get(page, user).status, 200);  // the retry gets through
  }
  EXPECT_GE(refused, 3);  // 20 % of 50 pages, drawn from the seed: not none, not all
  EXPECT_LE(refused, 20);
}

TEST_F(SimServiceTest, PerUserFaults) {
  auto set_fault = [&](int64_t user, std::string body) {
    return Control("PUT", "/_sim/users/" + std::to_string(user) + "/fault", body).status;
  };
  struct Case {
    std::string kind;
    int status;
  };
  for (const Case& c : std::vector<Case>{{"500", 500},
                                         {"503", 503},
                                         {"401", 401},
                                         {"403", 403},
                                         {"429", 429},
                                         {"timeout", 504}}) {
    ASSERT_EQ(set_fault(3, R"({"kind":")" + c.kind + R"("})"), 200) << c.kind;
    EXPECT_EQ(Get("/passes", 3).status, c.status) << c.kind;
    EXPECT_EQ(Get("/v4.0/passes?status=EXPIRED", 3).status, c.status) << c.kind;
    EXPECT_EQ(Get("/passes", 4).status, 200) << c.kind;
  }
  EXPECT_EQ(set_fault(3, R"({"kind":503})"), 200);
  EXPECT_EQ(Get("/passes", 3).status, 503);

  EXPECT_EQ(set_fault(3, R"({"kind":"reset","list":"expired"})"), 200);
  EXPECT_FALSE(Get("/passes", 3).drop_connection);
  EXPECT_TRUE(Get("/v4.0/passes?status=EXPIRED", 3).drop_connection);
  EXPECT_EQ(Counters()["by_path_status"]["/v4.0/passes reset"], 1);

  EXPECT_EQ(set_fault(3, R"({"kind":"malformed"})"), 200);
  SimResponse malformed = Get("/passes", 3);
  EXPECT_EQ(malformed.status, 200);
  EXPECT_FALSE(json::accept(malformed.body));

  EXPECT_EQ(set_fault(3, R"({"kind":"wrong_shape"})"), 200);
  json wrong = json::parse(Get("/passes", 3).body);
  EXPECT_TRUE(wrong["data"]["passes"].is_string());

  EXPECT_EQ(set_fault(3, R"({"kind":"html","list":"active"})"), 200);
  SimResponse html = Get("/passes", 3);
  EXPECT_EQ(html.status, 200);
  EXPECT_EQ(html.content_type.rfind("text/html", 0), 0u);
  EXPECT_EQ(Get("/v4.0/passes?status=EXPIRED", 3).content_type, "application/json");

  EXPECT_EQ(set_fault(3, R"({"kind":"empty"})"), 200);
  EXPECT_EQ(Get("/passes", 3).body, "");

  EXPECT_EQ(set_fault(3, R"({"kind":"oversized"})"), 200);
  SimResponse oversized = Get("/passes", 3);
  EXPECT_GE(oversized.body.size(), 20u * 1000 * 1000);
  EXPECT_TRUE(json::accept(oversized.body));

  EXPECT_EQ(set_fault(3, R"({"kind":"forever"})"), 200);
  json forever = json::parse(Get("/passes?per_page=5&page=40", 3).body);
  EXPECT_EQ(forever["data"]["page_count"], 41);
  EXPECT_EQ(forever["data"]["pagination"]["next"], true);  // user 3: next = true

  EXPECT_EQ(Control("DELETE", "/_sim/users/3/fault").status, 200);
  EXPECT_EQ(Get("/passes", 3).status, 200);
  EXPECT_TRUE(json::accept(Get("/passes", 3).body));

  EXPECT_EQ(set_fault(3, R"({"kind":"explode"})"), 400);
  EXPECT_EQ(set_fault(3, "{"), 400);
  EXPECT_EQ(Control("PUT", "/_sim/users/x/fault", R"({"kind":"500"})").status, 400);
  EXPECT_EQ(Control("GET", "/_sim/users/3/fault").status, 405);
}

TEST_F(SimServiceTest, MutateChangesOnlyTheChosenUsers) {
  std::string user5 = Get("/passes", 5).body;
  std::string user6 = Get("/passes", 6).body;
  std::string user5_expired = Get("/v4.0/passes?status=EXPIRED", 5).body;
  SimResponse mutated = Control("POST", "/_sim/mutate", R"({"users":[5]})");
  ASSERT_EQ(mutated.status, 200);
  EXPECT_EQ(json::parse(mutated.body)["mutated"], 1);
  EXPECT_EQ(Get("/passes", 6).body, user6);
  ordered_json before = ordered_json::parse(user5);
  ordered_json after = ordered_json::parse(Get("/passes", 5).body);
  ASSERT_EQ(after["data"]["passes"].size(), 11u);
  int changed = 0;
  for (size_t i = 0; i < 10; ++i) {
    changed += before["data"]["passes"][i] != after["data"]["passes"][i];
  }
  EXPECT_EQ(changed, 2);
  EXPECT_NE(Get("/v4.0/passes?status=EXPIRED", 5).body, user5_expired);

  mutated = Control("POST", "/_sim/mutate", R"({"every":10})");
  EXPECT_EQ(json::parse(mutated.body)["mutated"], 5);  // 10, 20, 30, 40, 50
  EXPECT_EQ(ordered_json::parse(Get("/passes", 20).body)["data"]["total_count"], 11);
  EXPECT_EQ(Control("POST", "/_sim/mutate", R"({"users":["a"]})").status, 400);
  EXPECT_EQ(Control("POST", "/_sim/mutate", R"({"every":0})").status, 400);
}

TEST_F(SimServiceTest, ControlEndpoints) {
  EXPECT_EQ(Control("GET", "/_sim/health").body, R"({"ok":true})");
  EXPECT_EQ(Control("GET", "/_sim/nothing").status, 404);
  EXPECT_EQ(Control("GET", "/_sim/reset").status, 405);
  EXPECT_TRUE(Control("GET", "/_sim/counters").counter_path.empty());
}

std::optional<std::string> HeaderOf(const SimResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

// Hostile mode: one fault for every request of every user, before the token is looked at.
TEST_F(SimServiceTest, FaultAllAnswersEveryRequestAlike) {
  struct Case {
    std::string kind;
    int status;
  };
  for (const Case& one : std::vector<Case>{
           {"403", 403}, {"404", 404}, {"html", 200}, {"html502", 502}, {"redirect", 302}}) {
    ASSERT_EQ(Control("POST", "/_sim/config", json{{"fault_all", one.kind}}.dump()).status, 200);
    for (int64_t user : {1, 2, 49}) {
      EXPECT_EQ(Get("/passes", user).status, one.status) << one.kind;
      EXPECT_EQ(Get("/v4.0/passes?status=EXPIRED", user).status, one.status) << one.kind;
    }
    EXPECT_EQ(service_.Handle({"GET", "/passes", "", ""}).status, one.status) << one.kind;
  }
  SimResponse redirect = Get("/passes", 1);
  EXPECT_EQ(HeaderOf(redirect, "Location"), "http://127.0.0.1:9/elsewhere");
  ASSERT_EQ(Control("POST", "/_sim/config", R"({"fault_all":"html502"})").status, 200);
  EXPECT_EQ(Get("/passes", 1).content_type, "text/html; charset=utf-8");
  ASSERT_EQ(Control("POST", "/_sim/config", R"({"fault_all":""})").status, 200);
  EXPECT_EQ(Get("/passes", 1).status, 200);
  EXPECT_EQ(Control("POST", "/_sim/config", R"({"fault_all":"nope"})").status, 400);
}

TEST_F(SimServiceTest, RetryAfterIsConfigurableAsSecondsOrADate) {
  ASSERT_EQ(Control("PUT", "/_sim/users/3/fault", R"({"kind":429})").status, 200);
  EXPECT_EQ(HeaderOf(Get("/passes", 3), "Retry-After"), "1");
  EXPECT_EQ(Get("/passes", 4).status, 200);  // only that user
  ASSERT_EQ(Control("POST", "/_sim/config", R"({"retry_after":"999999999"})").status, 200);
  EXPECT_EQ(HeaderOf(Get("/passes", 3), "Retry-After"), "999999999");
  ASSERT_EQ(Control("POST", "/_sim/config", R"({"retry_after":"date+86400"})").status, 200);
  const std::string date = HeaderOf(Get("/passes", 3), "Retry-After").value_or("");
  EXPECT_TRUE(date.ends_with(" GMT")) << date;
  EXPECT_EQ(date.size(), 29u) << date;  // "Thu, 22 Oct 2015 07:28:00 GMT"
  EXPECT_EQ(Control("POST", "/_sim/config", R"({"retry_after":"soon"})").status, 400);
}

TEST_F(SimServiceTest, HostileKindsPerUser) {
  ASSERT_EQ(Control("POST", "/_sim/config", R"({"big_page_bytes":200000})").status, 200);
  ASSERT_EQ(Control("PUT", "/_sim/users/5/fault", R"({"kind":"forever_big"})").status, 200);
  for (int page = 1; page <= 3; ++page) {
    SimResponse big = Get("/passes?page=" + std::to_string(page), 5);
    ASSERT_EQ(big.status, 200);
    EXPECT_GE(big.body.size(), 200000u);
    EXPECT_LT(big.body.size(), 210000u);
    EXPECT_EQ(json::parse(big.body)["data"]["pagination"]["next"], true);
  }
  ASSERT_EQ(Control("PUT", "/_sim/users/6/fault", R"({"kind":"huge_header"})").status, 200);
  SimResponse huge = Get("/passes", 6);
  EXPECT_EQ(huge.status, 200);
  size_t padding = 0;
  for (const auto& [key, value] : huge.headers) {
    if (key.starts_with("X-Padding")) padding += value.size();
  }
  EXPECT_GE(padding, 300u * 1024);
  ASSERT_EQ(Control("PUT", "/_sim/users/7/fault", R"({"kind":"idle"})").status, 200);
  EXPECT_GE(Get("/passes", 7).delay, std::chrono::hours(1));
}

}  // namespace
}  // namespace tc::sim
