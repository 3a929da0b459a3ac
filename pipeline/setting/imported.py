"""Bring your own model, physics and metrics, by import path (``package.module:name``).

- ``--model PATH``: a factory (or class) called with no arguments that returns a
  ``deepinv.models.Reconstructor``; it replaces MoDL. Its output must have the image's shape.
- ``--physics PATH``: a factory called as ``factory(img_size=..., device=...)`` that returns a
  ``deepinv.physics.Physics``, or a pair ``(physics, generator)`` with a
  ``deepinv.physics.generator.PhysicsGenerator`` that draws its parameters per image. It
  replaces the scenario's operator: measurements are simulated and cached with it as for the
  built-in scenarios, and multi-operator losses draw from its generator.
- ``--metric PATH`` (repeatable): a ``deepinv.loss.metric.Metric`` (class, factory or instance),
  computed per test image beside PSNR and SSIM; it adds a column named after PATH's last part,
  lower-cased with ``_`` as ``-`` (``pkg.mod:Masked_MAE`` gives ``masked-mae``), a name that must
  follow ``pipeline.base.names``' rule.

Runs with custom parts are labelled with their import paths and kept in their own folder and
tables (``results/<profile>/custom/<label>/``), never in the standard leaderboard.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from deepinv.loss.metric import Metric
from deepinv.models import Reconstructor
from deepinv.physics import Physics
from deepinv.physics.generator import PhysicsGenerator

from pipeline.base import storage
from pipeline.base.errors import UsageError
from pipeline.base.imports import import_object, raised
from pipeline.base.names import check_name
from pipeline.setting.scenarios import Scenario


@dataclass(frozen=True)
class CustomParts:
    """The user's model, physics and metrics by import path, which is what the run's config records.

    Each metric is named and each path imported once, when the parts are made (from the command
    line, before any run starts): a wrong path or name fails there, and a run never imports again.
    """

    model: str | None = None
    physics: str | None = None
    metrics: tuple[str, ...] = ()
    metric_names: tuple[str, ...] = field(init=False, compare=False, repr=False)
    imported: dict = field(init=False, compare=False, repr=False)  # import path -> the object it names

    def __post_init__(self):
        object.__setattr__(self, "metric_names", metric_names(self.metrics))
        imported: dict = {}
        for path, what in ((self.model, "model"), (self.physics, "physics"), *((p, "metric") for p in self.metrics)):
            if path and path not in imported:
                imported[path] = import_object(path, what)
        object.__setattr__(self, "imported", imported)

    def __bool__(self) -> bool:
        return bool(self.model or self.physics or self.metrics)

    def as_config(self) -> dict:
        return {"model": self.model, "physics": self.physics, "metrics": list(self.metrics)}

    @property
    def label(self) -> str:
        """The folder of these parts' results: a short hash of the import paths, never the paths
        themselves, so that it follows the rule of ``pipeline.base.names`` whatever they are."""
        return "custom-" + storage.config_hash(self.as_config())[:8]

    def made(self, path: str, what: str, expected: type, **kwargs):
        """What PATH names, called (with ``kwargs``) if it is a class or factory rather than an ``expected``."""
        return made_by(self.imported[path], path, what, expected, **kwargs)


def made_by(obj, path: str, what: str, expected: type, **kwargs):
    """``obj`` (imported from PATH) if it is an ``expected``, else what calling it gives."""
    if not isinstance(obj, expected) and callable(obj):
        try:
            obj = obj(**kwargs)
        except Exception as err:
            raise UsageError(f"{what} {path} failed when called with {sorted(kwargs) or 'no arguments'}: "
                             f"{raised(err)}") from err
    return obj


def build_model(parts: CustomParts, device: torch.device) -> Reconstructor:
    """The user's network: what ``--model`` names, called with no arguments."""
    path = parts.model
    model = parts.made(path, "model", Reconstructor)
    if not isinstance(model, Reconstructor):
        raise UsageError(f"model {path} gave a {type(model).__name__}; expected a deepinv.models.Reconstructor "
                         "(a class or factory returning one, called with no arguments)")
    if not any(p.requires_grad for p in model.parameters()):
        raise UsageError(f"model {path} has no trainable parameters, so no method can train it; "
                         "give it at least one torch.nn.Parameter")
    return model.to(device)


def check_output_shape(model: torch.nn.Module, path: str, y: torch.Tensor, physics: Physics, x: torch.Tensor) -> None:
    """One forward pass on one measurement: the reconstruction must have the image's shape."""
    try:
        with torch.no_grad():
            out = model(y, physics)
    except Exception as err:
        raise UsageError(f"model {path} raised {raised(err)} on a measurement of shape {tuple(y.shape)}") from err
    if not isinstance(out, torch.Tensor) or out.shape != x.shape:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise UsageError(f"model {path} returns {shape} for images of shape {tuple(x.shape)}; "
                         "expected the image's shape (B, 2, H, W)")


def check_parts(parts: CustomParts, metrics: list[NamedMetric], model: torch.nn.Module, physics: Physics,
                test, device: torch.device) -> None:
    """Try the user's metrics and model on the first images of ``test`` (a ``MeasuredSplit``):
    fail before training, not after it."""
    for metric in metrics:
        metric.per_image(test.x[:2].to(device), test.x[:2].to(device))
    if parts.model:
        physics.update(**{k: v.to(device) for k, v in test.params_of(slice(0, 1)).items()})
        check_output_shape(model, parts.model, test.y[:1].to(device), physics, test.x[:1].to(device))


def build_physics(factory, path: str, img_size: int, device: torch.device | str) -> tuple[Physics, PhysicsGenerator | None]:
    """The operator (and parameter generator) the user's ``factory``, imported from PATH, makes."""
    made = made_by(factory, path, "physics", Physics, img_size=img_size, device=device)
    physics, generator = made if isinstance(made, tuple) and len(made) == 2 else (made, None)
    if not isinstance(physics, Physics) or not (generator is None or isinstance(generator, PhysicsGenerator)):
        raise UsageError(f"physics {path} gave {type(made).__name__}; expected a deepinv.physics.Physics or a "
                         "pair (Physics, PhysicsGenerator), from a factory called as factory(img_size=, device=)")
    return physics, generator


@dataclass(frozen=True)
class ImportedPhysicsScenario(Scenario):
    """A scenario whose operator (and parameter generator) come from a user's factory, imported
    once with the run's ``CustomParts`` and called for each operator a run needs."""

    physics_path: str = ""
    factory: object = field(default=None, compare=False, repr=False)

    def as_config(self) -> dict:
        # the imported callable is not configuration: its path is
        config = {k: v for k, v in super().as_config().items() if k != "factory"}
        return {**config, "physics": self.physics_path}

    def physics(self, img_size: int, device: torch.device | str = "cpu", rng: torch.Generator | None = None):
        return build_physics(self.factory, self.physics_path, img_size, device)[0]

    def mask_generator(self, img_size: int, device: torch.device | str = "cpu", rng: torch.Generator | None = None):
        generator = build_physics(self.factory, self.physics_path, img_size, device)[1]
        if generator is not None and rng is not None:
            generator.rng = rng
        return generator


def with_physics(scenario: Scenario, parts: CustomParts) -> Scenario:
    """The scenario with the user's physics, if ``parts`` has one, in place of its operator."""
    if not parts.physics:
        return scenario
    fields = {k: v for k, v in asdict(scenario).items()}
    return ImportedPhysicsScenario(**fields, physics_path=parts.physics, factory=parts.imported[parts.physics])


@dataclass
class NamedMetric:
    name: str
    path: str
    metric: Metric = field(repr=False)

    def per_image(self, x_net: torch.Tensor, x: torch.Tensor) -> list[float]:
        try:
            values = self.metric(x_net, x)
        except Exception as err:
            raise UsageError(f"metric {self.path} raised {raised(err)} on a batch of {x.shape[0]} image(s)") from err
        if not isinstance(values, torch.Tensor) or values.shape != (x.shape[0],):
            shape = tuple(values.shape) if isinstance(values, torch.Tensor) else type(values).__name__
            raise UsageError(f"metric {self.path} returned {shape} for a batch of {x.shape[0]}; "
                             f"expected one value per image, shape ({x.shape[0]},)")
        return values.tolist()


def metric_name(path: str) -> str:
    """The column of the metric at ``path``: its last part, lower-cased, ``_`` written ``-``."""
    return check_name(path.rsplit(":", 1)[-1].lower().replace("_", "-"), "metric", f"of --metric {path}")


def metric_names(paths: tuple[str, ...]) -> tuple[str, ...]:
    """The columns of the metrics at ``paths``, each a name of its own beside PSNR and SSIM."""
    names: list[str] = []
    for path in paths:
        name = metric_name(path)
        if name in ("psnr", "ssim", *names):
            raise UsageError(f"metric {path}: the column '{name}' is taken; give the metric another name")
        names.append(name)
    return tuple(names)


def build_metrics(parts: CustomParts) -> list[NamedMetric]:
    """The user's metrics, each what ``--metric`` names (called with no arguments if a class or factory)."""
    metrics = []
    for path, name in zip(parts.metrics, parts.metric_names):
        metric = parts.made(path, "metric", Metric)
        if not isinstance(metric, Metric):
            raise UsageError(f"metric {path} gave a {type(metric).__name__}; expected a deepinv.loss.metric.Metric")
        metrics.append(NamedMetric(name, path, metric))
    return metrics
