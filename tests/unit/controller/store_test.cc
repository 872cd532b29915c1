#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "controller/sqlite_store.h"

namespace nt::controller {
namespace {

std::unique_ptr<SqliteStore> open_memory() {
  auto s = SqliteStore::open(":memory:");
  EXPECT_TRUE(s.ok());
  return std::move(*s);
}

TEST(StoreTest, PutGetListRemoveAndRevisions) {
  auto store = open_memory();
  EXPECT_EQ(store->current_revision(), 0u);
  Status s = store->transact([](Txn& t) -> Status {
    NT_TRY(t.put("network", Json{{"id", "n1"}, {"name", "a"}, {"project_id", "p"}}));
    NT_TRY(t.put("port", Json{{"id", "p1"}, {"network_id", "n1"}}));
    return t.put("port", Json{{"id", "p2"}, {"network_id", "n2"}});
  });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(store->current_revision(), 1u);  // one transaction, one revision
  ASSERT_TRUE(store
                  ->transact([](Txn& t) -> Status {
                    auto n = t.get("network", "n1");
                    EXPECT_TRUE(n.ok() && n->has_value());
                    EXPECT_EQ((**n)["name"], "a");
                    auto ports = t.list("port", "network_id", "n1");
                    EXPECT_EQ(ports->size(), 1u);
                    EXPECT_EQ(t.list("port")->size(), 2u);
                    EXPECT_FALSE(t.get("network", "zz")->has_value());
                    return t.remove("port", "p2");
                  })
                  .ok());
  EXPECT_EQ(store->current_revision(), 2u);
}

TEST(StoreTest, FailedTransactionLeavesNoTrace) {
  auto store = open_memory();
  Status s = store->transact([](Txn& t) -> Status {
    NT_TRY(t.put("network", Json{{"id", "n1"}}));
    NT_TRY(t.claim("ip:s1", "10.0.0.2", "port:a"));
    return make_error("boom");
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(store->current_revision(), 0u);
  ASSERT_TRUE(store
                  ->transact([](Txn& t) -> Status {
                    EXPECT_FALSE(t.get("network", "n1")->has_value());
                    EXPECT_FALSE(*t.is_claimed("ip:s1", "10.0.0.2"));
                    return ok_status();
                  })
                  .ok());
}

TEST(StoreTest, ClaimsAreUnique) {
  auto store = open_memory();
  ASSERT_TRUE(store
                  ->transact([](Txn& t) -> Status {
                    NT_TRY(t.claim("ip:s1", "10.0.0.2", "port:a"));
                    Status again = t.claim("ip:s1", "10.0.0.2", "port:b");
                    EXPECT_FALSE(again.ok());
                    EXPECT_EQ(again.error().code, ErrorCode::kConflict);
                    NT_TRY(t.claim("ip:s2", "10.0.0.2", "port:b"));  // another pool
                    NT_TRY(t.claim("mac", "fa:16:3e:00:00:01", "port:a"));
                    EXPECT_EQ(t.claimed("ip:s1")->size(), 1u);
                    NT_TRY(t.release_owner("port:a"));
                    EXPECT_EQ(t.claimed("ip:s1")->size(), 0u);
                    EXPECT_FALSE(*t.is_claimed("mac", "fa:16:3e:00:00:01"));
                    EXPECT_TRUE(*t.is_claimed("ip:s2", "10.0.0.2"));
                    return ok_status();
                  })
                  .ok());
}

TEST(StoreTest, ConcurrentClaimsNeverShareAKey) {
  auto store = open_memory();
  std::vector<std::thread> threads;
  std::atomic<int> won{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 50; ++k) {
        Status s = store->transact([&](Txn& t) -> Status {
          return t.claim("pool", std::to_string(k), "t" + std::to_string(i));
        });
        if (s.ok()) ++won;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 50);
}

// first_free over 4-digit hex keys: gaps are found, the range cursor follows claims and falls
// back on releases (one key at a time or a whole owner), a full range says so, a dropped pool
// starts over.
TEST(StoreTest, FirstFreeFindsTheLowestGap) {
  auto store = open_memory();
  ASSERT_TRUE(store
                  ->transact([](Txn& t) -> Status {
                    auto first = [&](const char* lo, const char* hi) {
                      auto r = t.first_free("ip:s", lo, hi);
                      EXPECT_TRUE(r.ok());
                      return r->value_or("none");
                    };
                    EXPECT_EQ(first("0002", "0006"), "0002");
                    for (const char* k : {"0002", "0003", "0005"}) NT_TRY(t.claim("ip:s", k, "a"));
                    EXPECT_EQ(first("0002", "0006"), "0004");
                    NT_TRY(t.claim("ip:s", "0004", "b"));
                    EXPECT_EQ(first("0002", "0006"), "0006");
                    NT_TRY(t.claim("ip:s", "0006", "b"));
                    EXPECT_EQ(first("0002", "0006"), "none");
                    EXPECT_EQ(first("0002", "0006"), "none");  // the cursor remembers
                    EXPECT_EQ(first("0000", "0001"), "0000");  // another range of the pool
                    NT_TRY(t.release("ip:s", "0005"));
                    EXPECT_EQ(first("0002", "0006"), "0005");
                    NT_TRY(t.release_owner("a"));  // 0002, 0003
                    EXPECT_EQ(first("0002", "0006"), "0002");
                    NT_TRY(t.claim("ip:s", "0002", "c"));
                    EXPECT_EQ(first("0002", "0006"), "0003");
                    EXPECT_EQ(first("00fe", "0101"), "00fe");  // carries across digits
                    for (const char* k : {"00fe", "00ff"}) NT_TRY(t.claim("ip:s", k, "d"));
                    EXPECT_EQ(first("00fe", "0101"), "0100");
                    EXPECT_EQ(first("ffff", "ffff"), "ffff");
                    NT_TRY(t.claim("ip:s", "ffff", "d"));
                    EXPECT_EQ(first("ffff", "ffff"), "none");  // no overflow past the width
                    NT_TRY(t.drop_pool("ip:s"));
                    EXPECT_EQ(first("0002", "0006"), "0002");
                    EXPECT_EQ(first("ffff", "ffff"), "ffff");
                    return ok_status();
                  })
                  .ok());
}

}  // namespace
}  // namespace nt::controller
