// The L3 role's driver on a real node: Neutron's legacy RouterInfo in a namespace. A router is
// the namespace `qrouter-<router id>` (forwarding on, Neutron's sysctls) holding its qr-/qg-
// devices (the internal ports neutrino-vswitchd made on br-int, moved in from the datapath
// namespace, with their MAC, MTU and addresses), the default and extra routes, and the plan's
// iptables tables loaded by one `iptables-restore` (which replaces those tables whole).
//
// enable() converges a running router on a new plan: addresses and routes no longer planned are
// removed (a removed floating IP's conntrack entries deleted with `conntrack -D`), qr-/qg-
// devices no longer planned are moved back to the datapath namespace (the role then unplugs
// them), and every address added is announced with a gratuitous ARP (`arping -U -c 1`, best
// effort, in the background as Neutron's agent does it in a green thread: arping takes a
// second; the driver reaps them later, and stops those still running when it goes). disable() moves
// the devices back and deletes the namespace. Everything runs through `ip`, `sysctl`,
// `iptables-restore`, `arping` and `conntrack` without a shell; an error carries the failing
// command and what it printed.
//
// With `metadata_socket` (the metadata agent's <state_path>/metadata_proxy) a plan with a
// metadata port also runs the router's haproxy (metadata_proxy.h), stopped with the router.
//
// `datapath_namespace`: where neutrino-vswitchd's devices appear ("" = the agent's own).
// `state_dir` (state_path/l3, "" = none): an empty file per router that has a namespace, named
// by the router id, so whoever cleans up after the agent (the lab's teardown) finds the
// namespaces this agent made without listing everyone's.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "agent/l3.h"
#include "agent/metadata_proxy.h"

namespace nt::agent {

// A device of a namespace as `ip -o link show` and `ip -o -4 addr show` print it.
struct NsDevice {
  std::string mac;  // "" when not Ethernet
  int mtu = 0;
  bool up = false;                     // administratively (the UP flag)
  std::vector<std::string> addresses;  // "10.0.1.1/28"
  bool operator==(const NsDevice&) const = default;
};

// Device name (without "@peer") -> what the two listings say.
std::map<std::string, NsDevice> parse_ns_devices(const std::string& links,
                                                 const std::string& addrs);

class RouterNamespaceDriver final : public L3Driver {
 public:
  explicit RouterNamespaceDriver(std::string datapath_namespace = "", std::string state_dir = "",
                                 std::string metadata_socket = "");
  ~RouterNamespaceDriver() override;
  RouterNamespaceDriver(const RouterNamespaceDriver&) = delete;
  RouterNamespaceDriver& operator=(const RouterNamespaceDriver&) = delete;
  std::string name() const override { return "neutron.agent.l3.router_info.RouterInfo"; }
  Status enable(const RouterPlan& plan) override;
  Status disable(const RouterPlan& plan) override;

 private:
  Status create_namespace(const RouterPlan& plan);
  Result<std::map<std::string, NsDevice>> read_devices(const std::string& ns) const;
  Status release_stale_devices(const RouterPlan& plan, const std::map<std::string, NsDevice>& seen);
  // The device in the namespace with its MAC, MTU and exactly its planned addresses; the
  // addresses it added are appended to `added`.
  Status wire_device(const RouterPlan& plan, const RouterDevicePlan& dev,
                     const std::map<std::string, NsDevice>& seen,
                     std::vector<std::pair<std::string, std::string>>& added);
  Status converge_routes(const RouterPlan& plan);
  // `ip link set ... netns` target of the datapath namespace.
  std::string datapath_target() const;
  void announce(const std::string& ns, const std::string& dev, const std::string& ip);
  void reap_announcements();

  void mark(const std::string& router_id, bool present) const;

  std::string datapath_ns_;
  std::string state_dir_;
  std::vector<pid_t> arpings_;        // gratuitous ARPs still running
  std::set<std::string> configured_;  // namespaces whose sysctls this driver set
  std::unique_ptr<HaproxyMetadataProxy> metadata_;
};

// "10.0.1.1/28" of each IPv4 address on `dev` in namespace `ns`, from `ip -o -4 addr show`.
std::vector<std::string> parse_ip_addr_show(const std::string& text);

// A route of `ip -4 route show` with a gateway: (destination, nexthop); connected ones skipped.
std::vector<std::pair<std::string, std::string>> parse_gateway_routes(const std::string& text);

}  // namespace nt::agent
