// CommandReply: what one nvs-vsctl / nvs-ofctl / nvs-appctl command produced on a node.
//
// The node core decides every byte a user sees: the exit status the tool exits with, its
// stdout and its stderr. The daemon sends this back over its control socket unchanged
// (vswitchd/control.h); the emulated lab prints it in its transcript.
#pragma once

#include <string>

namespace nt {

struct ControlReply {
  int status = 0;
  std::string out;
  std::string err;
};

}  // namespace nt
