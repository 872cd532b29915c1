// Daemon: command-line options, the epoll event loop, --detach and the pidfile.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "common/strings.h"
#include "vswitchd/daemon.h"

namespace nt {
namespace {

// epoll tags: the kind in the high 32 bits, an fd or odp port number in the low 32.
enum Tag : uint64_t { kListen = 1, kTimer, kSignal, kClient, kNetdev, kSched, kFlows };
uint64_t tag(Tag kind, uint32_t value = 0) { return uint64_t{kind} << 32 | value; }

constexpr int kTimerMs = 500;
constexpr size_t kBatchesPerWake = 8;      // fairness between ports
constexpr size_t kCoalesceMinPackets = 8;  // a wake-up with fewer frames is not "under load"
constexpr unsigned long kTimerSlackNs = 1000;

const char* kUsage =
    "neutrino-vswitchd: Neutrino virtual switch daemon\n"
    "usage: neutrino-vswitchd [OPTIONS]\n"
    "\nDaemon options:\n"
    "  --detach                run in background as daemon\n"
    "  --pidfile[=FILE]        create pidfile (default: RUNDIR/neutrino-vswitchd.pid)\n"
    "  --log-file[=FILE]       enable logging to file (default: RUNDIR/neutrino-vswitchd.log)\n"
    "  --rundir=DIR            run directory (default: $NVS_RUNDIR or /var/run/neutrino)\n"
    "  --enable-dummy          enable dummy netdevs (type=dummy, datapath_type=dummy,\n"
    "                          options:tx_pcap/rx_pcap), for testing\n"
    "\nControl socket options:\n"
    "  --control-max-request=BYTES  largest request accepted (default: 67108864)\n"
    "  --control-max-clients=N      simultaneous connections (default: 64)\n"
    "  --control-idle-timeout=SECS  close a connection idle this long (default: 30)\n"
    "  -h, --help              display this help message\n"
    "  -V, --version           display version information\n";

int64_t monotonic_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

std::string absolute(const std::string& path, const std::string& base) {
  if (path.empty() || path[0] == '/') return path;
  if (base.empty() || base[0] != '/') {
    char cwd[4096];
    std::string b = getcwd(cwd, sizeof cwd) ? std::string(cwd) : ".";
    return absolute(path, base.empty() ? b : b + "/" + base);
  }
  return base + "/" + path;
}

Status write_pidfile(const std::string& path) {
  return write_file_atomic(path, std::to_string(::getpid()) + "\n");
}

// Another daemon already serving this run directory?
bool already_running(const std::string& socket_path) {
  ControlRequest ping{"appctl", {"version"}, ""};
  return control_call(socket_path, ping, 1000).ok();
}

}  // namespace

Result<DaemonOptions> parse_daemon_options(const std::vector<std::string>& argv) {
  DaemonOptions o;
  std::optional<std::string> rundir;
  bool pidfile = false, logfile = false;
  std::string pid_name, log_name;
  for (const std::string& a : argv) {
    std::string_view v = a;
    auto value = [&](std::string_view opt) { return std::string(v.substr(opt.size() + 1)); };
    if (v == "--detach") {
      o.detach = true;
    } else if (v == "--pidfile" || starts_with(v, "--pidfile=")) {
      pidfile = true;
      pid_name = v == "--pidfile" ? "" : value("--pidfile");
    } else if (v == "--log-file" || starts_with(v, "--log-file=")) {
      logfile = true;
      log_name = v == "--log-file" ? "" : value("--log-file");
    } else if (starts_with(v, "--rundir=")) {
      rundir = value("--rundir");
    } else if (v == "--enable-dummy" || starts_with(v, "--enable-dummy=")) {
      o.enable_dummy = true;  // Open vSwitch's =override/=system variants: same here
    } else if (starts_with(v, "--control-max-request=")) {
      auto n = parse_uint(value("--control-max-request"), 64);
      if (!n || *n < 64) return make_error("--control-max-request: expected bytes (>= 64)");
      o.control.max_request = static_cast<size_t>(*n);
    } else if (starts_with(v, "--control-max-clients=")) {
      auto n = parse_uint(value("--control-max-clients"), 32);
      if (!n || *n < 1) return make_error("--control-max-clients: expected a number >= 1");
      o.control.max_clients = static_cast<size_t>(*n);
    } else if (starts_with(v, "--control-idle-timeout=")) {
      auto n = parse_uint(value("--control-idle-timeout"), 32);
      if (!n || *n < 1) return make_error("--control-idle-timeout: expected seconds >= 1");
      o.control.idle_timeout_ms = *n * 1000;
    } else if (v == "-h" || v == "--help") {
      o.help = true;
    } else if (v == "-V" || v == "--version") {
      o.version = true;
    } else if (v == "--no-chdir" || v == "--monitor" || v == "--mlockall") {
      // accepted for compatibility with ovs-vswitchd command lines
    } else {
      return make_error("unrecognized option '" + a + "'");
    }
  }
  o.rundir = absolute(run_dir(rundir), "");
  if (pidfile) {
    o.pidfile = absolute(pid_name.empty() ? std::string(kDaemonName) + ".pid" : pid_name, o.rundir);
  }
  if (logfile) {
    o.log_file =
        absolute(log_name.empty() ? std::string(kDaemonName) + ".log" : log_name, o.rundir);
  }
  return o;
}

Status Daemon::start() {
  if (::mkdir(opts_.rundir.c_str(), 0755) != 0 && errno != EEXIST) {
    return make_error(opts_.rundir + ": " + std::strerror(errno));
  }
  std::string sock = control_socket_path(opts_.rundir);
  if (already_running(sock)) {
    return make_error("another " + std::string(kDaemonName) + " is already serving " + sock);
  }
  if (opts_.log_file) NT_TRY(vlog().set_log_file(*opts_.log_file));
  if (opts_.detach) {
    for (const std::string& m : Vlog::modules())
      vlog().set_level(m, VlogDest::kConsole, VlogLevel::kOff);
  }
  netdev_enable_dummy(opts_.enable_dummy);
  NT_TRY(load_state());
  NT_TRY(setup_loop());
  control_ = std::make_unique<ControlServer>(
      opts_.control, [this](const ControlRequest& req) { return handle(req); },
      [] { return static_cast<uint64_t>(monotonic_ms()); });
  NT_TRY(control_->start(sock, epoll_fd_, tag(kListen), tag(kClient)));
  listening_ = true;
  if (opts_.pidfile) {
    NT_TRY(write_pidfile(*opts_.pidfile));
    pidfile_written_ = true;
  }
  vlog().log("vswitchd", VlogLevel::kInfo,
             std::string(kDaemonName) +
                 " (Neutrino) 0.1.0 started, "
                 "listening on " +
                 sock);
  running_ = true;
  return ok_status();
}

Status Daemon::setup_loop() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  sched_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  sigset_t mask;
  sigemptyset(&mask);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&mask, s);
  ::sigprocmask(SIG_BLOCK, &mask, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  signal_fd_ = ::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (epoll_fd_ < 0 || timer_fd_ < 0 || signal_fd_ < 0 || sched_fd_ < 0) {
    return make_error(std::string("event loop: ") + std::strerror(errno));
  }
  itimerspec its{};
  its.it_interval.tv_nsec = its.it_value.tv_nsec = kTimerMs * 1'000'000L;
  ::timerfd_settime(timer_fd_, 0, &its, nullptr);
  epoll_event ev{EPOLLIN, {.u64 = tag(kTimer)}};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, timer_fd_, &ev);
  ev.data.u64 = tag(kSignal);
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, signal_fd_, &ev);
  ev.data.u64 = tag(kSched);
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, sched_fd_, &ev);
  if (int fd = flows_.wake_fd(); fd >= 0) {  // a background compaction's snapshot is durable
    ev.data.u64 = tag(kFlows);
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  }
  sync_rx_fds();
  return ok_status();
}

// Registers every up netdev's rx fd (again: a closed fd leaves epoll by itself, and a new
// port may reuse its number).
void Daemon::sync_rx_fds() {
  netdev_list_ = netdevs();
  if (epoll_fd_ < 0) return;
  for (const auto& [fd, odp] : rx_fds_) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  rx_fds_.clear();
  netdev_up_.clear();
  for (const auto& [odp, nd] : netdev_list_) {
    netdev_up_[odp] = nd->is_up();
    int fd = nd->rx_fd();
    if (fd < 0 || rx_fds_.count(fd)) continue;
    epoll_event ev{EPOLLIN, {.u64 = tag(kNetdev, odp)}};
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0) rx_fds_[fd] = odp;
  }
}

size_t Daemon::poll_netdev(uint32_t odp_port, Netdev* nd, size_t max_batches) {
  PacketPool& pool = sw().datapath().pool();
  size_t packets = 0;
  for (size_t i = 0; i < max_batches; ++i) {
    PacketBatch batch;
    size_t n = nd->receive(pool, batch);
    if (n == 0) break;
    packets += n;
    sw().receive_batch(odp_port, batch);
  }
  packets_this_wake_ += packets;
  return packets;
}

// Under load, wait a moment before the next look so that frames gather into full batches: a
// wake-up that brought at least kCoalesceMinPackets sleeps rx_coalesce_us_ before the next
// one. A sender then fills the rings while we sleep instead of waking us for every frame, and
// each look takes a full batch for one poll, one translation pass and one sendmmsg(). On a
// machine whose cores are shared by senders, receivers and the switch, those wake-ups (a
// context switch each way and the waker's IPI) cost more than the frames themselves: 64-byte
// UDP through two veths doubles in packets/s. A lone frame (ping, a request) never waits.
bool Daemon::coalesce() {
  if (rx_coalesce_us_ == 0 || packets_this_wake_ < kCoalesceMinPackets) return false;
  timespec ts{0, static_cast<long>(rx_coalesce_us_) * 1000};
  ::nanosleep(&ts, nullptr);
  return true;
}

// Netdevs holding packets without a readable fd; true if any still has more.
bool Daemon::poll_pending() {
  bool more = false;
  for (const auto& [odp, nd] : netdev_list_) {
    if (!nd->rx_pending()) continue;
    poll_netdev(odp, nd, kBatchesPerWake);
    more = more || nd->rx_pending();
  }
  return more;
}

void Daemon::on_timer() {
  uint64_t expirations;
  while (::read(timer_fd_, &expirations, sizeof expirations) > 0) {
  }
  sw().run();
  compact_flows();
  if (control_) control_->tick();
  bool changed = false;
  for (const auto& [odp, nd] : netdevs()) {
    nd->poll_stats();
    if (!nd->is_up()) (void)nd->retry();
    auto it = netdev_up_.find(odp);
    changed = changed || it == netdev_up_.end() || it->second != nd->is_up();
  }
  if (!changed) return;
  log("netdev", VlogLevel::kInfo, "port link state changed; updating the database");
  node_.refresh();  // rewrites link_state / error, re-registers rx fds
  (void)persist_db();
}

// Fires the node services' due timers and sets sched_fd_ to the next deadline (the scheduler's
// microseconds are the steady clock's, which is CLOCK_MONOTONIC).
void Daemon::run_scheduler() {
  if (sched.pending() == 0 && sched_armed_ == kNever) return;  // no services: nothing to do
  uint64_t expirations;
  while (::read(sched_fd_, &expirations, sizeof expirations) > 0) {
  }
  sched.run_due();
  TimeUs next = sched.next_event_us();
  if (next == sched_armed_) return;
  sched_armed_ = next;
  itimerspec its{};
  if (next != kNever) {
    TimeUs delay = std::max<TimeUs>(next - sched.now_us(), 1);
    its.it_value.tv_sec = delay / kUsPerSec;
    its.it_value.tv_nsec = (delay % kUsPerSec) * 1000;
  }
  ::timerfd_settime(sched_fd_, 0, &its, nullptr);  // all zero: disarmed
}

void Daemon::run() {
  // The coalescing sleep must be as short as asked: the default timer slack would add 50 us.
  ::prctl(PR_SET_TIMERSLACK, kTimerSlackNs, 0, 0, 0);
  epoll_event events[64];
  bool pending = false;
  while (running_ && !exit_requested()) {
    packets_this_wake_ = 0;
    int n = ::epoll_wait(epoll_fd_, events, 64, pending ? 0 : -1);
    for (int i = 0; i < n && running_; ++i) {
      uint64_t t = events[i].data.u64;
      uint32_t value = static_cast<uint32_t>(t);
      switch (static_cast<Tag>(t >> 32)) {
        case kListen:
          if (control_) control_->on_listen();
          break;
        case kTimer:
          on_timer();
          break;
        case kSignal:
          running_ = false;
          break;
        case kClient:
          if (control_) control_->on_client(static_cast<int>(value), events[i].events);
          break;
        case kNetdev:
          if (Netdev* nd = netdev(value)) poll_netdev(value, nd, kBatchesPerWake);
          break;
        case kSched:
          break;  // run_scheduler() below
        case kFlows:
          finish_compactions();
          break;
      }
    }
    run_scheduler();
    // A background compaction formats one slice of its snapshot per pass, between packets.
    bool compacting = flows_.compaction_step();
    pending = poll_pending() || compacting;
    if (!pending) pending = coalesce();
  }
  log("vswitchd", VlogLevel::kInfo, "exiting");
  cleanup();
}

void Daemon::cleanup() {
  if (cleaned_) return;
  cleaned_ = true;
  if (control_) control_->stop();
  if (listening_) ::unlink(control_socket_path(opts_.rundir).c_str());
  listening_ = false;
  if (pidfile_written_) ::unlink(opts_.pidfile->c_str());
  for (int fd : {epoll_fd_, timer_fd_, signal_fd_, sched_fd_}) {
    if (fd >= 0) ::close(fd);
  }
  epoll_fd_ = timer_fd_ = signal_fd_ = sched_fd_ = -1;
}

namespace {

// Forks; the parent waits until the child reports that it is ready (or why it failed) and
// exits with that result. Returns the write end of the pipe in the child.
int detach_or_exit() {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid > 0) {
    ::close(fds[1]);
    char c = 1;
    ssize_t n = ::read(fds[0], &c, 1);
    if (n != 1) ::waitpid(pid, nullptr, 0);
    std::_Exit(n == 1 && c == 0 ? 0 : 1);
  }
  ::close(fds[0]);
  ::setsid();
  return fds[1];
}

void finish_detach(int ready_fd, bool ok) {
  if (ready_fd < 0) return;
  char c = ok ? 0 : 1;
  (void)!::write(ready_fd, &c, 1);
  ::close(ready_fd);
  if (!ok) return;
  int null = ::open("/dev/null", O_RDWR);
  for (int fd : {0, 1, 2}) ::dup2(null, fd);
  if (null > 2) ::close(null);
  (void)!::chdir("/");
}

}  // namespace

int daemon_main(const std::vector<std::string>& argv) {
  auto opts = parse_daemon_options(argv);
  if (!opts.ok()) {
    std::fprintf(stderr, "%s: %s\n(use --help for help)\n", kDaemonName,
                 opts.error().message.c_str());
    return 1;
  }
  if (opts->help) return std::fputs(kUsage, stdout), 0;
  if (opts->version) return std::puts("neutrino-vswitchd (Neutrino) 0.1.0"), 0;
  int ready_fd = opts->detach ? detach_or_exit() : -1;
  Daemon daemon(*opts);
  Status st = daemon.start();
  if (!st.ok()) {
    std::fprintf(stderr, "%s: %s\n", kDaemonName, st.error().message.c_str());
    daemon.vlog().log("vswitchd", VlogLevel::kEmer, st.error().message);
    finish_detach(ready_fd, false);
    return 1;
  }
  finish_detach(ready_fd, true);
  daemon.run();
  return 0;
}

}  // namespace nt
