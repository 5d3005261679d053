// Differential test: thousands of random cron expressions x zones x start times, each answered by
// this code and by npm's cron-parser (tests/node/cron_oracle.js, pinned in
// tests/node/package-lock.json; `npm ci --prefix tests/node` installs it), in one node process.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>  // header-only; only this test reads the oracle's JSON
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "schedule/cron_expression.h"
#include "schedule/cron_schedule.h"

namespace tc {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

constexpr size_t kCases = 4000;
constexpr int kTimesPerCase = 5;

// Zones with every kind of DST change: none (UTC, Asia/Kolkata), 1 h at 02:00-03:00 (Berlin,
// New York), 30 min (Australia/Lord_Howe), across an hour boundary at 02:45 (Pacific/Chatham),
// at midnight (America/Havana; America/Sao_Paulo until 2019), southern hemisphere (Santiago).
const std::vector<std::string> kZones = {
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Pacific/Chatham",
    "America/Havana",
    "America/Santiago",
    "Europe/London",
};

struct FieldShape {
  int min;
  int max;
  std::vector<std::string> names;  // for min.. in order
  // Values near the DST changes (hours 0-3) are drawn more often to hit gaps and repeats.
  std::vector<int> favourites;
};

const FieldShape kSecondShape{0, 59, {}, {0, 30}};
const FieldShape kMinuteShape{0, 59, {}, {0, 15, 30, 45}};
const FieldShape kHourShape{0, 23, {}, {0, 1, 2, 3}};
const FieldShape kDayOfMonthShape{1, 31, {}, {1, 15, 29, 30, 31}};
const FieldShape kMonthShape{
    1,
    12,
    {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"},
    {2, 3, 4, 9, 10, 11}};
const FieldShape kDayOfWeekShape{0, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, {0, 7}};

class ExpressionGenerator {
 public:
  explicit ExpressionGenerator(uint32_t seed) : rng_(seed) {}

  std::string Next() {
    if (Chance(0.05)) {
      static const std::vector<std::string> kMacros = {
          "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"};
      return kMacros[Uniform(0, static_cast<int>(kMacros.size()) - 1)];
    }
    if (Chance(0.03)) return Invalid();
    std::string expression;
    if (Chance(0.2)) expression += Field(kSecondShape, 0.3) + " ";
    expression += Field(kMinuteShape, 0.15) + " ";
    expression += Field(kHourShape, 0.35) + " ";
    expression += Field(kDayOfMonthShape, 0.6) + " ";
    expression += Field(kMonthShape, 0.7) + " ";
    expression += Field(kDayOfWeekShape, 0.65);
    return expression;
  }

  int Uniform(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }
  int64_t Uniform64(int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(rng_);
  }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

 private:
  // A 5-field expression with one field out of range, reversed, mis-stepped or misspelt, or a
  // day that never occurs: both implementations must reject it.
  std::string Invalid() {
    static const std::vector<std::vector<std::string>> kBadTokens = {
        {"60", "5-2", "*/0", "1,,2", "x"}, {"24", "23-1", "*/0"},   {"0", "32", "15-3"},
        {"13", "0", "FOO", "DEC-JAN"},     {"8", "SAT-MON", "FUN"},
    };
    static const std::vector<std::string> kNeverOccurs = {"0 0 30 2 *", "0 0 31 4 *",
                                                          "0 0 31 2,4,6 *"};
    if (Chance(0.2)) return kNeverOccurs[Uniform(0, static_cast<int>(kNeverOccurs.size()) - 1)];
    std::vector<std::string> fields = {"0", "*", "*", "*", "*"};
    const int field = Uniform(0, 4);
    fields[field] = kBadTokens[field][Uniform(0, static_cast<int>(kBadTokens[field].size()) - 1)];
    return fields[0] + " " + fields[1] + " " + fields[2] + " " + fields[3] + " " + fields[4];
  }

  // A list's items never overlap: cron-parser rejects a value selected twice (`1-5,3`, `0,7`),
  // which Vixie cron and this code accept, so overlapping lists would compare nothing.
  std::string Field(const FieldShape& shape, double star_chance) {
    if (Chance(star_chance)) return "*";
    const int items = Chance(0.7) ? 1 : Uniform(2, 3);
    std::string field;
    std::set<int> selected;
    for (int i = 0; i < items; ++i) {
      for (int attempt = 0; attempt < 20; ++attempt) {
        std::set<int> values;
        std::string item = Item(shape, values);
        const bool overlaps =
            std::any_of(values.begin(), values.end(), [&](int v) { return selected.count(v) > 0; });
        if (overlaps) continue;
        selected.insert(values.begin(), values.end());
        field += (field.empty() ? "" : ",") + item;
        break;
      }
    }
    return field;
  }

  int Value(const FieldShape& shape) {
    if (Chance(0.4))
      return shape.favourites[Uniform(0, static_cast<int>(shape.favourites.size()) - 1)];
    return Uniform(shape.min, shape.max);
  }

  std::string Text(const FieldShape& shape, int value) {
    const int name_index = value - shape.min;
    if (!shape.names.empty() && name_index < static_cast<int>(shape.names.size()) && Chance(0.3)) {
      std::string name = shape.names[name_index];
      for (char& c : name) {
        if (Chance(0.3)) c = static_cast<char>(c - 'A' + 'a');  // names are case-insensitive
      }
      return name;
    }
    return std::to_string(value);
  }

  // One list item; `values` receives what it selects (day-of-week 7 folded onto 0).
  std::string Item(const FieldShape& shape, std::set<int>& values) {
    const int span = shape.max - shape.min + 1;
    int low = Value(shape);
    int high = Value(shape);
    if (low > high) std::swap(low, high);
    int step = 1;
    std::string text;
    switch (Uniform(0, 4)) {
      case 0:
        high = low;
        text = Text(shape, low);
        break;
      case 1:
        text = Text(shape, low) + "-" + Text(shape, high);
        break;
      case 2:
        low = shape.min;
        high = shape.max;
        step = Uniform(1, span / 2);
        text = "*/" + std::to_string(step);
        break;
      case 3:
        step = Uniform(1, span / 3);
        text = Text(shape, low) + "-" + Text(shape, high) + "/" + std::to_string(step);
        break;
      default:
        high = shape.max;
        step = Uniform(1, span / 2);
        text = Text(shape, low) + "/" + std::to_string(step);
        break;
    }
    const bool day_of_week = shape.max == 7;
    for (int v = low; v <= high; v += step) values.insert(day_of_week ? v % 7 : v);
    return text;
  }

  std::mt19937 rng_;
};

struct Case {
  std::string expression;
  std::string zone;
  sys_seconds after;
};

// DST transitions of `zone` in [from, to).
std::vector<sys_seconds> Transitions(const date::time_zone& zone, sys_seconds from,
                                     sys_seconds to) {
  std::vector<sys_seconds> transitions;
  for (sys_seconds t = from; t < to;) {
    const date::sys_info info = zone.get_info(t);
    if (info.end >= to) break;
    transitions.push_back(info.end);
    t = info.end;
  }
  return transitions;
}

sys_seconds At(int y, unsigned m, unsigned d) { return date::sys_days{date::year{y} / m / d}; }

// cron-parser runs into its 10,000-step limit over Lord Howe's half-hour fall-back (01:30-02:00
// happens twice), at seconds of CPU per case, for most schedules whose next fire times cross it.
// Start times from 3 days before to 2 h after it are not generated (the unit tests cover it).
bool NearLordHoweFallBack(sys_seconds after) {
  const date::time_zone& zone = *date::locate_zone("Australia/Lord_Howe");
  const date::sys_info info = zone.get_info(after);
  const bool fall_back_ahead = zone.get_info(info.end).offset < info.offset;
  const bool fall_back_behind = zone.get_info(info.begin - seconds{1}).offset > info.offset;
  return (fall_back_ahead && info.end - after < date::days{3}) ||
         (fall_back_behind && after - info.begin < std::chrono::hours{2});
}

std::vector<Case> GenerateCases(uint32_t seed) {
  ExpressionGenerator generator(seed);
  // 2025-2027: both the Debian tzdata and node's ICU agree on these years. Sao Paulo had DST
  // (at midnight) until 2019, so its transitions come from 2017-2018.
  std::map<std::string, std::vector<sys_seconds>> transitions;
  for (const auto& name : kZones) {
    const auto* zone = date::locate_zone(name);
    transitions[name] = name == "America/Sao_Paulo"
                            ? Transitions(*zone, At(2017, 1, 1), At(2019, 1, 1))
                            : Transitions(*zone, At(2025, 1, 1), At(2028, 1, 1));
  }
  const int64_t range_start = At(2025, 1, 1).time_since_epoch().count();
  const int64_t range_end = At(2027, 12, 1).time_since_epoch().count();
  std::vector<Case> cases;
  while (cases.size() < kCases) {
    Case c;
    c.expression = generator.Next();
    c.zone = kZones[generator.Uniform(0, static_cast<int>(kZones.size()) - 1)];
    const auto& zone_transitions = transitions[c.zone];
    if (!zone_transitions.empty() && generator.Chance(0.6)) {
      const sys_seconds transition =
          zone_transitions[generator.Uniform(0, static_cast<int>(zone_transitions.size()) - 1)];
      // Mostly just before the change; some a day before so a daily schedule crosses it.
      static const std::vector<int> kBefore = {1, 60, 1800, 3600, 5400, 7200, 86400};
      c.after = transition - seconds{generator.Chance(0.8) ? kBefore[generator.Uniform(0, 6)]
                                                           : generator.Uniform(-7200, 90000)};
    } else {
      c.after = sys_seconds{seconds{generator.Uniform64(range_start, range_end)}};
    }
    if (c.zone == "Australia/Lord_Howe" && NearLordHoweFallBack(c.after)) continue;
    cases.push_back(c);
  }
  return cases;
}

bool CommandSucceeds(const std::string& command) { return std::system(command.c_str()) == 0; }

// A DST change that cron-parser handles inconsistently: it reasons in whole wall-clock hours of
// a day (it marks "the skipped hour" and "the repeated hour"), so it errs when the change is
// not exactly one hour between two whole hours away from midnight:
// - Australia/Lord_Howe (30 min, 02:00->02:30): it skips all of 02:xx on the spring day, though
//   02:30-02:59 exists, and drops the second copy of 01:30-01:59 for every-hour schedules.
// - Pacific/Chatham (02:45<->03:45): same, plus "loop limit exceeded" errors and once a time
//   earlier than the one before (02:55 then 02:00 +13:45).
// - Changes at midnight (America/Havana 00:00<->01:00, America/Santiago and Sao Paulo 24:00):
//   stepping to the next day lands on the SECOND midnight hour, missing the first occurrence.
// There we keep the rules of cron_schedule.h (what the wall clock shows; first occurrence),
// and a mismatch is not counted when its first differing fire time is within 2 h of such a
// change. Changes of one hour at 01:00-03:00 (Berlin, New York, London) must match exactly.
bool IsIrregularTransition(const date::time_zone& zone, sys_seconds transition) {
  const seconds before = zone.get_info(transition - seconds{1}).offset;
  const seconds after = zone.get_info(transition).offset;
  const auto wall_before = (transition.time_since_epoch() + before) % date::days{1};
  const auto wall_after = (transition.time_since_epoch() + after) % date::days{1};
  const auto whole_hour = [](seconds wall) { return wall % std::chrono::hours{1} == seconds{0}; };
  const auto near_midnight = [](seconds wall) {
    return wall < std::chrono::hours{1} || wall > std::chrono::hours{23};
  };
  return std::chrono::abs(after - before) != std::chrono::hours{1} || !whole_hour(wall_before) ||
         !whole_hour(wall_after) || near_midnight(wall_before) || near_midnight(wall_after);
}

// Whether an irregular DST change happens within 2 h of [from, to].
bool NearIrregularTransition(const date::time_zone& zone, sys_seconds from, sys_seconds to) {
  constexpr std::chrono::hours kMargin{2};
  for (sys_seconds t = from - kMargin;;) {
    const date::sys_info info = zone.get_info(t);
    if (info.end > to + kMargin) return false;
    if (IsIrregularTransition(zone, info.end)) return true;
    t = info.end;
  }
}

// cron-parser applies its DST rules only when its search steps over the change, so its answers
// depend on where it starts: started inside the hour after a spring-forward (Berlin 03:15 CEST
// on 2026-03-29) it misses the gap's shifted times (`13-30/4 */2 * * *`: 03:17 ... 03:29), and
// started inside the second copy of a repeated hour it fires a fixed time again (New York
// 01:15 EST on 2025-11-02 after 01:15 EDT ran). A daemon computes each fire time from the last
// one, so this code gives the same times wherever it starts. Such a mismatch is not counted when
// the start and the first differing time both lie in [change, change + its size).
bool StartsInsideDstWindow(const date::time_zone& zone, sys_seconds after, sys_seconds differing) {
  const date::sys_info info = zone.get_info(after);
  const seconds size =
      std::chrono::abs(info.offset - zone.get_info(info.begin - seconds{1}).offset);
  const auto inside = [&](sys_seconds t) { return t >= info.begin && t < info.begin + size; };
  return inside(after) && inside(differing);
}

std::string Describe(const date::time_zone& zone, const std::vector<int64_t>& times) {
  std::string text;
  for (const auto t : times) text += FormatZonedTime(zone, sys_seconds{seconds{t}}) + " ";
  return text;
}

TEST(CronDifferentialTest, MatchesCronParser) {
  const std::filesystem::path node_dir =
      std::filesystem::path(TICKETCACHE_SOURCE_DIR) / "tests/node";
  if (!CommandSucceeds("node --version > /dev/null 2>&1")) {
    GTEST_SKIP() << "node is not on PATH; the CI script installs it (scripts/bootstrap.sh)";
  }
  if (!std::filesystem::exists(node_dir / "node_modules/cron-parser/package.json")) {
    GTEST_SKIP() << "cron-parser is not installed; run `npm ci --prefix tests/node`";
  }
  // Fixed seed; TICKETCACHE_CRON_SEED explores other cases by hand.
  const char* seed = std::getenv("TICKETCACHE_CRON_SEED");
  const std::vector<Case> cases =
      GenerateCases(seed != nullptr ? static_cast<uint32_t>(std::stoul(seed)) : 20261128);

  struct Answer {
    std::vector<int64_t> times;
    std::string error;
  };
  const auto ours_start = std::chrono::steady_clock::now();
  std::vector<Answer> our_answers;
  for (const auto& c : cases) {
    Answer& answer = our_answers.emplace_back();
    if (auto expression = CronExpression::Parse(c.expression); !expression.ok()) {
      answer.error = expression.error().message;
    } else if (auto times =
                   NextFireTimes(*expression, *date::locate_zone(c.zone), c.after, kTimesPerCase);
               !times.ok()) {
      answer.error = times.error().message;
    } else {
      for (const auto t : *times) answer.times.push_back(t.time_since_epoch().count());
    }
  }
  const auto ours_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ours_start).count();

  nlohmann::json input;
  input["cases"] = nlohmann::json::array();
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    // cron-parser lacks Vixie's @midnight; it is @daily.
    const std::string expression = c.expression == "@midnight" ? "@daily" : c.expression;
    std::vector<int64_t> probes = our_answers[i].times;
    probes.push_back(c.after.time_since_epoch().count());
    input["cases"].push_back({{"expr", expression},
                              {"tz", c.zone},
                              {"after", c.after.time_since_epoch().count()},
                              {"count", kTimesPerCase},
                              {"probes", probes}});
  }
  const std::filesystem::path work =
      std::filesystem::temp_directory_path() / fmt::format("cron_oracle_{}", ::getpid());
  std::filesystem::create_directories(work);
  std::ofstream(work / "in.json") << input.dump();
  const auto oracle_start = std::chrono::steady_clock::now();
  const bool oracle_ran =
      CommandSucceeds(fmt::format("node '{}' '{}' '{}'", (node_dir / "cron_oracle.js").string(),
                                  (work / "in.json").string(), (work / "out.json").string()));
  nlohmann::json output;
  if (oracle_ran) output = nlohmann::json::parse(std::ifstream(work / "out.json"));
  if (std::getenv("KEEP_ORACLE") == nullptr) std::filesystem::remove_all(work);
  ASSERT_TRUE(oracle_ran);
  const auto oracle_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - oracle_start).count();
  const auto& results = output.at("results");
  ASSERT_EQ(results.size(), cases.size());

  int compared = 0;
  int rejected_by_both = 0;
  int overlapping_lists = 0;
  int tz_data_differs = 0;
  int irregular_transition = 0;
  int starts_inside_dst_window = 0;
  int mismatches = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const auto& theirs = results[i];
    const date::time_zone& zone = *date::locate_zone(c.zone);
    const std::vector<int64_t>& ours = our_answers[i].times;
    const std::string& our_error = our_answers[i].error;
    const std::string their_error = theirs.value("error", "");
    const auto their_times = theirs.value("times", std::vector<int64_t>{});
    const auto their_offsets = theirs.value("offsets", std::vector<int>{});
    const auto probe_offsets = theirs.value("probe_offsets", std::vector<int>{});

    if (!our_error.empty() && !theirs.contains("times")) {
      ++rejected_by_both;
      continue;
    }
    if (our_error.empty() && their_error.find("duplicate values found") != std::string::npos) {
      // cron-parser rejects lists whose items overlap (`1-5,3`, `0,7`); Vixie cron and this
      // code accept them (a value selected twice is selected).
      ++overlapping_lists;
      continue;
    }
    // Node's offsets at its own fire times, at ours and at the start must equal Debian's.
    bool same_tz_data = true;
    const auto check_offset = [&](int64_t t, int node_offset_minutes) {
      const auto offset = zone.get_info(sys_seconds{seconds{t}}).offset;
      same_tz_data = same_tz_data && offset == std::chrono::minutes{node_offset_minutes};
    };
    for (size_t k = 0; k < their_times.size(); ++k)
      check_offset(their_times[k], their_offsets.at(k));
    std::vector<int64_t> probes = ours;
    probes.push_back(c.after.time_since_epoch().count());
    for (size_t k = 0; k < probes.size(); ++k) check_offset(probes[k], probe_offsets.at(k));
    if (!same_tz_data) {
      // node's ICU carries its own tz database; where it disagrees with Debian's tzdata (e.g.
      // Cuba's 2026 rules) the schedules legitimately differ.
      ++tz_data_differs;
      continue;
    }
    ++compared;
    if (our_error.empty() && ours == their_times && their_error.empty()) continue;
    size_t first_difference = 0;
    while (first_difference < ours.size() && first_difference < their_times.size() &&
           ours[first_difference] == their_times[first_difference]) {
      ++first_difference;
    }
    // Where the answers part: the first differing fire time, or, when cron-parser gave up
    // ("loop limit exceeded"), the span from where it searched to our answer.
    int64_t from = std::numeric_limits<int64_t>::max();
    int64_t to = std::numeric_limits<int64_t>::min();
    const auto include = [&](int64_t t) {
      from = std::min(from, t);
      to = std::max(to, t);
    };
    if (first_difference < ours.size()) include(ours[first_difference]);
    if (first_difference < their_times.size()) include(their_times[first_difference]);
    if (first_difference == their_times.size() && !their_error.empty()) {
      include(first_difference == 0 ? c.after.time_since_epoch().count()
                                    : their_times[first_difference - 1]);
    }
    if (from <= to &&
        NearIrregularTransition(zone, sys_seconds{seconds{from}}, sys_seconds{seconds{to}})) {
      --compared;
      ++irregular_transition;
      continue;
    }
    if (from <= to && StartsInsideDstWindow(zone, c.after, sys_seconds{seconds{from}})) {
      --compared;
      ++starts_inside_dst_window;
      continue;
    }
    if (++mismatches > 20) continue;
    ADD_FAILURE() << "'" << c.expression << "' in " << c.zone << " after "
                  << FormatZonedTime(zone, c.after) << "\n  ours:   " << our_error
                  << Describe(zone, ours) << "\n  theirs: " << their_error << " "
                  << Describe(zone, their_times);
  }
  std::cout << fmt::format("cron-parser took {:.1f} s, this code {:.1f} s\n", oracle_seconds,
                           ours_seconds);
  std::cout << "compared " << compared << " cases (" << compared * kTimesPerCase
            << " fire times); not compared: " << rejected_by_both << " rejected by both, "
            << overlapping_lists << " overlapping lists, " << tz_data_differs
            << " tz data differs, " << irregular_transition
            << " cron-parser errs at an irregular DST change, " << starts_inside_dst_window
            << " cron-parser started inside a DST change\n";
  EXPECT_EQ(mismatches, 0);
  EXPECT_GE(compared, 3000);
}

}  // namespace
}  // namespace tc
