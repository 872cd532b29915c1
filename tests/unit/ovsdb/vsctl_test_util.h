// Helpers for the nvs-vsctl engine tests: run a command line (split on spaces, or given as
// words) and fix row UUIDs so that output can be compared byte for byte.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "ovsdb/vsctl.h"

namespace nt {

inline std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

inline VsctlResult vsctl(Db& db, const std::string& line) { return vsctl_execute(db, words(line)); }

// Runs a command line that must succeed and returns its output.
inline std::string ok(Db& db, const std::string& line) {
  VsctlResult r = vsctl(db, line);
  EXPECT_EQ(r.status, 0) << line << "\n" << r.err;
  return r.out;
}

// Runs a command line that must fail with status 1, leave `db` as it was, print nothing on
// stdout; returns stderr.
inline std::string fails(Db& db, const std::string& line) {
  Db before = db;
  VsctlResult r = vsctl(db, line);
  EXPECT_EQ(r.status, 1) << line;
  EXPECT_EQ(r.out, "") << line;
  EXPECT_TRUE(same_content(before, db)) << line << ": the database changed";
  return r.err;
}

inline Uuid test_uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return *Uuid::parse(buf);
}

// Gives the named row of `table` the UUID test_uuid(n).
inline void set_uuid(Db& db, TableId table, const std::string& name, int n) {
  Uuid id;
  bool found = false;
  if (table == TableId::kBridge) found = db.find_bridge(name, &id) != nullptr;
  if (table == TableId::kPort) found = db.find_port(name, &id) != nullptr;
  if (table == TableId::kInterface) found = db.find_interface(name, &id) != nullptr;
  ASSERT_TRUE(found) << name;
  ASSERT_TRUE(db.change_uuid(table, id, test_uuid(n)).ok());
}

}  // namespace nt
