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
# .NET starts in a second or two, far slower than a forked binary, and more under load.
export AFL_NO_UI=1 AFL_QUIET=1 AFL_FORKSRV_INIT_TMOUT=60000

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
  rm -rf "$input" "$work/out/$target"
  mkdir -p "$input" "$work/out/$target"
  cp fuzz/seeds/"$target"/* "$input"/
  if [ -d "fuzz/corpus/$target" ]; then
    cp fuzz/corpus/"$target"/* "$input"/ 2>/dev/null || true
  fi

  # A target whose input is text gets the words of its syntax (fuzz/dictionaries/TARGET.dict).
  dictionary=()
  if [ -f "fuzz/dictionaries/$target.dict" ]; then
    dictionary=(-x "fuzz/dictionaries/$target.dict")
  fi

  echo "fuzz.sh: $target: afl-fuzz up to $execs executions$( ((seconds > 0)) && echo " or $seconds s"), inputs up to $max_length bytes" >&2
  start=$(date +%s)
  total=0 crashes=0 hangs=0 paths=0 run=0 false_starts=0
  # SharpFuzz's loop is one process for the whole run, so when afl-fuzz kills it for a timeout
  # afl-fuzz itself stops ("Unable to communicate with fork server"). The input it was on is
  # then run again alone: if it still takes too long it is a hang, saved with the findings;
  # either way afl-fuzz starts again from the queue so far, for the executions still to do.
  while true; do
    run=$((run + 1))
    output="$work/out/$target/run$run"
    limits=(-E "$((execs - total))")
    if ((seconds > 0)); then
      left=$((seconds - ($(date +%s) - start)))
      ((left > 0)) || break
      limits+=(-V "$left")
    fi
    nice -n 19 afl-fuzz -i "$input" -o "$output" -t "${GRIDCAST_FUZZ_TIMEOUT_MS:-3000}" -m none -G "$max_length" "${limits[@]}" "${dictionary[@]}" -- "${fuzzer[@]}" "$target" \
      >"$work/$target.afl.log" 2>&1 &
    afl=$!
    trap 'kill "$afl" 2>/dev/null || true' EXIT INT TERM
    stats="$output/default/fuzzer_stats"
    next=$(($(date +%s) - start + 30))
    while kill -0 "$afl" 2>/dev/null; do
      sleep 2
      if (($(date +%s) - start >= next)) && [ -f "$stats" ]; then
        next=$((next + 30))
        printf '  %s %6ss  execs %s  %s/s  paths %s  crashes %s  hangs %s\n' "$target" "$(($(date +%s) - start))" \
          "$((total + $(stat "$stats" execs_done)))" "$(stat "$stats" execs_per_sec)" "$(stat "$stats" corpus_count)" \
          "$((crashes + $(stat "$stats" saved_crashes)))" "$((hangs + $(stat "$stats" saved_hangs)))" >&2
      fi
    done
    status=0
    wait "$afl" || status=$?
    trap - EXIT INT TERM
    if [ -f "$stats" ]; then
      total=$((total + $(stat "$stats" execs_done)))
      crashes=$((crashes + $(stat "$stats" saved_crashes)))
      hangs=$((hangs + $(stat "$stats" saved_hangs)))
      paths=$(stat "$stats" corpus_count)
    fi
    if ((status == 0)); then
      break
    fi
    if grep -q "No instrumentation detected" "$work/$target.afl.log" && ((false_starts < 3)); then
      # Under load a first dry run now and then sees no coverage yet; a second start goes through.
      false_starts=$((false_starts + 1))
      echo "fuzz.sh: $target: afl-fuzz saw no coverage on its dry run; starting it again" >&2
      continue
    fi
    if grep -q "Unable to communicate with fork server" "$work/$target.afl.log" && [ -f "$output/default/.cur_input" ] && ((run < 20)); then
      if timeout 30 "${fuzzer[@]}" "$target" --replay "$output/default/.cur_input" >/dev/null 2>&1; then
        echo "fuzz.sh: $target: afl-fuzz timed out an input that parses at once alone (the machine was busy); going on" >&2
      else
        hangs=$((hangs + 1))
        mkdir -p "$output/default/hangs"
        cp "$output/default/.cur_input" "$output/default/hangs/timed-out-$run"
        echo "fuzz.sh: $target: an input that hangs or crashes: $output/default/hangs/timed-out-$run" >&2
      fi
      # Go on from everything found so far.
      input="$work/in/$target-$run"
      rm -rf "$input"
      mkdir -p "$input"
      cp "$output"/default/queue/id* "$input"/
      if ((total < execs)); then
        continue
      fi
      break
    fi
    echo "fuzz.sh: afl-fuzz failed on $target; its log:" >&2
    tail -30 "$work/$target.afl.log" >&2
    exit 1
  done
  elapsed=$(($(date +%s) - start))

  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$target" "$total" \
    "$((total / (elapsed > 0 ? elapsed : 1)))" "$paths" "$crashes" "$hangs" "$elapsed" | tee -a "$summary"
  if ((crashes + hangs > 0)); then
    failed=1
    echo "fuzz.sh: $target: findings in $work/out/$target/run*/default/crashes and hangs; replay one with" >&2
    echo "  dotnet $work/publish/Bridge.Fuzz.dll $target --replay FILE" >&2
  fi

  # The queues of every run, minimised to the inputs that keep their coverage, are the corpus
  # the tests replay.
  queues="$work/queues/$target"
  rm -rf "$queues"
  mkdir -p "$queues"
  for queue in "$work/out/$target"/run*/default/queue; do
    for file in "$queue"/id*; do
      if [ -f "$file" ]; then
        cp "$file" "$queues/$(sha1sum "$file" | cut -c1-16)"
      fi
    done
  done

  minimised="$work/min/$target"
  rm -rf "$minimised"
  mkdir -p "$work/min"
  if nice -n 19 afl-cmin -i "$queues" -o "$minimised" -t 5000 -m none -- "${fuzzer[@]}" "$target" >"$work/$target.cmin.log" 2>&1; then
    if ((save)); then
      rm -rf "fuzz/corpus/$target"
      mkdir -p "fuzz/corpus/$target"
      # Named by content: no afl colons and commas, which some tools dislike, and an input kept
      # by the next run keeps its name, so a new corpus changes only what changed.
      i=0
      for file in "$minimised"/*; do
        cp "$file" "fuzz/corpus/$target/$(sha1sum "$file" | cut -c1-16)"
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
