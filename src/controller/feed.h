// The change feed: how agents learn what to do and are woken when it changes (DESIGN.md §5).
//
// An agent syncs fully, then follows the feed:
//
//   GET /v2.0/neutrino/hosts/{host}/state
//     -> {"host", "revision": R, "ports": [...], "networks": [...], "subnets": [...],
//         "security_groups": [...], "tunnel_peers": [...], "dhcp_networks": [...],
//         "routers": [...]}
//     The desired state of one host: every port whose binding:host_id is the host, the
//     networks of those ports (provider attributes, mtu) each with `remote_ports` (the
//     network's ports bound elsewhere: host, that host's tunneling_ip, mac_address, fixed_ips
//     — l2population's VTEP and MAC entries), their subnets, their security groups (with rules as
//     stored), and the other hosts' Open vSwitch agents with a tunneling_ip (the tunnel mesh), and
//     the networks this host's DHCP ports serve (dhcp.h), and the routers scheduled to this
//     host's L3 agent (l3_agents.h). R was read before the snapshot, so the
//     state holds at least every change up to R; following the feed from R can only repeat a
//     change, never miss one.
//
//   GET /v2.0/neutrino/changes?since=R[&wait=SECONDS]
//     -> {"revision": R2, "changes": [{"revision", "kind", "id", "op", "body"?, "host"?,
//         "network_id"?}...], "more": bool, "resync": bool}
//     The changes committed after revision R, whole revisions in order, at most
//     kFeedPageRevisions revisions per answer (`more` says another page is ready; the next
//     request passes since=R2). A put carries the resource's current body (the state now,
//     possibly newer than that revision; null if it has since been deleted — the delete
//     follows). A port's put also carries that body's binding:host_id and network_id as
//     `host` and `network_id` (when both are plain strings): a header an agent can test
//     before it parses the body (most ports of a large cloud are none of its business). With
//     nothing after R the request waits up to `wait` seconds (0..60, default 0) and answers as soon
//     as a commit lands, or with no changes and revision R at the timeout. `resync: true` (no
//     changes) when R is ahead of the server: the store was replaced, the agent must fetch its host
//     state again. Bad since/wait: 400; more than kMaxFeedWaiters waiting requests: 503, so waiters
//     never starve the server's workers (neutrino_server.cc sizes its thread pool to
//     kMaxFeedWaiters plus the ordinary workers).
//
// The wake-up: `Feed` holds the last revision the server knows was committed and a condition
// variable. Api::handle calls `Feed::notify` after every committing request; waiters re-read
// the store when the revision passes theirs. Another engine's commits (PostgreSQL: another
// server's, delivered by LISTEN neutrino_changes / NOTIFY with the revision as payload) call
// the same `Feed::notify(revision)` — that is the whole hook.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "controller/resource.h"

namespace nt::controller {

inline constexpr int kMaxFeedWaitSeconds = 60;
inline constexpr int kMaxFeedWaiters = 64;
inline constexpr uint64_t kFeedPageRevisions = 500;

class Feed {
 public:
  // A commit under `revision` is visible in the store: wake the waiters it concerns.
  void notify(uint64_t revision);
  uint64_t revision() const;

  enum class Wait { kChanged, kTimeout, kBusy };
  // Blocks until the known revision exceeds `since` or `deadline` passes. kBusy at once when
  // kMaxFeedWaiters requests are already waiting.
  Wait wait_past(uint64_t since, std::chrono::steady_clock::time_point deadline);
  int waiters() const;
  // The server is stopping: waiters answer now (no lock: callable from a signal handler).
  void close() { closed_ = true; }

 private:
  std::atomic<bool> closed_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t revision_ = 0;
  int waiters_ = 0;
};

// The feed's answer for the changes after `since`, up to `upto` (the store's revision): its
// JSON text, written as Json::dump() would write the document but with the stored bodies
// spliced in unparsed (a hundred agents each read every change), and its revision and resync.
struct FeedDoc {
  uint64_t revision = 0;
  bool resync = false;
  std::string json;
};
FeedDoc changes_doc(Txn& txn, uint64_t since, uint64_t upto);
// The desired state of `host` (see above); `revision` is the store's, read before.
Json host_state(Env& env, const std::string& host, uint64_t revision);

}  // namespace nt::controller
