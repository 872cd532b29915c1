#include "netdev/sys_util.h"

#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "netdev/netdev.h"

namespace nt {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

namespace {

// Runs one interface ioctl on a throw-away socket; errno-style result.
int ifreq_ioctl(unsigned long request, ifreq& ifr) {
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s.valid()) return errno;
  return ::ioctl(s.get(), request, &ifr) < 0 ? errno : 0;
}

ifreq make_ifreq(const std::string& name) {
  ifreq ifr;
  std::memset(&ifr, 0, sizeof ifr);
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  return ifr;
}

Error if_error(const std::string& name, std::string_view what, int err) {
  if (err == ENODEV) return make_error(name + ": no such device", ErrorCode::kNotFound);
  return make_error(netdev_errno_message(name, what, err), ErrorCode::kInternal);
}

}  // namespace

Status check_ifname(std::string_view name) {
  if (name.empty() || name.size() >= IFNAMSIZ || name.find('/') != std::string_view::npos) {
    return make_error(std::string(name) +
                      ": not a valid Linux interface name (1 to 15 characters, no '/')");
  }
  return ok_status();
}

Result<int> if_index(const std::string& name) {
  NT_TRY(check_ifname(name));
  unsigned idx = ::if_nametoindex(name.c_str());
  if (idx == 0) return if_error(name, "if_nametoindex", errno);
  return static_cast<int>(idx);
}

Status if_set_up(const std::string& name, bool promisc) {
  ifreq ifr = make_ifreq(name);
  if (int err = ifreq_ioctl(SIOCGIFFLAGS, ifr)) return if_error(name, "get flags", err);
  short want = static_cast<short>(ifr.ifr_flags | IFF_UP | (promisc ? IFF_PROMISC : 0));
  if (want == ifr.ifr_flags) return ok_status();
  ifr.ifr_flags = want;
  if (int err = ifreq_ioctl(SIOCSIFFLAGS, ifr)) return if_error(name, "set flags", err);
  return ok_status();
}

Result<MacAddr> if_get_mac(const std::string& name) {
  ifreq ifr = make_ifreq(name);
  if (int err = ifreq_ioctl(SIOCGIFHWADDR, ifr)) return if_error(name, "get MAC address", err);
  MacAddr m;
  std::memcpy(m.b.data(), ifr.ifr_hwaddr.sa_data, 6);
  return m;
}

Status if_set_mac(const std::string& name, const MacAddr& mac) {
  ifreq ifr = make_ifreq(name);
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  std::memcpy(ifr.ifr_hwaddr.sa_data, mac.b.data(), 6);
  if (int err = ifreq_ioctl(SIOCSIFHWADDR, ifr)) return if_error(name, "set MAC address", err);
  return ok_status();
}

Status if_set_mtu(const std::string& name, int mtu) {
  ifreq ifr = make_ifreq(name);
  ifr.ifr_mtu = mtu;
  if (int err = ifreq_ioctl(SIOCSIFMTU, ifr)) return if_error(name, "set MTU", err);
  return ok_status();
}

Result<int> if_get_mtu(const std::string& name) {
  ifreq ifr = make_ifreq(name);
  if (int err = ifreq_ioctl(SIOCGIFMTU, ifr)) return if_error(name, "get MTU", err);
  return ifr.ifr_mtu;
}

}  // namespace nt
