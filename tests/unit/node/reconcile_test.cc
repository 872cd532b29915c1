// Reconcile: configuration database -> Switch, with in-memory ports.
#include "node/reconcile.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "ovsdb/vsctl.h"

namespace nt {
namespace {

std::vector<std::string> split(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

class ReconcileTest : public ::testing::Test {
 protected:
  ReconcileTest() : sw_(clock_), rec_(sw_) {}

  void vsctl(const std::string& line) {
    VsctlResult r = vsctl_execute(db_, split(line));
    ASSERT_EQ(r.status, 0) << line << ": " << r.err;
    rec_.apply(db_, remembered_, {});
  }
  int64_t ofport(const std::string& iface) { return db_.find_interface(iface)->ofport.value_or(0); }

  ManualClock clock_;
  Switch sw_;
  Reconciler rec_;
  Db db_;
  std::map<std::string, RememberedPort> remembered_;
};

TEST_F(ReconcileTest, BridgesPortsAndRuntimeColumns) {
  vsctl("add-br br-int");
  Ofproto* br = sw_.bridge("br-int");
  ASSERT_NE(br, nullptr);
  EXPECT_EQ(br->n_rules(), 1u);  // standalone: priority=0 actions=NORMAL
  vsctl(
      "add-port br-int a -- set Interface a type=dummy -- add-port br-int b tag=5 -- "
      "set Interface b type=dummy ofport_request=7");
  EXPECT_EQ(ofport("a"), 1);
  EXPECT_EQ(ofport("b"), 7);
  EXPECT_EQ(ofport("br-int"), 65534);
  EXPECT_EQ(db_.find_interface("a")->mac_in_use, br->find_port("a")->mac.to_string());
  EXPECT_EQ(db_.find_interface("a")->link_state, "up");
  EXPECT_EQ(br->find_port("b")->vlan_config.tag, 5);

  vsctl("set Port b tag=6");
  EXPECT_EQ(br->find_port("b")->vlan_config.tag, 6);
  EXPECT_EQ(br->find_port("b")->ofport, 7u);  // changed in place

  vsctl("set Bridge br-int other_config:mac-aging-time=60 other_config:mac-table-size=100");
  EXPECT_EQ(br->mac_table().aging_sec(), 60u);
  EXPECT_EQ(br->mac_table().max_entries(), 100u);

  vsctl("del-port br-int a");
  EXPECT_EQ(br->find_port("a"), nullptr);
  vsctl("set-fail-mode br-int secure");
  EXPECT_EQ(br->n_rules(), 0u);  // fail_mode change flushes, secure adds nothing
  vsctl("del-br br-int");
  EXPECT_EQ(sw_.bridge("br-int"), nullptr);
}

TEST_F(ReconcileTest, TypeChangeRecreatesWithTheSameNumberAndErrorsAreReported) {
  vsctl("add-br br0 -- add-port br0 x -- set Interface x type=dummy");
  vsctl("add-port br0 y -- set Interface y type=dummy");
  EXPECT_EQ(ofport("y"), 2);
  vsctl("set Interface y type=sink");
  EXPECT_EQ(sw_.bridge("br0")->find_port("y")->type, PortType::kSink);
  EXPECT_EQ(ofport("y"), 2);
  vsctl("add-port br0 t -- set Interface t type=vxlan options:remote_ip=bogus");
  EXPECT_EQ(ofport("t"), -1);
  EXPECT_NE(db_.find_interface("t")->error.value_or("").find("remote_ip"), std::string::npos);
}

TEST_F(ReconcileTest, RememberedPortsKeepTheirNumbers) {
  vsctl("add-br br0 -- add-port br0 p -- set Interface p type=dummy");
  vsctl("add-port br0 q -- set Interface q type=dummy");
  // As after a restart: a fresh switch, and saved numbers that allocation in name order would
  // not give (so they are honoured, not re-derived).
  db_.find_interface("p")->ofport = 5;
  db_.find_interface("q")->ofport = 1;
  auto remembered = remember_ports(db_);
  clear_runtime_columns(db_);
  Switch fresh(clock_);
  Reconciler rec(fresh);
  rec.apply(db_, remembered, {});
  EXPECT_EQ(fresh.bridge("br0")->find_port("p")->ofport, 5u);
  EXPECT_EQ(fresh.bridge("br0")->find_port("q")->ofport, 1u);
  EXPECT_EQ(ofport("p"), 5);
}

}  // namespace
}  // namespace nt
