#!/usr/bin/env bash
# Installs what the tests need (Debian packages, only when missing), brings up a Docker engine in
# a network namespace of its own with the test images (scripts/engine.sh, compose/images/), runs
# every test, and takes the engine down again, also when tests fail.
# Usage: scripts/test.sh [extra dotnet test arguments]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [ "$(id -u)" -ne 0 ]; then
  echo "test.sh: run it as root: it installs Debian packages and the tests build network namespaces" >&2
  exit 1
fi

# command the tests run (or, for an absolute path, a file that must exist) -> Debian package that provides it
declare -A packages=(
  [docker-compose]=docker-compose   # validates compose/demo.yml without a Docker engine
  [mosquitto]=mosquitto             # the real MQTT broker of the client-mode tests
  [mosquitto_passwd]=mosquitto      # its password files
  [rabbitmq-server]=rabbitmq-server # the real AMQP brokers of the AMQP adapter tests
  [ip]=iproute2                     # network namespaces, veth and bridges of the real-host tests
  [sysctl]=procps                   # forwarding in the routed domains' router
  [/usr/bin/python3]=python3-minimal # small standard-library peers inside namespaces
  [mbpoll]=mbpoll                   # the real Modbus TCP master of the Modbus server tests
  [/usr/bin/pymodbus.server]=python3-pymodbus # the real Modbus devices of the client tests (a file that comes with the module)
  [/usr/lib/python3/dist-packages/serial_asyncio/__init__.py]=python3-serial-asyncio # pymodbus.server imports it (and serial, its dependency); python3-pymodbus only recommends it
  [tshark]=tshark                   # the GOOSE/R-GOOSE oracle: tshark's dissectors decode what we send
)
# tshark's package asks whether non-root users may capture; answer no beforehand so the install never asks.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
missing=()
for command in "${!packages[@]}"; do
  if [[ "$command" == /* ]]; then
    [ -e "$command" ] || missing+=("${packages[$command]}")
  else
    command -v "$command" >/dev/null 2>&1 || [ -x "/usr/sbin/$command" ] || [ -x "/sbin/$command" ] || missing+=("${packages[$command]}")
  fi
done
if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "test.sh: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK (dotnet) is not on PATH" >&2
  exit 1
fi

# The namespace tests need the kernel's bridge and veth devices; load them where they are
# modules (a kernel that has them built in, or lacks them, is left as it is: the tests say which).
for module in bridge veth; do
  [ -d "/sys/module/$module" ] || modprobe "$module" 2>/dev/null || true
done

# Many sockets at once (brokers, gateways, a hundred demo devices per test): use the hard limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

log="$(mktemp)"
images_env="$(mktemp)"
engine="gridcast-engine-$$"
engine_started=""
finish() {
  # The engine goes, whatever the tests did; its images stay in its data root for the next run.
  [ -z "$engine_started" ] || bash scripts/engine.sh down "$engine" >/dev/null 2>&1 || true
  rm -f "$log" "$images_env"
}
trap finish EXIT
trap 'exit 130' INT TERM

# The brokers of the tests: containers on a Docker engine in a network namespace of its own
# (scripts/engine.sh; images from compose/images/build.sh, kept between runs and rebuilt when
# their recipe changes), or, where no engine can run, child processes. GRIDCAST_BROKERS=processes
# asks for the child processes without trying. One line says which this run used.
filter=()
if [ "${GRIDCAST_BROKERS:-containers}" = containers ]; then
  reason=""
  if engine_env="$(bash scripts/engine.sh up "$engine")"; then
    engine_started=1
    while IFS= read -r line; do export "${line?}"; done <<<"$engine_env"
    if bash compose/images/build.sh --env "$images_env"; then
      while IFS= read -r line; do export "${line?}"; done <"$images_env"
      # Ryuk, Testcontainers' reaper, is an image that cannot be pulled here; the engine's
      # teardown removes what the tests leave.
      export GRIDCAST_BROKERS=containers TESTCONTAINERS_RYUK_DISABLED=true
    else
      reason="the images could not be built (messages above)"
    fi
  else
    reason="the engine did not start (messages above)"
  fi
  if [ -n "$reason" ]; then
    [ -z "$engine_started" ] || bash scripts/engine.sh down "$engine" >/dev/null 2>&1 || true
    engine_started=""
    unset DOCKER_HOST DOCKER_API_VERSION GRIDCAST_ENGINE_NETNS
    export GRIDCAST_BROKERS=processes
  fi
fi
if [ "$GRIDCAST_BROKERS" = containers ]; then
  echo "test.sh: brokers: containers ($GRIDCAST_MOSQUITTO_IMAGE, $GRIDCAST_RABBITMQ_IMAGE) on the engine in network namespace $engine; compose demo test: on $GRIDCAST_GRIDCAST_IMAGE"
else
  echo "test.sh: brokers: child processes (${reason:-GRIDCAST_BROKERS=$GRIDCAST_BROKERS}); compose demo test (tests/Bridge.Compose.Tests): not run, it needs the engine"
  # Only when the caller chose no tests of their own.
  [[ " $* " == *" --filter "* ]] || filter=(--filter "FullyQualifiedName!~Bridge.Compose.Tests")
fi

set +e
dotnet test GridCast.slnx -c Release --nologo "${filter[@]}" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line for all test assemblies: "tests: N passed, N failed, N skipped".
awk '
  /(Passed|Failed)! +- +Failed: / {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { f += $(i+1) + 0 }
      if ($i == "Passed:")  { p += $(i+1) + 0 }
      if ($i == "Skipped:") { s += $(i+1) + 0 }
    }
  }
  END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }
' "$log"
exit "$status"
