#!/usr/bin/env bash
# Coverage-guided fuzzing of GridCast's parsers with SharpFuzz and AFL++ (docs/fuzzing.md).
# Usage: scripts/fuzz.sh TARGET|all [--execs N] [--time SECONDS] [--no-save]
#   TARGET      one of `scripts/fuzz.sh --list`, or all of them one after another
#   --execs N   stop each target after about N executions (default 10000000)
#   --time S    also stop each target after S seconds (default: no time limit)
#   --no-save   keep the minimised corpus in the work folder instead of fuzz/corpus/TARGET
# One afl-fuzz runs at a time, at nice 19, on one core. Work files go to $GRIDCAST_FUZZ_WORK
# (default fuzz/.work, which git ignores; afl-cmin refuses /tmp). Exit status: 0 when no target crashed or hung, 1 otherwise.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

work="${GRIDCAST_FUZZ_WORK:-$root/fuzz/.work}"
sharpfuzz_version=2.3.0
execs=10000000
seconds=0
save=1
targets=()
while (($#)); do
  case "$1" in
    --execs) execs="$2"; shift 2 ;;
    --time) seconds="$2"; shift 2 ;;
    --no-save) save=0; shift ;;
    --list) targets=(--list); shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if ((${#targets[@]} == 0)); then
  sed -n '2,10p' "$0" >&2
  exit 2
fi

# What it needs: AFL++ from Debian and the SharpFuzz instrumenter (a .NET tool, installed into
# the work folder so nothing global changes).
if ! command -v afl-fuzz >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "fuzz.sh: afl-fuzz is missing; install Debian's afl++ (apt-get install afl++) or run as root" >&2
    exit 1
  fi
  echo "fuzz.sh: installing afl++" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends afl++ >/dev/null
fi
mkdir -p "$work"
sharpfuzz="$work/tools/sharpfuzz"
if [ ! -x "$sharpfuzz" ]; then
  echo "fuzz.sh: installing SharpFuzz.CommandLine $sharpfuzz_version into $work/tools" >&2
  dotnet tool install SharpFuzz.CommandLine --version "$sharpfuzz_version" --tool-path "$work/tools" >/dev/null
fi

# Build, then instrument a fresh copy of the assemblies that hold the parsers (never the build
# output the tests use). Bridge.Host is gridcast.dll: it holds the configuration loader.
echo "fuzz.sh: building fuzz/Bridge.Fuzz" >&2
nice -n 19 dotnet publish fuzz/Bridge.Fuzz -c Release -o "$work/publish" --nologo -v quiet >/dev/null
if [ "${targets[0]}" = "--list" ]; then
  dotnet "$work/publish/Bridge.Fuzz.dll" --list
  exit 0
fi
rm -rf "$work/bin"
cp -r "$work/publish" "$work/bin"
for assembly in Bridge.Multicast Bridge.Core Bridge.Adapters.Mqtt Bridge.Adapters.Modbus Bridge.Adapters.Iec61850 gridcast; do
  "$sharpfuzz" "$work/bin/$assembly.dll" >/dev/null
done
# afl-cmin wants the program by its path.
fuzzer=("$(command -v dotnet)" "$work/bin/Bridge.Fuzz.dll")

if [ "${targets[0]}" = all ]; then
  mapfile -t targets < <("${fuzzer[@]}" --list | awk '{ print $1 }')
fi

# afl-fuzz's checks that do not fit a shared machine or a managed target, by environment only
# (no system setting is changed): the target is `dotnet`, not an instrumented binary; the CPU
# governor is not ours to set; core_pattern is left as the machine has it; the scheduler, not
# afl, picks the core, since other work shares it.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
export AFL_NO_UI=1 AFL_QUIET=1

stat() { awk -F' *: *' -v key="$2" '$1 == key { print $2 }' "$1" 2>/dev/null; }

summary="$work/summary.tsv"
[ -f "$summary" ] || printf 'date\ttarget\texecs\texecs_per_sec\tpaths\tcrashes\thangs\tseconds\n' >"$summary"
failed=0
for target in "${targets[@]}"; do
  max_length="$("${fuzzer[@]}" --list | awk -v t="$target" '$1 == t { print $2 }')"
  if [ -z "$max_length" ]; then
    echo "fuzz.sh: unknown target $target" >&2
    exit 2
  fi

  # Seeds and the corpus saved by earlier runs are the starting queue.
  input="$work/in/$target"
  output="$work/out/$target"
  rm -rf "$input" "$output"
  mkdir -p "$input" "$work/out"
  cp fuzz/seeds/"$target"/* "$input"/
  if [ -d "fuzz/corpus/$target" ]; then
    cp fuzz/corpus/"$target"/* "$input"/ 2>/dev/null || true
  fi

  limits=(-E "$execs")
  ((seconds > 0)) && limits+=(-V "$seconds")
  echo "fuzz.sh: $target: afl-fuzz up to $execs executions$( ((seconds > 0)) && echo " or $seconds s"), inputs up to $max_length bytes" >&2
  start=$(date +%s)
  attempt=1
  while true; do
    rm -rf "$output"
    nice -n 19 afl-fuzz -i "$input" -o "$output" -t 3000+ -m none -G "$max_length" "${limits[@]}" -- "${fuzzer[@]}" "$target" \
      >"$work/$target.afl.log" 2>&1 &
    afl=$!
    trap 'kill "$afl" 2>/dev/null || true' EXIT INT TERM
    stats="$output/default/fuzzer_stats"
    next=30
    while kill -0 "$afl" 2>/dev/null; do
      sleep 2
      if (($(date +%s) - start >= next)) && [ -f "$stats" ]; then
        next=$((next + 30))
        printf '  %s %6ss  execs %s  %s/s  paths %s  crashes %s  hangs %s\n' "$target" "$(($(date +%s) - start))" \
          "$(stat "$stats" execs_done)" "$(stat "$stats" execs_per_sec)" "$(stat "$stats" corpus_count)" \
          "$(stat "$stats" saved_crashes)" "$(stat "$stats" saved_hangs)" >&2
      fi
  done
  if wait "$afl"; then
    trap - EXIT INT TERM
    break
  fi
  trap - EXIT INT TERM
  # Under load the first dry run now and then reports no coverage (the runtime is still
  # starting); a second start goes through. Anything else, or a third failure, stops here.
  if ((attempt < 3)) && grep -q "No instrumentation detected" "$work/$target.afl.log"; then
    echo "fuzz.sh: $target: afl-fuzz saw no coverage on its dry run; starting it again" >&2
    attempt=$((attempt + 1))
    continue
  fi
  echo "fuzz.sh: afl-fuzz failed on $target; its log:" >&2
  tail -30 "$work/$target.afl.log" >&2
  exit 1
  done
  elapsed=$(($(date +%s) - start))

  crashes="$(stat "$stats" saved_crashes)"
  hangs="$(stat "$stats" saved_hangs)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$target" "$(stat "$stats" execs_done)" \
    "$(stat "$stats" execs_per_sec)" "$(stat "$stats" corpus_count)" "$crashes" "$hangs" "$elapsed" | tee -a "$summary"
  if ((crashes + hangs > 0)); then
    failed=1
    echo "fuzz.sh: $target: findings in $output/default/crashes and hangs; replay one with" >&2
    echo "  dotnet $work/publish/Bridge.Fuzz.dll $target --replay FILE" >&2
  fi

  # The queue, minimised to the inputs that keep its coverage, is the corpus the tests replay.
  minimised="$work/min/$target"
  rm -rf "$minimised"
  mkdir -p "$work/min"
  if nice -n 19 afl-cmin -i "$output/default/queue" -o "$minimised" -t 5000 -m none -- "${fuzzer[@]}" "$target" >"$work/$target.cmin.log" 2>&1; then
    if ((save)); then
      rm -rf "fuzz/corpus/$target"
      mkdir -p "fuzz/corpus/$target"
      # Names without afl's colons and commas, which some tools and file systems dislike.
      i=0
      for file in "$minimised"/*; do
        cp "$file" "fuzz/corpus/$target/$(printf '%04d' "$i")-$(sha1sum "$file" | cut -c1-12)"
        i=$((i + 1))
      done
      echo "fuzz.sh: $target: $i inputs saved to fuzz/corpus/$target" >&2
    fi
  else
    echo "fuzz.sh: afl-cmin failed on $target (see $work/$target.cmin.log); corpus not saved" >&2
  fi
done
echo "fuzz.sh: summary of every run so far: $summary" >&2
exit "$failed"
