"""Median time of one full GAN iteration, minigrad (each backend) next to PyTorch CPU.

    python benchmarks/train_step.py                 # all four configurations, all backends
    python benchmarks/train_step.py --only toy --reps 7
    python benchmarks/train_step.py --only mnist64 --style sequential   # MLPs as nn.Sequential(Linear, LeakyReLU, ...)
    python benchmarks/train_step.py --memory        # RSS growth over 2,000 MNIST-size iterations
    python benchmarks/train_step.py --startup       # import + first step: cold and warm kernel cache
    python benchmarks/train_step.py --faults        # page faults and system time per DCGAN iteration
    python benchmarks/train_step.py --phases        # the dcgan64 iteration phase by phase, next to PyTorch
    python benchmarks/train_step.py --busy 1 --only mnist64 --reps 11   # idle and with 1 spinning process,
                                                    # interleaved: the slowdown each library suffers

An iteration is what Algorithm 13.1 does once: n_critic discriminator steps (real and fake
batch, G(z) detached), then one generator step (non-saturating loss; D gets gradients but is
not stepped). The WGAN-GP configuration uses the critic loss plus the gradient penalty (double
backward) and 5 critic steps. Two forms of the iteration (`--form`):

    paper   every step draws its own z: the D steps compute G(z) under no_grad, the G step
            runs G again on a fresh z (the textbook's Algorithm 13.1)
    dcgan   as PyTorch's DCGAN example: G runs once per iteration, the D steps use
            fake.detach(), and the G step backpropagates through that same fake

minigrad and PyTorch run the same architecture, initial weights, batches and thread count (2),
in interleaved repetitions; PyTorch with its default Adam and with Adam(fused=True). Ratios are
minigrad / PyTorch-fused per repetition, then the median.
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import minigrad as mg  # noqa: E402
from minigrad import functional as F  # noqa: E402
from minigrad import nn, optim  # noqa: E402

CONFIGS = {
    # name: (G sizes, D sizes, activation, G out activation, batch, n_critic, gradient penalty)
    "toy": ([5, 128, 15], [15, 128, 1], "relu", None, 64, 1, False),
    "mnist64": ([100, 256, 512, 784], [784, 512, 256, 1], ("leaky_relu", 0.2), "tanh", 64, 1, False),
    "mnist256": ([100, 256, 512, 784], [784, 512, 256, 1], ("leaky_relu", 0.2), "tanh", 256, 1, False),
    "wgangp": ([2, 512, 512, 512, 2], [2, 512, 512, 512, 1], "relu", None, 256, 5, True),
    # the classic MNIST DCGAN (issue 13): G Linear(100, 128*7*7)-BN-ReLU-Unflatten-ConvT(128, 64, 4, 2, 1)-BN-ReLU-
    # ConvT(64, 1, 4, 2, 1)-Tanh; D Conv(1, 64, 4, 2, 1)-LReLU-Conv(64, 128, 4, 2, 1)-BN-LReLU-Flatten-Linear(6272, 1)
    "dcgan64": ("dcgan", "dcgan", None, None, 64, 1, False),
    "dcgan256": ("dcgan", "dcgan", None, None, 256, 1, False),
}
ITERATIONS = {"toy": 200, "mnist64": 30, "mnist256": 15, "wgangp": 3, "dcgan64": 5, "dcgan256": 2}


def dcgan_layers(nn_module, make_rng=None):
    """The DCGAN's two Sequentials in minigrad.nn or torch.nn (the same layers, the same order)."""
    kw = {} if make_rng is None else {"rng": make_rng}
    G = nn_module.Sequential(
        nn_module.Linear(100, 128 * 7 * 7, **kw), nn_module.BatchNorm1d(128 * 7 * 7), nn_module.ReLU(),
        nn_module.Unflatten(1, (128, 7, 7)), nn_module.ConvTranspose2d(128, 64, 4, 2, 1, **kw),
        nn_module.BatchNorm2d(64), nn_module.ReLU(), nn_module.ConvTranspose2d(64, 1, 4, 2, 1, **kw), nn_module.Tanh())
    D = nn_module.Sequential(
        nn_module.Conv2d(1, 64, 4, 2, 1, **kw), nn_module.LeakyReLU(0.2), nn_module.Conv2d(64, 128, 4, 2, 1, **kw),
        nn_module.BatchNorm2d(128), nn_module.LeakyReLU(0.2), nn_module.Flatten(), nn_module.Linear(6272, 1, **kw))
    return G, D


# ----------------------------------------------------------------------------- minigrad

def sequential_mlp(nn_module, sizes, act, out_act=None, make_rng=None):
    """An MLP as a PyTorch user writes it: Sequential(Linear, act, Linear, act, ..., Linear[, Tanh])."""
    kw = {} if make_rng is None else {"rng": make_rng}
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn_module.Linear(a, b, **kw))
        if i < len(sizes) - 2:
            layers.append(nn_module.ReLU() if act == "relu" else nn_module.LeakyReLU(act[1]))
    if out_act == "tanh":
        layers.append(nn_module.Tanh())
    return nn_module.Sequential(*layers)


#: how minigrad's MLPs are built: `builder` nn.MLP (each activation fused into its Linear),
#: `sequential` nn.Sequential(Linear, LeakyReLU, ...) as a PyTorch user writes it (same state_dict keys)
STYLES = ("builder", "sequential")


class MinigradGAN:
    def __init__(self, config, seed=0, style="builder"):
        g_sizes, d_sizes, act, out_act, self.batch, self.n_critic, self.gp = config
        rng = np.random.default_rng(seed)
        if g_sizes == "dcgan":
            self.G, self.D = dcgan_layers(nn, rng)
            self.noise_dim, self.data_shape = 100, (1, 28, 28)
        elif style == "sequential":
            self.G = sequential_mlp(nn, g_sizes, act, out_act, rng)
            self.D = sequential_mlp(nn, d_sizes, act, make_rng=rng)
            self.noise_dim, self.data_shape = g_sizes[0], (d_sizes[0],)
        else:
            self.G = nn.MLP(g_sizes, act, out_act, rng=rng)
            self.D = nn.MLP(d_sizes, act, rng=rng)
            self.noise_dim, self.data_shape = g_sizes[0], (d_sizes[0],)
        self.opt_g = optim.Adam(self.G.parameters(), lr=1e-4, betas=(0.5, 0.999))
        self.opt_d = optim.Adam(self.D.parameters(), lr=1e-4, betas=(0.5, 0.999))
        self.rng = np.random.default_rng(seed + 1)

    def batches(self):
        real = self.rng.standard_normal((self.batch,) + self.data_shape).astype(np.float32)
        z = self.rng.standard_normal((self.batch, self.noise_dim)).astype(np.float32)
        return real, z

    def d_step(self, real, z):
        with mg.no_grad():
            fake = self.G(mg.tensor(z))
        self.d_step_on(mg.tensor(real), fake)

    def g_step(self, z):
        out = self.D(self.G(mg.tensor(z)))
        loss = -out.mean() if self.gp else F.softplus(-out).mean()
        self.opt_g.zero_grad()
        loss.backward()
        self.opt_g.step()

    def iteration(self):
        for _ in range(self.n_critic):
            self.d_step(*self.batches())
        self.g_step(self.batches()[1])

    def iteration_dcgan(self):
        real, z = self.batches()
        fake = self.G(mg.tensor(z))
        for i in range(self.n_critic):
            if i:
                real = self.batches()[0]
            self.d_step_on(mg.tensor(real), fake.detach())
        out = self.D(fake)
        loss = -out.mean() if self.gp else F.softplus(-out).mean()
        self.opt_g.zero_grad()
        loss.backward()
        self.opt_g.step()

    def d_step_on(self, real, fake):
        real_out, fake_out = self.D(real), self.D(fake)
        if self.gp:
            loss = fake_out.mean() - real_out.mean()
            eps = mg.tensor(self.rng.uniform(size=(self.batch, 1)).astype(np.float32))
            x_hat = (eps * real + (1.0 - eps) * fake).detach()
            x_hat.requires_grad = True
            (grad_x,) = mg.grad(self.D(x_hat).sum(), x_hat, create_graph=True)
            loss = loss + 10.0 * ((F.norm(grad_x, axis=1) - 1.0) ** 2).mean()
        else:
            loss = F.softplus(-real_out).mean() + F.softplus(fake_out).mean()
        self.opt_d.zero_grad()
        loss.backward()
        self.opt_d.step()


# ----------------------------------------------------------------------------- PyTorch

def torch_gan(config, fused, seed=0, form="paper"):
    import torch
    g_sizes, d_sizes, act, out_act, batch, n_critic, gp = config

    G, D = dcgan_layers(torch.nn) if g_sizes == "dcgan" else (
        sequential_mlp(torch.nn, g_sizes, act, out_act), sequential_mlp(torch.nn, d_sizes, act))
    mine = MinigradGAN(config, seed)          # copy minigrad's initial weights (and buffers)
    for module, source in ((G, mine.G), (D, mine.D)):
        module.load_state_dict({k: torch.from_numpy(v) for k, v in source.state_dict().items()})
    data_shape = mine.data_shape
    kwargs = {"fused": True} if fused else {}
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.5, 0.999), **kwargs)
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.5, 0.999), **kwargs)
    rng = np.random.default_rng(seed + 1)
    softplus = torch.nn.functional.softplus

    def batches():
        real = torch.from_numpy(rng.standard_normal((batch,) + data_shape).astype(np.float32))
        z = torch.from_numpy(rng.standard_normal((batch, mine.noise_dim)).astype(np.float32))
        return real, z

    def d_step(real, fake):
        real_out, fake_out = D(real), D(fake)
        if gp:
            loss = fake_out.mean() - real_out.mean()
            eps = torch.from_numpy(rng.uniform(size=(batch, 1)).astype(np.float32))
            x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
            (grad_x,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
            loss = loss + 10.0 * ((grad_x.norm(dim=1) - 1.0) ** 2).mean()
        else:
            loss = softplus(-real_out).mean() + softplus(fake_out).mean()
        opt_d.zero_grad()
        loss.backward()
        opt_d.step()

    def iteration_dcgan():
        real, z = batches()
        fake = G(z)
        for i in range(n_critic):
            if i:
                real = batches()[0]
            d_step(real, fake.detach())
        out = D(fake)
        loss = -out.mean() if gp else softplus(-out).mean()
        opt_g.zero_grad()
        loss.backward()
        opt_g.step()

    def iteration():
        for _ in range(n_critic):
            real, z = batches()
            with torch.no_grad():
                fake = G(z)
            d_step(real, fake)
        out = D(G(batches()[1]))
        loss = -out.mean() if gp else softplus(-out).mean()
        opt_g.zero_grad()
        loss.backward()
        opt_g.step()

    return iteration_dcgan if form == "dcgan" else iteration


# ----------------------------------------------------------------------------- timing

SETTLE_SECONDS = 0.3     # idle time before each timed block: the other framework's BLAS/OpenMP threads
                         # spin for a while after their last job and would take a core from this one


def seconds_per_iteration(step, n):
    time.sleep(SETTLE_SECONDS)
    start = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - start) / n


class Spinners:
    """N processes that spin on the CPU (a browser, a compiler: another program holding a core),
    started once and paused (SIGSTOP) or resumed (SIGCONT) around each timed block, so that idle
    and busy blocks interleave."""

    def __init__(self, n):
        self.processes = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
        self.pause()

    def _signal(self, sig):
        for p in self.processes:
            p.send_signal(sig)

    def pause(self):
        self._signal(signal.SIGSTOP)

    def resume(self):
        self._signal(signal.SIGCONT)

    def stop(self):
        self._signal(signal.SIGCONT)
        for p in self.processes:
            p.kill()
            p.wait()


def run_busy(names, reps, n_busy, form="paper", style="builder"):
    """Each library idle and with n_busy spinning processes, interleaved block by block; medians
    of `reps` repetitions and the slowdown busy / idle."""
    try:
        import torch
        torch.set_num_threads(2)
    except ImportError:
        torch = None
        print("(PyTorch not installed: minigrad figures only)")
    spinners = Spinners(n_busy)
    print(f"iteration form: {form}, minigrad MLPs: {style}; median ms per iteration over {reps} repetitions, each timed idle and "
          f"with {n_busy} spinning process(es), interleaved; minigrad backend auto, thread policy "
          f"{mg.kernels.get_threads()}\n")
    print(f"{'config':<10}{'library':<14}{'idle':>10}{'busy':>10}{'slowdown':>10}")
    try:
        for name in names:
            config, n = CONFIGS[name], ITERATIONS[name]
            gan = MinigradGAN(config, style=style)
            steps = {"minigrad": gan.iteration_dcgan if form == "dcgan" else gan.iteration}
            if torch:
                steps["torch-fused"] = torch_gan(config, fused=True, form=form)
            for step in steps.values():
                for _ in range(max(3, n // 5)):
                    step()
            times = {(key, load): [] for key in steps for load in ("idle", "busy")}
            for _ in range(reps):
                for load in ("idle", "busy"):
                    if load == "busy":
                        spinners.resume()
                    for key, step in steps.items():
                        times[key, load].append(seconds_per_iteration(step, n))
                    spinners.pause()
            med = {k: statistics.median(v) for k, v in times.items()}
            for key in steps:
                slowdowns = [b / i for i, b in zip(times[key, "idle"], times[key, "busy"])]
                print(f"{name:<10}{key:<14}{1e3 * med[key, 'idle']:>10.2f}{1e3 * med[key, 'busy']:>10.2f}"
                      f"{statistics.median(slowdowns):>10.2f}")
            if torch:
                ratios = [m / t for m, t in zip(times["minigrad", "busy"], times["torch-fused", "busy"])]
                idle_ratios = [m / t for m, t in zip(times["minigrad", "idle"], times["torch-fused", "idle"])]
                print(f"{name:<10}{'mg / torch':<14}{statistics.median(idle_ratios):>10.2f}"
                      f"{statistics.median(ratios):>10.2f}", flush=True)
    finally:
        spinners.stop()


def run_speed(names, reps, backends, form="paper", style="builder"):
    try:
        import torch
        torch.set_num_threads(2)
    except ImportError:
        torch = None
        print("(PyTorch not installed: minigrad figures only)")
    print(f"iteration form: {form}, minigrad MLPs: {style}; median ms per iteration over {reps} interleaved repetitions; "
          f"ratio = minigrad / PyTorch fused Adam (median of per-repetition ratios)\n")
    header = f"{'config':<10}" + "".join(f"{'mg-' + b:>12}" for b in backends)
    if torch:
        header += f"{'torch':>10}{'torch-fused':>13}" + "".join(f"{'ratio-' + b:>13}" for b in backends)
    print(header)
    for name in names:
        config, n = CONFIGS[name], ITERATIONS[name]
        steps = {}
        for backend in backends:
            mg.set_backend(backend)
            gan = MinigradGAN(config, style=style)
            steps["mg-" + backend] = (backend, gan.iteration_dcgan if form == "dcgan" else gan.iteration)
        if torch:
            steps["torch"] = (None, torch_gan(config, fused=False, form=form))
            steps["torch-fused"] = (None, torch_gan(config, fused=True, form=form))
        for key, (backend, step) in steps.items():      # warm-up: compile, caches, allocator
            if backend:
                mg.set_backend(backend)
            for _ in range(max(3, n // 5)):
                step()
        times = {key: [] for key in steps}
        for _ in range(reps):
            for key, (backend, step) in steps.items():
                if backend:
                    mg.set_backend(backend)
                times[key].append(seconds_per_iteration(step, n))
        row = f"{name:<10}" + "".join(f"{1e3 * statistics.median(times['mg-' + b]):>12.2f}" for b in backends)
        if torch:
            row += f"{1e3 * statistics.median(times['torch']):>10.2f}{1e3 * statistics.median(times['torch-fused']):>13.2f}"
            for b in backends:
                ratios = [m / t for m, t in zip(times["mg-" + b], times["torch-fused"])]
                row += f"{statistics.median(ratios):>13.2f}"
        print(row, flush=True)
    mg.set_backend("auto")


def resident_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def run_memory(config="mnist64", iterations=2000):
    gan = MinigradGAN(CONFIGS[config])
    step = gan.iteration_dcgan if config.startswith("dcgan") else gan.iteration
    for _ in range(min(50, iterations // 10)):
        step()
    before = resident_mb()
    for i in range(iterations):
        step()
    after = resident_mb()
    print(f"{config}: resident memory {before:.1f} MB -> {after:.1f} MB after "
          f"{iterations} iterations (growth {after - before:+.1f} MB)")


def run_faults(configs=("dcgan64", "dcgan256"), iterations=4):
    """Page faults and system time per iteration (what minigrad.kernels.memory removes: compare
    with MINIGRAD_KEEP_MEMORY=0 in the environment)."""
    import resource
    for config in configs:
        gan = MinigradGAN(CONFIGS[config])
        step = gan.iteration_dcgan if config.startswith("dcgan") else gan.iteration
        for _ in range(3):
            step()
        before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        for _ in range(iterations):
            step()
        after, wall = resource.getrusage(resource.RUSAGE_SELF), (time.perf_counter() - start) / iterations
        faults = (after.ru_minflt - before.ru_minflt) / iterations
        system = (after.ru_stime - before.ru_stime) / iterations
        user = (after.ru_utime - before.ru_utime) / iterations
        print(f"{config}: {faults:,.0f} page faults, {1e3 * system:.1f} ms system and {1e3 * user:.1f} ms user "
              f"CPU time per iteration of {1e3 * wall:.1f} ms")


PHASES = ("G forward", "D forward, real", "D forward, fake", "D backward", "D Adam step",
          "D forward, G step", "G step backward", "G Adam step")


def dcgan_phases(G, D, opt_g, opt_d, as_tensor, softplus, real, z, seconds):
    """One dcgan-form iteration with the time of each phase added to seconds[phase]. The same code
    drives minigrad and torch (their module, optimiser and tensor APIs agree here)."""
    marks = [time.perf_counter()]

    def mark(phase):
        marks.append(time.perf_counter())
        seconds[phase] += marks[-1] - marks[-2]
    fake = G(as_tensor(z))
    mark(PHASES[0])
    real_out = D(as_tensor(real))
    mark(PHASES[1])
    fake_out = D(fake.detach())
    mark(PHASES[2])
    loss = softplus(-real_out).mean() + softplus(fake_out).mean()
    opt_d.zero_grad()
    loss.backward()
    mark(PHASES[3])
    opt_d.step()
    mark(PHASES[4])
    out = D(fake)
    mark(PHASES[5])
    loss = softplus(-out).mean()
    opt_g.zero_grad()
    loss.backward()
    mark(PHASES[6])
    opt_g.step()
    mark(PHASES[7])


def run_phases(name="dcgan64", reps=7, seed=0, style="builder"):
    """Per phase of the dcgan-form iteration, minigrad (auto) next to PyTorch (fused Adam):
    medians over interleaved repetitions of 5 iterations each. The phases are those of the
    standard GAN loss with one D step; a configuration with a gradient penalty or several
    critic steps is refused."""
    config = CONFIGS[name]
    g_sizes, d_sizes, act, out_act, _, n_critic, gp = config
    if gp or n_critic != 1:
        raise SystemExit(f"train_step.py --phases: {name} has n_critic={n_critic} and gradient penalty={gp}; "
                         f"the phases cover one D step of the standard loss (choose one of "
                         f"{', '.join(k for k, c in CONFIGS.items() if c[5] == 1 and not c[6])})")
    mine = MinigradGAN(config, seed, style)
    sides = {"minigrad": (mine.G, mine.D, mine.opt_g, mine.opt_d, mg.tensor, F.softplus)}
    try:
        import torch
        torch.set_num_threads(2)
        G, D = dcgan_layers(torch.nn) if g_sizes == "dcgan" else (
            sequential_mlp(torch.nn, g_sizes, act, out_act), sequential_mlp(torch.nn, d_sizes, act))
        for module, source in ((G, mine.G), (D, mine.D)):
            module.load_state_dict({k: torch.from_numpy(v) for k, v in source.state_dict().items()})
        sides["torch"] = (G, D, torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.5, 0.999), fused=True),
                          torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.5, 0.999), fused=True),
                          torch.from_numpy, torch.nn.functional.softplus)
    except ImportError:
        print("(PyTorch not installed: minigrad figures only)")
    batches = [mine.batches() for _ in range(5)]
    times = {side: {phase: [] for phase in PHASES} for side in sides}
    for rep in range(reps + 1):                  # the first repetition warms up
        for side, parts in sides.items():
            time.sleep(SETTLE_SECONDS)
            seconds = dict.fromkeys(PHASES, 0.0)
            for real, z in batches:
                dcgan_phases(*parts, real, z, seconds)
            if rep:
                for phase in PHASES:
                    times[side][phase].append(seconds[phase] / len(batches))
    mlps = f", minigrad MLPs: {style}" if g_sizes != "dcgan" else ""
    print(f"{name}{mlps}: ms per phase of the dcgan-form iteration, medians of {reps} interleaved repetitions\n")
    print(f"{'phase':<22}" + "".join(f"{side:>12}" for side in sides) + ("       ratio" if len(sides) == 2 else ""))
    for phase in PHASES + ("whole iteration",):
        if phase == "whole iteration":
            med = {side: statistics.median([sum(v) for v in zip(*times[side].values())]) for side in sides}
        else:
            med = {side: statistics.median(times[side][phase]) for side in sides}
        row = f"{phase:<22}" + "".join(f"{1e3 * med[side]:>12.2f}" for side in sides)
        if len(sides) == 2:
            row += f"{med['minigrad'] / med['torch']:>12.2f}"
        print(row)


STARTUP = ("import time; t = time.perf_counter(); import sys; sys.path.insert(0, {root!r}); "
           "from benchmarks.train_step import MinigradGAN, CONFIGS; "
           "MinigradGAN(CONFIGS['toy']).iteration(); print(time.perf_counter() - t)")


def run_startup():
    root = str(Path(__file__).resolve().parents[1])
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("cold (empty kernel cache)", "warm (cached kernels)", "warm again"):
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", STARTUP.format(root=root)], env=env,
                                 capture_output=True, text=True, check=True)
            total = time.perf_counter() - start
            print(f"{label:<28} import + first toy iteration: {float(out.stdout):.2f} s "
                  f"(whole process {total:.2f} s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(CONFIGS), action="append")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--backends", default="auto,numba,numpy")
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--startup", action="store_true")
    parser.add_argument("--faults", action="store_true", help="page faults and system time per DCGAN iteration")
    parser.add_argument("--phases", action="store_true",
                        help="the dcgan-form iteration phase by phase, next to PyTorch (--only picks the config)")
    parser.add_argument("--busy", type=int, default=None, metavar="N",
                        help="time each library idle and with N spinning processes, interleaved")
    parser.add_argument("--form", choices=("paper", "dcgan", "both"), default="both",
                        help="the iteration form (see the module docstring); default both")
    parser.add_argument("--style", choices=STYLES, default="builder",
                        help="minigrad's MLPs: nn.MLP (builder) or nn.Sequential(Linear, LeakyReLU, ...) "
                             "as a PyTorch user writes them (sequential)")
    args = parser.parse_args()
    if args.memory:
        run_memory()
        run_memory("dcgan64", 500)
    elif args.startup:
        run_startup()
    elif args.faults:
        run_faults()
    elif args.busy is not None:
        for form in (("paper", "dcgan") if args.form == "both" else (args.form,)):
            run_busy(args.only or ["mnist64", "dcgan64"], args.reps, args.busy, form, args.style)
            print()
    elif args.phases:
        for name in args.only or ["dcgan64"]:
            run_phases(name, args.reps, style=args.style)
    else:
        for form in (("paper", "dcgan") if args.form == "both" else (args.form,)):
            run_speed(args.only or list(CONFIGS), args.reps, args.backends.split(","), form, args.style)
            print()


if __name__ == "__main__":
    main()
