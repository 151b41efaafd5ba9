"""`python -m demos` lists the lessons; `python -m demos NAME [options]` runs one (`--help` for its options)."""
import importlib
import sys

from demos import DEMOS


def describe(name):
    module = importlib.import_module(f"demos.{name}")
    return (module.__doc__ or "").strip().splitlines()[0]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "list"):
        print("usage: python -m demos NAME [--quick] [--steps N] [--seed S] [--out DIR] [--show]")
        print("python -m demos NAME --help prints the lesson text and all its options.\n")
        print("lessons:")
        for name in DEMOS:
            print(f"  {name:<18} {describe(name)}")
        return 0
    name, rest = argv[0], argv[1:]
    if name not in DEMOS:
        print(f"demos: unknown lesson {name!r}; choose one of: {', '.join(DEMOS)}", file=sys.stderr)
        return 2
    importlib.import_module(f"demos.{name}").main(rest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
