// IPAM: subnets' allocation pools and the addresses ports take from them.
//
// A subnet's addresses are claimed as allocation rows of the pool "ip:<subnet id>", keyed by
// the address as 32 lowercase hex digits (IPv4 and IPv6 alike), so the database's unique key
// makes a double allocation impossible and key order is address order. Automatic allocation
// asks the store for the first free key of each allocation pool in turn (`Txn::first_free`,
// which keeps a cursor per range), so a port create costs a few index probes however large or
// full the subnet is, and addresses come out lowest-free first, as the seeds show them (the
// DHCP port .2, the next port .3).
//
// Pool validation follows Neutron's order and errors: a malformed pool (InvalidAllocationPool,
// 400), a pool outside the usable part of the CIDR (OutOfBoundsAllocationPool, 400), two pools
// sharing an address (OverlappingAllocationPools, 409), the gateway inside a pool
// (GatewayConflictWithAllocationPools, 409).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/addr.h"
#include "controller/ip.h"
#include "controller/store.h"

namespace nt::controller {

struct IpRange {
  IpAddr first;
  IpAddr last;
  std::string to_string() const;  // "10.0.0.2-10.0.0.254", as Neutron prints a pool
};

// "Invalid input for <attr>. Reason: <reason>." (400), Neutron's attribute validation error.
[[noreturn]] void attr_error(const std::string& attr, const std::string& reason);

// The pools Neutron gives a subnet without allocation_pools: the CIDR minus its network
// address, minus the broadcast address (IPv4), minus the gateway.
std::vector<IpRange> default_pools(const IpPrefix& cidr, const std::optional<IpAddr>& gateway);
// Checks the format of a request's allocation_pools (a list of {start, end}).
void check_pools_format(const Json& pools);
// Validates pools for a subnet (see above) and returns them sorted.
std::vector<IpRange> validate_pools(const IpPrefix& cidr, const Json& pools,
                                    const std::optional<IpAddr>& gateway);
std::vector<IpRange> pools_of(const Json& subnet);
Json pools_json(const std::vector<IpRange>& pools);

std::string ip_pool(const std::string& subnet_id);  // "ip:<subnet id>"
std::string ip_key(const IpAddr& a);                // 32 hex digits

// Can `a` be a port's address on this subnet (inside the CIDR; not the network address, nor
// the IPv4 broadcast address)? Neutron's check_subnet_ip.
bool valid_host_ip(const IpPrefix& cidr, const IpAddr& a);

// The lowest free address of the subnet's pools, claimed for `owner`; nullopt when full.
std::optional<IpAddr> allocate_any(Txn& txn, const Json& subnet, const std::string& owner);
// The address allocate_any would take, not claimed (a DHCP port asks for it by name, so a full
// subnet is skipped instead of failing the request that schedules it).
std::optional<IpAddr> first_free_ip(Txn& txn, const Json& subnet);
// Claims `a` for `owner`: InvalidIpForSubnet (400) outside the subnet, IpAddressAlreadyAllocated
// (409) when taken.
void allocate_ip(Txn& txn, const Json& subnet, const IpAddr& a, const std::string& owner);
void release_ip(Txn& txn, const std::string& subnet_id, const IpAddr& a);

// A port's fixed_ips ({subnet_id, ip_address} items) in address order, IPv4 first.
void sort_fixed_ips(Json& ips);

// SLAAC / DHCPv6-stateless subnets: addresses are EUI-64 (prefix + MAC), not from the pools.
bool is_auto_address_subnet(const Json& subnet);
IpAddr eui64_address(const IpPrefix& prefix, const MacAddr& mac);

}  // namespace nt::controller
