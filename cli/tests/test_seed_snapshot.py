"""The generators' check (`build_family`'s before/after snapshots): the committed seeds must be
reproduced to SEED_RTOL, not bit for bit (numpy / scipy may differ in the last bit between CPUs),
and any real change must still fail it."""

from __future__ import annotations

from dbt_project_runner import INTEGRATION, SEED_RTOL, seed_snapshot


def _expected_drift(tmp_path, edit=None):
    src = INTEGRATION / "seeds" / "expected" / "expected_drift.csv"
    rows = src.read_text().splitlines()
    if edit:
        rows = edit(rows)
    out = tmp_path / src.name
    out.write_text("\n".join(rows) + "\n")
    return seed_snapshot([out])


def _scale_first_number(rows, factor):
    """Multiply the first non-integer number of the data rows by `factor`."""
    out = list(rows)
    for i, line in enumerate(out[1:], start=1):
        cells = line.split(",")
        for j, cell in enumerate(cells):
            try:
                x = float(cell)
            except ValueError:
                continue
            if x != int(x) and x == x:
                cells[j] = repr(x * factor)
                out[i] = ",".join(cells)
                return out
    raise AssertionError("no non-integer number in the seed")


def test_a_last_bit_difference_is_the_same_seed(tmp_path):
    base = seed_snapshot([INTEGRATION / "seeds" / "expected" / "expected_drift.csv"])
    for name, edit in {"copy": None, "last_bits": lambda r: _scale_first_number(r, 1 + 4e-16)}.items():
        (tmp_path / name).mkdir()
        assert _expected_drift(tmp_path / name, edit) == base, name


def test_a_real_change_is_a_different_seed(tmp_path):
    base = seed_snapshot([INTEGRATION / "seeds" / "expected" / "expected_drift.csv"])
    for name, edit in {
        "value": lambda r: _scale_first_number(r, 1 + 100 * SEED_RTOL),
        "text": lambda r: [r[0]] + [r[1].replace("psi", "PSI", 1)] + r[2:],
        "row": lambda r: r[:-1],
    }.items():
        (tmp_path / name).mkdir()
        changed = _expected_drift(tmp_path / name, edit)
        assert changed != base, name
        assert not (changed == base), name
