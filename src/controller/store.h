// Store: where neutrino-server keeps Neutron's resources, behind one interface.
//
// A resource is a JSON body (the API's own representation) plus a few indexed columns (kind,
// id, project, network, name, device) that lists and lookups filter on without parsing bodies.
// Everything one API request changes happens in one `Txn`: `Store::transact` runs a function
// against a transaction and commits only if it succeeds, so a request that fails half-way
// leaves no trace. Each committed write bumps a global revision and appends a row to the
// change log (kind, id, operation, revision) — the feed the agents will follow.
//
// Allocations (IP addresses, MACs, segmentation ids) are rows of one table whose primary key is
// (pool, key): a second claim of the same key fails inside the database, so two requests can
// never hand out the same address even if the code above had a race. Pools whose keys are
// fixed-width lowercase hex numbers (IP addresses: 32 digits) can also be searched for their
// first free key in a range (`first_free`); the engine keeps a cursor per range below which
// every key is taken, so a search does not walk the whole range. The SQLite engine
// (sqlite_store.h) serialises transactions, the PostgreSQL one (pg_store.h) across processes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace nt::controller {

using Json = nlohmann::json;

// The indexed columns of a stored resource, taken from its body by `Txn::put`.
// One row of the change log: what a committed transaction did to one resource.
struct Change {
  uint64_t revision = 0;
  std::string kind, id, op;  // op: "put" or "delete"
};

struct ResourceRow {
  std::string kind;  // "network", "subnet", "port", ...
  std::string id;
  Json body;
};

class Txn {
 public:
  virtual ~Txn() = default;
  // The stored JSON text of a body as it is (compact, keys sorted: Json::dump()), nullopt when
  // absent: the change feed splices it without parsing.
  virtual Result<std::optional<std::string>> get_text(const std::string& kind,
                                                      const std::string& id) = 0;
  // The body, parsed.
  Result<std::optional<Json>> get(const std::string& kind, const std::string& id) {
    auto text = get_text(kind, id);
    if (!text) return text.error();
    if (!*text) return std::optional<Json>();
    return std::optional<Json>(Json::parse(**text));
  }
  // Inserts or replaces; indexes project_id, network_id, name, device_id from the body.
  virtual Status put(const std::string& kind, const Json& body) = 0;
  virtual Status remove(const std::string& kind, const std::string& id) = 0;
  // All resources of a kind, optionally only those whose indexed `column` equals `value`
  // (column: project_id, network_id, name, device_id), ordered by creation.
  virtual Result<std::vector<Json>> list(const std::string& kind, const std::string& column = "",
                                         const std::string& value = "") = 0;
  // The same rows as `list`, their stored JSON bodies appended to `out` as they are, separated
  // by commas: a list response without parsing and re-serialising every body. Engines that
  // keep bodies as text override it; this default goes through `list`.
  virtual Status append_bodies(const std::string& kind, const std::string& column,
                               const std::string& value, std::string& out) {
    auto rows = list(kind, column, value);
    if (!rows) return rows.error();
    for (size_t i = 0; i < rows->size(); ++i) {
      if (i > 0) out += ',';
      out += (*rows)[i].dump();
    }
    return ok_status();
  }
  // Allocation: claim fails with kConflict when (pool, key) is taken.
  virtual Status claim(const std::string& pool, const std::string& key,
                       const std::string& owner) = 0;
  virtual Status release(const std::string& pool, const std::string& key) = 0;
  virtual Status release_owner(const std::string& owner) = 0;
  // Forgets a whole pool: its claims and its range cursors (a deleted subnet).
  virtual Status drop_pool(const std::string& pool) = 0;
  // The lowest unclaimed key in [lo, hi] of a pool of fixed-width lowercase hex keys (lo, hi of
  // the same width), or nullopt when every key of the range is claimed. Does not claim it.
  virtual Result<std::optional<std::string>> first_free(const std::string& pool,
                                                        const std::string& lo,
                                                        const std::string& hi) = 0;
  virtual Result<std::set<std::string>> claimed(const std::string& pool) = 0;
  virtual Result<bool> is_claimed(const std::string& pool, const std::string& key) = 0;
  // The revision this transaction's writes commit under.
  virtual Result<uint64_t> revision() = 0;
  // The change log's rows with after < revision <= upto, by revision then write order (the
  // agents' change feed, feed.h). One query: SELECT ... FROM changes WHERE revision > after AND
  // revision <= upto ORDER BY revision, <insertion order>.
  virtual Result<std::vector<Change>> changes(uint64_t after, uint64_t upto) = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Runs `fn` in one transaction: commits when it returns ok, rolls back otherwise.
  virtual Status transact(const std::function<Status(Txn&)>& fn) = 0;
  // The last committed revision (0 for an empty store).
  virtual uint64_t current_revision() = 0;
};

}  // namespace nt::controller
