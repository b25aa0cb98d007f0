#!/usr/bin/env python3
"""Writes polyphony.npz: synthetic polyphonic music as piano rolls, for the
`sequences` task with the bernoulli head (experiments/polyphony.json).

Run: python3 experiments/data/make_polyphony.py   (NumPy only; seeded, so the
same file comes out every time up to the zip's timestamps).

What the music is: 24 keys (two octaves). Each piece picks a key (a transposition
of 0-4 semitones), a four-chord progression from a few common ones, a tempo (each
chord lasts 3 or 4 frames) and a length of 32-64 frames. Every frame holds the
chord's triad in the lower octave and one melody note in the upper octave, a tone
of the current chord or a step of the scale from the previous note, held or moved
at random; 1% of the key-frames are flipped as noise. Predicting the next frame
needs the key, the chord position inside its duration and the progression so far:
structure several frames long, which is what GRU and LSTM are compared on.

Arrays (as the sequences task reads them): x_* float32 (N, 64, 24), the frames;
y_* bool (N, 64, 24), the next frames (y[:, t] = frame t + 1); len_* int32 (N,),
the valid steps (the piece's frames minus one). Splits: 192 train, 48 val, 48 test.
"""
import os
import numpy as np

KEYS = 24
MAX_FRAMES = 64
MAJOR = [0, 2, 4, 5, 7, 9, 11]
# Progressions as scale degrees (0 = I, 3 = IV, 4 = V, 5 = vi, 1 = ii).
PROGRESSIONS = [[0, 4, 5, 3], [0, 3, 4, 0], [5, 3, 0, 4], [1, 4, 0, 0], [0, 5, 3, 4]]


def triad(degree, key):
    """Pitches (semitones from the lowest key) of the triad on a scale degree."""
    notes = []
    for step in (0, 2, 4):
        d = degree + step
        notes.append(key + MAJOR[d % 7] + 12 * (d // 7))
    return [n % 12 for n in notes]  # lower octave


def piece(rng):
    key = int(rng.integers(0, 5))
    progression = PROGRESSIONS[int(rng.integers(0, len(PROGRESSIONS)))]
    duration = int(rng.integers(3, 5))
    frames = int(rng.integers(32, MAX_FRAMES + 1))
    scale = sorted({(key + s) % 12 for s in MAJOR})
    roll = np.zeros((frames, KEYS), dtype=bool)
    melody = 12 + key + 4  # the third, upper octave
    for t in range(frames):
        chord = triad(progression[(t // duration) % 4], key)
        for n in chord:
            roll[t, n] = True
        if t % duration == 0:
            # On a chord change the melody takes the nearest tone of the new chord.
            candidates = [12 + n for n in chord]
            melody = min(candidates, key=lambda c: (abs(c - melody), c))
        elif rng.random() < 0.5:
            # Otherwise a scale step up or down, kept inside the upper octave.
            position = scale.index((melody - 12) % 12)
            position = min(max(position + int(rng.choice([-1, 1])), 0), len(scale) - 1)
            melody = 12 + scale[position]
        roll[t, melody] = True
    noise = rng.random(roll.shape) < 0.01
    return roll ^ noise


def split(rng, count):
    x = np.zeros((count, MAX_FRAMES, KEYS), dtype=np.float32)
    y = np.zeros((count, MAX_FRAMES, KEYS), dtype=bool)
    lengths = np.zeros(count, dtype=np.int32)
    for i in range(count):
        roll = piece(rng)
        steps = len(roll) - 1
        x[i, :steps] = roll[:-1]
        y[i, :steps] = roll[1:]
        lengths[i] = steps
    return x, y, lengths


def main():
    rng = np.random.default_rng(2014)
    arrays = {}
    for name, count in (("train", 192), ("val", 48), ("test", 48)):
        x, y, lengths = split(rng, count)
        arrays["x_" + name], arrays["y_" + name], arrays["len_" + name] = x, y, lengths
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "polyphony.npz")
    np.savez_compressed(out, **arrays)
    print(f"wrote {out}: {os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
