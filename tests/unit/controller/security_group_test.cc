// Security groups and rules through the Api: the per-project default group and its four rules,
// Neutron's rule validation (protocols, port ranges, ICMP type/code, ethertype against prefix and
// protocol, remote prefix vs remote group), duplicates, deletes and projects.
#include <set>

#include "api_fixture.h"

namespace nt::controller {
namespace {

class SecurityGroupTest : public ApiFixture {
 protected:
  Json send(const std::string& method, const std::string& path, const Json& body, int want,
            const std::string& project = "") {
    ApiResponse r = call(method, path, body.is_null() ? "" : body.dump(), {}, project);
    EXPECT_EQ(r.status, want) << method << " " << path << " " << body << " -> " << r.body;
    return r.body.empty() ? Json() : Json::parse(r.body);
  }
  Json group(const std::string& name, int want = 201, const std::string& project = "") {
    Json r = send("POST", "/v2.0/security-groups", {{"security_group", {{"name", name}}}}, want,
                  project);
    return want == 201 ? r["security_group"] : r;
  }
  Json rule(const std::string& sg, Json extra, int want = 201, const std::string& project = "") {
    Json b = {{"security_group_id", sg}, {"direction", "ingress"}};
    b.update(extra);
    Json r =
        send("POST", "/v2.0/security-group-rules", {{"security_group_rule", b}}, want, project);
    return want == 201 ? r["security_group_rule"] : r;
  }
  // "<status> <type>: <message>" of a refused rule.
  std::string refused(const std::string& sg, Json extra, int want = 400) {
    Json r = rule(sg, std::move(extra), want);
    return std::to_string(want) + " " + type_of(r) + ": " + message_of(r);
  }
  Json groups(const std::string& project = "", const std::string& query = "") {
    std::vector<std::pair<std::string, std::string>> q;
    if (!query.empty()) q.push_back({"name", query});
    ApiResponse r = call("GET", "/v2.0/security-groups", "", q, project);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body)["security_groups"];
  }
  std::string default_id(const std::string& project = "") {
    Json g = groups(project, "default");
    EXPECT_EQ(g.size(), 1u);
    return g.empty() ? "" : g[0]["id"].get<std::string>();
  }
};

TEST_F(SecurityGroupTest, DefaultGroupOnFirstUse) {
  Json list = groups();
  ASSERT_EQ(list.size(), 1u);
  Json d = list[0];
  EXPECT_EQ(d["name"], "default");
  EXPECT_EQ(d["description"], "Default security group");
  EXPECT_EQ(d["project_id"], "fake_project_id");
  EXPECT_EQ(d["tenant_id"], "fake_project_id");
  EXPECT_EQ(d["stateful"], true);
  EXPECT_EQ(d["tags"], Json::array());
  EXPECT_EQ(d["revision_number"], 0);
  EXPECT_TRUE(d.contains("created_at") && d.contains("updated_at"));
  ASSERT_EQ(d["security_group_rules"].size(), 4u);
  std::multiset<std::string> seen;
  for (const auto& r : d["security_group_rules"]) {
    EXPECT_EQ(r["security_group_id"], d["id"]);
    EXPECT_TRUE(r["protocol"].is_null() && r["remote_ip_prefix"].is_null());
    EXPECT_TRUE(r["port_range_min"].is_null() && r["normalized_cidr"].is_null());
    bool self = r["remote_group_id"] == d["id"];
    EXPECT_EQ(self, r["direction"] == "ingress");
    EXPECT_TRUE(self || r["remote_group_id"].is_null());
    seen.insert(r["direction"].get<std::string>() + " " + r["ethertype"].get<std::string>());
  }
  EXPECT_EQ(seen, (std::multiset<std::string>{"egress IPv4", "egress IPv6", "ingress IPv4",
                                              "ingress IPv6"}));
  EXPECT_EQ(groups().size(), 1u);  // not twice
  // The rules are resources too.
  ApiResponse r = call("GET", "/v2.0/security-group-rules", "",
                       {{"security_group_id", d["id"].get<std::string>()}});
  EXPECT_EQ(Json::parse(r.body)["security_group_rules"].size(), 4u);
  // Another project gets its own default group and sees only it.
  Json mine = groups("p2");
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_NE(mine[0]["id"], d["id"]);
  EXPECT_EQ(mine[0]["project_id"], "p2");
  EXPECT_EQ(groups().size(), 2u);  // the admin sees both
  // An admin listing a project's groups gets that project's default group made.
  ApiResponse p3 = call("GET", "/v2.0/security-groups", "", {{"project_id", "p3"}});
  Json p3_groups = Json::parse(p3.body)["security_groups"];
  ASSERT_EQ(p3_groups.size(), 1u);
  EXPECT_EQ(p3_groups[0]["project_id"], "p3");
  // A project naming another gets nothing made (and sees nothing).
  ApiResponse p4 = call("GET", "/v2.0/security-groups", "", {{"tenant_id", "p4"}}, "p2");
  EXPECT_EQ(Json::parse(p4.body)["security_groups"], Json::array());
  EXPECT_EQ(groups().size(), 3u);
  send("GET", "/v2.0/security-groups/" + d["id"].get<std::string>(), nullptr, 404, "p2");
}

TEST_F(SecurityGroupTest, NewGroupGetsEgressRules) {
  Json g = group("web");
  EXPECT_EQ(g["name"], "web");
  EXPECT_EQ(g["description"], "");
  EXPECT_EQ(g["stateful"], true);
  ASSERT_EQ(g["security_group_rules"].size(), 2u);
  for (const auto& r : g["security_group_rules"]) {
    EXPECT_EQ(r["direction"], "egress");
    EXPECT_TRUE(r["remote_group_id"].is_null());
  }
  EXPECT_EQ(groups().size(), 2u);  // creating a group also made the default one
  Json s = send("POST", "/v2.0/security-groups",
                {{"security_group", {{"name", "nostate"}, {"stateful", false}}}}, 201);
  EXPECT_EQ(s["security_group"]["stateful"], false);
  EXPECT_EQ(type_of(group("default", 409)), "SecurityGroupDefaultAlreadyExists");
  Json bad = send("POST", "/v2.0/security-groups", {{"security_group", {{"rules", 1}}}}, 400);
  EXPECT_EQ(type_of(bad), "HTTPBadRequest");
  // Update: name and description; not to or from "default".
  std::string id = g["id"];
  Json u = send("PUT", "/v2.0/security-groups/" + id,
                {{"security_group", {{"name", "www"}, {"description", "d"}}}}, 200);
  EXPECT_EQ(u["security_group"]["name"], "www");
  EXPECT_EQ(u["security_group"]["revision_number"], 1);
  send("PUT", "/v2.0/security-groups/" + id, {{"security_group", {{"name", "default"}}}}, 409);
  Json c = send("PUT", "/v2.0/security-groups/" + default_id(),
                {{"security_group", {{"name", "other"}}}}, 409);
  EXPECT_EQ(type_of(c), "SecurityGroupCannotUpdateDefault");
  send("PUT", "/v2.0/security-groups/" + default_id(),
       {{"security_group", {{"description", "mine"}}}}, 200);
}

TEST_F(SecurityGroupTest, RulesAsTheClientSendsThem) {
  std::string sg = group("g")["id"];
  Json ssh = rule(sg, {{"ethertype", "IPv4"},
                       {"protocol", "tcp"},
                       {"port_range_min", 22},
                       {"port_range_max", 22},
                       {"remote_ip_prefix", "0.0.0.0/0"}});
  EXPECT_EQ(ssh["protocol"], "tcp");
  EXPECT_EQ(ssh["port_range_min"], 22);
  EXPECT_EQ(ssh["remote_ip_prefix"], "0.0.0.0/0");
  EXPECT_EQ(ssh["normalized_cidr"], "0.0.0.0/0");
  EXPECT_EQ(ssh["security_group_id"], sg);
  EXPECT_EQ(ssh["project_id"], "fake_project_id");
  EXPECT_TRUE(ssh["remote_group_id"].is_null());
  EXPECT_FALSE(ssh.contains("tags"));
  Json icmp = rule(sg, {{"protocol", "ICMP"}});
  EXPECT_EQ(icmp["protocol"], "icmp");
  EXPECT_EQ(icmp["ethertype"], "IPv4");
  EXPECT_TRUE(icmp["remote_ip_prefix"].is_null());
  EXPECT_EQ(rule(sg, {{"protocol", 47}})["protocol"], "47");  // numbers as strings
  EXPECT_EQ(
      rule(sg,
           {{"protocol", "132"}, {"port_range_min", "5"}, {"port_range_max", 9}})["port_range_min"],
      5);
  EXPECT_TRUE(rule(sg, {{"protocol", "any"},
                        {"direction", "egress"},
                        {"ethertype", "ipv6"},
                        {"remote_ip_prefix", "2001:db8::1/64"}})["protocol"]
                  .is_null());
  Json v6 = rule(sg, {{"ethertype", "IPv6"},
                      {"protocol", "ipv6-icmp"},
                      {"remote_ip_prefix", "2001:DB8:0:0::5/64"}});
  EXPECT_EQ(v6["remote_ip_prefix"], "2001:db8::5/64");
  EXPECT_EQ(v6["normalized_cidr"], "2001:db8::/64");
  Json host = rule(sg, {{"remote_ip_prefix", "10.1.2.3"}});
  EXPECT_EQ(host["remote_ip_prefix"], "10.1.2.3/32");
  Json net = rule(sg, {{"remote_ip_prefix", "10.9.8.7/8"}, {"protocol", "udp"}});
  EXPECT_EQ(net["remote_ip_prefix"], "10.9.8.7/8");
  EXPECT_EQ(net["normalized_cidr"], "10.0.0.0/8");
  Json ping = rule(sg, {{"protocol", "icmp"},
                        {"port_range_min", 8},
                        {"port_range_max", 0},
                        {"remote_ip_prefix", "192.168.0.0/16"}});
  EXPECT_EQ(ping["port_range_max"], 0);
  // The group shows its rules and was revised by each.
  Json g = send("GET", "/v2.0/security-groups/" + sg, nullptr, 200)["security_group"];
  EXPECT_EQ(g["security_group_rules"].size(), 11u);
  EXPECT_EQ(g["revision_number"], 9);
  // show, delete, 404.
  std::string rid = ssh["id"];
  EXPECT_EQ(
      send("GET", "/v2.0/security-group-rules/" + rid, nullptr, 200)["security_group_rule"]["id"],
      rid);
  send("DELETE", "/v2.0/security-group-rules/" + rid, nullptr, 204);
  Json gone = send("GET", "/v2.0/security-group-rules/" + rid, nullptr, 404);
  EXPECT_EQ(type_of(gone), "SecurityGroupRuleNotFound");
  EXPECT_EQ(message_of(gone), "Security group rule " + rid + " does not exist");
  g = send("GET", "/v2.0/security-groups/" + sg, nullptr, 200)["security_group"];
  EXPECT_EQ(g["security_group_rules"].size(), 10u);
  // The same rule again, now that it is gone, is fine.
  rule(sg, {{"protocol", "tcp"}, {"port_range_min", 22}, {"port_range_max", 22}});
}

TEST_F(SecurityGroupTest, RuleValidation) {
  std::string sg = group("g")["id"];
  EXPECT_EQ(refused(sg, {{"protocol", "tcp"}, {"port_range_min", 30}, {"port_range_max", 20}}),
            "400 SecurityGroupInvalidPortRange: For TCP/UDP protocols, port_range_min must be <= "
            "port_range_max");
  EXPECT_EQ(refused(sg, {{"protocol", "tcp"}, {"port_range_min", 0}, {"port_range_max", 20}}),
            "400 SecurityGroupInvalidPortValue: Invalid value for port 0.");
  EXPECT_EQ(refused(sg, {{"protocol", "tcp"}, {"port_range_min", 70000}}),
            "400 SecurityGroupInvalidPortValue: Invalid value for port 70000.");
  EXPECT_EQ(refused(sg, {{"protocol", "udp"}, {"port_range_min", "x"}}),
            "400 SecurityGroupInvalidPortValue: Invalid value for port x.");
  EXPECT_EQ(type_of(rule(sg, {{"protocol", "tcp"}, {"port_range_min", 20}}, 400)),
            "SecurityGroupInvalidPortRange");  // min without max
  EXPECT_EQ(refused(sg, {{"port_range_min", 22}, {"port_range_max", 22}}),
            "400 SecurityGroupProtocolRequiredWithPorts: Must also specify protocol if port "
            "range is given.");
  EXPECT_EQ(refused(sg, {{"protocol", "gre"}, {"port_range_min", 22}, {"port_range_max", 22}}),
            "400 SecurityGroupInvalidProtocolForPort: Invalid protocol 47 for port range, only "
            "supported for TCP, UDP, UDPLITE, SCTP, DCCP protocols.");
  EXPECT_EQ(refused(sg, {{"protocol", "icmp"}, {"port_range_min", 256}}),
            "400 SecurityGroupInvalidIcmpValue: Invalid value for ICMP type (port_range_min) 256. "
            "It must be 0 to 255.");
  EXPECT_EQ(refused(sg, {{"protocol", "icmp"}, {"port_range_min", 8}, {"port_range_max", 300}}),
            "400 SecurityGroupInvalidIcmpValue: Invalid value for ICMP code (port_range_max) 300. "
            "It must be 0 to 255.");
  EXPECT_EQ(refused(sg, {{"protocol", "icmp"}, {"port_range_max", 3}}),
            "400 SecurityGroupMissingIcmpType: ICMP code (port-range-max) 3 is provided but ICMP "
            "type (port-range-min) is missing.");
  EXPECT_EQ(type_of(rule(sg, {{"protocol", "foo"}}, 400)), "SecurityGroupRuleInvalidProtocol");
  EXPECT_EQ(type_of(rule(sg, {{"protocol", 256}}, 400)), "SecurityGroupRuleInvalidProtocol");
  EXPECT_EQ(type_of(rule(sg, {{"protocol", -1}}, 400)), "SecurityGroupRuleInvalidProtocol");
  EXPECT_TRUE(message_of(rule(sg, {{"protocol", "foo"}}, 400))
                  .starts_with("Security group rule protocol foo not supported. Only protocol "
                               "values [None, 'ah', "));
  EXPECT_EQ(refused(sg, {{"ethertype", "IPv4"}, {"remote_ip_prefix", "2001:db8::/64"}}),
            "400 SecurityGroupRuleParameterConflict: Conflicting value ethertype IPv4 for CIDR "
            "2001:db8::/64");
  EXPECT_EQ(refused(sg, {{"ethertype", "IPv6"}, {"remote_ip_prefix", "10.0.0.0/8"}}),
            "400 SecurityGroupRuleParameterConflict: Conflicting value ethertype IPv6 for CIDR "
            "10.0.0.0/8");
  EXPECT_EQ(refused(sg, {{"protocol", "ipv6-icmp"}}),
            "400 SecurityGroupEthertypeConflictWithProtocol: Invalid ethertype IPv4 for protocol "
            "ipv6-icmp.");
  EXPECT_EQ(type_of(rule(sg, {{"protocol", "58"}}, 400)),
            "SecurityGroupEthertypeConflictWithProtocol");
  EXPECT_EQ(refused(sg, {{"remote_ip_prefix", "10.0.0.0/33"}}),
            "400 InvalidCIDR: Invalid CIDR 10.0.0.0/33 given as IP prefix.");
  EXPECT_EQ(refused(sg, {{"remote_ip_prefix", "10.0.0.0/8"}, {"remote_group_id", sg}}),
            "400 SecurityGroupRemoteGroupAndRemoteIpPrefix: Only remote_ip_prefix or "
            "remote_group_id may be provided.");
  EXPECT_EQ(refused(sg, {{"direction", "up"}}),
            "400 HTTPBadRequest: Invalid input for direction. Reason: 'up' is not in "
            "['ingress', 'egress'].");
  EXPECT_EQ(refused(sg, {{"ethertype", "IPv5"}}),
            "400 HTTPBadRequest: Invalid input for ethertype. Reason: 'IPv5' is not in "
            "['IPv4', 'IPv6'].");
  Json b = send("POST", "/v2.0/security-group-rules",
                {{"security_group_rule", {{"security_group_id", sg}}}}, 400);
  EXPECT_EQ(message_of(b), "Failed to parse request. Required attribute 'direction' not specified");
  std::string nobody = "11111111-2222-4333-8444-555555555555";
  EXPECT_EQ(refused(nobody, Json::object(), 404),
            "404 SecurityGroupNotFound: Security group " + nobody + " does not exist");
  EXPECT_EQ(type_of(rule(sg, {{"remote_group_id", nobody}}, 404)), "SecurityGroupNotFound");
  // Nothing of that stayed.
  Json g = send("GET", "/v2.0/security-groups/" + sg, nullptr, 200)["security_group"];
  EXPECT_EQ(g["security_group_rules"].size(), 2u);
  EXPECT_EQ(g["revision_number"], 0);
}

TEST_F(SecurityGroupTest, DuplicateRules) {
  std::string sg = group("g")["id"];
  Json first = rule(sg, {{"protocol", "tcp"},
                         {"port_range_min", 22},
                         {"port_range_max", 22},
                         {"remote_ip_prefix", "10.0.0.0/8"}});
  std::string want =
      "409 SecurityGroupRuleExists: Security group rule already exists. Rule id is " +
      first["id"].get<std::string>() + ".";
  EXPECT_EQ(refused(sg,
                    {{"protocol", "tcp"},
                     {"port_range_min", 22},
                     {"port_range_max", 22},
                     {"remote_ip_prefix", "10.0.0.0/8"}},
                    409),
            want);
  // The same rule in other words: protocol number, host bits in the prefix.
  EXPECT_EQ(refused(sg,
                    {{"protocol", "6"},
                     {"port_range_min", "22"},
                     {"port_range_max", 22},
                     {"remote_ip_prefix", "10.1.2.3/8"}},
                    409),
            want);
  // The default egress rules exist already; 0.0.0.0/0 is the same as no prefix.
  EXPECT_EQ(type_of(rule(sg, {{"direction", "egress"}}, 409)), "SecurityGroupRuleExists");
  EXPECT_EQ(type_of(rule(sg, {{"direction", "egress"}, {"remote_ip_prefix", "0.0.0.0/0"}}, 409)),
            "SecurityGroupRuleExists");
  EXPECT_EQ(type_of(rule(sg, {{"direction", "egress"}, {"ethertype", "IPv6"}}, 409)),
            "SecurityGroupRuleExists");
  // Different direction, ethertype, ports or prefix: a different rule.
  rule(sg, {{"protocol", "tcp"}, {"port_range_min", 22}, {"port_range_max", 23}});
  rule(sg, {{"protocol", "tcp"},
            {"port_range_min", 22},
            {"port_range_max", 22},
            {"remote_ip_prefix", "10.0.0.0/9"}});
  rule(sg, {{"protocol", "tcp"},
            {"port_range_min", 22},
            {"port_range_max", 22},
            {"direction", "egress"},
            {"remote_ip_prefix", "10.0.0.0/8"}});
  // icmpv6 and ipv6-icmp are one protocol.
  rule(sg, {{"protocol", "icmpv6"}, {"ethertype", "IPv6"}});
  EXPECT_EQ(type_of(rule(sg, {{"protocol", "ipv6-icmp"}, {"ethertype", "IPv6"}}, 409)),
            "SecurityGroupRuleExists");
}

TEST_F(SecurityGroupTest, DeletesAndProjects) {
  std::string def = default_id();
  Json web = group("web");
  std::string wid = web["id"];
  Json from_web = rule(def, {{"remote_group_id", wid},
                             {"protocol", "tcp"},
                             {"port_range_min", 80},
                             {"port_range_max", 80}});
  EXPECT_EQ(from_web["remote_group_id"], wid);
  // Deleting a group takes its rules and the rules that name it as remote group.
  send("DELETE", "/v2.0/security-groups/" + wid, nullptr, 204);
  Json gone = send("GET", "/v2.0/security-groups/" + wid, nullptr, 404);
  EXPECT_EQ(message_of(gone), "Security group " + wid + " does not exist");
  for (const auto& r : web["security_group_rules"]) {
    send("GET", "/v2.0/security-group-rules/" + r["id"].get<std::string>(), nullptr, 404);
  }
  send("GET", "/v2.0/security-group-rules/" + from_web["id"].get<std::string>(), nullptr, 404);
  Json d = send("GET", "/v2.0/security-groups/" + def, nullptr, 200)["security_group"];
  EXPECT_EQ(d["security_group_rules"].size(), 4u);
  // A project may not delete its default group; an admin may, and it comes back on next use.
  std::string p2 = default_id("p2");
  Json refusal = send("DELETE", "/v2.0/security-groups/" + p2, nullptr, 409, "p2");
  EXPECT_EQ(type_of(refusal), "SecurityGroupCannotRemoveDefault");
  // Others' groups and rules are invisible to a project.
  send("DELETE", "/v2.0/security-groups/" + def, nullptr, 404, "p2");
  EXPECT_EQ(type_of(rule(def, Json::object(), 404, "p2")), "SecurityGroupNotFound");
  Json own = group("own", 201, "p2");
  EXPECT_EQ(own["project_id"], "p2");
  Json r = rule(own["id"], {{"protocol", "udp"}}, 201, "p2");
  EXPECT_EQ(r["project_id"], "p2");
  send("GET", "/v2.0/security-group-rules/" + r["id"].get<std::string>(), nullptr, 200, "p2");
  send("GET", "/v2.0/security-group-rules/" + from_web["id"].get<std::string>(), nullptr, 404,
       "p2");
  send("DELETE", "/v2.0/security-groups/" + p2, nullptr, 204);  // the admin
  std::string again = default_id("p2");
  EXPECT_NE(again, p2);
  EXPECT_EQ(send("GET", "/v2.0/security-groups/" + again, nullptr,
                 200)["security_group"]["security_group_rules"]
                .size(),
            4u);
  send("DELETE", "/v2.0/security-groups/bogus", nullptr, 404);
}

TEST_F(SecurityGroupTest, Extensions) {
  for (const char* alias :
       {"security-group", "stateful-security-group", "security-groups-normalized-cidr"}) {
    ApiResponse r = call("GET", std::string("/v2.0/extensions/") + alias);
    EXPECT_EQ(r.status, 200) << alias;
    EXPECT_EQ(Json::parse(r.body)["extension"]["alias"], alias);
  }
}

}  // namespace
}  // namespace nt::controller
