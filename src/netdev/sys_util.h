// Small system-call helpers shared by the Linux netdev providers: an owning file descriptor
// and interface operations (index, flags, MAC, MTU) through the classic ioctls. Control side
// only; every failure comes back as a Status whose message names the interface.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "packet/flow_key.h"

namespace nt {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Linux interface names are at most 15 characters (IFNAMSIZ - 1).
Status check_ifname(std::string_view name);
// The interface's index; kNotFound "<name>: no such device" if it does not exist.
Result<int> if_index(const std::string& name);
// Sets IFF_UP (and IFF_PROMISC when asked) on the interface.
Status if_set_up(const std::string& name, bool promisc = false);
Result<MacAddr> if_get_mac(const std::string& name);
Status if_set_mac(const std::string& name, const MacAddr& mac);
Status if_set_mtu(const std::string& name, int mtu);
Result<int> if_get_mtu(const std::string& name);

}  // namespace nt
