"""Text generation from a character-level package, run by PyTorch from the exported files."""

import numpy as np


def sample_text(package, alphabet, prompt, length, temperature, seed=0):
    """Continues `prompt` by `length` characters. temperature 0 is greedy (argmax); otherwise
    p_i ∝ p_i^(1/temperature), i.e. softmax(logits / temperature). Token packages are fed ids,
    packages without an embedding (the seed layout) one-hot vectors."""
    index = {ch: i for i, ch in enumerate(alphabet)}
    missing = sorted(set(prompt) - set(index))
    if missing:
        raise ValueError(f"prompt has characters outside the vocabulary: {missing}")
    rng = np.random.default_rng(seed)

    def step(ids, state):
        if package.embedding is not None:
            return package.run(tokens=ids, state=state)
        return package.run(inputs=np.eye(len(alphabet), dtype=np.float32)[ids], state=state)

    outputs, state = step([index[ch] for ch in prompt], None)
    generated = []
    for _ in range(length):
        p = outputs[-1].astype(np.float64)
        if temperature == 0:
            choice = int(np.argmax(p))
        else:
            p = np.power(p, 1.0 / temperature)
            choice = int(rng.choice(len(p), p=p / p.sum()))
        generated.append(alphabet[choice])
        outputs, state = step([choice], state)
    return "".join(generated)
