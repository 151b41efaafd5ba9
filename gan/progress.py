"""A one-line progress report for long training runs (no tqdm needed).

On a terminal the line redraws itself in place (at most 10 times a second):

    iter  1200/5000  24%  850.3 it/s  ETA 0:00:04  d_loss 1.3712  g_loss 0.7051

When stderr is not a terminal (a log file, a test run, a notebook pipe) it prints one
ordinary line every `every_percent` percent instead, so logs stay readable.
"""
import sys
import time


def format_duration(seconds):
    """Seconds -> 'H:MM:SS'."""
    if seconds != seconds or seconds == float("inf"):  # NaN or inf: not known yet
        return "?:??:??"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class ProgressBar:
    """Report progress from `start` to `total` iterations on `stream` (default: sys.stderr)."""

    def __init__(self, total, start=0, enabled=True, stream=None, every_percent=10, min_interval=0.1):
        self.total, self.start = total, start
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled and total > start
        isatty = getattr(self.stream, "isatty", None)
        self.live = bool(isatty and isatty())
        self.every = max(1, (total - start) * every_percent // 100)
        self.min_interval = min_interval
        self._t0 = time.perf_counter()
        self._last_draw = 0.0
        self._drew_live = False

    def line(self, iteration, values):
        done = iteration - self.start
        elapsed = time.perf_counter() - self._t0
        rate = done / elapsed if elapsed > 0 else float("nan")
        eta = (self.total - iteration) / rate if rate == rate and rate > 0 else float("nan")
        width = len(str(self.total))
        text = (f"iter {iteration:>{width}}/{self.total} {100 * iteration // self.total:3d}%  "
                f"{rate:7.1f} it/s  ETA {format_duration(eta)}")
        return text + "".join(f"  {name} {value:.4g}" for name, value in values.items())

    def update(self, iteration, values):
        """Called after every iteration; draws only when it is time to."""
        if not self.enabled:
            return
        if self.live:
            now = time.perf_counter()
            if now - self._last_draw >= self.min_interval or iteration == self.total:
                self._last_draw = now
                self.stream.write("\r" + self.line(iteration, values) + "\033[K")
                self.stream.flush()
                self._drew_live = True
        elif (iteration - self.start) % self.every == 0 or iteration == self.total:
            self.stream.write(self.line(iteration, values) + "\n")
            self.stream.flush()

    def close(self):
        """End the live line (so the next output starts on a fresh line)."""
        if self.enabled and self._drew_live:
            self.stream.write("\n")
            self.stream.flush()
            self._drew_live = False
