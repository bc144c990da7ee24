#!/usr/bin/env bash
# Builds GridCast's container images on a Docker engine that can pull nothing:
#   gridcast-base:TAG       a Debian 12 root from debootstrap (minbase + base/packages), imported
#   gridcast-mosquitto:TAG  Mosquitto from that root (mosquitto/)
#   gridcast-rabbitmq:TAG   RabbitMQ from that root (rabbitmq/)
#   gridcast:TAG            `dotnet publish` of src/Bridge.Host on that root (gridcast/)
# TAG is a hash of what the image is made from (its recipe files, and for gridcast the published
# files and the .NET runtime), so an image is built once per recipe and kept by the engine (its
# older tags are removed); every image is also tagged `local` (gridcast:dev for gridcast), the
# names compose/demo.yml uses.
#
# Usage: compose/images/build.sh [--env FILE] [base|mosquitto|rabbitmq|gridcast]...  (default: all)
#   DOCKER_HOST must name the engine (scripts/engine.sh prints it). --env FILE writes the tagged
#   names as GRIDCAST_*_IMAGE=... lines. Needs root (debootstrap) and the Debian packages
#   debootstrap and docker.io; the debootstrapped root is cached as a tarball in
#   $GRIDCAST_IMAGE_CACHE (default /var/cache/gridcast-images), so an engine with an empty data
#   root gets its base image again without downloading anything.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${GRIDCAST_IMAGE_CACHE:-/var/cache/gridcast-images}"
suite=bookworm
docker=/usr/bin/docker   # Debian's client, the engine's own version
env_file=""
wanted=()
while (($#)); do
  case "$1" in
    --env) env_file="$2"; shift 2 ;;
    base|mosquitto|rabbitmq|gridcast) wanted+=("$1"); shift ;;
    *) echo "build.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
((${#wanted[@]})) || wanted=(base mosquitto rabbitmq gridcast)
: "${DOCKER_HOST:?build.sh: set DOCKER_HOST to the engine (scripts/engine.sh up prints it)}"

say() { echo "images: $*" >&2; }

# A short hash of the named files' contents and names (directories: every file below them).
recipe_hash() {
  (cd "$root" && find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12
}

exists() { "$docker" image inspect "$1" >/dev/null 2>&1; }

# prune REPOSITORY KEEP: removes the repository's other tags, images of recipes that changed (the
# `local` or `dev` alias moves to KEEP first). Layers that KEEP shares stay.
prune() {
  local repository="$1" keep="$2" tag
  for tag in $("$docker" image ls "$repository" --format '{{.Tag}}'); do
    case "$tag" in "$keep" | local | dev) ;; *) "$docker" rmi "$repository:$tag" >/dev/null 2>&1 || true ;; esac
  done
}

# The Debian mirror apt on this machine uses (deb822 or one-line sources), for debootstrap.
mirror() {
  local uri
  uri="$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1 || true)"
  [ -n "$uri" ] || uri="$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { print $i; exit } }' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)"
  [ -n "$uri" ] || { echo "build.sh: no Debian mirror found in /etc/apt/sources.list*" >&2; exit 1; }
  echo "$uri"
}

# The base root depends on its package list, the suite and the variant; not on the rest of this script.
base_tag="$(echo "$(recipe_hash compose/images/base) $suite minbase" | sha256sum | cut -c1-12)"
base_image="gridcast-base:$base_tag"

base_done=""
build_base() {
  [ -z "$base_done" ] || return 0
  base_done=1
  if exists "$base_image"; then
    say "$base_image is there"
    return
  fi
  local tarball="$cache/base-$base_tag.tar"
  if [ ! -s "$tarball" ]; then
    mkdir -p "$cache/debs"
    local dir include started=$SECONDS
    dir="$(mktemp -d "$cache/root.XXXXXX")"
    include="$(grep -v '^#' "$here/base/packages" | grep -v '^[[:space:]]*$' | paste -sd, -)"
    say "debootstrap $suite (minbase + $include) ..."
    # debootstrap keeps services from starting inside the new root while it installs.
    if ! debootstrap --variant=minbase --include="$include" --cache-dir="$cache/debs" "$suite" "$dir" "$(mirror)" >"$dir.log" 2>&1; then
      tail -n 20 "$dir.log" >&2
      rm -rf "$dir" "$dir.log"
      echo "build.sh: debootstrap failed (log above)" >&2
      exit 1
    fi
    # Package lists and the package cache are of no use without a network in the engine.
    tar -C "$dir" --exclude='./var/lib/apt/lists/*' --exclude='./var/cache/apt/*' -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    rm -rf "$dir" "$dir.log"
    say "debootstrap took $((SECONDS - started)) s"
  fi
  "$docker" import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$tarball" "$base_image" >/dev/null
  "$docker" tag "$base_image" gridcast-base:local
  prune gridcast-base "$base_tag"
  say "$base_image imported"
  # Older roots of this cache are of no further use.
  find "$cache" -maxdepth 1 -name 'base-*.tar' ! -name "base-$base_tag.tar" -delete
}

# build_service NAME: gridcast-NAME:TAG from compose/images/NAME on the base image.
build_service() {
  local name="$1" tag image
  tag="$(echo "$base_tag $(recipe_hash "compose/images/$name")" | sha256sum | cut -c1-12)"
  image="gridcast-$name:$tag"
  if ! exists "$image"; then
    "$docker" build -q --build-arg BASE="$base_image" -t "$image" "$here/$name" >/dev/null
    say "$image built"
  else
    say "$image is there"
  fi
  "$docker" tag "$image" "gridcast-$name:local"
  prune "gridcast-$name" "$tag"
  echo "$image"
}

build_gridcast() {
  local context version
  context="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$context'" RETURN
  say "dotnet publish src/Bridge.Host ..."
  dotnet publish "$root/src/Bridge.Host/Bridge.Host.csproj" -c Release -o "$context/app" -p:UseAppHost=false --nologo -v quiet >"$context/publish.log" 2>&1 \
    || { cat "$context/publish.log" >&2; echo "build.sh: dotnet publish failed" >&2; exit 1; }
  rm -f "$context/publish.log"
  # The runtime the application was built for: the newest 10.0 of this SDK's shared frameworks.
  local dotnet_root
  dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
  version="$(ls "$dotnet_root/shared/Microsoft.NETCore.App" | grep '^10\.' | sort -V | tail -n1)"
  mkdir -p "$context/dotnet/shared/Microsoft.NETCore.App" "$context/dotnet/shared/Microsoft.AspNetCore.App"
  cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$context/dotnet/"
  cp -a "$dotnet_root/shared/Microsoft.NETCore.App/$version" "$context/dotnet/shared/Microsoft.NETCore.App/"
  cp -a "$dotnet_root/shared/Microsoft.AspNetCore.App/$version" "$context/dotnet/shared/Microsoft.AspNetCore.App/"
  cp "$here/gridcast/Dockerfile" "$context/"
  local tag image
  tag="$( (cd "$context" && find . -type f ! -name '*.pdb' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; echo "$base_tag") | sha256sum | cut -c1-12)"
  image="gridcast:$tag"
  if ! exists "$image"; then
    "$docker" build -q --build-arg BASE="$base_image" -t "$image" "$context" >/dev/null
    say "$image built (.NET $version)"
  else
    say "$image is there"
  fi
  "$docker" tag "$image" gridcast:dev
  prune gridcast "$tag"
  echo "$image"
}

declare -A built=()
for what in "${wanted[@]}"; do
  case "$what" in
    base) build_base; built[BASE]="$base_image" ;;
    mosquitto) build_base; built[MOSQUITTO]="$(build_service mosquitto)" ;;
    rabbitmq) build_base; built[RABBITMQ]="$(build_service rabbitmq)" ;;
    gridcast) build_base; built[GRIDCAST]="$(build_gridcast)" ;;
  esac
done

if [ -n "$env_file" ]; then
  : >"$env_file"
  for key in "${!built[@]}"; do
    echo "GRIDCAST_${key}_IMAGE=${built[$key]}" >>"$env_file"
  done
fi
