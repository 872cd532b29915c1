// ovs-vsctl's bridge, port, interface, controller and fail-mode commands. They see the switch
// as ovs-vsctl does: the bridges the Open_vSwitch row lists, their ports, and the ports'
// interfaces; a bridge's local port (named like the bridge) is not one of "its ports".
#include <algorithm>

#include "ovsdb/vsctl_internal.h"

namespace nt {

namespace {

struct PortLoc {
  Uuid bridge;
  Uuid port;
  Uuid iface;  // find_iface only
};

std::vector<Uuid> attached_bridges(const Db& db) {
  std::vector<Uuid> out;
  if (const OpenVSwitch* ovs = db.ovs()) {
    for (const Uuid& b : ovs->bridges) {
      if (db.bridges.count(b)) out.push_back(b);
    }
  }
  return out;
}

std::optional<Uuid> bridge_named(const Db& db, std::string_view name) {
  for (const Uuid& b : attached_bridges(db)) {
    if (db.bridges.at(b).name == name) return b;
  }
  return std::nullopt;
}

std::optional<PortLoc> port_named(const Db& db, std::string_view name) {
  for (const Uuid& b : attached_bridges(db)) {
    for (const Uuid& p : db.bridges.at(b).ports) {
      auto it = db.ports.find(p);
      if (it != db.ports.end() && it->second.name == name) return PortLoc{b, p, Uuid{}};
    }
  }
  return std::nullopt;
}

std::optional<PortLoc> iface_named(const Db& db, std::string_view name) {
  for (const Uuid& b : attached_bridges(db)) {
    for (const Uuid& p : db.bridges.at(b).ports) {
      auto port = db.ports.find(p);
      if (port == db.ports.end()) continue;
      for (const Uuid& i : port->second.interfaces) {
        auto it = db.interfaces.find(i);
        if (it != db.interfaces.end() && it->second.name == name) return PortLoc{b, p, i};
      }
    }
  }
  return std::nullopt;
}

const std::string& bridge_name(const Db& db, const Uuid& bridge) {
  return db.bridges.at(bridge).name;
}

Result<std::optional<Uuid>> find_bridge(const Db& db, std::string_view name, bool must_exist) {
  auto b = bridge_named(db, name);
  if (!b && must_exist) {
    return make_error("no bridge named " + std::string(name), ErrorCode::kNotFound);
  }
  return b;
}

// A port, but not a bridge's local port.
Result<std::optional<PortLoc>> find_port(const Db& db, std::string_view name, bool must_exist) {
  auto loc = port_named(db, name);
  if (loc && bridge_name(db, loc->bridge) == name) loc.reset();
  if (!loc && must_exist)
    return make_error("no port named " + std::string(name), ErrorCode::kNotFound);
  return loc;
}

Result<std::optional<PortLoc>> find_iface(const Db& db, std::string_view name, bool must_exist) {
  auto loc = iface_named(db, name);
  if (loc && bridge_name(db, loc->bridge) == name) loc.reset();
  if (!loc && must_exist) {
    return make_error("no interface named " + std::string(name), ErrorCode::kNotFound);
  }
  return loc;
}

Status check_conflicts(const Db& db, const std::string& name, const std::string& msg) {
  if (bridge_named(db, name)) {
    return make_error(msg + " because a bridge named " + name + " already exists",
                      ErrorCode::kConflict);
  }
  if (auto p = port_named(db, name)) {
    return make_error(msg + " because a port named " + name + " already exists on bridge " +
                          bridge_name(db, p->bridge),
                      ErrorCode::kConflict);
  }
  if (auto i = iface_named(db, name)) {
    return make_error(msg + " because an interface named " + name + " already exists on bridge " +
                          bridge_name(db, i->bridge),
                      ErrorCode::kConflict);
  }
  return ok_status();
}

void print_sorted(std::vector<std::string> lines, std::string& out) {
  std::sort(lines.begin(), lines.end());
  for (const std::string& l : lines) out += l + "\n";
}

Uuid new_interface(VsctlContext& ctx, const std::string& name, const std::string& type) {
  Uuid id = insert_row(ctx, TableId::kInterface);
  Interface& iface = ctx.db.interfaces[id];
  iface.name = name;
  iface.type = type;
  return id;
}

Uuid new_port(VsctlContext& ctx, const std::string& name, const std::set<Uuid>& ifaces) {
  Uuid id = insert_row(ctx, TableId::kPort);
  Port& port = ctx.db.ports[id];
  port.name = name;
  port.interfaces = ifaces;
  return id;
}

void delete_port(VsctlContext& ctx, const Uuid& bridge, const Uuid& port) {
  ctx.db.bridges[bridge].ports.erase(port);
  auto it = ctx.db.ports.find(port);
  if (it == ctx.db.ports.end()) return;
  for (const Uuid& i : it->second.interfaces) ctx.db.interfaces.erase(i);
  ctx.db.ports.erase(it);
}

// --may-exist add-port/add-bond on an existing port: it must match what was asked for.
Status check_existing_port(const Db& db, const VsctlCommand& cmd, const PortLoc& loc,
                           const std::string& br_name, std::vector<std::string> want) {
  std::vector<std::string> words;
  for (const auto& opt : cmd.options) words.push_back(opt.first);
  words.insert(words.end(), cmd.args.begin(), cmd.args.end());
  const std::string& port_name = db.ports.at(loc.port).name;
  if (bridge_name(db, loc.bridge) != br_name) {
    return make_error("\"" + escape_args(words) + "\" but " + port_name +
                      " is actually attached to bridge " + bridge_name(db, loc.bridge));
  }
  std::vector<std::string> have;
  for (const Uuid& i : db.ports.at(loc.port).interfaces) have.push_back(db.interfaces.at(i).name);
  std::sort(have.begin(), have.end());
  std::sort(want.begin(), want.end());
  if (have == want) return ok_status();
  std::string list;
  for (const std::string& h : have) list += (list.empty() ? "" : ", ") + h;
  return make_error("\"" + escape_args(words) + "\" but " + port_name +
                    " actually has interface(s) " + list);
}

Status add_port(VsctlContext& ctx, const VsctlCommand& cmd, const std::vector<std::string>& ifaces,
                std::span<const std::string> settings) {
  const std::string& br_name = cmd.args[1];
  const std::string& port_name = cmd.args[2];
  if (cmd.has("--may-exist")) {
    auto existing = find_port(ctx.db, port_name, false);
    if (!existing.ok()) return existing.error();
    if (*existing) return check_existing_port(ctx.db, cmd, **existing, br_name, ifaces);
  }
  NT_TRY(check_conflicts(ctx.db, port_name, "cannot create a port named " + port_name));
  for (const std::string& i : ifaces) {
    NT_TRY(check_conflicts(ctx.db, i, "cannot create an interface named " + i));
  }
  auto bridge = find_bridge(ctx.db, br_name, true);
  if (!bridge.ok()) return bridge.error();
  std::set<Uuid> iface_ids;
  for (const std::string& i : ifaces) iface_ids.insert(new_interface(ctx, i, ""));
  Uuid port = new_port(ctx, port_name, iface_ids);
  for (const std::string& s : settings) {
    NT_TRY(set_column(ctx, table_spec(TableId::kPort), port, s));
  }
  ctx.db.bridges[**bridge].ports.insert(port);
  return ok_status();
}

Result<Bridge*> must_find_bridge(VsctlContext& ctx, const std::string& name) {
  auto b = find_bridge(ctx.db, name, true);
  if (!b.ok()) return b.error();
  return &ctx.db.bridges[**b];
}

}  // namespace

// --- Bridges ---------------------------------------------------------------------------------

Status cmd_add_br(VsctlContext& ctx, VsctlCommand& cmd) {
  if (cmd.args.size() == 4) {
    return make_error("fake bridges (\"add-br BRIDGE PARENT VLAN\") are not supported",
                      ErrorCode::kUnsupported);
  }
  if (cmd.args.size() != 2) return make_error("'add-br' command takes exactly 1 or 3 arguments");
  const std::string& name = cmd.args[1];
  if (cmd.has("--may-exist") && bridge_named(ctx.db, name)) return ok_status();
  NT_TRY(check_conflicts(ctx.db, name, "cannot create a bridge named " + name));
  Uuid iface = new_interface(ctx, name, "internal");
  Uuid port = new_port(ctx, name, {iface});
  Uuid bridge = insert_row(ctx, TableId::kBridge);
  ctx.db.bridges[bridge].name = name;
  ctx.db.bridges[bridge].ports = {port};
  ctx.db.ovs().bridges.insert(bridge);
  return ok_status();
}

Status cmd_del_br(VsctlContext& ctx, VsctlCommand& cmd) {
  auto bridge = find_bridge(ctx.db, cmd.args[1], !cmd.has("--if-exists"));
  if (!bridge.ok()) return bridge.error();
  if (!*bridge) return ok_status();
  std::set<Uuid> ports = ctx.db.bridges[**bridge].ports;
  for (const Uuid& p : ports) delete_port(ctx, **bridge, p);
  ctx.db.ovs().bridges.erase(**bridge);
  ctx.db.bridges.erase(**bridge);
  return ok_status();
}

Status cmd_list_br(VsctlContext& ctx, VsctlCommand& cmd) {
  if (cmd.has("--fake") && !cmd.has("--real")) return ok_status();  // no fake bridges
  std::vector<std::string> names;
  for (const Uuid& b : attached_bridges(ctx.db)) names.push_back(bridge_name(ctx.db, b));
  print_sorted(std::move(names), cmd.output);
  return ok_status();
}

Status cmd_br_exists(VsctlContext& ctx, VsctlCommand& cmd) {
  if (bridge_named(ctx.db, cmd.args[1])) return ok_status();
  ctx.exit_status = 2;
  return make_error("", ErrorCode::kNotFound);
}

Status cmd_br_to_vlan(VsctlContext& ctx, VsctlCommand& cmd) {
  auto b = must_find_bridge(ctx, cmd.args[1]);
  if (!b.ok()) return b.error();
  cmd.output = "0\n";
  return ok_status();
}

Status cmd_br_to_parent(VsctlContext& ctx, VsctlCommand& cmd) {
  auto b = must_find_bridge(ctx, cmd.args[1]);
  if (!b.ok()) return b.error();
  cmd.output = (*b)->name + "\n";
  return ok_status();
}

Status cmd_br_set_external_id(VsctlContext& ctx, VsctlCommand& cmd) {
  auto b = must_find_bridge(ctx, cmd.args[1]);
  if (!b.ok()) return b.error();
  if (cmd.args.size() > 3) {
    (*b)->external_ids[cmd.args[2]] = cmd.args[3];
  } else {
    (*b)->external_ids.erase(cmd.args[2]);
  }
  return ok_status();
}

Status cmd_br_get_external_id(VsctlContext& ctx, VsctlCommand& cmd) {
  auto b = must_find_bridge(ctx, cmd.args[1]);
  if (!b.ok()) return b.error();
  const StringMap& ids = (*b)->external_ids;
  if (cmd.args.size() > 2) {
    auto it = ids.find(cmd.args[2]);
    if (it != ids.end()) cmd.output = it->second + "\n";
    return ok_status();
  }
  for (const auto& [k, v] : ids) cmd.output += k + "=" + v + "\n";
  return ok_status();
}

// --- Ports and interfaces ----------------------------------------------------------------------

Status cmd_list_ports(VsctlContext& ctx, VsctlCommand& cmd) {
  auto b = must_find_bridge(ctx, cmd.args[1]);
  if (!b.ok()) return b.error();
  std::vector<std::string> names;
  for (const Uuid& p : (*b)->ports) {
    auto it = ctx.db.ports.find(p);
    if (it != ctx.db.ports.end() && it->second.name != (*b)->name) names.push_back(it->second.name);
  }
  print_sorted(std::move(names), cmd.output);
  return ok_status();
}

Status cmd_list_ifaces(VsctlContext& ctx, VsctlCommand& cmd) {
  auto b = must_find_bridge(ctx, cmd.args[1]);
  if (!b.ok()) return b.error();
  std::vector<std::string> names;
  for (const Uuid& p : (*b)->ports) {
    auto port = ctx.db.ports.find(p);
    if (port == ctx.db.ports.end()) continue;
    for (const Uuid& i : port->second.interfaces) {
      auto it = ctx.db.interfaces.find(i);
      if (it != ctx.db.interfaces.end() && it->second.name != (*b)->name) {
        names.push_back(it->second.name);
      }
    }
  }
  print_sorted(std::move(names), cmd.output);
  return ok_status();
}

Status cmd_add_port(VsctlContext& ctx, VsctlCommand& cmd) {
  return add_port(ctx, cmd, {cmd.args[2]}, std::span(cmd.args).subspan(3));
}

Status cmd_add_bond(VsctlContext& ctx, VsctlCommand& cmd) {
  size_t n_ifaces = cmd.args.size() - 3;
  for (size_t i = 3; i < cmd.args.size(); ++i) {
    if (cmd.args[i].find('=') != std::string::npos) {
      n_ifaces = i - 3;
      break;
    }
  }
  if (n_ifaces < 2) {
    return make_error("add-bond requires at least 2 interfaces, but only " +
                      std::to_string(n_ifaces) + " were specified");
  }
  std::vector<std::string> ifaces(cmd.args.begin() + 3,
                                  cmd.args.begin() + 3 + static_cast<long>(n_ifaces));
  return add_port(ctx, cmd, ifaces, std::span(cmd.args).subspan(3 + n_ifaces));
}

Status cmd_del_port(VsctlContext& ctx, VsctlCommand& cmd) {
  bool must_exist = !cmd.has("--if-exists");
  const std::string& target = cmd.args.back();
  std::optional<PortLoc> port;
  if (bridge_named(ctx.db, target)) {
    if (must_exist) {
      return make_error("cannot delete port " + target +
                        " because it is the local port for bridge " + target +
                        " (deleting this port requires deleting the entire bridge)");
    }
  } else if (!cmd.has("--with-iface")) {
    auto p = find_port(ctx.db, target, must_exist);
    if (!p.ok()) return p.error();
    port = *p;
  } else {
    auto p = find_port(ctx.db, target, false);
    auto i = find_iface(ctx.db, target, false);
    if (p.ok() && *p) {
      port = *p;
    } else if (i.ok()) {
      port = *i;
    }
    if (must_exist && !port) return make_error("no port or interface named " + target);
  }
  if (!port) return ok_status();
  if (cmd.args.size() == 3) {
    auto bridge = find_bridge(ctx.db, cmd.args[1], true);
    if (!bridge.ok()) return bridge.error();
    if (**bridge != port->bridge) {
      return make_error("bridge " + cmd.args[1] + " does not have a port " + cmd.args[2]);
    }
  }
  delete_port(ctx, port->bridge, port->port);
  return ok_status();
}

Status cmd_port_to_br(VsctlContext& ctx, VsctlCommand& cmd) {
  auto p = find_port(ctx.db, cmd.args[1], true);
  if (!p.ok()) return p.error();
  cmd.output = bridge_name(ctx.db, (*p)->bridge) + "\n";
  return ok_status();
}

Status cmd_iface_to_br(VsctlContext& ctx, VsctlCommand& cmd) {
  auto i = find_iface(ctx.db, cmd.args[1], true);
  if (!i.ok()) return i.error();
  cmd.output = bridge_name(ctx.db, (*i)->bridge) + "\n";
  return ok_status();
}

// --- Controllers and fail mode -----------------------------------------------------------------

Status cmd_get_controller(VsctlContext& ctx, VsctlCommand& cmd) {
  auto b = must_find_bridge(ctx, cmd.args[1]);
  if (!b.ok()) return b.error();
  for (const std::string& t : (*b)->controller) cmd.output += t + "\n";
  return ok_status();
}

Status cmd_del_controller(VsctlContext& ctx, VsctlCommand& cmd) {
  auto b = must_find_bridge(ctx, cmd.args[1]);
  if (!b.ok()) return b.error();
  (*b)->controller.clear();
  return ok_status();
}

Status cmd_set_controller(VsctlContext& ctx, VsctlCommand& cmd) {
  auto b = must_find_bridge(ctx, cmd.args[1]);
  if (!b.ok()) return b.error();
  (*b)->controller = std::set<std::string>(cmd.args.begin() + 2, cmd.args.end());
  return ok_status();
}

Status cmd_get_fail_mode(VsctlContext& ctx, VsctlCommand& cmd) {
  auto b = must_find_bridge(ctx, cmd.args[1]);
  if (!b.ok()) return b.error();
  if ((*b)->fail_mode && !(*b)->fail_mode->empty()) cmd.output = *(*b)->fail_mode + "\n";
  return ok_status();
}

Status cmd_del_fail_mode(VsctlContext& ctx, VsctlCommand& cmd) {
  auto b = must_find_bridge(ctx, cmd.args[1]);
  if (!b.ok()) return b.error();
  (*b)->fail_mode.reset();
  return ok_status();
}

Status cmd_set_fail_mode(VsctlContext& ctx, VsctlCommand& cmd) {
  auto b = must_find_bridge(ctx, cmd.args[1]);
  if (!b.ok()) return b.error();
  const std::string& mode = cmd.args[2];
  if (mode != "standalone" && mode != "secure") {
    return make_error("fail-mode must be \"standalone\" or \"secure\"");
  }
  (*b)->fail_mode = mode;
  return ok_status();
}

}  // namespace nt
