#include "controller/ipam.h"

#include <algorithm>

#include "controller/fault.h"
#include "controller/resource.h"

namespace nt::controller {
namespace {

IpAddr plus(IpAddr a, int d) {
  a.value = d >= 0 ? a.value + static_cast<U128>(d) : a.value - static_cast<U128>(-d);
  return a;
}

IpAddr key_ip(int version, const std::string& key) {
  IpAddr a{version, 0};
  for (char c : key) a.value = a.value << 4 | static_cast<U128>(c <= '9' ? c - '0' : c - 'a' + 10);
  return a;
}

// The usable span of a CIDR for pools: [network + 1, last] (IPv4: last - 1).
IpRange usable(const IpPrefix& cidr) {
  IpAddr last = cidr.last();
  return {plus(cidr.network, 1), cidr.network.version == 4 ? plus(last, -1) : last};
}

}  // namespace

std::string IpRange::to_string() const { return first.to_string() + "-" + last.to_string(); }

void attr_error(const std::string& attr, const std::string& reason) {
  throw bad_request("Invalid input for " + attr + ". Reason: " + reason + ".");
}

std::vector<IpRange> default_pools(const IpPrefix& cidr, const std::optional<IpAddr>& gateway) {
  IpAddr first = cidr.network, last = cidr.last();
  if (first == last) return {{first, last}};
  IpRange r = usable(cidr);
  if (r.first.value >= r.last.value) return {};  // an IPv4 /31
  if (!gateway || gateway->version != first.version || *gateway < r.first || r.last < *gateway) {
    return {r};
  }
  std::vector<IpRange> out;
  if (r.first < *gateway) out.push_back({r.first, plus(*gateway, -1)});
  if (*gateway < r.last) out.push_back({plus(*gateway, 1), r.last});
  return out;
}

void check_pools_format(const Json& pools) {
  if (!pools.is_array())
    attr_error("allocation_pools", "Invalid data format for IP pool: '" + pools.dump() + "'");
  for (const auto& p : pools) {
    if (!p.is_object()) {
      attr_error("allocation_pools", "Invalid input. '" + p.dump() +
                                         "' must be a dictionary with keys: ['end', 'start']");
    }
    bool keys_ok = p.size() == 2 && p.contains("start") && p.contains("end");
    if (!keys_ok) {
      std::vector<std::string> provided;
      for (const auto& [k, v] : p.items()) provided.push_back("'" + k + "'");
      std::string list;
      for (const auto& k : provided) list += (list.empty() ? "" : ", ") + k;
      attr_error("allocation_pools",
                 "Validation of dictionary's keys failed. Expected keys: {'end', 'start'} "
                 "Provided keys: {" +
                     list + "}");
    }
    for (const char* k : {"start", "end"}) {
      const Json& v = p[k];
      if (!v.is_string() || !IpAddr::parse(v.get<std::string>())) {
        attr_error("allocation_pools", "'" + shown(v) + "' is not a valid IP address");
      }
    }
  }
}

std::vector<IpRange> validate_pools(const IpPrefix& cidr, const Json& pools,
                                    const std::optional<IpAddr>& gateway) {
  check_pools_format(pools);
  std::vector<IpRange> out;
  IpRange bounds = usable(cidr);
  for (const auto& p : pools) {
    IpRange r{*IpAddr::parse(p["start"].get<std::string>()),
              *IpAddr::parse(p["end"].get<std::string>())};
    if (r.first.version != cidr.network.version || r.last.version != cidr.network.version ||
        r.last < r.first) {
      throw Fault(400, "InvalidAllocationPool",
                  "The allocation pool " + r.to_string() + " is not valid.");
    }
    if (r.first < bounds.first || bounds.last < r.last) {
      throw Fault(400, "OutOfBoundsAllocationPool",
                  "The allocation pool " + r.to_string() + " spans beyond the subnet cidr " +
                      cidr.to_string() + ".");
    }
    out.push_back(r);
  }
  std::sort(out.begin(), out.end(), [](const IpRange& a, const IpRange& b) {
    return a.first < b.first || (a.first == b.first && a.last < b.last);
  });
  for (size_t i = 1; i < out.size(); ++i) {
    if (!(out[i - 1].last < out[i].first)) {
      throw conflict("OverlappingAllocationPools",
                     "Found overlapping allocation pools: " + out[i - 1].to_string() + " " +
                         out[i].to_string() + " for subnet " + cidr.to_string() + ".");
    }
  }
  if (gateway) {
    for (const auto& r : out) {
      if (!(*gateway < r.first) && !(r.last < *gateway)) {
        throw conflict("GatewayConflictWithAllocationPools",
                       "Gateway ip " + gateway->to_string() + " conflicts with allocation pool " +
                           r.to_string() + ".");
      }
    }
  }
  return out;
}

std::vector<IpRange> pools_of(const Json& subnet) {
  std::vector<IpRange> out;
  for (const auto& p : subnet.value("allocation_pools", Json::array())) {
    out.push_back({*IpAddr::parse(p["start"].get<std::string>()),
                   *IpAddr::parse(p["end"].get<std::string>())});
  }
  return out;
}

Json pools_json(const std::vector<IpRange>& pools) {
  Json out = Json::array();
  for (const auto& r : pools) {
    out.push_back({{"start", r.first.to_string()}, {"end", r.last.to_string()}});
  }
  return out;
}

std::string ip_pool(const std::string& subnet_id) { return "ip:" + subnet_id; }

std::string ip_key(const IpAddr& a) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(32, '0');
  U128 v = a.value;
  for (int i = 31; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = kHex[v & 15];
  return s;
}

bool valid_host_ip(const IpPrefix& cidr, const IpAddr& a) {
  if (!cidr.contains(a)) return false;
  if (cidr.network.version == 6) return a != cidr.network;
  if (cidr.len >= 31) return true;
  return a != cidr.network && a != cidr.last();
}

std::optional<IpAddr> allocate_any(Txn& txn, const Json& subnet, const std::string& owner) {
  const std::string pool = ip_pool(subnet["id"].get<std::string>());
  int version = subnet["ip_version"].get<int>();
  for (const auto& r : pools_of(subnet)) {
    auto key = txn.first_free(pool, ip_key(r.first), ip_key(r.last));
    if (!key) internal(key.error());
    if (!*key) continue;
    Status s = txn.claim(pool, **key, owner);
    if (!s) internal(s.error());  // the search and the claim share one transaction
    return key_ip(version, **key);
  }
  return std::nullopt;
}

std::optional<IpAddr> first_free_ip(Txn& txn, const Json& subnet) {
  const std::string pool = ip_pool(subnet["id"].get<std::string>());
  for (const auto& r : pools_of(subnet)) {
    auto key = txn.first_free(pool, ip_key(r.first), ip_key(r.last));
    if (!key) internal(key.error());
    if (*key) return key_ip(subnet["ip_version"].get<int>(), **key);
  }
  return std::nullopt;
}

void allocate_ip(Txn& txn, const Json& subnet, const IpAddr& a, const std::string& owner) {
  auto cidr = IpPrefix::parse(subnet["cidr"].get<std::string>());
  if (!cidr || !valid_host_ip(*cidr, a)) {
    throw Fault(400, "InvalidIpForSubnet",
                "IP address " + a.to_string() + " is not a valid IP for the specified subnet.");
  }
  const std::string id = subnet["id"].get<std::string>();
  Status s = txn.claim(ip_pool(id), ip_key(a), owner);
  if (s) return;
  if (s.error().code != ErrorCode::kConflict) internal(s.error());
  throw conflict("IpAddressAlreadyAllocated",
                 "IP address " + a.to_string() + " already allocated in subnet " + id);
}

void release_ip(Txn& txn, const std::string& subnet_id, const IpAddr& a) {
  Status s = txn.release(ip_pool(subnet_id), ip_key(a));
  if (!s) internal(s.error());
}

void sort_fixed_ips(Json& ips) {
  std::sort(ips.begin(), ips.end(), [](const Json& a, const Json& b) {
    return *IpAddr::parse(a["ip_address"].get<std::string>()) <
           *IpAddr::parse(b["ip_address"].get<std::string>());
  });
}

bool is_auto_address_subnet(const Json& subnet) {
  auto mode = [&](const char* k) {
    auto it = subnet.find(k);
    return it != subnet.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string addr = mode("ipv6_address_mode"), ra = mode("ipv6_ra_mode");
  auto is_auto = [](const std::string& m) { return m == "slaac" || m == "dhcpv6-stateless"; };
  return is_auto(addr) || (addr.empty() && is_auto(ra));
}

IpAddr eui64_address(const IpPrefix& prefix, const MacAddr& mac) {
  uint64_t iid = 0;
  const auto& b = mac.b;
  for (uint8_t x : {static_cast<uint8_t>(b[0] ^ 0x02), b[1], b[2], uint8_t{0xff}, uint8_t{0xfe},
                    b[3], b[4], b[5]}) {
    iid = iid << 8 | x;
  }
  IpAddr a = prefix.network;
  a.value = (a.value & ~U128(0xffffffffffffffffull)) | iid;
  return a;
}

}  // namespace nt::controller
