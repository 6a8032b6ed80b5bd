"""The sound's level: measure the kept part first, then decide how the render brings it to
the target (−14 LUFS, true peak at most −1 dBTP, from the preset).

One-pass ``loudnorm`` cannot lift a quiet, dynamic phone recording (−45 LUFS, peaks 22 dB
above its loudness) to −14: its gain riding falls 3–8 LU short. Measuring first lets the
render apply exactly what is needed, in its one pass:

* ``gain``: one linear gain, when the peaks stay under the ceiling (the best sound);
* ``limit``: the gain, then a fast limiter that shaves the few peaks that would go over;
* ``compress``: a gentle speech compressor first, when the peaks stand far above the speech;
  a second audio-only pass measures what the compressor left, so the final gain is exact;
  with the limiter, one more measures what it took off, and that is made up;
* ``leave``: nearly silent or noise only: lifting it would only make hiss loud; said so.

The measuring pass reads the sound alone (``-vn``: no picture decoded), only the kept window,
with ``ebur128`` (a fraction of a second per minute); ``loudnorm``'s own analysis pass
upsamples to 192 kHz and costs about 7× more. The decisions are small pure functions.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from overlay import runner
from overlay.errors import RenderError
from overlay.presets import Encode

GAIN, LIMIT, COMPRESS, LEAVE, DYNAMIC = "gain", "limit", "compress", "leave", "dynamic"

# Speech this quiet is barely above a phone's own noise: lifted 46 dB or more, the hiss
# would be as loud as the words. Below it the level is left alone and the user told why.
SILENCE_FLOOR = -60.0           # LUFS, integrated
# AAC encoding raises true peaks by up to about half a dB: a plain gain keeps that margin.
ENCODER_HEADROOM = 0.5          # dB
# alimiter limits sample peaks; peaks between samples and the encoder add up to about 1 dB.
LIMITER_MARGIN = 1.0            # dB under the true-peak target
# A fast limiter shaving the rare highest peaks by a few dB is not heard on speech; beyond
# that it would work on every syllable (distortion), so a compressor takes the bulk first.
LIMIT_AT_MOST = 3.0             # dB
# What the limiter takes off the loudness (0.3–1.3 LU on speech) is measured on the whole
# chain and made up before it; the limiter then takes a little more of the louder sound,
# so the make-up is half as much again (measured: −15.4 → −14.4, −14.7 → −14.1 LUFS).
MAKE_UP_FACTOR = 1.5
MAKE_UP_AT_MOST = 3.0           # dB
# A gentle speech compressor (ratio 3, RMS, 15 ms attack, 300 ms release: no pumping),
# working on the sound once it sits at the target level.
COMPRESSOR = {"threshold": -20.0, "ratio": 3, "attack": 15, "release": 300}
GAIN_STEP = 0.05                # dB: a smaller gain is no gain


@dataclass(frozen=True)
class Target:
    loudness: float             # LUFS
    true_peak: float            # dBTP
    tolerance: float            # LU either side of ``loudness``

    @classmethod
    def of(cls, encode: Encode) -> Target:
        return cls(encode.loudness, encode.true_peak, encode.loudness_tolerance)

    def met(self, lufs: float) -> bool:
        return abs(lufs - self.loudness) <= self.tolerance + 1e-9


@dataclass(frozen=True)
class Measured:
    """EBU R128 figures of a stretch of sound (``ebur128``'s summary)."""

    integrated: float | None    # LUFS; None when nothing passes the −70 LUFS gate
    true_peak: float            # dBTP; -inf for digital silence
    lra: float = 0.0            # LU
    threshold: float | None = None   # LUFS, the relative gate of the integrated loudness


@dataclass(frozen=True)
class AudioPlan:
    """How the render brings the sound to the target: data for ``graph.build``."""

    kind: str                   # GAIN, LIMIT, COMPRESS, LEAVE or DYNAMIC (one-pass loudnorm)
    target: Target
    source: Measured | None = None    # the kept part's sound, as measured before the render
    gain: float = 0.0           # dB, before the compressor (or the only gain)
    makeup: float = 0.0         # dB, after the compressor (COMPRESS only)
    settled: bool = True        # COMPRESS: False until the compressed sound has been measured

    @property
    def ceiling(self) -> float:
        """The limiter's sample-peak ceiling, dBFS."""
        return self.target.true_peak - LIMITER_MARGIN

    def filters(self, *, rate: int = 48000,
                upto_compressor: bool = False) -> list[tuple[str, dict[str, object]]]:
        """The audio filters, in order, for a stereo float stream at ``rate``.

        ``upto_compressor``: only gain and compressor, as the second measuring pass runs them.
        """
        chain: list[tuple[str, dict[str, object]]] = []
        if self.kind == DYNAMIC:
            return one_pass(self.target.loudness, self.target.true_peak, rate)
        if self.kind == LEAVE:
            return chain
        if abs(self.gain) >= GAIN_STEP:
            chain.append(("volume", {"volume": f"{self.gain:.2f}dB"}))
        if self.kind == COMPRESS:
            c = COMPRESSOR
            chain.append(("acompressor", {"threshold": f"{db_to_linear(c['threshold']):.4f}",
                                          "ratio": c["ratio"], "attack": c["attack"],
                                          "release": c["release"], "detection": "rms"}))
            if upto_compressor:
                return chain
            if abs(self.makeup) >= GAIN_STEP:
                chain.append(("volume", {"volume": f"{self.makeup:.2f}dB"}))
        if self.kind in (LIMIT, COMPRESS):
            chain.append(("alimiter", {"limit": f"{db_to_linear(self.ceiling):.4f}",
                                       "attack": 5, "release": 80, "level": 0, "latency": 1}))
        return chain


def one_pass(loudness: float, true_peak: float, rate: int) -> list[tuple[str, dict[str, object]]]:
    """Unmeasured sound: one-pass (dynamic) EBU R128 normalisation, the fallback. loudnorm
    works at 192 kHz, hence the resampling after it."""
    return [("loudnorm", {"i": loudness, "tp": true_peak, "lra": 11}),
            ("aresample", {"out_sample_rate": rate})]


def db_to_linear(db: float) -> float:
    return float(10 ** (db / 20))


# ---------------------------------------------------------------- the decision (pure)

def decide(source: Measured | None, target: Target) -> AudioPlan:
    """The plan for a measured sound. A COMPRESS plan is not ``settled``: run the gain and
    compressor in a second measuring pass and give the result to ``settle``."""
    if source is None:
        return AudioPlan(DYNAMIC, target)
    if source.integrated is None or source.integrated < SILENCE_FLOOR:
        return AudioPlan(LEAVE, target, source)
    gain = target.loudness - source.integrated
    over = source.true_peak + gain - (target.true_peak - ENCODER_HEADROOM)
    if over <= 0:
        return AudioPlan(GAIN, target, source, gain=gain)
    if over <= LIMIT_AT_MOST:
        return AudioPlan(LIMIT, target, source, gain=gain)
    return AudioPlan(COMPRESS, target, source, gain=gain, settled=False)


def settle(plan: AudioPlan, compressed: Measured | None) -> AudioPlan:
    """The make-up gain that brings the compressed sound to the target."""
    if plan.kind != COMPRESS or plan.settled:
        return plan
    if compressed is None or compressed.integrated is None:
        # Should not happen (the sound passed the gate before): shave the peaks, as LIMIT does.
        return replace(plan, kind=LIMIT, settled=True)
    return replace(plan, makeup=plan.target.loudness - compressed.integrated, settled=True)


def make_up(plan: AudioPlan, chain: Measured | None) -> AudioPlan:
    """Make up what the limiter took, from a measure of the whole chain's output."""
    if plan.kind not in (LIMIT, COMPRESS) or chain is None or chain.integrated is None:
        return plan
    short = plan.target.loudness - chain.integrated
    if abs(short) < 0.2:
        return plan
    extra = max(-MAKE_UP_AT_MOST, min(MAKE_UP_AT_MOST, short * MAKE_UP_FACTOR))
    if plan.kind == LIMIT:
        return replace(plan, gain=plan.gain + extra)
    return replace(plan, makeup=plan.makeup + extra)


# ---------------------------------------------------------------- reading ffmpeg's report

_NUMBER = r"(-?(?:\d+(?:\.\d+)?|inf|nan))"


def _number(text: str) -> float:
    value = float(text)
    return value if not math.isnan(value) else -math.inf


def parse_summary(stderr: str) -> Measured | None:
    """The last ``ebur128`` summary in ffmpeg's report, or None when there is none."""
    start = stderr.rfind("Integrated loudness:")
    if start < 0:
        return None
    text = stderr[start:]
    i = re.search(r"I:\s+" + _NUMBER + r"\s+LUFS", text)
    if i is None:
        return None
    gate = re.search(r"Threshold:\s+" + _NUMBER + r"\s+LUFS", text)
    lra = re.search(r"LRA:\s+" + _NUMBER + r"\s+LU\b", text)
    peak = re.search(r"Peak:\s+" + _NUMBER + r"\s+dBFS", text)
    integrated = _number(i.group(1))
    # ffmpeg prints −70 (the absolute gate) when no block passes it: nothing to measure.
    return Measured(integrated=integrated if integrated > -69.95 else None,
                    true_peak=_number(peak.group(1)) if peak else -math.inf,
                    lra=max(0.0, _number(lra.group(1))) if lra else 0.0,
                    threshold=_number(gate.group(1)) if gate else None)


def measured_loudness(stderr: str) -> float | None:
    """Integrated loudness (LUFS) of the last ebur128 summary in ffmpeg's report; None when
    there is none or the sound is silent (at or under −69 LUFS)."""
    summary = parse_summary(stderr)
    if summary is None or summary.integrated is None or summary.integrated < -69:
        return None
    return summary.integrated


# ---------------------------------------------------------------- the measuring pass

def filter_text(filters: Sequence[tuple[str, dict[str, object]]]) -> str:
    """``[("volume", {"volume": "3dB"})]`` → ``volume=volume=3dB`` (numbers only: no quoting)."""
    parts = []
    for name, options in filters:
        args = ":".join(f"{key}={value}" for key, value in options.items())
        parts.append(f"{name}={args}" if args else name)
    return ",".join(parts)


def measure_args(ffmpeg: str, source: Path, start: float, duration: float, *,
                 rate: int = 48000, chain: Sequence[tuple[str, dict[str, object]]] = (),
                 peak: bool = True) -> list[str]:
    """The audio-only pass: the kept window's first audio stream as the render feeds its
    level filters (resampled, stereo, float), through ``chain``, into ``ebur128``."""
    window = ["-ss", f"{start:.3f}"] if start > 0 else []
    meter: dict[str, object] = {"framelog": "quiet", **({"peak": "true"} if peak else {})}
    steps: list[tuple[str, dict[str, object]]] = [
        ("aresample", {"out_sample_rate": rate}),
        ("aformat", {"sample_fmts": "fltp", "channel_layouts": "stereo"}),
        *chain, ("ebur128", meter)]
    # -progress: the runner calls the caller's progress function as the pass goes, which is
    # where a front end's Cancel takes effect (it raises there).
    return [ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-progress", "pipe:1",
            *window, "-t", f"{duration:.3f}",
            "-i", f"file:{Path(source).resolve()}", "-vn", "-sn", "-dn", "-map", "0:a:0",
            "-af", filter_text(steps), "-f", "null", "-"]


def measure(ffmpeg: str, source: Path, start: float, duration: float, *, rate: int = 48000,
            chain: Sequence[tuple[str, dict[str, object]]] = (), peak: bool = True,
            progress: Callable[[float], None] | None = None) -> Measured | None:
    """Run the measuring pass through the one runner; None if ffmpeg reported nothing."""
    stderr = runner.run(measure_args(ffmpeg, source, start, duration, rate=rate, chain=chain,
                                     peak=peak), progress=progress)
    return parse_summary(stderr)


def plan_for(ffmpeg: str, source: Path, start: float, duration: float, target: Target, *,
             rate: int = 48000, progress: Callable[[float], None] | None = None) -> AudioPlan:
    """Measure the kept window's sound and decide. A plain gain needs one pass; with the
    limiter, a second (without true peak, cheaper) measures what it took; with the
    compressor, one more before that sets its make-up gain.

    A measuring pass that fails (a damaged soundtrack) does not stop the render: it falls
    back to one-pass normalisation, as before measuring existed. ``progress`` gets each pass's
    seconds read; an exception it raises (a Cancel) stops the pass and goes up.
    """
    def again(plan: AudioPlan, **kw: bool) -> Measured | None:
        return measure(ffmpeg, source, start, duration, rate=rate, peak=False,
                       chain=plan.filters(**kw), progress=progress)

    try:
        plan = decide(measure(ffmpeg, source, start, duration, rate=rate, progress=progress), target)
        if not plan.settled:
            plan = settle(plan, again(plan, upto_compressor=True))
        if plan.kind in (LIMIT, COMPRESS):
            plan = make_up(plan, again(plan))
    except RenderError:
        return AudioPlan(DYNAMIC, target)
    return plan
