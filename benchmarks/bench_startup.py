"""New process to printed answer: ``python -m bot ask`` against a naive jieba + rank_bm25 script.

    python benchmarks/bench_startup.py            # 7 runs of each, medians
    python benchmarks/bench_startup.py --runs 5

Each run is a fresh interpreter; wall time is measured around it, peak RSS is the child's own
(``os.wait4``). Scenarios:

* qabot, warm index cache -- the saved index is loaded (the usual start);
* qabot, cold index cache -- an empty cache folder: the article is indexed, then saved;
* naive -- import jieba and rank_bm25, jieba.lcut every paragraph of the article, BM25Okapi,
  answer (jieba loads its whole dictionary at the first cut).

This environment sets PYTHONDONTWRITEBYTECODE=1 (and the project is an editable install), so
qabot's own modules are compiled from source in every run; the "bytecode cache" rows give the
deployed case (compiled once, into a private PYTHONPYCACHEPREFIX). jieba's dictionary store
(see bot.tokenizer.DictionaryStore) lives in the temp folder next to jieba's own cache; both
are warm here, as after a first run on any machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_ranking import machine  # noqa: E402

QUESTION = "讲师团有多少名成员？"
ARTICLE = Path("/work/shared/knowledge/article.txt")
TARGET_S = 0.5

NAIVE = '''
import logging, sys
import jieba
from rank_bm25 import BM25Okapi
jieba.setLogLevel(logging.WARNING)
with open(sys.argv[1], encoding="utf-8") as fh:
    paragraphs = [line.strip() for line in fh if line.strip()]
bm25 = BM25Okapi([jieba.lcut(p) for p in paragraphs])
scores = bm25.get_scores(jieba.lcut(sys.argv[2]))
print(paragraphs[max(range(len(paragraphs)), key=scores.__getitem__)])
'''


def run_rss(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Like ``run``, with the child's own peak RSS (os.wait4)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} exited with {proc.returncode}")
    return wall, usage.ru_maxrss / 1024, out.decode()


def scenario(name: str, make_cmd, env: dict[str, str], cwd: Path, runs: int, before=None) -> dict:
    walls, rss, answer = [], [], ""
    for _ in range(runs):
        if before is not None:
            before()
        wall, peak, out = run_rss(make_cmd(), env, cwd)
        walls.append(wall)
        rss.append(peak)
        answer = out.strip().splitlines()[0] if out.strip() else ""
    return {"name": name, "walls": walls, "rss": rss, "answer": answer}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--question", default=QUESTION)
    args = ap.parse_args(argv)
    print(machine(), flush=True)
    python = sys.executable
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        work = Path(tmp)
        base = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
        warm_env = {**base, "XDG_CACHE_HOME": str(work / "warm")}
        cold_env = {**base, "XDG_CACHE_HOME": str(work / "cold")}
        pyc = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(work / "pyc")}
        ours = lambda: [python, "-m", "bot", "ask", args.question]  # noqa: E731
        naive_script = work / "naive.py"
        naive_script.write_text(NAIVE, encoding="utf-8")
        naive = lambda: [python, str(naive_script), str(ARTICLE), args.question]  # noqa: E731

        def clear_cold() -> None:
            import shutil

            shutil.rmtree(work / "cold", ignore_errors=True)

        run_rss(ours(), warm_env, work)  # fills the warm cache (and the dictionary store)
        run_rss(ours(), {**warm_env, **pyc}, work)  # compiles into the private bytecode cache
        run_rss(naive(), {**base, **pyc}, work)
        results.append(scenario("qabot ask, warm index cache", ours, warm_env, work, args.runs))
        results.append(scenario("qabot ask, cold index cache", ours, cold_env, work, args.runs, clear_cold))
        results.append(scenario("naive jieba + rank_bm25", naive, base, work, args.runs))
        results.append(scenario("qabot ask, warm cache, bytecode cache", ours, {**warm_env, **pyc}, work, args.runs))
        results.append(scenario("naive, bytecode cache", naive, {**base, **pyc}, work, args.runs))
    naive_wall = statistics.median(results[2]["walls"])
    naive_pyc = statistics.median(results[4]["walls"])
    print(f"question: {args.question}   runs per scenario: {args.runs}   load average: {os.getloadavg()[0]:.2f}")
    head = f"{'scenario':42s} | {'wall median':>11s} | {'min':>7s} | {'max':>7s} | {'peak RSS':>9s} | vs naive"
    print(head)
    print("-" * len(head))
    for _i, r in enumerate(results):
        w = statistics.median(r["walls"])
        ref = naive_pyc if "bytecode" in r["name"] else naive_wall
        print(
            f"{r['name']:42s} | {w:9.3f} s | {min(r['walls']):5.3f} s | {max(r['walls']):5.3f} s | "
            f"{statistics.median(r['rss']):6.0f} MiB | {w / ref:5.2f}x"
        )
    print()
    for r in results[:3]:
        print(f"{r['name']}: {r['answer'][:70]}")
    warm = statistics.median(results[0]["walls"])
    print("\ntargets (from the issue):")
    print(f"  warm start <= {TARGET_S} s: {warm:.3f} s {'PASS' if warm <= TARGET_S else 'FAIL'}")
    print(f"  warm start <= naive ({naive_wall:.3f} s): {'PASS' if warm <= naive_wall else 'FAIL'}")


if __name__ == "__main__":
    main()
