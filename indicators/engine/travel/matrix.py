"""Travel times imported from an origin–destination matrix computed elsewhere.

For times made by a real router (OSRM, the DREES "distancier"), given as a CSV with the columns
``origin_id,destination_id,minutes``, or, for a commune-to-commune matrix (e.g. exported from
INSEE's Metric distancier), ``origin_commune;destination_commune;minutes`` (issue 11 §1); the
separator is ``,`` or ``;``, whichever the header uses. Ids are compared as strings (INSEE
codes keep their leading zeros). A pair missing from the file is unreachable; an id that the
file never mentions is an error, because it almost always means the matrix was computed for
other places.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import NO_DESTINATION, UNREACHABLE, Pairs, Places

COLUMNS = ("origin_id", "destination_id", "minutes")
#: The names of a commune-to-commune matrix, read as the columns above.
ALIASES = {"origin_commune": "origin_id", "destination_commune": "destination_id"}


class MatrixError(ValueError):
    """A matrix file that cannot be used; the message names the file, the line and the reason."""


def _line_numbers(mask: pd.Series) -> str:
    lines = (np.flatnonzero(mask.to_numpy()) + 2).tolist()  # +1 header, +1 one-based
    shown = ", ".join(str(n) for n in lines[:5])
    return f"line {shown}" if len(lines) == 1 else f"lines {shown}{' …' if len(lines) > 5 else ''}"


class MatrixProvider:
    """Times looked up by (origin id, destination id) in a validated CSV matrix."""

    name = "matrix"

    def __init__(self, frame: pd.DataFrame, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.origin_ids = pd.Index(pd.unique(frame["origin_id"]))
        self.destination_ids = pd.Index(pd.unique(frame["destination_id"]))
        # Pair key = origin position × number of destinations + destination position.
        origin = self.origin_ids.get_indexer(frame["origin_id"]).astype(np.int64)
        destination = self.destination_ids.get_indexer(frame["destination_id"])
        self._keys = origin * len(self.destination_ids) + destination
        order = np.argsort(self._keys)
        self._keys = self._keys[order]
        self._minutes = frame["minutes"].to_numpy(np.float64)[order]

    @classmethod
    def from_csv(cls, path: str | Path) -> MatrixProvider:
        path = Path(path)
        try:
            # Opened once: the separator is read from the text already in memory (a second
            # open of a named pipe or a hung share would block; tests/test_faults_worker.py).
            with open(path, encoding="utf-8-sig") as file:
                text = file.read()
            first = text.partition("\n")[0]
            separator = ";" if first.count(";") > first.count(",") else ","
            frame = pd.read_csv(
                io.StringIO(text),
                sep=separator,
                dtype=str,
                keep_default_na=False,
                skipinitialspace=True,
            )
        except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
            raise MatrixError(f"{path.name}: not a readable CSV matrix ({error})") from error
        frame.columns = [str(column).strip().lstrip("\ufeff") for column in frame.columns]
        frame = frame.rename(columns=ALIASES)
        missing = [column for column in COLUMNS if column not in frame.columns]
        if missing:
            raise MatrixError(f"{path.name}: missing column(s) {', '.join(missing)}")
        frame = frame[list(COLUMNS)].apply(lambda column: column.str.strip())
        for column in ("origin_id", "destination_id"):
            empty = frame[column] == ""
            if empty.any():
                raise MatrixError(f"{path.name}: {_line_numbers(empty)}: empty {column}")
        blank = frame["minutes"] == ""
        if blank.any():
            raise MatrixError(f"{path.name}: {_line_numbers(blank)}: missing travel time")
        minutes = pd.to_numeric(frame["minutes"], errors="coerce")
        bad = minutes.isna() | ~np.isfinite(minutes.fillna(0))
        if bad.any():
            raise MatrixError(
                f"{path.name}: {_line_numbers(bad)}: minutes is not a number "
                f"({frame['minutes'][bad].iloc[0]!r})"
            )
        negative = minutes < 0
        if negative.any():
            raise MatrixError(f"{path.name}: {_line_numbers(negative)}: negative travel time")
        duplicated = frame.duplicated(["origin_id", "destination_id"], keep="first")
        if duplicated.any():
            raise MatrixError(
                f"{path.name}: {_line_numbers(duplicated)}: the pair "
                f"{frame['origin_id'][duplicated].iloc[0]} → "
                f"{frame['destination_id'][duplicated].iloc[0]} is given twice"
            )
        frame["minutes"] = minutes
        return cls(frame, path)

    def parameters(self) -> dict[str, Any]:
        return {
            "provider": self.name,
            "path": str(self.path) if self.path is not None else None,
            "pairs": int(len(self._keys)),
        }

    def _positions(self, known: pd.Index, places: Places, role: str) -> np.ndarray:
        ids = pd.Index(np.asarray(places.ids).astype(str))
        position = known.get_indexer(ids)
        if (position < 0).any():
            absent = ids[position < 0]
            shown = ", ".join(absent[:5])
            raise MatrixError(
                f"{self.path.name if self.path else 'matrix'}: {len(absent)} {role} id(s) "
                f"absent from the matrix: {shown}{' …' if len(absent) > 5 else ''}"
            )
        return position.astype(np.int64)

    def _lookup(self, origins: Places, destinations: Places) -> tuple[np.ndarray, ...]:
        """Every pair of the matrix between the asked places: (origin, destination, minutes)."""
        origin_pos = self._positions(self.origin_ids, origins, "origin")
        dest_pos = self._positions(self.destination_ids, destinations, "destination")
        m = len(self.destination_ids)
        # The matrix's pairs whose two ends were asked for, then back to the callers' indices
        # (an id may be asked for more than once).
        origin_of = self._keys // m
        dest_of = self._keys % m
        asked_origin = np.isin(origin_of, origin_pos)
        asked_dest = np.isin(dest_of, dest_pos)
        keys = self._keys[asked_origin & asked_dest]
        minutes = self._minutes[asked_origin & asked_dest]
        o_frame = pd.DataFrame({"pos": origin_pos, "origin": np.arange(len(origin_pos))})
        d_frame = pd.DataFrame({"pos": dest_pos, "destination": np.arange(len(dest_pos))})
        pairs = pd.DataFrame({"o": keys // m, "d": keys % m, "minutes": minutes})
        pairs = pairs.merge(o_frame, left_on="o", right_on="pos").merge(
            d_frame, left_on="d", right_on="pos"
        )
        return (
            pairs["origin"].to_numpy(np.int64),
            pairs["destination"].to_numpy(np.int64),
            pairs["minutes"].to_numpy(np.float64),
        )

    def nearest(
        self, origins: Places, destinations: Places, k: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        n = len(origins)
        minutes = np.full((n, k), UNREACHABLE)
        index = np.full((n, k), NO_DESTINATION, dtype=np.int64)
        if n == 0 or len(destinations) == 0:
            return minutes, index
        origin, destination, pair_minutes = self._lookup(origins, destinations)
        order = np.lexsort((destination, pair_minutes, origin))
        origin, destination, pair_minutes = origin[order], destination[order], pair_minutes[order]
        starts = np.searchsorted(origin, origin, side="left")
        rank = np.arange(len(origin)) - starts
        keep = rank < k
        minutes[origin[keep], rank[keep]] = pair_minutes[keep]
        index[origin[keep], rank[keep]] = destination[keep]
        return minutes, index

    def within(self, origins: Places, destinations: Places, max_minutes: float) -> Pairs:
        if len(origins) == 0 or len(destinations) == 0:
            return Pairs(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
        origin, destination, minutes = self._lookup(origins, destinations)
        keep = minutes <= max_minutes
        order = np.lexsort((destination[keep], origin[keep]))
        return Pairs(origin[keep][order], destination[keep][order], minutes[keep][order])
