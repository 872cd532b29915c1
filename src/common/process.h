// Running other programs for the real lab back end: `ip`, `tcpdump`, `busybox`, the nvs-*
// tools and neutrino-vswitchd, each by fork/exec with an explicit argv (never through a shell,
// so names and flows need no quoting). Foreground runs capture stdout+stderr; background runs
// (tcpdump captures) write to a file and are stopped by pid.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"

namespace nt {

struct ProcessResult {
  int exit_code = -1;  // the program's exit status; 128+N when killed by signal N
  std::string output;  // stdout and stderr, interleaved as written
};

// Runs argv[0] (searched in PATH) with `input` on its stdin; waits at most `timeout_s`.
// An error only when the program cannot be started or times out.
Result<ProcessResult> run_process(const std::vector<std::string>& argv,
                                  const std::string& input = "", int timeout_s = 60);

// Runs argv and fails unless it exits 0; the error carries the command and what it printed.
Result<std::string> run_checked(const std::vector<std::string>& argv,
                                const std::string& input = "");

// Starts argv in the background with stdout and stderr appended to `log_path`.
Result<pid_t> spawn_background(const std::vector<std::string>& argv, const std::string& log_path);

// Sends `sig`, waits up to `grace_ms` for the child to exit, then SIGKILL. Reaps it.
void stop_process(pid_t pid, int sig, int grace_ms = 2000);

// The process a pidfile names if it is still the program it was (its /proc/PID/comm starts
// with `comm`: the kernel keeps 15 characters of it), so a pid reused since is never
// signalled; -1 otherwise.
pid_t pidfile_pid(const std::string& pidfile, const std::string& comm);

// argv as a person would type it (words with spaces or quotes are single-quoted).
std::string command_line(const std::vector<std::string>& argv);

}  // namespace nt
