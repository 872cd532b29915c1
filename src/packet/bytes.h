// Big-endian loads and stores on raw frame bytes.
//
// Headers on the wire are not aligned for the host, so every multi-byte field is read and
// written through these helpers: byte shifts that compilers turn into a single load plus a
// byte swap, with no alignment or aliasing assumptions and no undefined behaviour.
#pragma once

#include <cstdint>

#include "packet/flow_key.h"

namespace nt {

inline uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

inline uint32_t load_be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

inline void store_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

inline void store_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

inline MacAddr load_mac(const uint8_t* p) {
  MacAddr m;
  for (int i = 0; i < 6; ++i) m.b[i] = p[i];
  return m;
}

inline void store_mac(uint8_t* p, const MacAddr& m) {
  for (int i = 0; i < 6; ++i) p[i] = m.b[i];
}

}  // namespace nt
