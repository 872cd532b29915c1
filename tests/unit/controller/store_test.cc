#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "controller/open_store.h"
#include "store_fixture.h"

namespace nt::controller {
namespace {

// Every test runs against each engine: SQLite (a file, so that a second handle can share it)
// and PostgreSQL (skipped unless NT_PG_URL is set; tests/server/store_postgres.sh sets it).
class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (pg()) {
      url_ = pg_test_url();
      if (url_.empty()) GTEST_SKIP() << "NT_PG_URL is not set (tests/server/store_postgres.sh)";
      ASSERT_TRUE(pg_reset(url_)) << "cannot empty " << url_;
    } else {
      static int n = 0;
      path_ = ::testing::TempDir() + "store_test_" + std::to_string(::getpid()) + "_" +
              std::to_string(n++) + ".sqlite";
      remove_files();
    }
  }
  void TearDown() override {
    if (!path_.empty()) remove_files();
  }
  bool pg() const { return GetParam() == "postgresql"; }
  // A new handle on the test's database.
  std::unique_ptr<Store> open_db() {
    Result<std::unique_ptr<Store>> s =
        pg() ? open_store(url_, "") : open_store("sqlite:///" + path_, "");
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? std::move(*s) : nullptr;
  }
  void remove_files() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }

  std::string url_;
  std::string path_;
};

TEST_P(StoreTest, PutGetListRemoveAndRevisions) {
  auto store = open_db();
  EXPECT_EQ(store->current_revision(), 0u);
  Status s = store->transact([](Txn& t) -> Status {
    NT_TRY(t.put("network", Json{{"id", "n1"}, {"name", "a"}, {"project_id", "p"}}));
    NT_TRY(t.put("port", Json{{"id", "p1"}, {"network_id", "n1"}}));
    return t.put("port", Json{{"id", "p2"}, {"network_id", "n2"}});
  });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(store->current_revision(), 1u);  // one transaction, one revision
  ASSERT_TRUE(
      store
          ->transact([](Txn& t) -> Status {
            auto n = t.get("network", "n1");
            EXPECT_TRUE(n.ok() && n->has_value());
            EXPECT_EQ((**n)["name"], "a");
            auto ports = t.list("port", "network_id", "n1");
            EXPECT_EQ(ports->size(), 1u);
            EXPECT_EQ(t.list("port")->size(), 2u);
            EXPECT_FALSE(t.get("network", "zz")->has_value());
            // The body's stored text, as dump() wrote it (the feed splices it).
            auto text = t.get_text("network", "n1");
            EXPECT_TRUE(text.ok() && text->has_value());
            if (text.ok() && text->has_value()) {
              EXPECT_EQ(**text, (Json{{"id", "n1"}, {"name", "a"}, {"project_id", "p"}}.dump()));
            }
            EXPECT_FALSE(t.get_text("network", "zz")->has_value());
            return t.remove("port", "p2");
          })
          .ok());
  EXPECT_EQ(store->current_revision(), 2u);
}

TEST_P(StoreTest, FailedTransactionLeavesNoTrace) {
  auto store = open_db();
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

TEST_P(StoreTest, ClaimsAreUnique) {
  auto store = open_db();
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

TEST_P(StoreTest, ConcurrentClaimsNeverShareAKey) {
  auto store = open_db();
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
TEST_P(StoreTest, FirstFreeFindsTheLowestGap) {
  auto store = open_db();
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

// Ids from URLs may be any bytes: one that is not UTF-8 is simply not found.
TEST_P(StoreTest, NonUtf8IdsAreNotFound) {
  auto store = open_db();
  ASSERT_TRUE(store
                  ->transact([](Txn& t) -> Status {
                    auto got = t.get("port", "\xff\xc3");
                    EXPECT_TRUE(got.ok() && !got->has_value());
                    EXPECT_EQ(t.list("port", "network_id", "\xff")->size(), 0u);
                    EXPECT_FALSE(*t.is_claimed("ip:s", "\xc3("));
                    return t.remove("port", "\xff");
                  })
                  .ok());
}

// Two handles on one database (two servers sharing it): allocations by first_free + claim in
// concurrent transactions never hand out a key twice, and revisions stay one per transaction.
TEST_P(StoreTest, TwoHandlesAllocateWithoutDuplicates) {
  auto a = open_db();
  auto b = open_db();
  ASSERT_TRUE(a && b);
  constexpr int kThreads = 4, kEach = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int i = 0; i < 2 * kThreads; ++i) {
    threads.emplace_back([&, i] {
      Store& store = i % 2 ? *a : *b;
      for (int k = 0; k < kEach; ++k) {
        std::string id = "p" + std::to_string(i) + "_" + std::to_string(k);
        Status s = store.transact([&](Txn& t) -> Status {
          auto key = t.first_free("ip:s", "0000", "00ff");
          if (!key) return key.error();
          if (!*key) return make_error("range full");
          NT_TRY(t.claim("ip:s", **key, id));
          return t.put("port", Json{{"id", id}, {"ip", **key}});
        });
        if (!s) ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  constexpr size_t kTotal = 2 * kThreads * kEach;
  EXPECT_EQ(a->current_revision(), kTotal);
  EXPECT_EQ(b->current_revision(), kTotal);
  ASSERT_TRUE(a->transact([&](Txn& t) -> Status {
                 auto keys = t.claimed("ip:s");
                 EXPECT_EQ(keys->size(), kTotal);
                 EXPECT_EQ(*keys->rbegin(), "00c7");  // 0000..00c7: no gap, no duplicate
                 EXPECT_EQ(t.list("port")->size(), kTotal);
                 return ok_status();
               }).ok());
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// A transaction that wrote commits with NOTIFY neutrino_changes '<revision>', seen by a
// listener on another connection; a read-only one notifies nothing.
TEST(PgStoreTest, CommitsNotifyTheirRevision) {
  std::string url = pg_test_url();
  if (url.empty()) GTEST_SKIP() << "NT_PG_URL is not set (tests/server/store_postgres.sh)";
  ASSERT_TRUE(pg_reset(url));
  auto store = PgStore::open(url);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto listener = PgListener::open(url);
  ASSERT_TRUE(listener.ok()) << listener.error().message;
  for (uint64_t rev : {1u, 2u}) {
    ASSERT_TRUE((*store)
                    ->transact([](Txn& t) {
                      return t.put("network", Json{{"id", "n"}});
                    })
                    .ok());
    auto got = (*listener)->wait(2000);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->value_or(0), rev);
  }
  ASSERT_TRUE((*store)
                  ->transact([](Txn& t) {
                    return t.get("network", "n").ok() ? ok_status() : make_error("get");
                  })
                  .ok());
  ASSERT_TRUE((*store)
                  ->transact([](Txn& t) -> Status {
                    NT_TRY(t.put("network", Json{{"id", "x"}}));
                    return make_error("rolled back");
                  })
                  .ok() == false);
  auto none = (*listener)->wait(200);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

// Bad connection strings and unreachable servers: an error naming the option, no password.
TEST(OpenStoreTest, BadConnectionsNameTheOption) {
  for (const char* conn : {"postgresql://user:secret@127.0.0.1:1/db", "postgresql://[bad/db",
                           "postgresql:///db?host=/nonexistent/dir",
                           "postgresql://h/db?nosuchoption=1", "mysql://u@h/db", "sqlite:///"}) {
    auto s = open_store(conn, "");
    ASSERT_FALSE(s.ok()) << conn;
    EXPECT_NE(s.error().message.find("[database] connection"), std::string::npos)
        << s.error().message;
    EXPECT_EQ(s.error().message.find("secret"), std::string::npos) << s.error().message;
  }
  auto lite = open_store("", ::testing::TempDir() + "open_store_test.sqlite");
  EXPECT_TRUE(lite.ok());
  std::remove((::testing::TempDir() + "open_store_test.sqlite").c_str());
}

}  // namespace
}  // namespace nt::controller
