// Tags (Neutron's standard-attr-tag): the `tags` sub-resource of every resource that has the
// standard `tags` attribute, and the tag filters of lists.
//
//   GET    /v2.0/<resources>/<id>/tags          200 {"tags": [...]}
//   PUT    /v2.0/<resources>/<id>/tags          200, replaces all: body {"tags": [...]}
//   DELETE /v2.0/<resources>/<id>/tags          204, removes all
//   GET    /v2.0/<resources>/<id>/tags/<tag>    204, or 404 TagNotFound
//   PUT    /v2.0/<resources>/<id>/tags/<tag>    201, adds one
//   DELETE /v2.0/<resources>/<id>/tags/<tag>    204, or 404 TagNotFound
//
// Generic over ResourceInfo: a resource kind gets tags by having the attribute. A change bumps
// the resource's revision_number and updated_at, as in Neutron.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "controller/resource.h"

namespace nt::controller {

inline constexpr size_t kMaxTagLength = 60;  // Neutron's MAX_TAG_LEN

struct TagReply {
  int status;
  Json body;  // null: no body
};

bool has_tags(const ResourceInfo& info);

// One request to the sub-resource; `tag` is the URL's last segment when there is one, `body`
// the parsed request body of a PUT without a tag (null otherwise).
TagReply handle_tags(Env& env, const ResourceInfo& info, const std::string& id,
                     const std::string& method, const std::optional<std::string>& tag,
                     const Json& body);

// The list filters `tags` (all of), `tags-any`, `not-tags` (not all of) and `not-tags-any`
// (none of); values are comma-separated and keys may repeat.
class TagFilter {
 public:
  static bool is_param(const std::string& key);
  void add(const std::string& key, const std::string& value);
  bool empty() const;
  bool matches(const Json& body) const;

 private:
  std::vector<std::string> all_, any_, not_all_, not_any_;
};

}  // namespace nt::controller
