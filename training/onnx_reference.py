"""The ONNX recurrent operators (LSTM, GRU, RNN) transcribed from their definitions in the ONNX
operator documentation, in float64 numpy, for the expected values of hand-built fixture graphs.

Layout 0 only: X is [T, B, I]; returns Y [T, D, B, H] and the final state {"h": [D, B, H], "c"?}.
Gate blocks in ONNX order: LSTM i, o, f, c; GRU z, r, h. B holds Wb then Rb. Default
activations (LSTM f=Sigmoid, g=Tanh, h=Tanh; GRU f=Sigmoid, g=Tanh; RNN Tanh, or `activation`).
"""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATIONS = {"Tanh": np.tanh, "Relu": lambda v: np.maximum(v, 0), "Sigmoid": sigmoid}


def lstm_step(x, h, c, W, R, Wb, Rb):
    H = h.shape[-1]
    gates = x @ W.T + h @ R.T + Wb + Rb
    i, o, f, g = (gates[:, k * H:(k + 1) * H] for k in range(4))
    i, o, f, g = sigmoid(i), sigmoid(o), sigmoid(f), np.tanh(g)
    c = f * c + i * g
    return o * np.tanh(c), c


def gru_step(x, h, W, R, Wb, Rb, linear_before_reset):
    H = h.shape[-1]
    Wz, Wr, Wh = (W[k * H:(k + 1) * H] for k in range(3))
    Rz, Rr, Rh = (R[k * H:(k + 1) * H] for k in range(3))
    Wbz, Wbr, Wbh = (Wb[k * H:(k + 1) * H] for k in range(3))
    Rbz, Rbr, Rbh = (Rb[k * H:(k + 1) * H] for k in range(3))
    z = sigmoid(x @ Wz.T + h @ Rz.T + Wbz + Rbz)
    r = sigmoid(x @ Wr.T + h @ Rr.T + Wbr + Rbr)
    if linear_before_reset:
        candidate = np.tanh(x @ Wh.T + r * (h @ Rh.T + Rbh) + Wbh)
    else:
        candidate = np.tanh(x @ Wh.T + (r * h) @ Rh.T + Rbh + Wbh)
    return (1 - z) * candidate + z * h


def rnn_step(x, h, W, R, Wb, Rb, activation):
    return ACTIVATIONS[activation](x @ W.T + h @ R.T + Wb + Rb)


def run_node(kind, X, W, R, B, direction="forward", linear_before_reset=0, activation="Tanh",
             initial_h=None, initial_c=None):
    X = np.asarray(X, dtype=np.float64)
    T, batch, _ = X.shape
    D = 2 if direction == "bidirectional" else 1
    H = R.shape[-1]
    Y = np.zeros((T, D, batch, H))
    final_h = np.zeros((D, batch, H))
    final_c = np.zeros((D, batch, H))
    for d in range(D):
        backward = direction == "reverse" or d == 1
        w, r = W[d].astype(np.float64), R[d].astype(np.float64)
        gates = w.shape[0]
        wb, rb = B[d][:gates].astype(np.float64), B[d][gates:].astype(np.float64)
        h = np.zeros((batch, H)) if initial_h is None else np.asarray(initial_h[d], dtype=np.float64)
        c = np.zeros((batch, H)) if initial_c is None else np.asarray(initial_c[d], dtype=np.float64)
        for t in (range(T - 1, -1, -1) if backward else range(T)):
            if kind == "LSTM":
                h, c = lstm_step(X[t], h, c, w, r, wb, rb)
            elif kind == "GRU":
                h = gru_step(X[t], h, w, r, wb, rb, linear_before_reset)
            else:
                h = rnn_step(X[t], h, w, r, wb, rb, activation)
            # The engine runs in float32: so does each step here, as a float32 runtime would.
            h = h.astype(np.float32).astype(np.float64)
            c = c.astype(np.float32).astype(np.float64)
            Y[t, d] = h
        final_h[d], final_c[d] = h, c
    state = {"h": final_h}
    if kind == "LSTM":
        state["c"] = final_c
    return Y, state
