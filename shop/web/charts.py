"""Bar charts drawn as inline SVG by the `bar_chart` macro in templates/_charts.html: the geometry, in whole
drawing units, is worked out here so the template only loops. A bar may stack several series (consumers
under institutions); the SVG scales to the width of the page and a data table next to it is its text
alternative."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Drawing units: the width of one slot and of its bar, the margins, the plot and the axis labels.
SLOT, BAR, LEFT, TOP, PLOT_HEIGHT, AXIS_HEIGHT = 44, 26, 8, 24, 160, 28
MIN_HEIGHT = 2  # a bar that is not zero still shows


@dataclass(frozen=True)
class Series:
    label: str
    colour: str  # a fill with at least 3:1 contrast against white


@dataclass(frozen=True)
class Slot:
    """What one bar stands for: its label under the axis ("3" and the unit "월"), its tooltip, and one
    value per series, bottom first."""

    label: str
    title: str
    values: Sequence[int]
    unit: str = ""


@dataclass(frozen=True)
class Segment:
    series: int  # index into BarChart.series
    y: int
    height: int


@dataclass(frozen=True)
class Column:
    x: int
    label: str
    unit: str
    title: str
    segments: list[Segment]  # bottom first, zero heights left out

    @property
    def centre(self) -> int:
        return self.x + BAR // 2


@dataclass(frozen=True)
class BarChart:
    columns: list[Column]
    series: list[Series]
    width: int
    height: int
    baseline: int  # the y of the axis the bars stand on
    label_y: int  # the y of the labels under it
    max_value: int  # the tallest bar's total (0: nothing to draw)
    label: str = ""  # what a screen reader hears for the whole picture: name the table with the figures
    bar_width: int = BAR

    @property
    def stacked(self) -> bool:
        return len(self.series) > 1


def _segments(values: Sequence[int], top: int, baseline: int) -> list[Segment]:
    """Stacked from the axis up; each edge is rounded from the running total, so the parts add up to
    the height of the whole bar exactly."""
    total = sum(values)
    height = total * PLOT_HEIGHT // top if top else 0
    if total and height < MIN_HEIGHT:
        height = MIN_HEIGHT
    segments, below, edge = [], 0, 0
    for index, value in enumerate(values):
        below += value
        upper = below * height // total if total else 0
        if upper > edge:
            segments.append(Segment(index, baseline - upper, upper - edge))
        edge = upper
    return segments


def bar_chart(slots: Sequence[Slot], series: Sequence[Series], *, label: str = "") -> BarChart:
    """The geometry of one bar per slot, scaled so the largest total fills the plot."""
    top = max((sum(slot.values) for slot in slots), default=0)
    baseline = TOP + PLOT_HEIGHT
    columns = [Column(LEFT + index * SLOT + (SLOT - BAR) // 2, slot.label, slot.unit, slot.title,
                      _segments(slot.values, top, baseline))
               for index, slot in enumerate(slots)]
    return BarChart(columns, list(series), LEFT * 2 + SLOT * len(slots), baseline + AXIS_HEIGHT, baseline,
                    baseline + 18, top, label)
