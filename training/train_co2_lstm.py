"""Trains models/co2-lstm: a one-step-ahead forecaster of weekly Mauna Loa CO2.

Input x_t and output y_t are both one value in ppm: y_t forecasts x_{t+1}, so a forecast can be
fed back as the next input. The network sees (x - mean) / std with the training part's mean and
std; they are stored in config.json ("normalization") and the server applies them, so clients send
and receive ppm. Split: the first 80% of the weeks train, the last 20% (1993-04 .. 2001-12) are held out.

The held-out weeks lie above every training level (CO2 rises), and a recurrent net extrapolates
levels badly. Since the week-to-week dynamics do not depend on the level, each training window is
shifted by a random offset (uniform in SHIFT_PPM) so the network learns them over a wider range.

    /usr/bin/python3 training/train_co2_lstm.py            # about a minute on one core
"""

import argparse
import math
import os
import time

import numpy as np
import torch

from common import (MODELS_DIR, default_report_path, file_digests, hyperparameters, make_deterministic,
                    package_bytes, write_report)
from data import load_co2_weekly
from export import export_module

TRAIN_FRACTION = 0.8
SHIFT_PPM = (-15.0, 30.0)
FORECAST_WEEKS = 52


class Forecaster(torch.nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.rnn = torch.nn.LSTM(1, hidden_size, batch_first=True)
        self.fc = torch.nn.Linear(hidden_size, 1)

    def forward(self, x, state=None):
        out, state = self.rnn(x, state)
        return self.fc(out), state


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(MODELS_DIR, "co2-lstm"))
    parser.add_argument("--report", default=default_report_path("co2-lstm"))
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--window", type=int, default=260, help="weeks per training window")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--closed-loop", type=int, default=FORECAST_WEEKS,
                        help="weeks of each window forecast from the network's own outputs")
    parser.add_argument("--closed-loop-weight", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1234)
    return parser.parse_args()


def train(model, series, mean, std, args, rng):
    """Random windows of the training series, each shifted by its own offset; MSE on the normalized scale."""
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * step / args.steps)))
    curve, recent = [], []
    started = time.time()
    for step in range(args.steps):
        starts = rng.integers(0, len(series) - args.window - 1, args.batch)
        shifts = rng.uniform(*SHIFT_PPM, (args.batch, 1))
        windows = np.stack([series[s:s + args.window + 1] for s in starts]) + shifts
        normalized = torch.from_numpy(((windows - mean) / std).astype(np.float32)).unsqueeze(-1)
        one_step, _ = model(normalized[:, :-1])
        one_step_loss = torch.nn.functional.mse_loss(one_step, normalized[:, 1:])
        closed_loop_loss = closed_loop_mse(model, normalized, args.closed_loop)
        loss = one_step_loss + args.closed_loop_weight * closed_loop_loss
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        recent.append(math.sqrt(one_step_loss.item()) * std)  # one-step RMSE in ppm
        if (step + 1) % 100 == 0:
            curve.append([step + 1, round(float(np.mean(recent[-100:])), 4)])
            print(f"step {step + 1}/{args.steps}  train RMSE {curve[-1][1]:.3f} ppm  {time.time() - started:.0f}s",
                  flush=True)
    return time.time() - started, float(np.mean(recent[-100:])), curve


def closed_loop_mse(model, normalized, weeks):
    """Reads all but the last `weeks` inputs of each window, then feeds its own forecasts back for
    `weeks` steps (as a client of the forecast endpoint does); MSE of those forecasts."""
    warm_up = normalized.shape[1] - 1 - weeks
    predicted, state = model(normalized[:, :warm_up])
    forecasts = [predicted[:, -1:]]
    for _ in range(weeks - 1):
        predicted, state = model(forecasts[-1], state)
        forecasts.append(predicted)
    return torch.nn.functional.mse_loss(torch.cat(forecasts, 1), normalized[:, warm_up:warm_up + weeks])


def one_step_forecasts(model, series, mean, std):
    """forecast[t] = prediction of series[t + 1] after reading series[0..t] in one run from zeros
    (what a client streaming the whole history gets)."""
    with torch.no_grad():
        x = torch.from_numpy(((series - mean) / std).astype(np.float32)).view(1, -1, 1)
        predicted, _ = model(x)
    return predicted[0, :, 0].double().numpy() * std + mean


def free_run(model, history, steps, mean, std):
    """Reads `history`, then feeds each forecast back as the next input for `steps` weeks."""
    with torch.no_grad():
        x = torch.from_numpy(((history - mean) / std).astype(np.float32)).view(1, -1, 1)
        predicted, state = model(x)
        forecasts = [predicted[:, -1:]]
        for _ in range(steps - 1):
            predicted, state = model(forecasts[-1], state)
            forecasts.append(predicted)
    return torch.cat(forecasts, 1)[0, :, 0].double().numpy() * std + mean


def rmse(errors):
    return float(np.sqrt(np.mean(np.square(errors))))


def case_specs(model, series, dates, mean, std):
    """Raw ppm values from the series; the state case starts from the state after 1958..1989."""
    first_1990 = next(i for i, d in enumerate(dates) if d >= "1990-01-01")
    with torch.no_grad():
        _, (h, c) = model(torch.from_numpy(((series[:first_1990] - mean) / std).astype(np.float32)).view(1, -1, 1))
    state = {"h": np.round(h[:, 0].double().numpy(), 6).tolist(), "c": np.round(c[:, 0].double().numpy(), 6).tolist()}
    weeks = lambda begin, count: [[round(float(v), 4)] for v in series[begin:begin + count]]  # noqa: E731
    return [
        {"name": "from_1958_03_29_zero_state", "inputs": weeks(0, 12)},
        {"name": "from_1990_01_06_after_1958_1989", "inputs": weeks(first_1990, 10), "state": state},
        {"name": "last_8_weeks_of_2001_zero_state", "inputs": weeks(len(series) - 8, 8)},
    ]


def main():
    args = parse_args()
    make_deterministic(args.seed)
    rng = np.random.default_rng(args.seed)
    dates, series, interpolated = load_co2_weekly()
    observed, gaps = ~interpolated, int(interpolated.sum())
    split = int(len(series) * TRAIN_FRACTION)
    train_series = series[:split]
    mean, std = float(train_series.mean()), float(train_series.std())

    model = Forecaster(args.hidden)
    seconds, train_rmse, curve = train(model, train_series, mean, std, args, rng)
    model.eval()
    forecasts = one_step_forecasts(model, series, mean, std)
    # held-out targets: weeks split..end that were measured (interpolated weeks are not scored)
    targets = np.arange(split, len(series))
    targets = targets[observed[targets]]
    held_rmse = rmse(forecasts[targets - 1] - series[targets])
    naive_rmse = rmse(series[targets - 1] - series[targets])
    train_targets = np.arange(1, split)[observed[1:split]]
    train_pass_rmse = rmse(forecasts[train_targets - 1] - series[train_targets])
    free = free_run(model, series[:split], FORECAST_WEEKS, mean, std)
    free_rmse = rmse(free - series[split:split + FORECAST_WEEKS])
    flat_rmse = rmse(series[split - 1] - series[split:split + FORECAST_WEEKS])
    print(f"held-out one-step RMSE {held_rmse:.3f} ppm (naive last value {naive_rmse:.3f}); "
          f"52-week free run {free_rmse:.3f} (flat {flat_rmse:.3f}); {seconds:.0f}s")

    description = (
        f"One-step-ahead forecaster of weekly Mauna Loa CO2 in ppm (statsmodels.datasets.co2, 1958-03..2001-12, "
        f"{gaps} missing weeks filled by linear interpolation). LSTM (1 layer, {args.hidden} hidden) + linear head; "
        f"input and output are ppm, normalized with the training part's mean and std (config 'normalization'). "
        f"Trained on the first 80% of the weeks (to {dates[split - 1]}) with random level shifts; training RMSE "
        f"{train_pass_rmse:.3f} ppm. Held-out (last 20%, {len(targets)} measured weeks) one-step RMSE "
        f"{held_rmse:.3f} ppm vs {naive_rmse:.3f} ppm for the last value. Feed forecasts back as inputs to "
        f"forecast further. Reproduce: training/train_co2_lstm.py")
    normalization = {"input": {"mean": [mean], "std": [std]}, "output": {"mean": [mean], "std": [std]}}
    export_module(args.out, model, rnn="rnn", head="fc", labels=["co2_ppm_next_week"], description=description,
                  normalization=normalization, cases=case_specs(model, series, dates, mean, std))
    write_report(args.report, {
        "model": os.path.basename(args.out), "hyperparameters": hyperparameters(args),
        "data": {"source": "statsmodels.datasets.co2 (weekly, ppm)", "weeks": len(series), "interpolated_weeks": gaps,
                 "train_weeks": split, "train_until": dates[split - 1], "held_out_from": dates[split],
                 "normalization": {"mean": mean, "std": std}, "level_shift_ppm": list(SHIFT_PPM)},
        "parameters": sum(p.numel() for p in model.parameters()), "train_seconds": round(seconds, 1),
        "final_train_window_rmse_ppm": round(train_rmse, 4), "train_one_step_rmse_ppm": round(train_pass_rmse, 4),
        "held_out_one_step_rmse_ppm": round(held_rmse, 4), "held_out_naive_last_value_rmse_ppm": round(naive_rmse, 4),
        "held_out_scored_weeks": int(len(targets)),
        "free_run_52_weeks_rmse_ppm": round(free_rmse, 4), "free_run_flat_baseline_rmse_ppm": round(flat_rmse, 4),
        "loss_curve_rmse_ppm": curve, "package_bytes": package_bytes(args.out), "sha256": file_digests(args.out),
    })


if __name__ == "__main__":
    main()
