#include "pass_text.h"

#include <fmt/format.h>

#include <chrono>
#include <iterator>

#include "deterministic_random.h"

namespace tc {
namespace {

constexpr int64_t kEpoch2026 = 1767225600;  // 2026-01-01T00:00:00Z
constexpr int64_t kHour = 3600;

// Names in every spelling a JSON text may carry: raw UTF-8, \u escapes, a surrogate pair,
// escaped quotes, "\/".
constexpr std::array<std::string_view, 6> kNames = {
    R"("Tageskarte Zürich")",          R"("Carte journ\u00e9e Montr\u00e9al")",
    R"("東京メトロ 24時間券")",        R"("Bus pass \ud83d\ude8c Line 7")",
    R"("Caf\u00e9 \"Express\" Pass")", R"("Day pass – Zone A\/B")",
};

// Number texts that a JavaScript round trip rewrites (2.50 → 2.5, 1E3 → 1000, -0 → 0, …).
constexpr std::array<std::string_view, 7> kAmounts = {"2.50", "1E3",    "0.1", "-0",
                                                      "12.0", "1.5e-7", "100"};
constexpr std::array<std::string_view, 3> kTicketNumbers = {"12345678901234567890",
                                                            "9007199254740993", "1e21"};
constexpr std::array<std::string_view, 4> kPriceDisplays = {R"("€2.50")", R"("\u20ac1,000")",
                                                            R"("CHF 0.10")", R"("¥100")"};

constexpr int kFieldCount = 15;
// Three key orders; a pass uses order hash % 3.
constexpr std::array<std::array<int, kFieldCount>, 3> kKeyOrders = {{
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14},
    {1, 3, 0, 2, 4, 11, 5, 6, 7, 8, 9, 10, 12, 13, 14},
    {14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
}};

uint64_t PassHash(int64_t user_id, PassList list, int64_t index) {
  return HashOf(
      {static_cast<uint64_t>(user_id), static_cast<uint64_t>(list), static_cast<uint64_t>(index)});
}

}  // namespace

std::string SimPassUuid(int64_t user_id, PassList list, int64_t index) {
  uint64_t a = PassHash(user_id, list, index);
  uint64_t b = Mix64(a);
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                     0x8000 | ((b >> 48) & 0x3fff), b & 0xffffffffffffULL);
}

int64_t SimPassTimeCreated(int64_t user_id, PassList list, int64_t index) {
  int64_t base = list == PassList::kActive ? kEpoch2026 : kEpoch2026 - 365 * 24 * kHour;
  base += (user_id % 97) * 60;
  switch (user_id % 4) {
    case 0:
      return base + index * 5 * kHour;
    case 1:
      return base + (100000 - index) * 5 * kHour;
    case 2:
      return base + static_cast<int64_t>(PassHash(user_id, list, index) % 4000) * kHour;
    default:
      return base + (index / 2) * 5 * kHour;
  }
}

std::string Iso8601Utc(int64_t unix_seconds) {
  using namespace std::chrono;
  sys_seconds t{seconds(unix_seconds)};
  sys_days day = floor<days>(t);
  year_month_day ymd(day);
  hh_mm_ss hms(t - day);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

void AppendPassJson(int64_t user_id, PassList list, int64_t index, int64_t version,
                    std::string& out) {
  const uint64_t h = PassHash(user_id, list, index);
  const std::string uuid = SimPassUuid(user_id, list, index);
  const int64_t created = SimPassTimeCreated(user_id, list, index);
  // Some passes are written with spaces after ':' and ',' as pretty-printing servers do.
  const bool spaced = (h >> 8) % 5 == 0;
  const std::string_view colon = spaced ? ": " : ":";
  const std::string_view comma = spaced ? ", " : ",";

  std::string_view status;
  if (list == PassList::kExpired) {
    status = "EXPIRED";
  } else {
    bool using_now = ((h >> 12) % 3 == 0) != (version % 2 == 1);
    status = using_now ? "USING" : "USABLE";
  }

  auto it = std::back_inserter(out);
  auto field = [&](int which) {
    switch (which) {
      case 0:
        fmt::format_to(it, R"("uuid"{}"{}")", colon, uuid);
        break;
      case 1:
        fmt::format_to(it, R"("status"{}"{}")", colon, status);
        break;
      case 2:
        fmt::format_to(it, R"("time_created"{}"{}")", colon, Iso8601Utc(created));
        break;
      case 3:
        fmt::format_to(it, R"("product_uuid"{}"{}")", colon,
                       kSimProductUuids[h % kSimProductUuids.size()]);
        break;
      case 4:
        fmt::format_to(it, R"("name"{}{})", colon, kNames[(h >> 16) % kNames.size()]);
        break;
      case 5:
        fmt::format_to(
            it,
            R"("fare"{0}{{"amount"{0}{1}{2}"currency"{0}"EUR"{2}"tax_rate"{0}0.1{2}"discount"{0}-0}})",
            colon, kAmounts[(h >> 20) % kAmounts.size()], comma);
        break;
      case 6:
        fmt::format_to(it, R"("ticket_number"{}{})", colon,
                       kTicketNumbers[(h >> 24) % kTicketNumbers.size()]);
        break;
      case 7:
        fmt::format_to(
            it,
            R"("links"{0}{{"self"{0}"https:\/\/api.bytemark.example\/v1\/passes\/{1}"{2}"qr"{0}null}})",
            colon, uuid, comma);
        break;
      case 8:
        fmt::format_to(
            it,
            R"("instructions"{}"Show this pass to the driver.\nValid on all lines.\tThank you!")",
            colon);
        break;
      case 9:
        fmt::format_to(
            it,
            R"("riders"{0}[{{"type"{0}"adult"{1}"count"{0}1}}{1}{{"type"{0}"child"{1}"count"{0}0{1}"ages"{0}[4{1}11]}}])",
            colon, comma);
        break;
      case 10:
        fmt::format_to(
            it,
            R"("attributes"{0}{{"zones"{0}["A"{1}"B"]{1}"flags"{0}{{}}{1}"tags"{0}[]{1}"transferable"{0}{2}{1}"seat"{0}null}})",
            colon, comma, (h >> 28) % 2 == 0 ? "true" : "false");
        break;
      case 11:
        fmt::format_to(it, R"("use_count"{}{})", colon, version);
        break;
      case 12:
        if (list == PassList::kExpired) {
          fmt::format_to(it, R"("expired_at"{}"{}")", colon, Iso8601Utc(created + 30 * 24 * kHour));
        } else {
          fmt::format_to(it, R"("valid_until"{}"{}")", colon,
                         Iso8601Utc(created + 30 * 24 * kHour));
        }
        break;
      case 13:
        if ((h >> 32) % 2 == 0) {
          fmt::format_to(it, R"("activation"{}null)", colon);
        } else {
          fmt::format_to(it, R"("activation"{0}{{"activated"{0}false{1}"limit"{0}1E3}})", colon,
                         comma);
        }
        break;
      default:
        fmt::format_to(it, R"("price_display"{}{})", colon,
                       kPriceDisplays[(h >> 36) % kPriceDisplays.size()]);
        break;
    }
  };

  const auto& order = kKeyOrders[(h >> 40) % kKeyOrders.size()];
  out.push_back('{');
  for (int i = 0; i < kFieldCount; ++i) {
    if (i > 0) out.append(comma);
    field(order[i]);
  }
  out.push_back('}');
}

std::string PassJson(int64_t user_id, PassList list, int64_t index, int64_t version) {
  std::string out;
  AppendPassJson(user_id, list, index, version, out);
  return out;
}

}  // namespace tc
