"""The controls of the playground's window (matplotlib widgets only): buttons, radio buttons,
sliders and keys. Each callback changes a `PlaygroundState` as its label says, then redraws its
`PlaygroundView`; the tests press them under the Agg backend."""
import math

from demos.playground_state import DATASETS, LOSSES
from gan.checkpoint import NonFiniteError

ITERATIONS_PER_TICK = 5      # iterations per refresh while the window plays
TICK_MS = 30                 # the play timer's interval (the redraw usually takes longer)
KEYS = {" ": "play", "d": "step_d", "g": "step_g", "i": "iterate", "r": "reset"}


class Controls:
    """The widgets under a PlaygroundView and their callbacks: each changes the state as labelled,
    then redraws. Tests press them under the Agg backend."""

    BUTTONS = (("play", "play / pause [space]"), ("step_d", "D step [d]"), ("step_g", "G step [g]"),
               ("iterate", "iteration [i]"), ("reset", "reset [r]"))

    def __init__(self, state, view):
        from matplotlib.widgets import Button, RadioButtons, Slider
        self.state, self.view = state, view
        fig = view.fig
        self.playing = False
        self.buttons = {}
        for i, (name, label) in enumerate(self.BUTTONS):
            button = Button(fig.add_axes([0.30 + 0.135 * i, 0.185, 0.125, 0.045]), label)
            button.label.set_fontsize(9)
            button.on_clicked(lambda event, name=name: self.press(name))
            self.buttons[name] = button
        s = state.settings
        self.dataset_radio = self._radio(RadioButtons, fig, [0.015, 0.01, 0.12, 0.22], list(DATASETS), s.dataset,
                                         "data set")
        self.dataset_radio.on_clicked(self.choose_dataset)
        self.loss_radio = self._radio(RadioButtons, fig, [0.145, 0.01, 0.12, 0.22], list(LOSSES), s.loss, "loss")
        self.loss_radio.on_clicked(self.choose_loss)
        self.sliders = {}
        rows = (("n_critic", "D steps per G step", 1, 10, s.n_critic, 1),
                ("d_lr", "D learning rate (log10)", -5, -1.5, math.log10(s.d_lr), None),
                ("g_lr", "G learning rate (log10)", -5, -1.5, math.log10(s.g_lr), None),
                ("arrow_scale", "arrow scale (log10)", 0, 4, math.log10(view.arrow_scale), None))
        for row, (name, label, low, high, value, step) in enumerate(rows):
            slider = Slider(fig.add_axes([0.45, 0.13 - 0.037 * row, 0.30, 0.025]), label, low, high,
                            valinit=value, valstep=step)
            slider.label.set_fontsize(8)
            slider.on_changed(lambda value, name=name: self.slide(name, value))
            self.sliders[name] = slider
            self._show_slider_value(name)
        fig.text(0.84, 0.03, "keys:\n  space  play / pause\n  d  D step,  g  G step\n  i  one iteration\n  r  reset",
                 fontsize=8, va="bottom")
        fig.canvas.mpl_connect("key_press_event", self.key)
        self.timer = fig.canvas.new_timer(interval=TICK_MS)
        self.timer.add_callback(self.tick)
        self.refresh()

    @staticmethod
    def _radio(RadioButtons, fig, rect, labels, active, title):
        ax = fig.add_axes(rect)
        ax.set_title(title, fontsize=9)
        return RadioButtons(ax, labels, active=labels.index(active))

    # ------------------------------------------------------------------ callbacks
    def press(self, name):
        """The buttons (and their keys)."""
        if name == "play":
            self.playing = not self.playing
            (self.timer.start if self.playing else self.timer.stop)()
            self.buttons["play"].label.set_text("pause [space]" if self.playing else "play / pause [space]")
            self.view.fig.canvas.draw_idle()
            return
        actions = {"step_d": self.state.step_d, "step_g": self.state.step_g, "iterate": self.state.iterate,
                   "reset": self.state.reset}
        self._run(actions[name])

    def choose_dataset(self, label):
        self._run(lambda: self.state.set_dataset(label))

    def choose_loss(self, label):
        self._run(lambda: self.state.set_loss(label))

    def slide(self, name, value):
        if name == "n_critic":
            self.state.set_n_critic(int(round(value)))
        elif name == "d_lr":
            self.state.set_learning_rates(d_lr=10.0 ** value)
        elif name == "g_lr":
            self.state.set_learning_rates(g_lr=10.0 ** value)
        else:
            self.view.arrow_scale = 10.0 ** value
        self._show_slider_value(name)
        self.refresh()

    def key(self, event):
        if event.key in KEYS:
            self.press(KEYS[event.key])

    def tick(self):
        """One refresh while playing: ITERATIONS_PER_TICK iterations, then redraw."""
        if self.playing:
            self._run(lambda: self.state.iterate(ITERATIONS_PER_TICK))

    # ------------------------------------------------------------------ helpers
    def _run(self, action):
        try:
            action()
        except NonFiniteError as error:  # e.g. a learning rate far too high: say so, keep the window
            self.playing = False
            self.timer.stop()
            self.view.show_message(f"training stopped: {error}. Lower a learning rate or press reset.")
            self.view.fig.canvas.draw_idle()
            return
        self.refresh()

    def _show_slider_value(self, name):
        slider = self.sliders[name]
        if name != "n_critic":  # the slider moves the exponent; show the value itself
            slider.valtext.set_text(f"{10.0 ** slider.val:.2g}" if name.endswith("lr") else f"{10.0 ** slider.val:.3g}")

    def refresh(self):
        self.view.draw(self.state.snapshot())
        self.view.fig.canvas.draw_idle()
