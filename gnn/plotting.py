"""Line charts as PNG files: matplotlib when it is installed, else a small built-in renderer.

The built-in renderer draws axes, ticks, a legend and polylines on an RGB canvas with a 3x5
bitmap font (upper-case letters, digits and a few signs) and writes the PNG with zlib, so the
report's plots exist on a machine with nothing but numpy.
"""

from __future__ import annotations

import logging
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Series", "line_chart"]

log = logging.getLogger(__name__)

PALETTE = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127))


@dataclass(frozen=True)
class Series:
    name: str
    x: np.ndarray
    y: np.ndarray
    markers: bool = False


def line_chart(path: Path, title: str, series: list[Series], xlabel: str, ylabel: str,
               lim: tuple[float, float, float, float] = (0.0, 1.0, 0.0, 1.0),
               diagonal: bool = False) -> Path:
    """Write a line chart to ``path`` (PNG); ``lim`` is ``(x0, x1, y0, y1)``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return _fallback(Path(path), title, series, xlabel, ylabel, lim, diagonal)
    fig, ax = plt.subplots(figsize=(6, 5), dpi=110)
    if diagonal:
        ax.plot([lim[0], lim[1]], [lim[0], lim[1]], ls="--", color="grey", lw=1)
    for k, s in enumerate(series):
        color = tuple(c / 255 for c in PALETTE[k % len(PALETTE)])
        ax.plot(s.x, s.y, marker="o" if s.markers else None, ms=3, color=color, label=s.name)
    ax.set(xlim=lim[:2], ylim=lim[2:], xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


# ---- the built-in renderer ----------------------------------------------------------------
_GLYPHS = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111",
    "3": "111001111001111", "4": "101101111001001", "5": "111100111001111",
    "6": "111100111101111", "7": "111001001010010", "8": "111101111101111",
    "9": "111101111001111", "A": "010101111101101", "B": "110101110101110",
    "C": "011100100100011", "D": "110101101101110", "E": "111100110100111",
    "F": "111100110100100", "G": "011100101101011", "H": "101101111101101",
    "I": "111010010010111", "J": "001001001101010", "K": "101101110101101",
    "L": "100100100100111", "M": "101111111101101", "N": "110101101101101",
    "O": "010101101101010", "P": "110101110100100", "Q": "010101101110011",
    "R": "110101110101101", "S": "011100010001110", "T": "111010010010010",
    "U": "101101101101111", "V": "101101101101010", "W": "101101111111101",
    "X": "101101010101101", "Y": "101101010010010", "Z": "111001010100111",
    ".": "000000000000010", "-": "000000111000000", "_": "000000000000111",
    ":": "000010000010000", "(": "001010010010001", ")": "100010010010100",
    "=": "000111000111000", ",": "000000000010100", "/": "001001010100100",
    "+": "000010111010000", " ": "000000000000000",
}
_W, _H, _MARGIN = 640, 520, (70, 30, 40, 60)  # size; margins left, right, top, bottom


class _Canvas:
    def __init__(self, w: int, h: int) -> None:
        self.px = np.full((h, w, 3), 255, dtype=np.uint8)

    def dot(self, x: int, y: int, color: tuple[int, int, int], r: int = 1) -> None:
        h, w, _ = self.px.shape
        self.px[max(0, y - r + 1):min(h, y + r), max(0, x - r + 1):min(w, x + r)] = color

    def line(self, x0: float, y0: float, x1: float, y1: float, color: tuple[int, int, int],
             width: int = 1, dash: int = 0) -> None:
        steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        for k in range(steps + 1):
            if dash and (k // dash) % 2:
                continue
            t = k / max(steps, 1)
            self.dot(round(x0 + t * (x1 - x0)), round(y0 + t * (y1 - y0)), color, width)

    def text(self, x: int, y: int, s: str, color: tuple[int, int, int] = (0, 0, 0),
             scale: int = 2) -> None:
        for ch in s.upper():
            bits = _GLYPHS.get(ch, _GLYPHS[" "])
            for k, b in enumerate(bits):
                if b == "1":
                    r, c = divmod(k, 3)
                    self.px[y + r * scale:y + (r + 1) * scale,
                            x + c * scale:x + (c + 1) * scale] = color
            x += 4 * scale

    def png(self, path: Path) -> None:
        h, w, _ = self.px.shape
        raw = b"".join(b"\x00" + self.px[r].tobytes() for r in range(h))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return (struct.pack(">I", len(data)) + kind + data
                    + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

        path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8,
                                                                          2, 0, 0, 0))
                         + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _fallback(path: Path, title: str, series: list[Series], xlabel: str, ylabel: str,
              lim: tuple[float, float, float, float], diagonal: bool) -> Path:
    log.info("matplotlib is not installed: drawing %s with the built-in renderer", path.name)
    cv = _Canvas(_W, _H)
    left, right, top, bottom = _MARGIN
    x0, x1, y0, y1 = lim
    pw, ph = _W - left - right, _H - top - bottom

    def to_px(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (left + (np.asarray(x) - x0) / (x1 - x0) * pw,
                top + ph - (np.asarray(y) - y0) / (y1 - y0) * ph)

    black, grey = (0, 0, 0), (170, 170, 170)
    cv.line(left, top + ph, left + pw, top + ph, black)
    cv.line(left, top, left, top + ph, black)
    for k in range(6):
        fx, fy = to_px(np.array([x0 + k * (x1 - x0) / 5]), np.array([y0 + k * (y1 - y0) / 5]))
        cv.line(fx[0], top + ph, fx[0], top + ph + 5, black)
        cv.text(int(fx[0]) - 12, top + ph + 10, f"{x0 + k * (x1 - x0) / 5:.2f}")
        cv.line(left - 5, fy[0], left, fy[0], black)
        cv.text(left - 50, int(fy[0]) - 5, f"{y0 + k * (y1 - y0) / 5:.2f}")
    if diagonal:
        dx, dy = to_px(np.array([x0, x1]), np.array([x0, x1]))
        cv.line(dx[0], dy[0], dx[1], dy[1], grey, dash=6)
    for k, s in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        px, py = to_px(np.clip(s.x, x0, x1), np.clip(s.y, y0, y1))
        for a in range(len(px) - 1):
            cv.line(px[a], py[a], px[a + 1], py[a + 1], color, width=2)
        if s.markers:
            for a in range(len(px)):
                cv.dot(int(px[a]), int(py[a]), color, r=3)
        cv.line(left + pw - 200, top + 12 + 16 * k, left + pw - 180, top + 12 + 16 * k, color, 2)
        cv.text(left + pw - 174, top + 7 + 16 * k, s.name[:22], color)
    cv.text(left, 4, title[:70])
    cv.text(left + pw // 2 - 4 * len(xlabel), _H - 22, xlabel)
    cv.text(8, top - 12, ylabel[:30])
    cv.png(Path(path))
    return Path(path)
