// neutrino-vswitchd: one node's virtual switch daemon (see vswitchd/daemon.h).
//
//   neutrino-vswitchd [--detach] [--pidfile[=FILE]] [--log-file[=FILE]] [--rundir=DIR]
#include <string>
#include <vector>

#include "vswitchd/daemon.h"

int main(int argc, char** argv) {
  return nt::daemon_main(std::vector<std::string>(argv + 1, argv + argc));
}
