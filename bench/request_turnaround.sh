#!/usr/bin/env bash
# Where a request slot's time goes between two answers, from both ends of the loopback: one
# `ticketcache run` against ticketcache-sim in the production shape of `refresh_bench latency`
# (N stale users, 5 active + 2 expired passes, a third of them mutated, page_size 5), with the
# socket system calls of both processes recorded by `perf record` on their tracepoints (no
# ptrace, so the timing is not inflated as under strace). Prints, per request:
#
#   simulator  request -> answer       the API's latency as served (L plus its timer's wake-up)
#   simulator  answer -> next request  the job's turnaround plus both wake-ups over loopback
#   job        send -> first answer    as the job sees the API
#   job        last answer -> next send  the job's own turnaround (parse, bookkeeping, next send)
#
#   bench/request_turnaround.sh BUILD_DIR [USERS] [OUT_DIR]
#
# Environment (optional): LATENCY_MS (default 50), CONCURRENCY (64), TICKETCACHE (another build's
# binary). Needs perf (Debian: linux-perf) and the right to trace every CPU (root, or
# kernel.perf_event_paranoid <= -1).
set -euo pipefail
build=${1:?usage: request_turnaround.sh BUILD_DIR [USERS] [OUT_DIR]}
users=${2:-3000}
out=${3:-$(mktemp -d)}
if ! command -v perf >/dev/null; then
  echo "request_turnaround: perf is not installed (apt-get install linux-perf); nothing measured" >&2
  exit 2
fi
mkdir -p "$out"
binary=${TICKETCACHE:-$build/ticketcache}
# shellcheck source=bench/sim_setting.sh
source "$(dirname "${BASH_SOURCE[0]}")/sim_setting.sh"
start_sim_setting "$build" "$out" "$users" 5 2 "${LATENCY_MS:-50}" 5 "${CONCURRENCY:-64}" "$binary"
change_passes_of_every 3 7
perf record -q -a -o "$out/perf.data" \
  -e syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvmsg,syscalls:sys_exit_recvmsg \
  -e syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom,syscalls:sys_exit_recvfrom \
  -- "$binary" run --config "$config" >"$out/run.json" 2>"$out/run.log"
perf script -i "$out/perf.data" -F comm,pid,tid,time,event,trace >"$out/trace.txt" 2>/dev/null
# The simulator (Boost.Asio) uses recvmsg/sendmsg, the job (libcurl) recvfrom/sendto; each side's
# events are paired per file descriptor.
python3 - "$out/trace.txt" "$sim" "$(basename "$binary")" <<'PYTHON'
import re
import statistics
import sys

trace, sim_pid, job_comm = sys.argv[1], sys.argv[2], sys.argv[3][:15]  # comm: 15 characters
events = {"sim": {}, "job": {}}  # side -> fd -> [(kind, time)]
entered = {}  # tid -> fd of the receive it entered
line_format = re.compile(r"\s*(\S+)\s+(\d+)/(\d+)\s+([\d.]+):\s+syscalls:(\S+):\s*(.*)")
for line in open(trace):
    match = line_format.match(line)
    if not match:
        continue
    comm, pid, tid, time, event, rest = match.groups()
    if pid == sim_pid:
        side = "sim"
    elif comm == job_comm:
        side = "job"
    else:
        continue  # another process on the machine
    time = float(time)
    if event.startswith("sys_enter_recv"):
        entered[tid] = int(rest.split()[1].rstrip(","), 16)
    elif event.startswith("sys_exit_recv"):
        returned = int(rest, 16)
        if 0 < returned < 2**63 and tid in entered:  # data read (not EAGAIN, not end of stream)
            events[side].setdefault(entered[tid], []).append(("recv", time))
    elif event.startswith("sys_enter_send"):
        fd = int(rest.split()[1].rstrip(","), 16)
        events[side].setdefault(fd, []).append(("send", time))


def gaps(side, first, then, last_of_run=False):
    """Milliseconds from a `first` event (the last of a run of them when last_of_run) to the
    next `then` event on the same descriptor."""
    found = []
    for sequence in events[side].values():
        start = None
        for kind, time in sequence:
            if kind == first and (start is None or last_of_run):
                start = time
            elif kind == then and start is not None:
                found.append(1000 * (time - start))
                start = None
    return sorted(found)


def show(label, values):
    if not values:
        print(f"  {label:40s} no events")
        return
    def at(q):
        return values[min(len(values) - 1, int(len(values) * q))]
    print(f"  {label:40s} n {len(values):6d}  mean {statistics.mean(values):7.3f}  "
          f"p50 {at(0.5):7.3f}  p90 {at(0.9):7.3f}  p99 {at(0.99):7.3f} ms")


print("per request slot (ms):")
show("simulator: request -> answer", gaps("sim", "recv", "send"))
show("simulator: answer -> next request", gaps("sim", "send", "recv"))
show("job: send -> first answer bytes", gaps("job", "send", "recv"))
show("job: last answer bytes -> next send", gaps("job", "recv", "send", last_of_run=True))
PYTHON
echo "(trace in $out)"
