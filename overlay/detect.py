"""Finding the official logos in a frame, each on its own, however a clip was made.

Most districts make their clip in CapCut or a phone editor and place the logos by hand: other
sizes, spacing and order than ``overlay render`` would use. So each logo is searched for on
its own, at many sizes, anywhere in the top-right region, with a masked normalised
cross-correlation (NCC) in colour, computed with numpy's FFT on a downscaled frame. Where we
have no official file for a logo (only our placeholder), :func:`static_overlay` says whether
*something* stays still top-right while the rest of the picture changes.

Pure numpy and Pillow: frames in, findings out; decoding is the caller's business.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

WORK_SHORT_SIDE = 240        # frames are searched at most this tall (short side), in pixels
MIN_FRACTION = 0.03          # logo heights tried: 3 % .. 20 % of the frame's short side
MAX_FRACTION = 0.20
MIN_PIXELS = 8               # never search smaller than this (working pixels)
SCALE_STEP = 1.12            # a logo within 6 % of a tried size still correlates well
THRESHOLD = 0.70             # NCC at or above this: the pattern is there...
MAX_DIFF = 40.0              # ...and the colours too: mean difference (0-255) where opaque
CANDIDATES = 8               # peaks kept per logo, so identical logos get distinct places


@dataclass(frozen=True)
class Found:
    key: str
    score: float                              # NCC, -1..1
    box: tuple[int, int, int, int]            # x0, y0, x1, y1 in frame pixels (x1/y1 exclusive)


def search_region(width: int, height: int) -> tuple[int, int, int, int]:
    """The top-right part of a frame a logo row may occupy, hand-placed or not.

    Landscape: the right 65 % and the top 40 %; portrait rows are wider than the frame's
    half, so there the whole width and the top 30 %.
    """
    if width >= height:
        return round(width * 0.35), 0, width, round(height * 0.40)
    return 0, 0, width, round(height * 0.30)


def _sizes(short: int, scale: float) -> list[int]:
    """Logo heights to try, in working pixels."""
    low = max(MIN_PIXELS, MIN_FRACTION * short * scale)
    high = max(low, MAX_FRACTION * short * scale)
    sizes, h = [], low
    while h <= high * 1.001:
        sizes.append(round(h))
        h *= SCALE_STEP
    return sorted(set(sizes))


def _template(logo: Image.Image, height: int) -> tuple[np.ndarray, np.ndarray]:
    """The logo at ``height`` as float RGB and its opaque mask, eroded by a pixel where that
    leaves most of it (edge pixels are half background once video is scaled and compressed)."""
    width = max(1, round(logo.width * height / logo.height))
    im = logo.convert("RGBA").resize((width, height), Image.Resampling.LANCZOS)
    alpha = im.getchannel("A")
    mask = np.asarray(alpha, dtype=np.uint8) >= 160
    eroded = np.asarray(alpha.filter(ImageFilter.MinFilter(3)), dtype=np.uint8) >= 160
    if eroded.sum() >= 0.5 * mask.sum():
        mask = eroded
    return np.asarray(im.convert("RGB"), dtype=np.float64), mask


MIN_MASK = 40                # opaque pixels a template needs to say anything


def _smooth(n: int) -> int:
    """The next size at or above ``n`` with no prime factor over 5: FFTs of it are fast."""
    while True:
        m = n
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        if m == 1:
            return n
        n += 1


def _fft_shape(h: int, w: int) -> tuple[int, int]:
    return _smooth(h), _smooth(w)


class _Searcher:
    """One frame region, its FFTs computed once; templates correlated against it."""

    def __init__(self, region: np.ndarray, pad: int) -> None:
        self.region = region
        rh, rw = region.shape[:2]
        self.shape = _fft_shape(rh + pad, rw + pad)
        fft = np.fft.rfft2
        chans = [region[..., c] for c in range(3)]
        self.f_img = [fft(c, self.shape) for c in chans]
        self.f_sum = fft(sum(chans), self.shape)
        self.f_sq = fft(sum(c * c for c in chans), self.shape)

    def ncc(self, tpl: "_Template") -> np.ndarray:
        """NCC of the template at every position where it fits inside the region.

        One mean over all three channels, not one per channel: a red badge and a green one
        of the same design must not look alike.
        """
        th, tw = tpl.mask.shape
        rh, rw = self.region.shape[:2]
        if th > rh or tw > rw or tpl.n == 0:
            return np.full((0, 0), -1.0)
        f_zero, f_mask = tpl.ffts(self.shape)
        ifft = np.fft.irfft2
        num_map = ifft(sum(self.f_img[c] * f_zero[c] for c in range(3)), self.shape)
        s1 = ifft(self.f_sum * f_mask, self.shape)
        s2 = ifft(self.f_sq * f_mask, self.shape)
        valid = (slice(th - 1, rh), slice(tw - 1, rw))
        num_map, s1, s2 = num_map[valid], s1[valid], s2[valid]
        var = np.maximum(s2 - s1 * s1 / tpl.n, 0.0)
        # A flat patch of video (var ~ 0) matches nothing: floor the denominator.
        denom = np.sqrt(np.maximum(var, tpl.n * 4.0) * tpl.energy)
        return num_map / denom


class _Template:
    """One logo at one height: its pixels, mask, zero-mean pattern and their FFTs (cached)."""

    def __init__(self, logo: Image.Image, height: int) -> None:
        self.rgb, self.mask = _template(logo, height)
        self.n = 3.0 * self.mask.sum() if self.mask.sum() >= MIN_MASK else 0.0
        mean = (self.rgb * self.mask[..., None]).sum() / self.n if self.n else 0.0
        zero = (self.rgb - mean) * self.mask[..., None]
        if float((zero * zero).sum()) <= 1e-6:      # a flat-coloured logo: colour, not pattern
            zero = zero + self.mask[..., None] * 1.0
        self.zero = zero
        self.energy = float((zero * zero).sum())
        self._ffts: dict[tuple[int, int], tuple[list[np.ndarray], np.ndarray]] = {}

    def ffts(self, shape: tuple[int, int]) -> tuple[list[np.ndarray], np.ndarray]:
        if shape not in self._ffts:
            # Correlation is convolution with the flipped template.
            flip = (slice(None, None, -1), slice(None, None, -1))
            fft = np.fft.rfft2
            self._ffts[shape] = ([fft(self.zero[..., c][flip], shape) for c in range(3)],
                                 fft(self.mask[flip].astype(np.float64), shape))
        return self._ffts[shape]


class LogoSet:
    """The logos to look for, by key; templates are made once and reused on every frame."""

    def __init__(self, logos: Mapping[str, Image.Image]) -> None:
        self.logos = {key: im.convert("RGBA") for key, im in logos.items()}
        self._templates: dict[tuple[str, int], _Template] = {}

    def template(self, key: str, height: int) -> _Template:
        if (key, height) not in self._templates:
            self._templates[key, height] = _Template(self.logos[key], height)
        return self._templates[key, height]


def _peaks(score: np.ndarray, size: tuple[int, int], most: int) -> list[tuple[float, int, int]]:
    """The best ``most`` local maxima, at least half a template apart."""
    out: list[tuple[float, int, int]] = []
    s = score.copy()
    th, tw = size
    for _i in range(most):
        idx = int(np.argmax(s))
        y, x = divmod(idx, s.shape[1])
        best = float(s[y, x])
        if best < THRESHOLD:
            break
        out.append((best, y, x))
        s[max(0, y - th // 2):y + th // 2 + 1, max(0, x - tw // 2):x + tw // 2 + 1] = -1.0
    return out


def _prepare(frame: np.ndarray) -> tuple[np.ndarray, float, tuple[int, int, int, int]]:
    """The frame's search region, downscaled and softened; the scale and the region's box."""
    h, w = frame.shape[:2]
    box = search_region(w, h)
    x0, y0, x1, y1 = box
    scale = min(1.0, WORK_SHORT_SIDE / min(w, h))
    im = Image.fromarray(np.ascontiguousarray(frame[y0:y1, x0:x1]))
    if scale < 1.0:
        im = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))),
                       Image.Resampling.BOX)
    im = im.filter(ImageFilter.GaussianBlur(0.6))
    return np.asarray(im, dtype=np.float64), scale, box


def find_logos(frame: np.ndarray, logos: LogoSet | Mapping[str, Image.Image],
               sizes_hint: Mapping[str, int] | None = None) -> dict[str, Found]:
    """Where each logo is in the frame's top-right region; a logo not found is absent.

    ``logos``: key → the logo image (RGBA). Each logo gets its own place: identical logos
    (or two that look alike) are given distinct, non-overlapping boxes, best score first.
    ``sizes_hint``: key → logo height (working pixels) found on another frame of the same
    clip; tried first, so the other frames cost a few correlations instead of a full search.
    """
    if not isinstance(logos, LogoSet):
        logos = LogoSet(logos)
    region, scale, (rx0, ry0, _rx1, _ry1) = _prepare(frame)
    h, w = frame.shape[:2]
    all_sizes = _sizes(min(h, w), scale)
    if not all_sizes or min(region.shape[:2]) < MIN_PIXELS:
        return {}
    wide = max(max(1, round(logo.width * all_sizes[-1] / logo.height)) for logo in logos.logos.values())
    pad = max(all_sizes[-1], min(wide, region.shape[1]))
    searcher = _Searcher(region, pad)

    candidates: list[tuple[float, int, str, tuple[int, int, int, int]]] = []
    for key in logos.logos:
        hint = (sizes_hint or {}).get(key)
        tries = [s for s in all_sizes if hint is not None and abs(s - hint) <= max(1, hint * 0.15)]
        found = _search(searcher, key, logos, tries) if tries else []
        if not found:
            found = _search(searcher, key, logos, all_sizes)
        candidates.extend(found)

    chosen: dict[str, Found] = {}
    boxes: list[tuple[int, int, int, int]] = []
    # Best score first; at a near tie the bigger box (a small box inside a big logo of a
    # flat colour scores as well as the whole logo).
    for score, _area, key, box in sorted(candidates, key=lambda c: (-round(c[0], 2), -c[1])):
        if key in chosen or any(_overlap(box, other) > 0.2 for other in boxes):
            continue
        boxes.append(box)
        x0, y0, x1, y1 = box
        chosen[key] = Found(key, round(score, 3), (
            rx0 + round(x0 / scale), ry0 + round(y0 / scale),
            rx0 + round(x1 / scale), ry0 + round(y1 / scale)))
    if sizes_hint and any(key in sizes_hint and key not in chosen for key in logos.logos):
        return find_logos(frame, logos)        # a hint may have been wrong: look everywhere
    return chosen


def found_size(found: Found, frame_short_side: int) -> int:
    """A found box's height in working pixels, to give ``find_logos`` as a hint."""
    scale = min(1.0, WORK_SHORT_SIDE / frame_short_side)
    return round((found.box[3] - found.box[1]) * scale)


def _search(searcher: _Searcher, key: str, logos: LogoSet,
            sizes: Sequence[int]) -> list[tuple[float, int, str, tuple[int, int, int, int]]]:
    per_size = []
    for size in sizes:
        tpl = logos.template(key, size)
        score = searcher.ncc(tpl)
        if score.size == 0:
            continue
        rgb, mask = tpl.rgb, tpl.mask
        th, tw = mask.shape
        for s, y, x in _peaks(score, (th, tw), CANDIDATES):
            # NCC ignores colour up to gain and offset: two badges of one design in different
            # colours, or busy colourful video, can correlate; their pixels do not match.
            patch = searcher.region[y:y + th, x:x + tw]
            diff = float(np.abs(patch - rgb)[mask].mean())
            if diff <= MAX_DIFF:
                # Ranked by pattern and colour together, so that of two look-alike logos the
                # one whose colours match takes the place.
                # A slight preference for the bigger of two equal matches: inside a logo of
                # one flat colour a smaller box matches as well as the whole.
                per_size.append((s - diff / 200 + 0.002 * th, th * tw, key, (x, y, x + tw, y + th)))
    # Keep the best few over all sizes; the same place at neighbouring sizes is one place.
    per_size.sort(key=lambda c: (-round(c[0], 2), -c[1]))
    kept: list[tuple[float, int, str, tuple[int, int, int, int]]] = []
    for cand in per_size:
        if all(_overlap(cand[3], k[3]) <= 0.5 for k in kept):
            kept.append(cand)
        if len(kept) >= CANDIDATES:
            break
    return kept


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over the smaller box's area."""
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / smaller if smaller else 0.0


# ---------------------------------------------------------------- the fallback

@dataclass(frozen=True)
class Stillness:
    present: bool | None      # None: the picture hardly changes, so nothing can be told apart
    region_still: float       # share of the top-right region that stays the same
    rest_changed: float       # share of the rest of the frame that changes


STILL = 10.0                  # a pixel that moves less than this (0-255) is still
SMALL_WIDTH = 192


def static_overlay(frames: Sequence[np.ndarray]) -> Stillness:
    """Whether something stays the same in the top-right region while the picture changes.

    The fallback for logos we have no official file for: a static overlay top-right from
    the first frame to the last is what the mandate asks for, whatever the artwork.
    """
    small = []
    for frame in frames:
        im = Image.fromarray(np.ascontiguousarray(frame))
        height = max(1, round(im.height * SMALL_WIDTH / im.width))
        small.append(np.asarray(im.resize((SMALL_WIDTH, height), Image.Resampling.BOX)
                                .filter(ImageFilter.GaussianBlur(1)), dtype=np.int16))
    stack = np.stack(small)
    change = (stack.max(axis=0) - stack.min(axis=0)).max(axis=2)
    h, w = change.shape
    x0, y0, x1, y1 = search_region(w, h)
    inside = np.zeros_like(change, dtype=bool)
    inside[y0:y1, x0:x1] = True
    still = change < STILL
    region_still = float(still[inside].mean())
    rest_changed = float((~still[~inside]).mean())
    if rest_changed < 0.25:
        return Stillness(None, region_still, rest_changed)
    rest_still = 1.0 - rest_changed
    present = region_still >= 0.02 and region_still >= 2 * rest_still + 0.01
    return Stillness(present, region_still, rest_changed)
