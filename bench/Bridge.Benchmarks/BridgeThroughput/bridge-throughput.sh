#!/usr/bin/env bash
# Broker -> group -> receiver through `gridcast bridge --to-group`, against the broker's own relay
# to one subscriber, and group -> broker through `--from-group`, with a raw-socket publisher and
# subscriber (RawMqtt.cs) so that neither end is the bottleneck. Every program is its own process;
# CPU per process is user + system time from /usr/bin/time (or /proc/PID/stat for the ones
# stopped by a signal). Prints one Markdown row per case on stdout, progress on stderr: label,
# case, QoS, offered rate, messages sent, received, seconds from the first send to the
# receiver's exit, received/s, then CPU seconds of publisher, broker, bridge, receiver, and the
# growth of the host's UDP RcvbufErrors (datagrams dropped because a socket's buffer was full,
# by any program on the host) during the case.
#
# bridge-throughput.sh GRIDCAST_DLL BENCH_DLL LABEL [--count N] [--qos 0] [--rate R] [--window 20] [--port 18871] [--cases direct,to-group,from-group]
#   GRIDCAST_DLL: the gridcast.dll to measure (a build of src/Bridge.Host); BENCH_DLL: Bridge.Benchmarks.dll.
#   R: messages/s the publisher paces to (0: flat out); --window: QoS 1 publishes awaiting their PUBACK.
set -euo pipefail
gridcast="$1"; bench="$2"; label="$3"; shift 3
count=100000; qos=0; rate=0; port=18871; window=20; cases="direct,to-group,from-group"
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count="$2"; shift 2;; --qos) qos="$2"; shift 2;; --rate) rate="$2"; shift 2;;
    --port) port="$2"; shift 2;; --cases) cases="$2"; shift 2;; --window) window="$2"; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
work="$(mktemp -d /tmp/gridcast-bridge-throughput.XXXXXX)"
hz="$(getconf CLK_TCK)"
group="ham:ip:239.193.252.$(( (port % 200) + 1 )):$port"
cat >"$work/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
log_dest stderr
log_type error
CONF
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

rcvbuf_errors() { awk '/^Udp:/ { n++ } /^Udp:/ && n == 2 { print $6 }' /proc/net/snmp; }  # whole host
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }          # utime + stime, clock ticks
cpu_of_time() { tail -1 "$1" | awk '{printf "%.2f", $1 + $2}'; } # /usr/bin/time -f "%U %S"
wait_for() { # FILE PATTERN SECONDS
  for _ in $(seq 1 $(( $3 * 20 ))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "gave up waiting for '$2' in $1:" >&2; cat "$1" >&2; return 1
}

mosquitto -c "$work/mosquitto.conf" 2>"$work/mosquitto.err" & broker=$!; pids+=("$broker")
sleep 1
kill -0 "$broker" || { echo "mosquitto did not start on port $port:" >&2; cat "$work/mosquitto.err" >&2; exit 1; }

run_case() { # CASE
  local case="$1" receiver_pid bridge_pid="" bridge_cpu="" b0 m0 start end
  : >"$work/recv.err"; : >"$work/recv.out"; : >"$work/bridge.err"
  case "$case" in
    direct)
      /usr/bin/time -f "%U %S" -o "$work/recv.time" dotnet "$bench" mqtt-count --port "$port" --filter 'bench/#' --count "$count" --qos "$qos" --timeout 20 >"$work/recv.out" 2>"$work/recv.err" &
      receiver_pid=$!
      wait_for "$work/recv.err" ready 30 ;;
    to-group)
      dotnet "$gridcast" bridge --broker "mqtt://127.0.0.1:$port" --to-group "bench/#=$group" --interface lo >/dev/null 2>"$work/bridge.err" &
      bridge_pid=$!; pids+=("$bridge_pid")
      wait_for "$work/bridge.err" "Connected to MQTT broker" 30
      /usr/bin/time -f "%U %S" -o "$work/recv.time" dotnet "$gridcast" sub "$group" --count "$count" --timeout 30 --interface lo >/dev/null 2>"$work/recv.err" &
      receiver_pid=$!
      wait_for "$work/recv.err" "subscribed to" 30 ;;
    from-group)
      dotnet "$gridcast" bridge --broker "mqtt://127.0.0.1:$port" --from-group "$group=bench/out" --interface lo >/dev/null 2>"$work/bridge.err" &
      bridge_pid=$!; pids+=("$bridge_pid")
      wait_for "$work/bridge.err" "Connected to MQTT broker" 30
      /usr/bin/time -f "%U %S" -o "$work/recv.time" dotnet "$bench" mqtt-count --port "$port" --filter 'bench/out' --count "$count" --qos "$qos" --timeout 20 >"$work/recv.out" 2>"$work/recv.err" &
      receiver_pid=$!
      wait_for "$work/recv.err" ready 30 ;;
  esac
  sleep 1
  [ -n "$bridge_pid" ] && b0="$(ticks "$bridge_pid")"
  m0="$(ticks "$broker")"
  local drops0; drops0="$(rcvbuf_errors)"
  start="$(date +%s.%N)"
  if [ "$case" = from-group ]; then
    /usr/bin/time -f "%U %S" -o "$work/pub.time" dotnet "$bench" group-pub --group "$group" --count "$count" --rate "$rate" >"$work/pub.out" 2>&1
  else
    /usr/bin/time -f "%U %S" -o "$work/pub.time" dotnet "$bench" mqtt-pub --port "$port" --topic bench/x --count "$count" --qos "$qos" --rate "$rate" --window "$window" >"$work/pub.out" 2>&1
  fi
  local ok=0; wait "$receiver_pid" || ok=$?
  end="$(date +%s.%N)"
  local drops; drops="$(( $(rcvbuf_errors) - drops0 ))"
  local broker_cpu; broker_cpu="$(awk -v a="$m0" -v b="$(ticks "$broker")" -v hz="$hz" 'BEGIN{printf "%.2f", (b-a)/hz}')"
  if [ -n "$bridge_pid" ]; then
    bridge_cpu="$(awk -v a="$b0" -v b="$(ticks "$bridge_pid")" -v hz="$hz" 'BEGIN{printf "%.2f", (b-a)/hz}')"
    kill -TERM "$bridge_pid"; wait "$bridge_pid" 2>/dev/null || true
  fi
  local got="$count"
  if [ "$ok" -ne 0 ]; then got="$(cat "$work/recv.out" "$work/recv.err" | grep -oE 'with [0-9]+ of|after [0-9]+ of' | head -1 | grep -oE '[0-9]+' || echo '?')"; fi
  # From the publisher's first send (it prints the time), not its start: a .NET process takes
  # a good part of a second to start.
  local first; first="$(grep -oE 'first send at [0-9.]+' "$work/pub.out" | grep -oE '[0-9.]+$' || echo "$start")"
  local seconds; seconds="$(awk -v a="$first" -v b="$end" 'BEGIN{printf "%.3f", b-a}')"
  local rateout; rateout="$(awk -v n="$got" -v s="$seconds" 'BEGIN{ if (n ~ /^[0-9]+$/) printf "%.0f", n/s; else print "?" }')"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$case" "$qos" "$rate" "$count" "$got" "$seconds" "$rateout" \
    "$(cpu_of_time "$work/pub.time")" "$broker_cpu" "${bridge_cpu:--}" "$(cpu_of_time "$work/recv.time")" "$drops"
  echo "$label $case qos $qos rate $rate: pub: $(cat "$work/pub.out")" >&2
}

IFS=, read -ra wanted <<<"$cases"
for c in "${wanted[@]}"; do run_case "$c"; done
