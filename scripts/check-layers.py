#!/usr/bin/env python3
"""Checks the layering of src/ against the ticketcache_stage(...) lines of CMakeLists.txt.

Each folder under src/ is one stage; CMakeLists.txt declares the stages in dependency order with
their DEPS (what the stage's files #include) and TEST_DEPS (what only its *_test.cc files add).
This script fails when:
  - a folder under src/ has no ticketcache_stage line, or a line names no folder;
  - a stage's DEPS name a stage declared after it (an arrow up: the cause of every cycle);
  - a file includes "other/..." of a stage that is not the file's own and not in its DEPS
    (test files: DEPS or TEST_DEPS), i.e. an include CMake does not know about;
  - a stage lists a tc_ stage in DEPS that none of its files includes (DEPS are exact);
  - a production stage depends on a test-only stage (TEST_ONLY below);
  - production code outside src/clock/ reads a clock or sleeps itself instead of through a Clock
    (the exceptions are written at src/clock/clock.h);
  - a production .cc file is longer than MAX_LINES (a file that long holds more than one idea).
Cheap (reads text only): CI runs it before the build (.ci/run).
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
# Stages whose library only tests link (the fault-injection store, run test doubles).
TEST_ONLY = {"testing"}


def read_stages():
    text = (ROOT / "CMakeLists.txt").read_text()
    text = re.sub(r"#[^\n]*", "", text)
    stages = []  # (name, deps, test_deps) in declaration order
    for match in re.finditer(r"^\s*ticketcache_stage\(([^)]*)\)", text, re.M):
        words = match.group(1).split()
        name, section = words[0], None
        deps, test_deps = [], []
        for word in words[1:]:
            if word in ("DEPS", "TEST_DEPS", "LABELS", "TEST_NAME"):
                section = word
            elif section == "DEPS":
                deps.append(word)
            elif section == "TEST_DEPS":
                test_deps.append(word)
        stage_deps = lambda names: {n[3:] for n in names if n.startswith("tc_")}
        stages.append((name, stage_deps(deps), stage_deps(test_deps)))
    return stages


MAX_LINES = 450
# The status page's CSS and JavaScript as C++ string literals, until they are files of their own.
LONG_FILES_ALLOWED = {"src/serve/status_page_assets.cc"}
# Reading time or sleeping other than through a Clock (src/clock/clock.h).
CLOCK_READ = re.compile(r"\b(system_clock|steady_clock|high_resolution_clock)::now\b|"
                        r"\bgettimeofday\s*\(|\bclock_gettime\s*\(|\btime\s*\(\s*(nullptr|NULL|0)\s*\)|"
                        r"\bthis_thread::sleep_(for|until)\b|\b(usleep|nanosleep)\s*\(")


def included_stages(path, folders):
    found = set()
    for line in path.read_text(errors="replace").splitlines():
        match = re.match(r'\s*#\s*include\s+"([^/"]+)/', line)
        if match and match.group(1) in folders:
            found.add(match.group(1))
    return found


def main():
    stages = read_stages()
    order = {name: index for index, (name, _, _) in enumerate(stages)}
    folders = {p.name for p in SRC.iterdir() if p.is_dir()}
    problems = []
    for folder in sorted(folders - order.keys()):
        problems.append(f"src/{folder}/: no ticketcache_stage line in CMakeLists.txt")
    for name in sorted(order.keys() - folders):
        problems.append(f"ticketcache_stage({name}): no folder src/{name}/")
    edges = 0
    for name, deps, test_deps in stages:
        for dep in sorted(deps | test_deps):
            if dep not in order:
                problems.append(f"{name}: depends on tc_{dep}, which is no stage")
        for dep in sorted(deps):
            if dep in order and order[dep] >= order[name]:
                problems.append(f"{name}: DEPS tc_{dep}, declared after it (an arrow up)")
            if dep in TEST_ONLY and name not in TEST_ONLY:
                problems.append(f"{name}: production stage depends on test-only tc_{dep}")
        used = set()
        for path in sorted((SRC / name).glob("*")) if (SRC / name).is_dir() else []:
            if path.suffix not in (".cc", ".h"):
                continue
            is_test = path.name.endswith("_test.cc")
            relative = str(path.relative_to(ROOT))
            if not is_test and name != "clock" and name not in TEST_ONLY:
                for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                    if CLOCK_READ.search(line.split("//")[0]):
                        problems.append(f"{relative}:{number}: reads time or sleeps outside a "
                                        "Clock (src/clock/clock.h)")
            if path.suffix == ".cc" and not is_test and relative not in LONG_FILES_ALLOWED:
                lines = len(path.read_text(errors="replace").splitlines())
                if lines > MAX_LINES:
                    problems.append(f"{relative}: {lines} lines, more than {MAX_LINES}")
            allowed = deps | (test_deps if is_test else set()) | {name}
            for other in sorted(included_stages(path, folders)):
                if other != name:
                    edges += 1
                if other not in allowed:
                    problems.append(f"{path.relative_to(ROOT)}: includes {other}/, not in "
                                    f"{'DEPS or TEST_DEPS' if is_test else 'DEPS'} of {name}")
                if not is_test:
                    used.add(other)
        for dep in sorted(deps - used):
            problems.append(f"{name}: DEPS tc_{dep}, but no file of src/{name}/ includes {dep}/")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check-layers: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check-layers: {len(stages)} stages, {edges} includes between folders, none upward, "
          "no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
