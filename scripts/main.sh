#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: installs packages, builds the release tree and
# runs the switch-core walkthrough (the seed's br-int/br-tun/br-eth1 pipelines with packets
# traced through them).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh release neutrino
exec ./build/release/src/tools/neutrino demo "$@"
