"""Server-rendered SVG charts (no JavaScript library): horizontal stacked bars.

A bar's label is broken into lines at spaces, never inside a word; a label too long for its
lines ends with "…" after a whole word, and the full name is the label's <title> (shown on
hover) and in every segment's <title>. Two labels that would read the same are written out
in full, so no two bars share a label.
"""

from dataclasses import dataclass

from markupsafe import Markup, escape

LINE_CHARS = 18  # fits the 150 px label column in the 14 px chart font (web.css), even DejaVu
MAX_LINES = 2
LINE_H = 16
LEGEND_CHARS = 20  # a longer series name gets a legend line of its own


@dataclass(frozen=True)
class Series:
    """One coloured part of every bar."""

    key: str
    label: str
    colour: str


def label_lines(label: str, *, width: int = LINE_CHARS, most: int | None = MAX_LINES) -> list[str]:
    """Break a label into lines of at most width characters at spaces (a longer word keeps
    a line of its own); past `most` lines, end the last kept line after a whole word with …."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if most is None or len(lines) <= most:
        return lines
    kept = lines[:most]
    last = kept[-1]
    while len(last) + 1 > width and " " in last:
        last = last.rsplit(" ", 1)[0]
    kept[-1] = last + "…"
    return kept


def _labels(names: list[str]) -> list[list[str]]:
    """Return each bar's label lines; labels that would read the same are written in full."""
    short = [label_lines(n) for n in names]
    seen: dict[tuple[str, ...], int] = {}
    for lines in short:
        seen[tuple(lines)] = seen.get(tuple(lines), 0) + 1
    return [
        label_lines(n, most=None) if seen[tuple(lines)] > 1 else lines
        for n, lines in zip(names, short, strict=True)
    ]


def _label(name: str, lines: list[str], y: int) -> str:
    spans = "".join(
        f'<tspan x="0" dy="{0 if n == 0 else LINE_H}">{escape(line)}</tspan>'
        for n, line in enumerate(lines)
    )
    return f'<text class="label" x="0" y="{y}"><title>{escape(name)}</title>{spans}</text>'


def stacked_bars(
    rows: list[tuple[str, dict[str, int]]], series: list[Series], *, title: str
) -> Markup:
    """Return an accessible SVG of one horizontal stacked bar per row, with a legend."""
    label_w, bar_w, bar_h = 150, 170, 16
    one_column = any(len(s.label) > LEGEND_CHARS for s in series)
    per_line = 1 if one_column else 2
    top = 8 + 20 * ((len(series) + per_line - 1) // per_line)
    labels = _labels([name for name, _ in rows])
    heights = [max(26, 10 + LINE_H * len(lines)) for lines in labels]
    height = top + (sum(heights) or 24) + 10
    biggest = max((sum(c.get(s.key, 0) for s in series) for _, c in rows), default=0) or 1
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="chart-title" '
        f'viewBox="0 0 {label_w + bar_w + 50} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for n, s in enumerate(series):  # the legend: two a line, or one when a name is long
        x, y = (n % per_line) * 185, 4 + (n // per_line) * 20
        parts.append(f'<rect x="{x}" y="{y}" width="14" height="14" fill="{s.colour}"/>')
        parts.append(f'<text x="{x + 19}" y="{y + 12}">{escape(s.label)}</text>')
    y = top
    for (label, counts), lines, row_h in zip(rows, labels, heights, strict=True):
        middle = y + row_h // 2
        parts.append(_label(label, lines, middle + 5 - (len(lines) - 1) * LINE_H // 2))
        cursor = float(label_w)
        for s in series:
            n = counts.get(s.key, 0)
            if n <= 0:
                continue
            width = bar_w * n / biggest
            parts.append(
                f'<rect x="{cursor:.1f}" y="{middle - bar_h // 2}" width="{width:.1f}" '
                f'height="{bar_h}" fill="{s.colour}" data-series="{s.key}" data-value="{n}">'
                f"<title>{escape(label)}: {escape(s.label)} {n}</title></rect>"
            )
            cursor += width
        total = sum(counts.get(s.key, 0) for s in series)
        parts.append(f'<text x="{cursor + 4:.1f}" y="{middle + 5}">{total}</text>')
        y += row_h
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label and title above is escaped
