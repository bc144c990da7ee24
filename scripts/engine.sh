#!/usr/bin/env bash
# A Docker engine (Debian's docker.io) in a network namespace of its own, so that nothing it does
# touches the machine's firewall, forwarding or interfaces: its bridges, its forwarding switch and
# the ports it publishes all live in that namespace. The client reaches it through a unix socket.
#
#   scripts/engine.sh up [NAME]      starts it; prints the environment for docker and docker-compose
#   scripts/engine.sh down [NAME]    removes its containers, stops it, deletes the namespace
#   scripts/engine.sh env [NAME]     prints the environment again
#   scripts/engine.sh shell [NAME] [COMMAND...]   runs COMMAND (default: a shell) inside the namespace,
#                                    where the published ports are (127.0.0.1:PORT)
#
# NAME (default gridcast-engine) names the namespace and /run/NAME, which holds the socket
# (/run/NAME/docker.sock), the pid file and the log. Needs root and the Debian packages docker.io
# and debootstrap (installed here when missing, with services kept from starting).
#
# The engine keeps its images in /var/lib/gridcast-engine/data, so they outlive it; only one engine
# at a time can use that directory, and another one started meanwhile keeps a private data root in
# /run/NAME/data, deleted with it (compose/images/build.sh then imports the cached base root again).
set -euo pipefail
command="${1:-}"
name="${2:-gridcast-engine}"
dir="/run/$name"
netns="/run/netns/$name"
shared=/var/lib/gridcast-engine
docker=/usr/bin/docker

say() { echo "engine: $*" >&2; }

environment() {
  # API 1.41 is engine 20.10's; a newer client (Testcontainers asks for 1.44) is refused otherwise.
  cat <<EOF
DOCKER_HOST=unix://$dir/docker.sock
DOCKER_API_VERSION=1.41
GRIDCAST_ENGINE_NETNS=$netns
EOF
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || [ -x /usr/sbin/dockerd ] || missing+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
  ((${#missing[@]})) || return 0
  say "installing ${missing[*]}"
  # docker.io's maintainer scripts would start an engine in this namespace: policy-rc.d says no.
  local made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  local status=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } || status=$?
  [ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d
  return "$status"
}

up() {
  if [ -S "$dir/docker.sock" ] && DOCKER_HOST="unix://$dir/docker.sock" "$docker" version >/dev/null 2>&1; then
    say "already running in namespace $name"
    environment
    return
  fi
  install_packages
  mkdir -p "$dir" "$shared"
  local data="$shared/data"
  # The lock is inherited by dockerd, so it is held exactly as long as the engine runs.
  exec 9>"$shared/lock"
  if ! flock -n 9; then
    data="$dir/data"
    say "another engine uses $shared/data: this one keeps its images in $data"
  fi
  [ -e "$netns" ] || ip netns add "$name"
  ip -n "$name" link set lo up
  # `ip netns exec` would remount /sys, and dockerd then finds no devices cgroup: nsenter does not.
  nsenter --net="$netns" /usr/sbin/dockerd \
    --data-root "$data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
    -H "unix://$dir/docker.sock" --iptables=false --ip6tables=false \
    >"$dir/dockerd.log" 2>&1 &
  exec 9>&-
  local waited=0
  until DOCKER_HOST="unix://$dir/docker.sock" "$docker" version >/dev/null 2>&1; do
    if ! kill -0 $! 2>/dev/null || ((waited >= 60)); then
      say "dockerd did not come up (last lines of $dir/dockerd.log):"
      tail -n 5 "$dir/dockerd.log" >&2 || true
      down
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  say "dockerd $(DOCKER_HOST="unix://$dir/docker.sock" "$docker" version --format '{{.Server.Version}}') in namespace $name, data root $data"
  environment
}

down() {
  if [ -S "$dir/docker.sock" ]; then
    local containers
    containers="$(DOCKER_HOST="unix://$dir/docker.sock" "$docker" ps -aq 2>/dev/null || true)"
    # With Ryuk off (it cannot be pulled) nothing else removes the tests' containers.
    [ -z "$containers" ] || DOCKER_HOST="unix://$dir/docker.sock" "$docker" rm -f $containers >/dev/null 2>&1 || true
  fi
  if [ -s "$dir/dockerd.pid" ]; then
    local pid waited=0
    pid="$(cat "$dir/dockerd.pid")"
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((waited < 30)); do
      sleep 1
      waited=$((waited + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  # Whatever the engine left mounted under its directories (network namespaces of containers).
  if [ -d "$dir" ]; then
    awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r mount; do
      umount -l "$mount" 2>/dev/null || true
    done
  fi
  [ ! -e "$netns" ] || ip netns del "$name" 2>/dev/null || true
  rm -rf "$dir"
}

case "$command" in
  up) up ;;
  down) down; say "namespace $name removed" ;;
  env) environment ;;
  shell) shift 2 || shift $#; exec nsenter --net="$netns" "${@:-${SHELL:-/bin/sh}}" ;;
  *) echo "usage: scripts/engine.sh up|down|env|shell [NAME]" >&2; exit 2 ;;
esac
