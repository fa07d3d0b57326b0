#!/bin/sh
# Retrains every bundled model into ../models, then replays each package's cases.json.
# About 10 minutes of CPU time on one core; results: training/reports/*.json.
set -eu
cd "$(dirname "$0")"
PYTHON=${PYTHON:-/usr/bin/python3}   # Debian's python3, which has torch, numpy and statsmodels
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

"$PYTHON" -m unittest --quiet
"$PYTHON" train_co2_lstm.py
"$PYTHON" train_min_char_rnn.py
"$PYTHON" train_char_gru.py
"$PYTHON" export.py check ../models/*/
