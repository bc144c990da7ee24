#!/usr/bin/env bash
# Installs what the tests need (Debian packages, only when missing) and runs every test.
# Usage: scripts/test.sh [extra dotnet test arguments]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# command the tests run -> Debian package that provides it
declare -A packages=(
  [docker-compose]=docker-compose   # validates compose/demo.yml without a Docker engine
  [mosquitto]=mosquitto             # the real MQTT broker of the client-mode tests
  [rabbitmq-server]=rabbitmq-server # the real AMQP brokers of the AMQP adapter tests
  [ip]=iproute2                     # network namespaces, veth and bridges of the real-host tests
)
missing=()
for command in "${!packages[@]}"; do
  command -v "$command" >/dev/null 2>&1 || [ -x "/usr/sbin/$command" ] || missing+=("${packages[$command]}")
done
if ((${#missing[@]})); then
  echo "test.sh: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK (dotnet) is not on PATH" >&2
  exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
dotnet test GridCast.slnx -c Release --nologo "$@" 2>&1 | tee "$log"
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
