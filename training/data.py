"""The two public-domain data sources the bundled models are trained on."""

import hashlib
import re
import shutil
import subprocess
import sys

import numpy as np

# sha256 of the text below as produced by Debian's bible-kjv 4.38 (`bible -f gen1:1-rev22:21`),
# so a different package version is noticed instead of silently training on other data.
KJV_SHA256 = "b5c4940bcfeee072c0935b5200d0f9d88a00a0199cb0961d16133458fcdfae5d"
VERSE_REFERENCE = re.compile(r"^[0-9A-Za-z]+?[0-9]+:[0-9]+ ", re.MULTILINE)


def load_kjv_text():
    """The King James Bible (public domain), one verse per line, verse references removed.
    Read with the `bible` program of Debian's bible-kjv package (its data file is compressed)."""
    if shutil.which("bible") is None:
        raise SystemExit("the `bible` program is missing: apt-get install bible-kjv")
    # -f: one verse per line prefixed by its reference, -m: buffer limit in KB
    raw = subprocess.run(["bible", "-f", "-m", "8000", "gen1:1-rev22:21"], stdin=subprocess.DEVNULL,
                         capture_output=True, check=True, text=True).stdout
    text = VERSE_REFERENCE.sub("", raw)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest != KJV_SHA256:
        print(f"warning: KJV text sha256 {digest} differs from {KJV_SHA256}: results will differ", file=sys.stderr)
    return text, digest


def load_co2_weekly():
    """Weekly Mauna Loa CO2 (ppm, statsmodels.datasets.co2, 1958-03-29 .. 2001-12-29) with its
    missing weeks filled by linear interpolation in time.
    Returns (dates as "YYYY-MM-DD", float64 values, boolean mask of the interpolated weeks)."""
    import statsmodels.api as sm  # slow import; only the forecaster needs it

    frame = sm.datasets.co2.load_pandas().data
    filled = frame["co2"].interpolate(method="time")
    if filled.isna().any():
        raise ValueError("co2: gaps at the ends of the series cannot be interpolated")
    dates = [d.strftime("%Y-%m-%d") for d in filled.index]
    return dates, filled.to_numpy(dtype=np.float64), frame["co2"].isna().to_numpy()
