"""What the two character models share: the KJV split, and truncated backpropagation through time."""

import math
import time

import numpy as np
import torch

from data import load_kjv_text

HELD_OUT_FRACTION = 0.05
PROMPT = "And God said"


def kjv_characters():
    """(vocab: sorted characters, train ids, held-out ids, text sha256): the first 95% of the
    characters train, the last 5% (from Colossians 1:13 to the end of Revelation) are held out."""
    text, digest = load_kjv_text()
    vocab = sorted(set(text))
    index = {ch: i for i, ch in enumerate(vocab)}
    ids = np.fromiter((index[ch] for ch in text), dtype=np.int64, count=len(text))
    split = int(len(ids) * (1 - HELD_OUT_FRACTION))
    return vocab, ids[:split], ids[split:], digest


def train_streams(model, train_ids, batch, window, steps, lr, log_every):
    """Adam with a cosine learning-rate decay (to 5%) over `steps` windows. The text is cut into
    `batch` contiguous streams; the state is carried from one window to the next and reset at each
    epoch, so the network is used to long sequences, as a server session is.
    model(ids, h) -> (logits, h). Returns (seconds, mean training bits/char of the last log_every steps,
    loss curve)."""
    usable = (len(train_ids) - 1) // batch * batch
    inputs = torch.from_numpy(train_ids[:usable]).view(batch, -1)
    targets = torch.from_numpy(train_ids[1:usable + 1]).view(batch, -1)
    windows_per_epoch = inputs.shape[1] // window
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / steps)))
    h, curve, recent = None, [], []
    started = time.time()
    for step in range(steps):
        position = step % windows_per_epoch
        if position == 0:
            h = None
        columns = slice(position * window, (position + 1) * window)
        logits, h = model(inputs[:, columns], h)
        h = h.detach()
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets[:, columns].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        recent.append(loss.item() / math.log(2))
        if (step + 1) % log_every == 0:
            curve.append([step + 1, round(float(np.mean(recent[-log_every:])), 4)])
            print(f"step {step + 1}/{steps}  train {curve[-1][1]:.3f} bits/char  {time.time() - started:.0f}s",
                  flush=True)
    return time.time() - started, float(np.mean(recent[-log_every:])), curve


def bits_per_char(model, ids, chunk=10000):
    """Mean cross-entropy in bits of predicting ids[t+1] from ids[..t]: one pass from a zero state,
    in chunks with the state carried over (the same as one long sequence)."""
    total, h = 0.0, None
    with torch.no_grad():
        for start in range(0, len(ids) - 1, chunk):
            x = torch.from_numpy(ids[start:start + chunk + 1])
            logits, h = model(x[:-1].unsqueeze(0), h)
            total += torch.nn.functional.cross_entropy(logits[0], x[1:], reduction="sum").item()
    return total / (len(ids) - 1) / math.log(2)
