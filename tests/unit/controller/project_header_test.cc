// The caller's project header: a project id that is not UTF-8 could not be written back in a
// body, so it is refused up front with 400.
#include "api_fixture.h"

namespace nt::controller {
namespace {

class ProjectHeaderTest : public ApiFixture {};

TEST_F(ProjectHeaderTest, MustBeUtf8) {
  for (const char* bad :
       {"\xff", "p\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82"}) {
    ApiResponse r = call("GET", "/v2.0/networks", "", {}, bad);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(type_of(Json::parse(r.body)), "HTTPBadRequest");
    EXPECT_EQ(message_of(Json::parse(r.body)), "X-Project-Id header is not valid UTF-8");
  }
  for (const char* good : {"p2", "proj\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"}) {
    EXPECT_EQ(call("GET", "/v2.0/networks", "", {}, good).status, 200) << good;
  }
}

}  // namespace
}  // namespace nt::controller
