"""Server-rendered SVG charts (no JavaScript library): horizontal stacked bars."""

from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Series:
    """One coloured part of every bar."""

    key: str
    label: str
    colour: str


def stacked_bars(
    rows: list[tuple[str, dict[str, int]]], series: list[Series], *, title: str
) -> Markup:
    """Return an accessible SVG of one horizontal stacked bar per row, with a legend."""
    label_w, bar_w, row_h, top = 120, 200, 24, 44
    height = top + row_h * max(len(rows), 1) + 10
    biggest = max((sum(c.get(s.key, 0) for s in series) for _, c in rows), default=0) or 1
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="chart-title" '
        f'viewBox="0 0 {label_w + bar_w + 50} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for n, s in enumerate(series):  # legend: two per line
        x, y = (n % 2) * 170, 4 + (n // 2) * 18
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{s.colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 11}">{escape(s.label)}</text>')
    for i, (label, counts) in enumerate(rows):
        y = top + i * row_h
        parts.append(f'<text x="0" y="{y + 16}">{escape(label[:18])}</text>')
        cursor = float(label_w)
        for s in series:
            n = counts.get(s.key, 0)
            if n <= 0:
                continue
            width = bar_w * n / biggest
            parts.append(
                f'<rect x="{cursor:.1f}" y="{y + 4}" width="{width:.1f}" height="{row_h - 8}" '
                f'fill="{s.colour}" data-series="{s.key}" data-value="{n}">'
                f"<title>{escape(label)}: {escape(s.label)} {n}</title></rect>"
            )
            cursor += width
        total = sum(counts.get(s.key, 0) for s in series)
        parts.append(f'<text x="{cursor + 4:.1f}" y="{y + 16}">{total}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label and title above is escaped
