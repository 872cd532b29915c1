// Result<T>: the control plane's way of failing.
//
// Control-plane code (flow parsing, flow_mod, configuration) returns Result<T> instead of
// throwing: either a value or an Error carrying a human-readable message that says exactly
// what was wrong ("tp_dst: prerequisites not met ..."). The data plane never uses this type;
// it drops packets with a named reason counter instead.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace nt {

// Error categories map one-to-one onto OpenFlow error types and HTTP status codes elsewhere.
enum class ErrorCode {
  kInvalidArgument,  // malformed text, bad value, unknown field or action
  kPrerequisite,     // a field used without its prerequisites (tp_dst without tcp/udp)
  kNotFound,         // unknown bridge, port, table
  kConflict,         // overlapping flow with check_overlap, duplicate port
  kUnsupported,      // valid syntax that we do not implement
  kInternal,
};

struct Error {
  ErrorCode code = ErrorCode::kInvalidArgument;
  std::string message;
  // The message is already worded as the tool we mirror words it (an ovs-ofctl error such as
  // "actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)"): callers that add
  // context prefixes ("actions: ") leave it as it is.
  bool verbatim = false;
};

inline Error make_error(std::string message, ErrorCode code = ErrorCode::kInvalidArgument) {
  return Error{code, std::move(message)};
}
inline Error make_verbatim_error(std::string message,
                                 ErrorCode code = ErrorCode::kInvalidArgument) {
  return Error{code, std::move(message), true};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// Result<void> equivalent.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace nt

// Propagates an error from an expression returning Result<T>/Status.
#define NT_TRY(expr)                                         \
  do {                                                       \
    auto nt_try_result_ = (expr);                            \
    if (!nt_try_result_.ok()) return nt_try_result_.error(); \
  } while (0)
