#include "document/document_merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "document/time_created.h"

namespace tc {
namespace {

const std::string& StringMember(const Json& pass, const char* name) {
  return pass.find(name)->get_ref<const std::string&>();
}

// Hashes come from OpenSSL: if it cannot compute MD5, every hash would read as "changed" and
// be stored empty, so the refresh fails instead.
Status CheckMd5Available() {
  if (!Md5Hex("").empty()) return Status::Ok();
  return MakeError(ErrorClass::kInternal, "OpenSSL cannot compute MD5 for payload_hash");
}

Status ValidatePasses(const std::vector<SharedJson>& passes, PassListKind list) {
  for (std::size_t i = 0; i < passes.size(); ++i) {
    const Json& pass = *passes[i];
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

Status ValidateInputs(const std::vector<SharedJson>& active,
                      const std::vector<SharedJson>& expired) {
  if (Status valid = ValidatePasses(active, PassListKind::kActive); !valid.ok()) return valid;
  if (Status valid = ValidatePasses(expired, PassListKind::kExpired); !valid.ok()) return valid;
  return CheckMd5Available();
}

// Indexes of `passes` in API order, a uuid repeated within the list counted once (first wins).
std::vector<std::size_t> DistinctPasses(const std::vector<SharedJson>& passes) {
  std::vector<std::size_t> order;
  order.reserve(passes.size());
  std::unordered_set<std::string_view> seen;
  for (std::size_t i = 0; i < passes.size(); ++i) {
    if (seen.insert(StringMember(*passes[i], "uuid")).second) order.push_back(i);
  }
  return order;
}

bool IsFreeProduct(const Json& pass, const std::vector<std::string>& free_product_uuids) {
  auto product = pass.find("product_uuid");
  if (product == pass.end() || !product->is_string()) return false;
  return std::find(free_product_uuids.begin(), free_product_uuids.end(),
                   product->get_ref<const std::string&>()) != free_product_uuids.end();
}

// A pass's JSON.stringify text and its MD5: computed once per pass and refresh, kept in the
// entry (payload_text) for writing the document and the audit log.
struct HashedPayload {
  std::string text;
  std::string hash;
};

HashedPayload HashPayload(const Json& pass) {
  HashedPayload hashed;
  hashed.text = JsStringify(pass);
  hashed.hash = Md5Hex(hashed.text);
  return hashed;
}

PassEntry NewEntry(const SharedJson& pass, HashedPayload hashed, int64_t now,
                   int free_ticket_status) {
  PassEntry entry;
  entry.pass_uuid = StringMember(pass, "uuid");
  entry.timestamp = now;
  entry.status = StringMember(pass, "status");
  entry.free_ticket_status = free_ticket_status;
  entry.payload = pass;
  entry.payload_hash = std::move(hashed.hash);
  entry.payload_text = std::move(hashed.text);
  return entry;
}

// The pass's new payload, status, hash and timestamp; pass_uuid and free_ticket_status stay.
void ReplaceEntry(PassEntry& entry, const SharedJson& pass, HashedPayload hashed, int64_t now) {
  entry.timestamp = now;
  entry.status = StringMember(pass, "status");
  entry.payload = pass;
  entry.payload_hash = std::move(hashed.hash);
  entry.payload_text = std::move(hashed.text);
}

// An entry kept as it was: its payload's text is the pass's when the two are equal as values
// (equal values stringify alike), else unknown until the document is written.
void KeepEntryText(PassEntry& entry, const SharedJson& pass, HashedPayload& hashed) {
  if (entry.payload_text.empty() && entry.payload == pass)
    entry.payload_text = std::move(hashed.text);
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
  audit.payload_text = entry.payload_text;
  outcome.audit.push_back(std::move(audit));
  ++(created ? outcome.created : outcome.changed);
}

// Indexes of `passes` (distinct uuids, see DistinctPasses) ordered by time_created, oldest first:
// ties keep API order, passes without a readable time_created go last in API order. Build and
// merge both list passes in this order, so a document keeps its order from one run to the next.
std::vector<std::size_t> TimeCreatedOrder(const std::vector<SharedJson>& passes) {
  struct Dated {
    std::size_t index;
    std::optional<Instant> created;
  };
  std::vector<Dated> order;
  for (std::size_t index : DistinctPasses(passes)) {
    const Json& pass = *passes[index];
    auto time_created = pass.find("time_created");
    std::optional<Instant> created;
    if (time_created != pass.end() && time_created->is_string()) {
      created = ParseTimeCreated(time_created->get_ref<const std::string&>());
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
void BuildList(const std::vector<SharedJson>& passes, PassListKind list, int64_t now,
               RefreshOutcome& outcome, std::vector<PassEntry>& entries) {
  const std::vector<std::size_t> order = TimeCreatedOrder(passes);
  entries.reserve(order.size());
  for (std::size_t index : order) {
    const SharedJson& pass = passes[index];
    entries.push_back(NewEntry(pass, HashPayload(pass), now, 0));
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

void MergeActive(const std::vector<PassEntry>& old_entries, const std::vector<SharedJson>& passes,
                 int64_t now, const std::vector<std::string>& free_product_uuids,
                 RefreshOutcome& outcome) {
  const auto old_index = IndexByUuid(old_entries);
  std::vector<PassEntry>& entries = outcome.document.passes;
  const std::vector<std::size_t> order = TimeCreatedOrder(passes);
  entries.reserve(order.size());
  for (std::size_t index : order) {
    const SharedJson& pass = passes[index];
    HashedPayload hashed = HashPayload(pass);
    auto old = old_index.find(StringMember(pass, "uuid"));
    if (old == old_index.end()) {
      const bool free = IsFreeProduct(pass, free_product_uuids);
      entries.push_back(NewEntry(pass, std::move(hashed), now, free ? 1 : 0));
      Audit(outcome, entries.back(), PassListKind::kActive, /*created=*/true);
      if (free) ++outcome.free_tickets_added;
      continue;
    }
    entries.push_back(old_entries[old->second]);
    if (entries.back().payload_hash != hashed.hash) {
      ReplaceEntry(entries.back(), pass, std::move(hashed), now);
      Audit(outcome, entries.back(), PassListKind::kActive, /*created=*/false);
    } else {
      KeepEntryText(entries.back(), pass, hashed);
    }
  }
}

void MergeExpired(const std::vector<PassEntry>& old_entries, const std::vector<SharedJson>& passes,
                  int64_t now, RefreshOutcome& outcome) {
  std::vector<PassEntry>& entries = outcome.document.passes4;
  entries = old_entries;
  // Keys view old_entries (which do not move); positions are the same in `entries`, its copy.
  const auto old_index = IndexByUuid(old_entries);
  for (std::size_t index : TimeCreatedOrder(passes)) {  // new ones appended in this order
    const SharedJson& pass = passes[index];
    HashedPayload hashed = HashPayload(pass);
    auto old = old_index.find(StringMember(pass, "uuid"));
    if (old == old_index.end()) {
      entries.push_back(NewEntry(pass, std::move(hashed), now, 0));
      Audit(outcome, entries.back(), PassListKind::kExpired, /*created=*/true);
      continue;
    }
    PassEntry& entry = entries[old->second];
    if (entry.payload_hash != hashed.hash) {
      ReplaceEntry(entry, pass, std::move(hashed), now);
      Audit(outcome, entry, PassListKind::kExpired, /*created=*/false);
    } else {
      KeepEntryText(entry, pass, hashed);
    }
  }
}

}  // namespace

Result<RefreshOutcome> BuildDocument(int64_t user_id, const std::vector<SharedJson>& active,
                                     const std::vector<SharedJson>& expired, int64_t now,
                                     const std::vector<std::string>& /*free_product_uuids*/) {
  if (Status valid = ValidateInputs(active, expired); !valid.ok()) return valid.error();
  RefreshOutcome outcome;
  outcome.document.user_id = user_id;
  outcome.document.timestamp = now;
  BuildList(active, PassListKind::kActive, now, outcome, outcome.document.passes);
  BuildList(expired, PassListKind::kExpired, now, outcome, outcome.document.passes4);
  return outcome;
}

Result<RefreshOutcome> MergeDocument(const CacheDocument& existing,
                                     const std::vector<SharedJson>& active,
                                     const std::vector<SharedJson>& expired, int64_t now,
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
