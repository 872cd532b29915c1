// Fault: one Neutron API error (HTTP status, exception type name, message).
//
// Handlers deep in the request path (validators, IPAM, type drivers) throw a Fault; the API's
// single entry point (`Api::handle`) catches it after the store rolled the transaction back and
// writes Neutron's body, `{"NeutronError": {"type", "message", "detail"}}`. The type names and
// codes are Neutron's (neutron_lib/exceptions, neutron_lib/api/faults.py), so clients that
// branch on them keep working.
#pragma once

#include <stdexcept>
#include <string>

#include "common/result.h"

namespace nt::controller {

struct Fault : std::runtime_error {
  Fault(int status_code, std::string type_name, const std::string& message)
      : std::runtime_error(message), status(status_code), type(std::move(type_name)) {}
  int status;
  std::string type;
};

inline Fault bad_request(const std::string& message) {
  return Fault(400, "HTTPBadRequest", message);
}
inline Fault invalid_input(const std::string& message) {
  return Fault(400, "InvalidInput", "Invalid input for operation: " + message);
}
inline Fault not_found(const std::string& type, const std::string& message) {
  return Fault(404, type, message);
}
inline Fault conflict(const std::string& type, const std::string& message) {
  return Fault(409, type, message);
}
// A store or engine error inside a request: Neutron's 500.
[[noreturn]] inline void internal(const Error& e) { throw Fault(500, "InternalError", e.message); }

}  // namespace nt::controller
