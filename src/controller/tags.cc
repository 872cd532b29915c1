#include "controller/tags.h"

#include <algorithm>

#include "controller/resource.h"

namespace nt::controller {
namespace {

void check_tag(const Json& tag) {
  if (!tag.is_string() || !is_utf8(tag.get_ref<const std::string&>())) {
    throw invalid_input("'" + shown(tag) + "' is not a valid string.");
  }
  if (tag.get_ref<const std::string&>().size() > kMaxTagLength) {
    throw invalid_input("'" + shown(tag) + "' exceeds maximum length of " +
                        std::to_string(kMaxTagLength) + ".");
  }
}

// Neutron's validate_tags: {"tags": [unique strings]}.
Json check_tags_body(const Json& body) {
  if (!body.is_object() || !body.contains("tags")) throw invalid_input("Invalid tags body.");
  const Json& tags = body["tags"];
  if (!tags.is_array()) throw invalid_input("'" + shown(tags) + "' is not a list.");
  std::vector<std::string> dups;
  for (size_t i = 0; i < tags.size(); ++i) {
    check_tag(tags[i]);
    if (std::find(tags.begin(), tags.begin() + static_cast<long>(i), tags[i]) !=
            tags.begin() + static_cast<long>(i) &&
        std::find(dups.begin(), dups.end(), tags[i]) == dups.end()) {
      dups.push_back(tags[i]);
    }
  }
  if (!dups.empty()) {
    std::string list;
    for (const auto& d : dups) list += (list.empty() ? "" : ", ") + d;
    throw invalid_input("Duplicate items in the list: '" + list + "'.");
  }
  return tags;
}

Fault tag_not_found(const ResourceInfo& info, const std::string& id, const std::string& tag) {
  return not_found("TagNotFound",
                   "Tag " + tag + " could not be found for " + info.kind + " " + id + ".");
}

bool has(const Json& tags, const std::string& tag) {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

void store(Env& env, const ResourceInfo& info, Json& body, Json tags) {
  body["tags"] = std::move(tags);
  stamp_update(body);
  if (Status s = env.txn.put(info.kind, body); !s) internal(s.error());
}

std::vector<std::string> split_commas(const std::string& v) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= v.size()) {
    size_t j = std::min(v.find(',', i), v.size());
    if (j > i) out.push_back(v.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

bool has_tags(const ResourceInfo& info) { return info.find("tags") != nullptr; }

TagReply handle_tags(Env& env, const ResourceInfo& info, const std::string& id,
                     const std::string& method, const std::optional<std::string>& tag,
                     const Json& body) {
  Json cur = get_visible(env, info, id);
  Json tags = cur.value("tags", Json::array());
  if (method == "GET") {
    if (!tag) return {200, {{"tags", tags}}};
    if (!has(tags, *tag)) throw tag_not_found(info, id, *tag);
    return {204, nullptr};
  }
  if (method != "PUT" && method != "DELETE") {
    throw Fault(405, "HTTPMethodNotAllowed",
                "The method " + method + " is not allowed for this resource.");
  }
  check_owner(env.ctx, "update", info.kind, cur);
  if (method == "PUT" && tag) {
    check_tag(*tag);
    if (!has(tags, *tag)) {
      tags.push_back(*tag);
      store(env, info, cur, tags);
    }
    return {201, nullptr};
  }
  if (method == "PUT") {
    Json want = check_tags_body(body);
    if (want != tags) store(env, info, cur, want);
    return {200, {{"tags", want}}};
  }
  if (tag) {
    if (!has(tags, *tag)) throw tag_not_found(info, id, *tag);
    tags.erase(std::find(tags.begin(), tags.end(), *tag));
  } else {
    tags = Json::array();
  }
  if (tags != cur.value("tags", Json::array())) store(env, info, cur, tags);
  return {204, nullptr};
}

bool TagFilter::is_param(const std::string& key) {
  return key == "tags" || key == "tags-any" || key == "not-tags" || key == "not-tags-any";
}

void TagFilter::add(const std::string& key, const std::string& value) {
  auto& into = key == "tags"       ? all_
               : key == "tags-any" ? any_
               : key == "not-tags" ? not_all_
                                   : not_any_;
  for (auto& t : split_commas(value)) into.push_back(std::move(t));
}

bool TagFilter::empty() const {
  return all_.empty() && any_.empty() && not_all_.empty() && not_any_.empty();
}

bool TagFilter::matches(const Json& body) const {
  const Json tags = body.value("tags", Json::array());
  auto in = [&](const std::string& t) { return has(tags, t); };
  if (!std::all_of(all_.begin(), all_.end(), in)) return false;
  if (!any_.empty() && !std::any_of(any_.begin(), any_.end(), in)) return false;
  if (!not_all_.empty() && std::all_of(not_all_.begin(), not_all_.end(), in)) return false;
  return std::none_of(not_any_.begin(), not_any_.end(), in);
}

}  // namespace nt::controller
