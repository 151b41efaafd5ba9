"""`python -m demos` lists the lessons with the time each takes; `python -m demos NAME [options]` runs
one (`--help` for its options)."""
import importlib
import sys

from demos import DEMOS


def describe(name):
    module = importlib.import_module(f"demos.{name}")
    return (module.__doc__ or "").strip().splitlines()[0]


def run_time(name):
    """'~25 s (--quick ~6 s)': the measured wall time of the default run and of --quick on 2 cores
    (the lesson module's MEASURED_SECONDS)."""
    from demos.common import format_seconds
    seconds = getattr(importlib.import_module(f"demos.{name}"), "MEASURED_SECONDS", {})
    if "default" not in seconds:
        return ""
    quick = f" (--quick ~{format_seconds(seconds['quick'])})" if "quick" in seconds else ""
    return f"~{format_seconds(seconds['default'])}{quick}"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "list"):
        print("usage: python -m demos NAME [--quick] [--steps N] [--seed S] [--out DIR] [--show]")
        print("python -m demos NAME --help prints the lesson text and all its options.\n")
        print("lessons (time of the default run on 2 cores, and of --quick):")
        for name in DEMOS:
            print(f"  {name:<18} {run_time(name):<26} {describe(name)}")
        return 0
    name, rest = argv[0], argv[1:]
    if name not in DEMOS:
        print(f"demos: unknown lesson {name!r}; choose one of: {', '.join(DEMOS)}", file=sys.stderr)
        return 2
    importlib.import_module(f"demos.{name}").main(rest)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:   # Ctrl-C before a lesson's runner took over (while importing)
        print("\ndemos: interrupted before the lesson started; nothing was written", file=sys.stderr)
        sys.exit(130)
