#include "agent/local_view.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "common/strings.h"

namespace nt::agent {
namespace {

using Json = nlohmann::json;

// OVSDB's JSON datum: an atom, ["set", [atoms]], ["map", [[k, v]...]], ["uuid", "..."].
bool tagged(const Json& j, const char* tag) {
  return j.is_array() && j.size() == 2 && j[0].is_string() && j[0] == tag;
}

std::vector<Json> atoms(const Json& j) {
  if (tagged(j, "set"))
    return j[1].is_array() ? j[1].get<std::vector<Json>>() : std::vector<Json>{};
  return {j};
}

std::string uuid_of(const Json& j) {
  return tagged(j, "uuid") && j[1].is_string() ? j[1].get<std::string>() : "";
}

std::string string_of(const Json& j) {
  if (j.is_string()) return j.get<std::string>();
  auto a = atoms(j);
  return a.size() == 1 && a[0].is_string() ? a[0].get<std::string>() : "";
}

std::optional<int64_t> int_of(const Json& j) {
  if (j.is_number_integer()) return j.get<int64_t>();
  auto a = atoms(j);
  if (a.size() == 1 && a[0].is_number_integer()) return a[0].get<int64_t>();
  return std::nullopt;
}

StringMap map_of(const Json& j) {
  StringMap out;
  if (!tagged(j, "map") || !j[1].is_array()) return out;
  for (const auto& kv : j[1]) {
    if (kv.is_array() && kv.size() == 2 && kv[0].is_string() && kv[1].is_string()) {
      out[kv[0].get<std::string>()] = kv[1].get<std::string>();
    }
  }
  return out;
}

// One `list` table: rows as heading -> cell.
Result<std::vector<std::map<std::string, Json>>> rows_of(const Json& t) {
  if (!t.is_object() || !t.contains("data") || !t.contains("headings")) {
    return make_error("vsctl output: not a JSON table");
  }
  std::vector<std::string> heads;
  for (const auto& h : t["headings"]) heads.push_back(h.is_string() ? h.get<std::string>() : "");
  std::vector<std::map<std::string, Json>> out;
  for (const auto& row : t["data"]) {
    if (!row.is_array() || row.size() != heads.size()) return make_error("vsctl output: bad row");
    std::map<std::string, Json> r;
    for (size_t i = 0; i < heads.size(); ++i) r[heads[i]] = row[i];
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

const LocalPort* LocalView::port(const std::string& name) const {
  auto it = ports.find(name);
  return it == ports.end() ? nullptr : &it->second;
}

int64_t LocalView::ofport(const std::string& name) const {
  const LocalPort* p = port(name);
  return p ? p->ofport : -1;
}

std::vector<std::string> local_view_command() {
  return {"--format=json",
          "--",
          "--columns=name,ports,fail_mode",
          "list",
          "Bridge",
          "--",
          "--columns=_uuid,name,tag,other_config,interfaces,vlan_mode,trunks",
          "list",
          "Port",
          "--",
          "--columns=_uuid,name,type,ofport,external_ids,options",
          "list",
          "Interface"};
}

namespace {
Result<LocalView> parse_tables(std::string_view text);
}  // namespace

Result<LocalView> parse_local_view(std::string_view text) {
  try {
    return parse_tables(text);
  } catch (const Json::exception& e) {
    return make_error(std::string("vsctl output: ") + e.what());
  } catch (const std::out_of_range& e) {
    return make_error("vsctl output: a column is missing");
  }
}

namespace {
Result<LocalView> parse_tables(std::string_view text) {
  std::vector<Json> tables;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (trim(line).empty()) continue;
    Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded()) return make_error("vsctl output: malformed JSON");
    tables.push_back(std::move(j));
  }
  if (tables.size() != 3) return make_error("vsctl output: expected 3 tables");
  auto bridges = rows_of(tables[0]);
  auto ports = rows_of(tables[1]);
  auto ifaces = rows_of(tables[2]);
  if (!bridges) return bridges.error();
  if (!ports) return ports.error();
  if (!ifaces) return ifaces.error();

  std::map<std::string, const std::map<std::string, Json>*> iface_by_uuid;
  for (const auto& r : *ifaces) iface_by_uuid[uuid_of(r.at("_uuid"))] = &r;
  std::map<std::string, std::string> port_name_by_uuid;
  LocalView view;
  for (const auto& r : *ports) {
    LocalPort p;
    p.name = string_of(r.at("name"));
    p.tag = int_of(r.at("tag"));
    p.vlan_mode = string_of(r.at("vlan_mode"));
    for (const auto& t : atoms(r.at("trunks"))) {
      if (t.is_number_integer()) p.trunks.insert(t.get<int64_t>());
    }
    p.other_config = map_of(r.at("other_config"));
    auto ifs = atoms(r.at("interfaces"));
    if (!ifs.empty()) {
      auto it = iface_by_uuid.find(uuid_of(ifs[0]));
      if (it != iface_by_uuid.end()) {
        const auto& i = *it->second;
        p.type = string_of(i.at("type"));
        p.ofport = int_of(i.at("ofport")).value_or(-1);
        p.external_ids = map_of(i.at("external_ids"));
        p.options = map_of(i.at("options"));
      }
    }
    port_name_by_uuid[uuid_of(r.at("_uuid"))] = p.name;
    view.ports[p.name] = std::move(p);
  }
  for (const auto& r : *bridges) {
    std::string name = string_of(r.at("name"));
    view.fail_mode[name] = string_of(r.at("fail_mode"));
    auto& list = view.bridges[name];
    for (const auto& u : atoms(r.at("ports"))) {
      auto it = port_name_by_uuid.find(uuid_of(u));
      if (it == port_name_by_uuid.end()) continue;
      list.push_back(it->second);
      view.ports[it->second].bridge = name;
    }
  }
  return view;
}
}  // namespace

std::optional<DbSeqno> parse_db_seqno(std::string_view text) {
  std::string_view t = trim(text);
  size_t sp = t.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  auto n = parse_uint(t.substr(sp + 1));
  if (!n) return std::nullopt;
  return DbSeqno{std::string(t.substr(0, sp)), *n};
}

}  // namespace nt::agent
