// The DHCP role's driver on a real node: Neutron's Dnsmasq driver. A network's service is the
// namespace `qdhcp-<network id>` holding the DHCP port's device (the internal port
// `tap<port id[:11]>` that neutrino-vswitchd made on br-int, moved into the namespace with its
// MAC, MTU, addresses and a default route via the subnet's gateway) and Debian's dnsmasq
// started in it with Neutron's command line over the files in `<state_path>/dhcp/<network id>`
// (host, addn_hosts, opts, pid). A changed plan rewrites the files (atomically) and sends
// dnsmasq SIGHUP, which re-reads them; a network no longer served is stopped, its namespace
// and files removed. Everything is done by `ip` and `dnsmasq` run without a shell.
//
// A plan with the metadata proxy also runs the network's haproxy in the namespace
// (metadata_proxy.h), when the driver knows the metadata agent's socket; it stops when the plan
// drops it (a router joined) and with the network.
//
// `datapath_namespace`: where neutrino-vswitchd's devices appear ("" = the agent's own
// namespace, as on a real node; the real lab runs each node's switch in a namespace).
// `metadata_socket`: the metadata agent's <state_path>/metadata_proxy ("" = no proxies).
#pragma once

#include <memory>
#include <string>

#include "agent/dhcp.h"
#include "agent/metadata_proxy.h"

namespace nt::agent {

class DnsmasqDriver final : public DhcpDriver {
 public:
  explicit DnsmasqDriver(std::string datapath_namespace = "", std::string metadata_socket = "");
  std::string name() const override { return "neutron.agent.linux.dhcp.Dnsmasq"; }
  Status enable(const DhcpNetworkPlan& plan) override;
  Status disable(const DhcpNetworkPlan& plan) override;

 private:
  Status write_files(const DhcpNetworkPlan& plan);
  Status wire_device(const DhcpNetworkPlan& plan);
  Status start_or_reload(const DhcpNetworkPlan& plan);
  void converge_metadata(const DhcpNetworkPlan& plan);

  std::string datapath_ns_;
  std::unique_ptr<HaproxyMetadataProxy> metadata_;
};

// The pid in `<conf_dir>/pid` if that process is alive, else 0.
int dnsmasq_pid(const std::string& conf_dir);

}  // namespace nt::agent
