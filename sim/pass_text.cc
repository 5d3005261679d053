#include "pass_text.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>

#include "deterministic_random.h"

namespace tc::sim {
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

constexpr char kHexDigits[] = "0123456789abcdef";

// Writes `digits` lowercase hex digits of `value` at `out`.
char* WriteHex(uint64_t value, int digits, char* out) {
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
    *out++ = kHexDigits[(value >> shift) & 0xf];
  }
  return out;
}

char* WriteTwoDigits(unsigned value, char* out) {
  *out++ = static_cast<char>('0' + value / 10 % 10);
  *out++ = static_cast<char>('0' + value % 10);
  return out;
}

// The digit helpers fill a stack buffer appended once: per-character push_back was a hot spot.
void AppendUuid(int64_t user_id, PassList list, int64_t index, std::string& out) {
  const uint64_t a = PassHash(user_id, list, index);
  const uint64_t b = Mix64(a);
  char text[36];
  char* p = WriteHex(a >> 32, 8, text);
  *p++ = '-';
  p = WriteHex((a >> 16) & 0xffff, 4, p);
  *p++ = '-';
  *p++ = '4';
  p = WriteHex(a & 0xfff, 3, p);
  *p++ = '-';
  p = WriteHex(0x8000 | ((b >> 48) & 0x3fff), 4, p);
  *p++ = '-';
  p = WriteHex(b & 0xffffffffffffULL, 12, p);
  out.append(text, static_cast<size_t>(p - text));
}

void AppendIso8601(int64_t unix_seconds, std::string& out) {
  using namespace std::chrono;
  const sys_seconds t{seconds(unix_seconds)};
  const sys_days day = floor<days>(t);
  const year_month_day ymd(day);
  const int64_t in_day = (t - day).count();
  const int year = static_cast<int>(ymd.year());
  char text[20];
  char* p = WriteTwoDigits(static_cast<unsigned>(year / 100), text);
  p = WriteTwoDigits(static_cast<unsigned>(year % 100), p);
  *p++ = '-';
  p = WriteTwoDigits(static_cast<unsigned>(ymd.month()), p);
  *p++ = '-';
  p = WriteTwoDigits(static_cast<unsigned>(ymd.day()), p);
  *p++ = 'T';
  p = WriteTwoDigits(static_cast<unsigned>(in_day / 3600), p);
  *p++ = ':';
  p = WriteTwoDigits(static_cast<unsigned>(in_day / 60 % 60), p);
  *p++ = ':';
  p = WriteTwoDigits(static_cast<unsigned>(in_day % 60), p);
  *p++ = 'Z';
  out.append(text, static_cast<size_t>(p - text));
}

// Fields whose text depends only on the spacing and a small choice are formatted once:
// StaticFields()[spaced][field][choice].
enum Field {
  kUuid,
  kStatus,
  kTimeCreated,
  kProductUuid,
  kName,
  kFare,
  kTicketNumber,
  kLinks,
  kInstructions,
  kRiders,
  kAttributes,
  kUseCount,
  kValidity,
  kActivation,
  kPriceDisplay,
};
constexpr std::array<std::string_view, 3> kStatuses = {"USABLE", "USING", "EXPIRED"};
constexpr size_t kMaxChoices = 7;
using FieldTable = std::array<std::array<std::array<std::string, kMaxChoices>, kFieldCount>, 2>;

const FieldTable& StaticFields() {
  static const FieldTable table = [] {
    FieldTable t;
    for (int spaced = 0; spaced < 2; ++spaced) {
      const std::string_view colon = spaced ? ": " : ":";
      const std::string_view comma = spaced ? ", " : ",";
      auto& f = t[static_cast<size_t>(spaced)];
      for (size_t c = 0; c < kStatuses.size(); ++c) {
        f[kStatus][c] = fmt::format(R"("status"{}"{}")", colon, kStatuses[c]);
      }
      for (size_t c = 0; c < kSimProductUuids.size(); ++c) {
        f[kProductUuid][c] = fmt::format(R"("product_uuid"{}"{}")", colon, kSimProductUuids[c]);
      }
      for (size_t c = 0; c < kNames.size(); ++c) {
        f[kName][c] = fmt::format(R"("name"{}{})", colon, kNames[c]);
      }
      for (size_t c = 0; c < kAmounts.size(); ++c) {
        f[kFare][c] = fmt::format(
            R"("fare"{0}{{"amount"{0}{1}{2}"currency"{0}"EUR"{2}"tax_rate"{0}0.1{2}"discount"{0}-0}})",
            colon, kAmounts[c], comma);
      }
      for (size_t c = 0; c < kTicketNumbers.size(); ++c) {
        f[kTicketNumber][c] = fmt::format(R"("ticket_number"{}{})", colon, kTicketNumbers[c]);
      }
      f[kInstructions][0] = fmt::format(
          R"("instructions"{}"Show this pass to the driver.\nValid on all lines.\tThank you!")",
          colon);
      f[kRiders][0] = fmt::format(
          R"("riders"{0}[{{"type"{0}"adult"{1}"count"{0}1}}{1}{{"type"{0}"child"{1}"count"{0}0{1}"ages"{0}[4{1}11]}}])",
          colon, comma);
      for (size_t c = 0; c < 2; ++c) {
        f[kAttributes][c] = fmt::format(
            R"("attributes"{0}{{"zones"{0}["A"{1}"B"]{1}"flags"{0}{{}}{1}"tags"{0}[]{1}"transferable"{0}{2}{1}"seat"{0}null}})",
            colon, comma, c == 0 ? "true" : "false");
      }
      f[kActivation][0] = fmt::format(R"("activation"{}null)", colon);
      f[kActivation][1] =
          fmt::format(R"("activation"{0}{{"activated"{0}false{1}"limit"{0}1E3}})", colon, comma);
      for (size_t c = 0; c < kPriceDisplays.size(); ++c) {
        f[kPriceDisplay][c] = fmt::format(R"("price_display"{}{})", colon, kPriceDisplays[c]);
      }
    }
    return t;
  }();
  return table;
}

void AppendKey(std::string_view key, std::string_view colon, std::string& out) {
  out.push_back('"');
  out.append(key);
  out.push_back('"');
  out.append(colon);
}

}  // namespace

std::string SimPassUuid(int64_t user_id, PassList list, int64_t index) {
  std::string out;
  AppendUuid(user_id, list, index, out);
  return out;
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
  std::string out;
  AppendIso8601(unix_seconds, out);
  return out;
}

void AppendPassJson(int64_t user_id, PassList list, int64_t index, int64_t version,
                    std::string& out) {
  const uint64_t h = PassHash(user_id, list, index);
  const int64_t created = SimPassTimeCreated(user_id, list, index);
  // Some passes are written with spaces after ':' and ',' as pretty-printing servers do.
  const bool spaced = (h >> 8) % 5 == 0;
  const std::string_view colon = spaced ? ": " : ":";
  const std::string_view comma = spaced ? ", " : ",";
  const auto& fields = StaticFields()[spaced ? 1 : 0];

  size_t status = 2;  // EXPIRED
  if (list == PassList::kActive) {
    const bool using_now = ((h >> 12) % 3 == 0) != (version % 2 == 1);
    status = using_now ? 1 : 0;
  }

  auto field = [&](int which) {
    switch (which) {
      case kUuid:
        AppendKey("uuid", colon, out);
        out.push_back('"');
        AppendUuid(user_id, list, index, out);
        out.push_back('"');
        break;
      case kStatus:
        out.append(fields[kStatus][status]);
        break;
      case kTimeCreated:
        AppendKey("time_created", colon, out);
        out.push_back('"');
        AppendIso8601(created, out);
        out.push_back('"');
        break;
      case kProductUuid:
        out.append(fields[kProductUuid][h % kSimProductUuids.size()]);
        break;
      case kName:
        out.append(fields[kName][(h >> 16) % kNames.size()]);
        break;
      case kFare:
        out.append(fields[kFare][(h >> 20) % kAmounts.size()]);
        break;
      case kTicketNumber:
        out.append(fields[kTicketNumber][(h >> 24) % kTicketNumbers.size()]);
        break;
      case kLinks:
        AppendKey("links", colon, out);
        out.append(R"({"self")")
            .append(colon)
            .append(R"("https:\/\/api.bytemark.example\/v1\/passes\/)");
        AppendUuid(user_id, list, index, out);
        out.append("\"").append(comma).append(R"("qr")").append(colon).append("null}");
        break;
      case kInstructions:
        out.append(fields[kInstructions][0]);
        break;
      case kRiders:
        out.append(fields[kRiders][0]);
        break;
      case kAttributes:
        out.append(fields[kAttributes][(h >> 28) % 2]);
        break;
      case kUseCount: {
        AppendKey("use_count", colon, out);
        char digits[24];
        auto [end, ec] = std::to_chars(digits, digits + sizeof digits, version);
        out.append(digits, static_cast<size_t>(end - digits));
        break;
      }
      case kValidity:
        AppendKey(list == PassList::kExpired ? "expired_at" : "valid_until", colon, out);
        out.push_back('"');
        AppendIso8601(created + 30 * 24 * kHour, out);
        out.push_back('"');
        break;
      case kActivation:
        out.append(fields[kActivation][(h >> 32) % 2]);
        break;
      default:
        out.append(fields[kPriceDisplay][(h >> 36) % kPriceDisplays.size()]);
        break;
    }
  };

  const auto& order = kKeyOrders[(h >> 40) % kKeyOrders.size()];
  out.push_back('{');
  for (int i = 0; i < kFieldCount; ++i) {
    if (i > 0) out.append(comma);
    field(order[static_cast<size_t>(i)]);
  }
  out.push_back('}');
}

std::string PassJson(int64_t user_id, PassList list, int64_t index, int64_t version) {
  std::string out;
  AppendPassJson(user_id, list, index, version, out);
  return out;
}

}  // namespace tc::sim
