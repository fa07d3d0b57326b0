#!/bin/sh
# Retrains one bundled model into a temporary folder and compares its files with the committed
# package byte for byte:   training/reproduce.sh co2-lstm | min-char-rnn | kjv-char-gru
set -eu
cd "$(dirname "$0")"
PYTHON=${PYTHON:-/usr/bin/python3}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

case "${1:-}" in
  co2-lstm) script=train_co2_lstm.py ;;
  min-char-rnn) script=train_min_char_rnn.py ;;
  kjv-char-gru) script=train_char_gru.py ;;
  *) echo "usage: $0 co2-lstm | min-char-rnn | kjv-char-gru" >&2; exit 2 ;;
esac
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$PYTHON" "$script" --out "$scratch/$1" --report "$scratch/report.json" > "$scratch/log.txt"
status=0
for file in ../models/"$1"/*; do
  name=$(basename "$file")
  if cmp -s "$file" "$scratch/$1/$name"; then
    echo "identical  $name  $(sha256sum < "$file" | cut -c1-16)"
  else
    echo "DIFFERENT  $name"; status=1
  fi
done
exit $status
