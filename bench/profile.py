"""Where a cold start's time goes: `python -X importtime` and cProfile of one cold start, as the bench runs it.

    python -m bench.profile [--variant ours] [--scenario get_task] [--skip-build]

Writes build/bench/profile/<variant>-<scenario>.importtime.txt (raw) and .prof (cProfile), and prints the
imports with the largest cumulative time and the functions with the largest cumulative time.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import statistics
import subprocess
from contextlib import ExitStack
from pathlib import Path

from bench import build, run, scenarios


def importtime_tree(text: str, top: int, max_depth: int = 1) -> list[tuple[int, int, str]]:
    """(cumulative us, depth, module) of the imports at most max_depth deep, largest first."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _self_us, cum_us, name = line[len("import time:") :].split("|", 2)
        name = name[1:]  # the one space after the bar; the rest is two per level
        depth = (len(name) - len(name.lstrip(" "))) // 2
        rows.append((int(cum_us), depth, name.strip()))
    return sorted((r for r in rows if r[1] <= max_depth), reverse=True)[:top]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--variant", default="ours")
    p.add_argument("--scenario", default="get_task")
    p.add_argument("--skip-build", action="store_true")
    p.add_argument("--build-dir", type=Path, default=run.ROOT / "build" / "bench" / "pkg")
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--stages", type=int, default=7, help="runs of the stage-by-stage CPU breakdown (0: none)")
    p.add_argument("--warm", type=int, default=300, help="warm requests profiled")
    args = p.parse_args()
    scenario = scenarios.BY_NAME[args.scenario]
    python = run.find_python313()
    if args.skip_build and (args.build_dir / "ours").is_dir():
        dirs = {
            "layer": args.build_dir / "ours" / "opt" / "python",
            "functions": args.build_dir / "ours" / "task",
            "nopyc": args.build_dir / "nopyc" / "python",
            "root": args.build_dir,
        }
    else:
        dirs = build.build(args.build_dir, [scenario.function], python)
    out = run.ROOT / "build" / "bench" / "profile"
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{args.variant}-{args.scenario}"
    with ExitStack() as stack:
        services = run.Services(stack)
        v = run.Variants(dirs, python, services, out / "children.stderr.log")
        # 1. -X importtime: one cold start, import times on stderr.
        cfg = v.config(args.variant, scenario)
        env = v.env(args.variant, scenario)
        proc = subprocess.run(
            [python, "-I", "-B", "-X", "importtime", str(run.CHILD), "cold", "1", json.dumps(cfg)],
            input=json.dumps(services.seed(scenario)) + "\n",
            capture_output=True,
            text=True,
            env=env,
        )
        Path(f"{stem}.importtime.txt").write_text(proc.stderr)
        # 2. cProfile of another cold start.
        cfg = {**cfg, "profile_out": f"{stem}.prof"}
        subprocess.run(
            [python, "-I", "-B", str(run.CHILD), "profile", "1", json.dumps(cfg)],
            input=json.dumps(services.seed(scenario)) + "\n",
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        # 3. cProfile of warm requests (after 50 unprofiled ones).
        worker = run.Worker(v, "warm", args.variant, scenario)
        event = services.seed(scenario)
        worker.send({"event": event, "n": 50})
        worker.send({"event": event, "n": args.warm, "profile": f"{stem}.warm.prof"})
        worker.close()
        # 4. Stage by stage CPU time, median of a few fresh processes.
        runs = []
        for _ in range(args.stages):
            r, w = os.pipe()
            proc = subprocess.Popen(
                [python, "-I", "-B", str(run.STAGES), str(w), json.dumps(v.config(args.variant, scenario))],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
                pass_fds=(w,),
                text=True,
            )
            os.close(w)
            proc.stdin.write(json.dumps(services.seed(scenario)) + "\n")
            proc.stdin.close()
            with os.fdopen(r) as f:
                line = f.readline()
            proc.wait()
            if line:
                runs.append(json.loads(line)["stages"])
    if runs:
        print(f"CPU ms per stage, median of {len(runs)} fresh processes ({args.variant} {args.scenario}):")
        total = 0.0
        for i, (name, _) in enumerate(runs[0]):
            ms = statistics.median(r[i][1] for r in runs)
            total += ms
            print(f"  {ms:7.1f}  {name}")
        print(f"  {total:7.1f}  total")
        print()
    print(f"imports by cumulative time (top level and their direct children), {args.variant} {args.scenario}:")
    for cum, depth, name in importtime_tree(Path(f"{stem}.importtime.txt").read_text(), args.top):
        print(f"  {cum / 1000:8.1f} ms  {'  ' * depth}{name}")
    print(f"\ncProfile, by cumulative time: {stem}.prof")
    pstats.Stats(f"{stem}.prof").sort_stats("cumulative").print_stats(args.top)
    print(f"\ncProfile of {args.warm} warm requests, by cumulative time: {stem}.warm.prof")
    pstats.Stats(f"{stem}.warm.prof").sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
