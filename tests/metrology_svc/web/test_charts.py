"""The SVG bar charts: labels break at spaces (never inside a word), a label too long ends
after a whole word with … and keeps its full name on hover, and no two bars read the same."""

import csv
import re
import xml.etree.ElementTree as ET  # our own SVG, not untrusted input
from pathlib import Path

from metrology_svc.web.charts import Series, label_lines, stacked_bars

SVG = "{http://www.w3.org/2000/svg}"
TYPES = Path(__file__).resolve().parents[3] / "metrology_svc" / "instrument_types" / "types.csv"
SERIES = [Series("passed", "Đạt", "#1b6e35"), Series("failed", "Không đạt", "#b3261e")]


def _bars(names: list[str]) -> list[tuple[list[str], str]]:
    """Return each bar label's shown lines and its hover title, from the rendered SVG."""
    svg = stacked_bars([(n, {"passed": 3, "failed": 1}) for n in names], SERIES, title="Kết quả")
    root = ET.fromstring(str(svg))  # noqa: S314 - the SVG is ours
    found = []
    for text in root.iter(f"{SVG}text"):
        if text.get("class") == "label":
            title = text.find(f"{SVG}title")
            assert title is not None
            assert title.text
            found.append(([s.text or "" for s in text.iter(f"{SVG}tspan")], title.text))
    return found


def _words(text: str) -> set[str]:
    return set(text.replace("…", "").split())


def test_every_type_name_breaks_between_words_and_reads_whole() -> None:
    with TYPES.open(encoding="utf-8") as f:
        types = list(csv.DictReader(f))
    for column in ("name_vi", "name_en"):
        names = [t[column] for t in types]
        bars = _bars(names)
        assert [title for _, title in bars] == names  # the full name on hover
        for (lines, _), name in zip(bars, names, strict=True):
            assert _words(" ".join(lines)) <= set(name.split()), (lines, name)  # no cut word
            assert " ".join(lines).replace("…", "").strip() in name
        shown = [" ".join(lines) for lines, _ in bars]
        assert len(set(shown)) == len(shown), shown  # no two bars share a label


def test_the_two_cold_water_meters_no_longer_read_the_same() -> None:
    bars = _bars(["Đồng hồ nước lạnh cơ khí", "Đồng hồ nước lạnh có cơ cấu điện tử"])
    assert [lines for lines, _ in bars] == [
        ["Đồng hồ nước lạnh", "cơ khí"],
        ["Đồng hồ nước lạnh", "có cơ cấu điện tử"],
    ]


def test_a_label_too_long_ends_after_a_whole_word() -> None:
    name = "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Hà Tĩnh"
    assert label_lines(name) == ["Trung tâm Kỹ thuật", "Tiêu chuẩn Đo…"]
    assert label_lines("Chợ") == ["Chợ"]
    assert label_lines("Siêu-thị-không-có-khoảng-trắng") == ["Siêu-thị-không-có-khoảng-trắng"]
    ((lines, title),) = _bars([name])
    assert lines[-1].endswith("…")
    assert title == name


def test_labels_that_would_read_the_same_are_written_in_full() -> None:
    names = [
        "Chợ đầu mối nông sản thực phẩm phía Bắc",
        "Chợ đầu mối nông sản thực phẩm phía Nam",
    ]
    bars = _bars(names)
    assert [" ".join(lines) for lines, _ in bars] == names


def test_bars_grow_with_their_label_and_stay_in_the_picture() -> None:
    svg = str(stacked_bars([("Cân đĩa", {"passed": 2}), ("A B", {})], SERIES, title="T"))
    width, height = map(float, re.search(r'viewBox="0 0 (\S+) (\S+)"', svg).groups())  # type: ignore[union-attr]
    for x, w in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg):
        assert float(x) + float(w) <= width
    assert 'data-series="passed" data-value="2"' in svg
    assert all(float(y) <= height for y in re.findall(r' y="([\d.]+)"', svg))
