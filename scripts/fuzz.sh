#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzz.cc) with clang in build-fuzz/ and runs each for a
# bounded time from its checked-in seed corpus (fuzz/corpus/<target>/). Fails on the first
# crash, leak, timeout or failed invariant, leaving the input in build-fuzz/artifacts/.
# fuzz/<target>.dict, when present, is the target's libFuzzer dictionary.
#   FUZZ_SECONDS=60      seconds per target (default 60)
#   FUZZ_TARGETS="a b"   only these targets (default: every fuzz/*_fuzz.cc)
# Inputs the fuzzers discover go to build-fuzz/corpus/<target>/ (kept between runs, never
# checked in); to keep one as a regression seed, copy it into fuzz/corpus/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
build_dir=build-fuzz
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

# -Werror stays off: the warning set is tuned for g++, the fuzz build is about crashes.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTICKETCACHE_FUZZ=ON -DTICKETCACHE_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build "$build_dir" -j2 --target fuzz_all

if [[ -n "${FUZZ_TARGETS:-}" ]]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  targets=()
  for source in fuzz/*_fuzz.cc; do targets+=("$(basename "$source" .cc)"); done
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$build_dir/artifacts"
for target in "${targets[@]}"; do
  work="$build_dir/corpus/$target"
  seeds="fuzz/corpus/$target"
  [[ -d "$seeds" ]] || seeds="fuzz/corpus/${target%_fuzz}"
  mkdir -p "$work" "$seeds"
  dict=()
  [[ -f "fuzz/$target.dict" ]] && dict=(-dict="fuzz/$target.dict")
  echo "== fuzz $target for ${seconds}s"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb bounds memory on a shared machine.
  if ! "$build_dir/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=16384 -print_final_stats=1 "${dict[@]}" -artifact_prefix="$build_dir/artifacts/$target-" \
      "$work" "$seeds" >"$build_dir/$target.log" 2>&1; then
    tail -n 60 "$build_dir/$target.log"
    echo "fuzz: $target FAILED; the input is in $build_dir/artifacts/" >&2
    exit 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build_dir/$target.log" | tr '\n' ' '
  echo
done
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each without a crash"
