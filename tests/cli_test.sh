#!/usr/bin/env bash
# The gcnops command line as a user meets it: good runs produce their
# output, bad input produces one line "gcnops: error: ..." naming the
# problem and a non-zero exit. Usage: cli_test.sh <gcnops binary> <data dir>
set -u
gcnops=$1
data=$2
failures=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# expect <exit> <pattern> -- command...: the exit status is <exit> (or any
# non-zero for "fail"), and stdout+stderr match the extended regex.
expect() {
  local want=$1 pattern=$2
  shift 3
  local out status
  out=$("$@" 2>&1)
  status=$?
  local ok=1
  if [[ $want == fail ]]; then
    [[ $status -ne 0 ]] || ok=0
    # Errors are a single line.
    [[ $(printf '%s\n' "$out" | grep -c .) -eq 1 ]] || ok=0
  else
    [[ $status -eq $want ]] || ok=0
  fi
  printf '%s\n' "$out" | grep -Eq -- "$pattern" || ok=0
  if [[ $ok == 1 ]]; then
    echo "ok    $*"
  else
    echo "FAIL  $* (exit $status, expected $want, pattern '$pattern')"
    printf '%s\n' "$out" | head -5 | sed 's/^/      /'
    failures=$((failures + 1))
  fi
}

# Good runs.
expect 0 'nodes +2708' -- "$gcnops" info --data "$data/cora"
expect 0 '"nodes": 2708' -- "$gcnops" info --data "$data/cora" --json
expect 0 'test accuracy [0-9.]+% at the best validation epoch' -- \
  "$gcnops" train --data "$data/cora" --epochs 3 --layers 2 \
  --report "$scratch/r.json"
expect 0 'test accuracy' -- "$gcnops" train --synthetic csbm --epochs 5 \
  --operator energy_col --layers 3 --residual --energy-csv "$scratch/e.csv"
expect 0 '"test_accuracy"' -- cat "$scratch/r.json"
expect 0 '^step,layer,h,grad_h,grad_w' -- head -1 "$scratch/e.csv"
expect 0 'Usage' -- "$gcnops" train --help
# A small study: the table, and energy.csv complete on disk before the
# plot reads it (2 configurations x 2 seeds x (2 + 3) layers = 20 rows).
expect 0 'plot: (.*energy[.]png|no Python)' -- "$gcnops" study --synthetic csbm --depths 2,3 \
  --seeds 2 --epochs 5 --configs plain,energy --out "$scratch/s"
expect 0 '^21 ' -- wc -l "$scratch/s/energy.csv"
expect 0 '^plain,3,2,' -- grep '^plain,3' "$scratch/s/study.csv"

# Bad input: one line naming the problem, non-zero exit.
expect fail 'no such dataset folder' -- "$gcnops" train --data "$scratch/none"
expect fail '--operator: bogus not in' -- "$gcnops" train --operator bogus
expect fail 'Could not convert: --layers = x' -- "$gcnops" train --layers x
expect fail 'dropout = 2, expected 0 <= dropout < 1' -- \
  "$gcnops" train --data "$data/cora" --dropout 2
expect fail 'layers = 0, expected >= 1' -- \
  "$gcnops" train --data "$data/cora" --layers 0
expect fail 'alpha = 1.5, expected 0 <= alpha <= 1' -- \
  "$gcnops" train --data "$data/cora" --operator shifted --alpha 1.5
mkdir "$scratch/bad"
cp "$data/cora/"* "$scratch/bad/"
head -n 100 "$data/cora/labels.txt" >"$scratch/bad/labels.txt"
expect fail 'labels.txt: has 100 labels, expected 2708' -- \
  "$gcnops" train --data "$scratch/bad"
expect fail 'no such file' -- "$gcnops" info --mtx "$scratch/none.mtx"
expect fail 'A subcommand is required' -- "$gcnops"

echo "$failures failed"
[[ $failures -eq 0 ]]
