"""Answer keys of curriculum/phases/02-python.yaml, recomputed with plain Python.

Pure-Python snippets are executed straight from the prompts, so a prompt and its key cannot drift apart.
NumPy / pandas snippets are recomputed by hand with the standard library (no numpy here), and the SQL
snippets are run against an in-memory SQLite database built from the rows given in the prompts.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import re
import sqlite3
import statistics
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.unit.curriculum.phase_checks import Phase, PhaseChecks

PHASE = Phase("python", 2, "py-", challenges=62, min_concepts=22, min_auto_share=0.70)
CORE_CHALLENGES = 24  # in the python-core topic, which the fast track skips

DATA = PHASE.load()
CHALLENGES = {c["id"]: c for c in DATA["challenges"]}

FENCE = re.compile(r"```(?:python|sql)?\n(.*?)```", re.DOTALL)


def code_of(cid: str) -> str:
    """The first fenced code block of a challenge's prompt."""
    match = FENCE.search(CHALLENGES[cid]["prompt"])
    assert match, f"{cid} has no fenced code block"
    return match.group(1)


def run_py(code: str) -> str:
    """Execute a snippet and return what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, {"__name__": "snippet"})
    return out.getvalue().strip()


def run_py_in_tmp(code: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        ns: dict[str, Any] = {}
        exec(code, ns)
        ns["__log_lines__"] = len(Path("log.txt").read_text().splitlines())
        return ns


EMPLOYEES = [
    ("Ana", "eng", 120),
    ("Ben", "eng", 95),
    ("Cy", "sales", 70),
    ("Dee", "sales", 85),
    ("Eve", "hr", 60),
    ("Fay", "eng", 105),
]
CUSTOMERS = [(1, "Ana"), (2, "Ben"), (3, "Cy")]
ORDERS = [(10, 1, 20), (11, 1, 35), (12, 3, 15), (13, 4, 50)]


def sql(query: str) -> list[tuple]:
    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE TABLE employees (name TEXT, dept TEXT, salary INTEGER)")
        con.executemany("INSERT INTO employees VALUES (?, ?, ?)", EMPLOYEES)
        con.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
        con.executemany("INSERT INTO customers VALUES (?, ?)", CUSTOMERS)
        con.execute("CREATE TABLE orders (id INTEGER, customer_id INTEGER, amount INTEGER)")
        con.executemany("INSERT INTO orders VALUES (?, ?, ?)", ORDERS)
        return con.execute(query).fetchall()
    finally:
        con.close()


# --------------------------------------------------------------------------- plain-Python recomputations
def _numpy_boolean_mask_sum() -> int:
    a = [3, -1, 4, -1, 5, -9]
    return sum(v for v in a if v > 0)


def _numpy_2d_slice_step() -> int:
    m = [[r * 4 + c for c in range(4)] for r in range(3)]  # np.arange(12).reshape(3, 4)
    return sum(row[c] for row in m[1:] for c in range(0, 4, 2))  # m[1:, ::2]


def _numpy_mean_distance() -> float:
    pts = [(0, 0), (3, 4), (6, 8)]
    return statistics.fmean(math.dist(p, pts[0]) for p in pts)  # sqrt(((pts - pts[0]) ** 2).sum(axis=1))


def _pandas_boolean_filter() -> int:
    city = ["Oslo", "Lima", "Oslo", "Pune", "Lima"]
    temp = [3, 19, 5, 31, 22]
    return sum(1 for c, t in zip(city, temp, strict=True) if c == "Lima" or t > 25)


def _pandas_read_csv_mean() -> float:
    text = "name,age\nAna,31\nBen,\nCy,27\nDee,NA\n"
    na_tokens = {"", "NA"}  # both are in read_csv's default na_values
    ages = [row["age"] for row in csv.DictReader(io.StringIO(text))]
    return statistics.fmean(float(a) for a in ages if a not in na_tokens)


def _pandas_groupby_mean_b() -> float:
    store = ["A", "B", "A", "B", "C"]
    units = [10, 3, 5, 7, 4]
    return statistics.fmean(u for s, u in zip(store, units, strict=True) if s == "B")


def _pandas_left_merge_rows() -> int:
    users = [1, 2, 3]
    orders = [1, 1, 3, 4]
    return sum(max(1, orders.count(u)) for u in users)


def _jupyter_out_of_order() -> int:
    ns: dict[str, Any] = {}
    for cell in ["x = 10", "x = x * 2", "x = x * 2"]:  # cell 1, cell 2, cell 2 again
        exec(cell, ns)
    return ns["x"]


def _pytest_collected() -> int:
    ns: dict[str, Any] = {}
    exec(code_of("py-pytest-collection"), ns)
    # pytest's defaults: python_functions = "test"
    return sum(1 for name, obj in ns.items() if name.startswith("test") and callable(obj))


COMPUTED: dict[str, float] = {
    # python-core: executed from the prompt
    "py-set-len-duplicates": eval(re.search(r"`(.*?)`", CHALLENGES["py-set-len-duplicates"]["prompt"]).group(1)),
    "py-dict-get-default": int(run_py(code_of("py-dict-get-default"))),
    "py-for-range-step-sum": int(run_py(code_of("py-for-range-step-sum"))),
    "py-while-break-count": int(run_py(code_of("py-while-break-count"))),
    "py-function-default-argument": int(run_py(code_of("py-function-default-argument"))),
    "py-dict-word-count": int(run_py(code_of("py-dict-word-count"))),
    "py-mutable-default-pitfall": int(run_py(code_of("py-mutable-default-pitfall"))),
    # python-oop-io
    "py-file-mode-append": run_py_in_tmp(code_of("py-file-mode-append"))["__log_lines__"],
    # numpy, recomputed in plain Python
    "py-numpy-boolean-mask-sum": _numpy_boolean_mask_sum(),
    "py-numpy-2d-slice-step": _numpy_2d_slice_step(),
    "py-numpy-distance-broadcast": _numpy_mean_distance(),
    # pandas, recomputed in plain Python
    "py-pandas-boolean-filter": _pandas_boolean_filter(),
    "py-pandas-read-csv-nan-mean": _pandas_read_csv_mean(),
    "py-pandas-groupby-mean": _pandas_groupby_mean_b(),
    "py-pandas-merge-left-rows": _pandas_left_merge_rows(),
    # jupyter
    "py-jupyter-out-of-order": _jupyter_out_of_order(),
    # sql, run from the prompt against SQLite
    "py-sql-where-and-count": sql(code_of("py-sql-where-and-count"))[0][0],
    "py-sql-group-avg-top": sql(code_of("py-sql-group-avg-top"))[0][1],
    # testing
    "py-pytest-collection": _pytest_collected(),
}

# Quiz / short answers whose key is exactly what the prompt's snippet prints.
PRINTED_ANSWER_IDS = [
    "py-list-slice-middle",
    "py-list-negative-index",
    "py-set-difference",
    "py-dict-membership-keys",
    "py-int-division-modulo",
    "py-function-implicit-none",
    "py-list-aliasing",
    "py-list-comprehension-filter",
    "py-string-method-chain",
    "py-zip-shortest",
    "py-sorted-key-len",
    "py-class-inheritance-super",
    "py-try-except-finally-order",
]


def key_of(challenge: dict) -> str:
    if challenge["kind"] == "short":
        return challenge["answers"][0]
    return challenge["answer"]


# --------------------------------------------------------------------------- tests
class TestSharedChecks(PhaseChecks):
    phase = PHASE
    computed = COMPUTED

    def test_counts(self) -> None:
        super().test_counts()
        assert sum(1 for c in DATA["challenges"] if c["topic"] == "python-core") == CORE_CHALLENGES


def test_topics_in_order_and_challenges_grouped_by_topic() -> None:
    topic_ids = [t["id"] for t in DATA["phase"]["topics"]]
    assert topic_ids == [
        "python-core",
        "python-oop-io",
        "numpy",
        "pandas",
        "plotting",
        "jupyter",
        "git",
        "sql",
        "testing",
        "virtual-environments",
    ]
    order = [topic_ids.index(c["topic"]) for c in DATA["challenges"]]
    assert order == sorted(order)


@pytest.mark.parametrize("cid", PRINTED_ANSWER_IDS)
def test_printed_output_is_the_key(cid: str) -> None:
    assert run_py(code_of(cid)) == key_of(CHALLENGES[cid])


def test_tuple_item_assignment_raises_type_error() -> None:
    with pytest.raises(TypeError):
        exec(code_of("py-tuple-item-assignment"), {})
    assert CHALLENGES["py-tuple-item-assignment"]["answer"] == "TypeError is raised"


def test_truthiness_exactly_one_falsy_option() -> None:
    challenge = CHALLENGES["py-truthiness-falsy"]
    falsy = [opt for opt in challenge["options"] if not eval(opt)]
    assert falsy == [challenge["answer"]]


def test_numpy_sum_axis0_key() -> None:
    m = [[r * 3 + c for c in range(3)] for r in range(2)]  # np.arange(6).reshape(2, 3)
    col_sums = [sum(row[c] for row in m) for c in range(3)]
    assert CHALLENGES["py-numpy-sum-axis0"]["answer"] == f"array({col_sums})"


def test_broadcast_shape_key() -> None:
    def broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
        n = max(len(a), len(b))
        a = (1,) * (n - len(a)) + a
        b = (1,) * (n - len(b)) + b
        out = []
        for x, y in zip(a, b, strict=True):
            assert x == y or 1 in (x, y)
            out.append(max(x, y))
        return tuple(out)

    assert CHALLENGES["py-numpy-broadcast-shape"]["answer"] == str(broadcast((4, 1), (3,)))


def test_numpy_slice_view_key() -> None:
    # A basic slice is a view: writing b[0] writes a[1].
    a = list(range(5))
    a[1] = 99
    assert CHALLENGES["py-numpy-slice-view"]["answer"] == str(a)


def test_loc_iloc_key() -> None:
    labels, values = [3, 2, 1, 0], [10, 20, 30, 40]
    by_label = values[labels.index(1)]
    by_position = values[1]
    assert CHALLENGES["py-pandas-loc-iloc"]["answer"] == f"{by_label} {by_position}"


def test_sql_anti_join_key() -> None:
    rows = sql(code_of("py-sql-left-join-anti"))
    assert [r[0] for r in rows] == CHALLENGES["py-sql-left-join-anti"]["answers"]


def test_sql_window_rank_key() -> None:
    rows = sql(code_of("py-sql-window-rank"))
    rank_ones = sum(1 for r in rows if r[3] == 1)
    assert CHALLENGES["py-sql-window-rank"]["answer"] == f"{len(rows)} rows, {rank_ones} of them with r = 1"


def test_parametrize_result_key() -> None:
    cases = [(1, 2), (2, 4), (3, 7), (0, 0)]
    passed = sum(1 for x, expected in cases if x * 2 == expected)
    failed = len(cases) - passed
    assert CHALLENGES["py-pytest-parametrize-result"]["answer"] == f"{passed} passed, {failed} failed"
