#include "document/document_merge.h"

#include <date/date.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace tc {
namespace {

using Instant = date::sys_time<std::chrono::nanoseconds>;

// GCC 12 reports a false "may be used uninitialized" inside date::parse's seconds parsing.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// ISO-8601 date-times as the API sends them ("2024-01-05T10:00:00.000Z", "+02:00", "-0500", no
// offset read as UTC, or a bare date). nullopt when unreadable.
std::optional<Instant> ParseInstant(const std::string& text) {
  static constexpr const char* kFormats[] = {"%FT%TZ", "%FT%T%Ez", "%FT%T%z", "%FT%T", "%F"};
  for (const char* format : kFormats) {
    std::istringstream in(text);
    Instant instant;
    in >> date::parse(format, instant);
    if (!in.fail() && in.peek() == std::char_traits<char>::eof()) return instant;
  }
  return std::nullopt;
}
#pragma GCC diagnostic pop

const std::string& StringMember(const Json& pass, const char* name) {
  return pass.find(name)->get_ref<const std::string&>();
}

// Hashes come from OpenSSL: if it cannot compute MD5, every hash would read as "changed" and
// be stored empty, so the refresh fails instead.
Status CheckMd5Available() {
  if (!Md5Hex("").empty()) return Status::Ok();
  return MakeError(ErrorClass::kInternal, "OpenSSL cannot compute MD5 for payload_hash");
}

Status ValidatePasses(const std::vector<Json>& passes, PassListKind list) {
  for (std::size_t i = 0; i < passes.size(); ++i) {
    const Json& pass = passes[i];
    auto problem = [&](std::string_view what) {
      return MakeError(ErrorClass::kMalformed,
                       fmt::format("{}[{}]: {}", PassListName(list), i, what));
    };
    if (!pass.is_object()) return problem("pass is not an object");
    auto uuid = pass.find("uuid");
    if (uuid == pass.end() || !uuid->is_string() || uuid->get_ref<const std::string&>().empty()) {
      return problem("uuid is not a non-empty string");
    }
    auto status = pass.find("status");
    if (status == pass.end() || !status->is_string()) return problem("status is not a string");
  }
  return Status::Ok();
}

Status ValidateInputs(const std::vector<Json>& active, const std::vector<Json>& expired) {
  if (Status valid = ValidatePasses(active, PassListKind::kActive); !valid.ok()) return valid;
  if (Status valid = ValidatePasses(expired, PassListKind::kExpired); !valid.ok()) return valid;
  return CheckMd5Available();
}

// Indexes of `passes` in API order, a uuid repeated within the list counted once (first wins).
std::vector<std::size_t> DistinctPasses(const std::vector<Json>& passes) {
  std::vector<std::size_t> order;
  order.reserve(passes.size());
  std::unordered_set<std::string_view> seen;
  for (std::size_t i = 0; i < passes.size(); ++i) {
    if (seen.insert(StringMember(passes[i], "uuid")).second) order.push_back(i);
  }
  return order;
}

bool IsFreeProduct(const Json& pass, const std::vector<std::string>& free_product_uuids) {
  auto product = pass.find("product_uuid");
  if (product == pass.end() || !product->is_string()) return false;
  return std::find(free_product_uuids.begin(), free_product_uuids.end(),
                   product->get_ref<const std::string&>()) != free_product_uuids.end();
}

PassEntry NewEntry(const Json& pass, std::string hash, int64_t now, int free_ticket_status) {
  PassEntry entry;
  entry.pass_uuid = StringMember(pass, "uuid");
  entry.timestamp = now;
  entry.status = StringMember(pass, "status");
  entry.free_ticket_status = free_ticket_status;
  entry.payload = pass;
  entry.payload_hash = std::move(hash);
  return entry;
}

// The pass's new payload, status, hash and timestamp; pass_uuid and free_ticket_status stay.
void ReplaceEntry(PassEntry& entry, const Json& pass, std::string hash, int64_t now) {
  entry.timestamp = now;
  entry.status = StringMember(pass, "status");
  entry.payload = pass;
  entry.payload_hash = std::move(hash);
}

void Audit(RefreshOutcome& outcome, const PassEntry& entry, PassListKind list, bool created) {
  AuditEntry audit;
  audit.user_id = outcome.document.user_id;
  audit.pass_uuid = entry.pass_uuid;
  audit.list = list;
  audit.created = created;
  audit.status = entry.status;
  audit.payload = entry.payload;
  audit.payload_hash = entry.payload_hash;
  audit.timestamp = entry.timestamp;
  outcome.audit.push_back(std::move(audit));
  ++(created ? outcome.created : outcome.changed);
}

// Indexes of `passes` (distinct uuids, see DistinctPasses) ordered by time_created, oldest first:
// ties keep API order, passes without a readable time_created go last in API order. Build and
// merge both list passes in this order, so a document keeps its order from one run to the next.
std::vector<std::size_t> TimeCreatedOrder(const std::vector<Json>& passes) {
  struct Dated {
    std::size_t index;
    std::optional<Instant> created;
  };
  std::vector<Dated> order;
  for (std::size_t index : DistinctPasses(passes)) {
    auto time_created = passes[index].find("time_created");
    std::optional<Instant> created;
    if (time_created != passes[index].end() && time_created->is_string()) {
      created = ParseInstant(time_created->get_ref<const std::string&>());
    }
    order.push_back({index, created});
  }
  std::stable_sort(order.begin(), order.end(), [](const Dated& a, const Dated& b) {
    if (!a.created || !b.created) return a.created.has_value() && !b.created.has_value();
    return *a.created < *b.created;
  });
  std::vector<std::size_t> indexes;
  indexes.reserve(order.size());
  for (const Dated& dated : order) indexes.push_back(dated.index);
  return indexes;
}

// Build: one list, in TimeCreatedOrder.
void BuildList(const std::vector<Json>& passes, PassListKind list, int64_t now,
               RefreshOutcome& outcome, std::vector<PassEntry>& entries) {
  const std::vector<std::size_t> order = TimeCreatedOrder(passes);
  entries.reserve(order.size());
  for (std::size_t index : order) {
    const Json& pass = passes[index];
    entries.push_back(NewEntry(pass, PayloadHash(pass), now, 0));
    Audit(outcome, entries.back(), list, /*created=*/true);
  }
}

// First entry of each uuid in entries.
std::unordered_map<std::string_view, std::size_t> IndexByUuid(
    const std::vector<PassEntry>& entries) {
  std::unordered_map<std::string_view, std::size_t> index;
  index.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) index.emplace(entries[i].pass_uuid, i);
  return index;
}

void MergeActive(const std::vector<PassEntry>& old_entries, const std::vector<Json>& passes,
                 int64_t now, const std::vector<std::string>& free_product_uuids,
                 RefreshOutcome& outcome) {
  const auto old_index = IndexByUuid(old_entries);
  std::vector<PassEntry>& entries = outcome.document.passes;
  const std::vector<std::size_t> order = TimeCreatedOrder(passes);
  entries.reserve(order.size());
  for (std::size_t index : order) {
    const Json& pass = passes[index];
    std::string hash = PayloadHash(pass);
    auto old = old_index.find(StringMember(pass, "uuid"));
    if (old == old_index.end()) {
      const bool free = IsFreeProduct(pass, free_product_uuids);
      entries.push_back(NewEntry(pass, std::move(hash), now, free ? 1 : 0));
      Audit(outcome, entries.back(), PassListKind::kActive, /*created=*/true);
      if (free) ++outcome.free_tickets_added;
      continue;
    }
    entries.push_back(old_entries[old->second]);
    if (entries.back().payload_hash != hash) {
      ReplaceEntry(entries.back(), pass, std::move(hash), now);
      Audit(outcome, entries.back(), PassListKind::kActive, /*created=*/false);
    }
  }
}

void MergeExpired(const std::vector<PassEntry>& old_entries, const std::vector<Json>& passes,
                  int64_t now, RefreshOutcome& outcome) {
  std::vector<PassEntry>& entries = outcome.document.passes4;
  entries = old_entries;
  // Keys view old_entries (which do not move); positions are the same in `entries`, its copy.
  const auto old_index = IndexByUuid(old_entries);
  for (std::size_t index : TimeCreatedOrder(passes)) {  // new ones appended in this order
    const Json& pass = passes[index];
    std::string hash = PayloadHash(pass);
    auto old = old_index.find(StringMember(pass, "uuid"));
    if (old == old_index.end()) {
      entries.push_back(NewEntry(pass, std::move(hash), now, 0));
      Audit(outcome, entries.back(), PassListKind::kExpired, /*created=*/true);
      continue;
    }
    PassEntry& entry = entries[old->second];
    if (entry.payload_hash != hash) {
      ReplaceEntry(entry, pass, std::move(hash), now);
      Audit(outcome, entry, PassListKind::kExpired, /*created=*/false);
    }
  }
}

}  // namespace

Result<RefreshOutcome> BuildDocument(int64_t user_id, const std::vector<Json>& active,
                                     const std::vector<Json>& expired, int64_t now,
                                     const std::vector<std::string>& /*free_product_uuids*/) {
  if (Status valid = ValidateInputs(active, expired); !valid.ok()) return valid.error();
  RefreshOutcome outcome;
  outcome.document.user_id = user_id;
  outcome.document.timestamp = now;
  BuildList(active, PassListKind::kActive, now, outcome, outcome.document.passes);
  BuildList(expired, PassListKind::kExpired, now, outcome, outcome.document.passes4);
  return outcome;
}

Result<RefreshOutcome> MergeDocument(const CacheDocument& existing, const std::vector<Json>& active,
                                     const std::vector<Json>& expired, int64_t now,
                                     const std::vector<std::string>& free_product_uuids) {
  if (Status valid = ValidateInputs(active, expired); !valid.ok()) return valid.error();
  RefreshOutcome outcome;
  outcome.document.user_id = existing.user_id;
  outcome.document.timestamp = now;
  MergeActive(existing.passes, active, now, free_product_uuids, outcome);
  MergeExpired(existing.passes4, expired, now, outcome);
  return outcome;
}

}  // namespace tc
