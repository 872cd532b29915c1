// The pieces every API resource shares: the request's context, attribute maps and the
// validation of request bodies against them (Neutron's RESOURCE_ATTRIBUTE_MAP, in C++).
//
// A resource is described once by a list of `AttrSpec` rows (name, type, settable on POST or
// PUT, admin only, required, default). `check_body` turns a client body into a complete,
// normalised one (defaults filled, "100" for an int attribute converted, unknown or read-only
// attributes refused with Neutron's messages); the resource's own code then applies its
// semantics (IPAM, segments, rules) inside the request's transaction.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "controller/config.h"
#include "controller/fault.h"
#include "controller/ip.h"
#include "controller/store.h"

namespace nt::controller {

// A request's query parameters, in order (keys may repeat).
using Query = std::vector<std::pair<std::string, std::string>>;

struct Context {
  std::string project_id = "fake_project_id";
  bool is_admin = true;
};

// What one request works with: the configuration, its transaction, its caller and its clock
// (wall-clock seconds: agents' heartbeats and `alive`, which port binding asks).
struct Env {
  const ServerConfig& config;
  Txn& txn;
  const Context& ctx;
  std::time_t now = std::time(nullptr);
};

enum class AttrType { kString, kBool, kInt, kList, kDict, kAny };

struct AttrSpec {
  std::string name;
  AttrType type;
  bool post = true;
  bool put = true;
  bool admin_only = false;  // setting it needs admin; non-admins do not see it either
  bool required = false;
  Json def = nullptr;  // default on create; null also means "null is accepted"
  bool nullable = false;
};

// One API resource: its names and its attribute map.
struct ResourceInfo {
  std::string kind;        // "network" (also the body's wrapper key)
  std::string collection;  // "networks" (the list's wrapper key)
  std::string path;        // "networks", "security-groups" (the URL segment)
  std::vector<AttrSpec> attrs;
  const AttrSpec* find(const std::string& name) const;
};

// id, project_id/tenant_id, description, tags, created_at/updated_at, revision_number.
void add_standard_attrs(std::vector<AttrSpec>& attrs);

Json check_body(const ResourceInfo& info, const Json& in, bool create, const Context& ctx);
// Fills id, project_id + tenant_id, timestamps and revision 0 on a checked create body.
void stamp_new(Json& body, const Context& ctx);
// Bumps revision_number and updated_at.
void stamp_update(Json& body);

std::string new_uuid();
std::string now_timestamp();  // "2026-12-05T03:30:00Z"
bool is_uuid(const std::string& s);
// Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool is_utf8(std::string_view s);
// A value as an error message shows it: a string bare, anything else as JSON.
std::string shown(const Json& v);
// A stored subnet's cidr.
IpPrefix cidr_of(const Json& subnet);

// Loads a resource the caller may see, or throws Neutron's "<Kind>NotFound" 404.
Json get_visible(Env& env, const ResourceInfo& info, const std::string& id);
bool visible(const Context& ctx, const Json& body);
// The same, for a stored resource of `kind` (a subnet is visible with its shared network).
bool visible(Env& env, const std::string& kind, const Json& body);
// Admin only: Neutron's 403 PolicyNotAuthorized "(rule:<rule>) is disallowed by policy".
void require_admin(const Context& ctx, const std::string& rule);
// Only an admin or the owner may change or delete what others can merely see (a shared
// network): Neutron's 403 "(rule:<action>_<kind>) is disallowed by policy".
void check_owner(const Context& ctx, const std::string& action, const std::string& kind,
                 const Json& body);

// Typed reads of a checked body.
std::string str_of(const Json& body, const char* key);
bool bool_of(const Json& body, const char* key);

// Each resource: its attribute map, and create (a checked, complete body to store), update
// (the new body) and delete (everything but removing the row itself, which the API does).
// Routers and floating IPs: l3.h.
const ResourceInfo& network_info();  // networks.cc
Json create_network(Env& env, const Json& in);
Json update_network(Env& env, Json cur, const Json& in);
void delete_network(Env& env, const Json& cur);

const ResourceInfo& subnet_info();  // subnets.cc
Json create_subnet(Env& env, const Json& in);
Json update_subnet(Env& env, Json cur, const Json& in);
void delete_subnet(Env& env, const Json& cur);

const ResourceInfo& port_info();  // ports.cc
Json create_port(Env& env, const Json& in);
Json update_port(Env& env, Json cur, const Json& in);
void delete_port(Env& env, const Json& cur);

}  // namespace nt::controller
