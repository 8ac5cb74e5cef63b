"""Which plots a submission's feedback gets, from its Result and a sandboxed re-run.

Why: one place decides what is worth drawing per exercise; pages only lay out
the Plot objects (a title, a caption saying what the picture shows, the PNG).
Exercises without plots get none; a probe that fails leaves a note instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from nncourse.course import Course, Exercise
from nncourse.feedback import plots, probes
from nncourse.result import Result


@dataclass
class Plot:
    title: str
    caption: str
    png: bytes

    @property
    def uri(self) -> str:
        return plots.data_uri(self.png)


@dataclass
class Figures:
    plots: list[Plot] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # sentences about plots that could not be made


def _lost_targets(result: Result) -> set[str]:
    return {t.target for t in result.tests if t.points < t.max_points}


def _activations(f: Figures, student, reference, result: Result) -> None:
    lost = _lost_targets(result)
    curves = probes.activation_curves(student, reference)
    for c in curves:
        if c.problem:
            f.notes.append(c.problem)
            continue
        differs = c.wrong("value").any() or c.wrong("grad").any()
        if not differs and not {c.name, f"{c.name}_grad"} & lost:
            continue
        share = 100 * max(c.wrong("value").mean(), c.wrong("grad").mean())
        f.plots.append(Plot(
            f"{c.name} and {c.name}_grad",
            f"Thick grey: the correct {c.name}(z{plots._args(c)}) and its derivative on z in [-5, 5]; dashed "
            f"blue: yours (401 points, float64). Shaded red: where yours differs (relative tolerance 1e-6): "
            f"{share:.0f}% of the grid." if differs else
            f"Your {c.name} and {c.name}_grad match the correct curves on [-5, 5]; the points were lost on "
            "inputs outside this grid (large |z|, scalars, lists or shapes: see the tests above).",
            plots.png_bytes(plots.curve_figure(c))))
    if not f.plots and not f.notes:
        f.notes.append("Your activation curves all match the correct ones on z in [-5, 5]: no plot needed.")


def _backprop(f: Figures, student, reference) -> None:
    check = probes.gradient_check(student, reference)
    if check.problem:
        f.notes.append(check.problem)
    elif check.errors:
        f.plots.append(Plot(
            "Gradient check per parameter tensor",
            "For each tensor of MLP([3, 4, 1], tanh, seed=0) on 12 random points: blue, the relative "
            "error between your loss_and_grads gradient and central differences of your own loss "
            "(eps 1e-6); purple, between your gradient and the reference's on the same weights. Red bars "
            "are above 1e-5: that tensor's backward pass is wrong (blue red) or the loss itself is "
            "(only purple red).", plots.png_bytes(plots.gradient_figure(check))))
    training = probes.moons_training(student, reference)
    if training.problem:
        f.notes.append(training.problem)
        return
    f.plots.append(Plot(
        "Training loss", "Mean loss per epoch of MLP([2, 16, 16, 1], relu, seed=0).fit(make_moons(300, "
        "noise 0.1), epochs=60, learning_rate=0.3, batch_size=32, seed=0), as in the graded test: grey "
        "the reference, dashed blue yours. A curve that does not go down, or goes up, points at the gradient or the update.",
        plots.png_bytes(plots.loss_figure(training))))
    if training.boundary_problem:
        f.notes.append(training.boundary_problem)
        return
    f.plots.append(Plot(
        "Decision boundary on make_moons", "Colours: the class your trained network predicts over the "
        "plane; dots: the 300 training points (red class 1, blue class 0); dashed line: the reference "
        "network's boundary after the same training.", plots.png_bytes(plots.boundary_figure(training))))


PLOTTERS = {"activations": "_activations", "backprop": "_backprop"}


def make_figures(course: Course, ex: Exercise, result: Result, module_path: str | None) -> Figures:
    """The plots for one submission (none for exercises without plotters or without the submitted file)."""
    f = Figures()
    kind = PLOTTERS.get(ex.module_name)
    if kind is None:
        return f
    if module_path is None:
        f.notes.append("The submitted file is not available, so no plots were drawn.")
        return f
    reference = probes.load_reference(str(course.path(ex.solution)), ex.module_name)
    with probes.Probe(module_path, ex.module_name) as probe:
        try:
            probe.session.ensure_loaded()
        except probes.PROBE_FAULTS as exc:
            f.notes.append(f"No plots: {probes._why(exc).splitlines()[0]}")
            return f
        if kind == "_activations":
            _activations(f, probe.student, reference, result)
        else:
            _backprop(f, probe.student, reference)
    return f
