#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: installs packages, builds the release tree and
# runs the cloud walkthrough: the seeds' local, flat, vlan, vxlan and three-node VXLAN clouds
# built in the emulated lab by `openstack` commands alone (neutrino-server, an Open vSwitch agent
# per node, instances plugged as Nova plugs them), with the agents' bridges, tags and flows
# shown and the instances pinging. `neutrino demo switch` is the raw-switch walkthrough (the
# seed's bridges and flows written by hand, packets traced through them).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
# test.sh's configuration of the release tree (warnings as errors: the code builds clean with
# Debian 12's GCC), so `./scripts/test.sh` after this reuses what it built.
export NT_WERROR=${NT_WERROR:-ON}
./scripts/build.sh release neutrino
exec ./build/release/src/tools/neutrino demo "$@"
