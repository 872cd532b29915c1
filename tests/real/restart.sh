#!/usr/bin/env bash
# Real mode: neutrino-vswitchd killed with SIGKILL and started again on the same run directory
# comes back as it was, with no reconfiguration.
#
#   ns "node": neutrino-vswitchd, br-int with qvo1 tag=1 (ns "vm1" 172.16.1.3/24)
#                                 and qvo2 tag=1 (ns "vm2" 172.16.1.4/24)
#              plus a configured flow (table=0, priority=100, drops a made-up MAC) to see it return
#
# Shows: ping works; after `kill -9` nothing forwards; after the restart the configuration,
# the ports (same ofport numbers, read back with `nvs-vsctl get Interface <p> ofport`) and the
# flows are back from conf.db and flows/br-int.flows, and ping works again.
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$@"

step "A node with br-int and two instances on tag 1 (as in local_isolation.sh)"
new_ns node
start_daemon node RUN
vsctl node "$RUN" add-br br-int
# A port added and deleted first: qvo1 then gets ofport 2 and qvo2 reuses 1, numbers a
# fresh start would not hand out in that order, so seeing them again shows they were kept.
vsctl node "$RUN" add-port br-int spare -- set Interface spare type=dummy
new_ns vm1
new_ns vm2
veth vm1 eth0 node qvo1
veth vm2 eth0 node qvo2
instance_addr vm1 eth0 fa:16:3e:8e:3b:12 172.16.1.3/24
instance_addr vm2 eth0 fa:16:3e:fd:8a:ed 172.16.1.4/24
vsctl node "$RUN" add-port br-int qvo1 tag=1
vsctl node "$RUN" del-port br-int spare
vsctl node "$RUN" add-port br-int qvo2 tag=1
ofctl node "$RUN" add-flow br-int "table=0,priority=100,dl_src=02:00:00:00:00:99 actions=drop"

OFPORT1=$(vsctl node "$RUN" get Interface qvo1 ofport)
OFPORT2=$(vsctl node "$RUN" get Interface qvo2 ofport)
echo "qvo1 is ofport $OFPORT1, qvo2 is ofport $OFPORT2"
vsctl node "$RUN" show >"$RUN/show.before"
ofctl node "$RUN" --no-stats dump-flows br-int | sort >"$RUN/flows.before"
cat "$RUN/flows.before"

step "vm2 pings vm1 through the running switch"
expect_ping_ok vm2 172.16.1.3

step "kill -9 the daemon: no clean shutdown, its pidfile stays behind"
PID=$(daemon_pid "$RUN")
kill -9 "$PID"
wait_for 5 bash -c "! kill -0 $PID" || fail "daemon $PID did not die"
echo "killed neutrino-vswitchd (pid $PID)"

step "Nothing forwards now"
expect_ping_fails vm2 172.16.1.3

step "Start it again on the same run directory, with no configuration command"
restart_daemon node "$RUN"
echo "restarted: pid $(daemon_pid "$RUN")"

step "The configuration is back: nvs-vsctl show is unchanged"
vsctl node "$RUN" show | tee "$RUN/show.after"
diff -u "$RUN/show.before" "$RUN/show.after" || fail "nvs-vsctl show differs after the restart"

step "The ports kept their OpenFlow port numbers"
[[ "$(vsctl node "$RUN" get Interface qvo1 ofport)" == "$OFPORT1" ]] || fail "qvo1 changed ofport"
[[ "$(vsctl node "$RUN" get Interface qvo2 ofport)" == "$OFPORT2" ]] || fail "qvo2 changed ofport"
echo "qvo1 is still ofport $OFPORT1, qvo2 still ofport $OFPORT2"

step "The flows are back"
ofctl node "$RUN" --no-stats dump-flows br-int | sort | tee "$RUN/flows.after"
diff -u "$RUN/flows.before" "$RUN/flows.after" || fail "the flows differ after the restart"

step "And vm2 reaches vm1 again"
expect_ping_ok vm2 172.16.1.3
