// Security groups and their rules (security_groups.cc): the resources' attribute maps and
// handlers for the API's resource table, and the project's default group for ports.
#pragma once

#include <string>

#include "controller/resource.h"

namespace nt::controller {

const ResourceInfo& security_group_info();
// The id of `project`'s `default` group, created with its four rules if it has none yet.
std::string ensure_default_security_group(Env& env, const std::string& project);
// Before a list: the default group of the project the list asks for (project_id or tenant_id
// filter, an admin's or its own) or else of the caller.
void list_security_groups(Env& env, const Query& query);
Json create_security_group(Env& env, const Json& in);
Json update_security_group(Env& env, Json cur, const Json& in);
void delete_security_group(Env& env, const Json& cur);

const ResourceInfo& security_group_rule_info();
Json create_security_group_rule(Env& env, const Json& in);
Json update_security_group_rule(Env& env, Json cur, const Json& in);
void delete_security_group_rule(Env& env, const Json& cur);

}  // namespace nt::controller
