#include "controller/config.h"

#include <gtest/gtest.h>

namespace nt::controller {
namespace {

ServerConfig apply(const std::string& text) {
  auto ini = parse_ini(text, "neutron.conf");
  EXPECT_TRUE(ini.ok()) << (ini.ok() ? "" : ini.error().message);
  ServerConfig c;
  Status s = apply_ini(*ini, "neutron.conf", c);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return c;
}

std::string failure(const std::string& text) {
  auto ini = parse_ini(text, "ml2_conf.ini");
  if (!ini) return ini.error().message;
  ServerConfig c;
  Status s = apply_ini(*ini, "ml2_conf.ini", c);
  return s.ok() ? "" : s.error().message;
}

TEST(ConfigTest, EmbeddedDefault) {
  auto c = load_config({});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->bind_host, "127.0.0.1");
  EXPECT_EQ(c->bind_port, 9696);
  EXPECT_EQ(c->base_mac, "fa:16:3e:00:00:00");
  EXPECT_EQ(c->type_drivers, (std::vector<std::string>{"local", "flat", "vlan", "vxlan", "gre"}));
  EXPECT_EQ(c->tenant_network_types, std::vector<std::string>{"vxlan"});
  ASSERT_EQ(c->vni_ranges.size(), 1u);
  EXPECT_EQ(c->vni_ranges[0], (IdRange{1, 1000}));
  EXPECT_TRUE(c->connection.empty());
}

TEST(ConfigTest, NeutronFiles) {
  auto c = apply(
      "# neutron.conf\n[DEFAULT]\nbind_host = 0.0.0.0\nbind_port=19696\n"
      "base_mac = FA:16:3E:00:00:00\nglobal_physnet_mtu = 9000\ncore_plugin = ml2\n"
      "[database]\nconnection = sqlite:////var/lib/neutron/neutron.sqlite\n"
      "[ml2]\ntype_drivers = flat,vlan,vxlan\ntenant_network_types = vlan , vxlan\npath_mtu = "
      "1400\n"
      "[ml2_type_flat]\nflat_networks = physnet1,external\n"
      "[ml2_type_vlan]\nnetwork_vlan_ranges = physnet1:100:199,physnet2\n"
      "[ml2_type_vxlan]\nvni_ranges = 1:100, 500:600\n");
  EXPECT_EQ(c.bind_host, "0.0.0.0");
  EXPECT_EQ(c.bind_port, 19696);
  EXPECT_EQ(c.base_mac, "fa:16:3e:00:00:00");
  EXPECT_EQ(c.global_physnet_mtu, 9000u);
  EXPECT_EQ(c.path_mtu, 1400u);
  EXPECT_EQ(*sqlite_path(c.connection), "/var/lib/neutron/neutron.sqlite");
  EXPECT_EQ(c.tenant_network_types, (std::vector<std::string>{"vlan", "vxlan"}));
  EXPECT_FALSE(c.has_type_driver("gre"));
  EXPECT_EQ(c.flat_networks, (std::vector<std::string>{"physnet1", "external"}));
  ASSERT_EQ(c.network_vlan_ranges.size(), 2u);
  EXPECT_EQ(c.network_vlan_ranges[0].physnet, "physnet1");
  EXPECT_EQ(c.network_vlan_ranges[0].range, (IdRange{100, 199}));
  EXPECT_FALSE(c.network_vlan_ranges[1].has_range);
  EXPECT_EQ(c.vni_ranges, (std::vector<IdRange>{{1, 100}, {500, 600}}));
  EXPECT_TRUE(c.unknown.empty());
}

TEST(ConfigTest, UnknownOptionsAreCollected) {
  auto c = apply("[DEFAULT]\ndebug = true\n[keystone_authtoken]\nwww_authenticate_uri = x\n");
  ASSERT_EQ(c.unknown.size(), 2u);
  EXPECT_EQ(c.unknown[0], "neutron.conf: [DEFAULT] debug: unknown option, ignored");
}

TEST(ConfigTest, MalformedValuesNameFileSectionKey) {
  EXPECT_EQ(failure("[DEFAULT]\nbind_port = 70000\n"),
            "ml2_conf.ini: [DEFAULT] bind_port: '70000' is out of range 0..65535");
  EXPECT_EQ(failure("[ml2_type_vlan]\nnetwork_vlan_ranges = physnet1:10\n"),
            "ml2_conf.ini: [ml2_type_vlan] network_vlan_ranges: 'physnet1:10' is not "
            "PHYSNET:MIN:MAX");
  EXPECT_EQ(failure("[ml2_type_vlan]\nnetwork_vlan_ranges = physnet1:10:5000\n"),
            "ml2_conf.ini: [ml2_type_vlan] network_vlan_ranges: '10:5000' is not a range "
            "within 1:4094");
  EXPECT_EQ(failure("[ml2]\ntype_drivers = vxlan,geneve\n"),
            "ml2_conf.ini: [ml2] type_drivers: unknown network type 'geneve' (local, flat, vlan, "
            "vxlan, gre)");
  EXPECT_EQ(failure("[DEFAULT]\nbase_mac = fa:16:3e\n"),
            "ml2_conf.ini: [DEFAULT] base_mac: 'fa:16:3e' is not a MAC address");
  EXPECT_EQ(failure("[DEFAULT]\nauth_strategy = magic\n"),
            "ml2_conf.ini: [DEFAULT] auth_strategy: 'magic' is not one of noauth, keystone");
  EXPECT_EQ(failure("bind_port = 1\n"), "ml2_conf.ini:1: option outside of any [section]");
  EXPECT_EQ(failure("[DEFAULT\n"), "ml2_conf.ini:1: malformed section");
  EXPECT_EQ(failure("[DEFAULT]\njust words\n"), "ml2_conf.ini:2: expected 'key = value'");
}

TEST(ConfigTest, MissingFile) {
  auto c = load_config({"/nonexistent/neutron.conf"});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message, "/nonexistent/neutron.conf: cannot open configuration file");
}

}  // namespace
}  // namespace nt::controller
