// nvs-vsctl's command engine: ovs-vsctl(8)'s commands, options, output and exit codes, run
// against the configuration model (ovsdb.h) instead of an ovsdb-server.
//
// `argv` is exactly what follows `nvs-vsctl` on a command line: global options first
// (--timeout, --no-wait, --db, -v are accepted and ignored; --dry-run, --oneline, --format,
// --data, --bare, --no-headings take effect), then one or more commands separated by `--`, each
// with its own options before its name (--may-exist, --if-exists, --columns=..., --id=@name).
// The commands run as one transaction on a copy of `db`; only if every command succeeds and
// the result passes the database's integrity rules (references resolve, names unique; rows
// nothing references are garbage-collected) does the copy replace `db`. On any error `db` is
// untouched, `out` is empty, `err` says what went wrong ("nvs-vsctl: no bridge named br9")
// and `status` is 1; `br-exists` on a missing bridge gives status 2, as in Open vSwitch.
// A transaction that changed something bumps Open_vSwitch.next_cfg (unless --no-wait).
//
// Pure: no I/O. The daemon loads the Db, runs this on each request, saves the Db when it
// changed, and reconciles the running switch with it.
#pragma once

#include <string>
#include <vector>

#include "ovsdb/ovsdb.h"

namespace nt {

struct VsctlResult {
  int status = 0;   // 0 success, 1 error, 2 br-exists: no such bridge
  std::string out;  // what ovs-vsctl prints on stdout
  std::string err;  // what it prints on stderr (errors; warnings even on success)
};

VsctlResult vsctl_execute(Db& db, const std::vector<std::string>& argv);

}  // namespace nt
