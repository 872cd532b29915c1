// virtio-net headers in netdevs: VnetHdr (packet/packet.h) is what tap (IFF_VNET_HDR) and
// AF_PACKET (PACKET_VNET_HDR) put before every frame; packet/offload.h checks, segments and
// completes offloaded frames. Netdevs hand offloaded frames to the datapath as they are when
// the pool has large packets (PacketPool::large_capacity), else finish them on receive.
#pragma once

#include "packet/offload.h"
