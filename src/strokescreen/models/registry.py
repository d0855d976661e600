"""Models by name.

Register a model with :func:`register_model`; the factory is either a callable or a
``"module:attribute"`` string resolved only when the model is built, so a registry entry
for a torch model costs nothing until it is used::

    register_model("deepstroke", "strokescreen.models.deep:make_deepstroke",
                   kind="deep", description="DeepStroke audio-visual network")

A factory takes keyword parameters (including ``random_state``, the seed) and returns a
fresh, unfitted :class:`strokescreen.models.base.CaseModel`.

Built-in classical models are registered here with string factories, so building a
classical model never imports torch. Plugin modules listed in ``PLUGIN_MODULES`` (the deep
models) are imported only when a name is not among the registered ones, or when all models
are listed; a plugin registers its models with :func:`register_model` or exposes a dict
``DEEP_MODELS = {name: factory}`` that is registered with kind "deep".
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from strokescreen.errors import ConfigError, InputError

MODEL_KINDS = ("classical", "deep")
#: Modules that register more models when imported (torch-free at module level).
PLUGIN_MODULES: tuple[str, ...] = ("strokescreen.models.deep",)


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: its name, factory (callable or "module:attr"), kind, description."""

    name: str
    factory: Callable[..., Any] | str
    kind: str = "classical"
    description: str = ""

    @property
    def factory_path(self) -> str:
        f = self.factory
        if isinstance(f, str):
            return f
        return f"{getattr(f, '__module__', '?')}:{getattr(f, '__qualname__', repr(f))}"

    def resolve(self) -> Callable[..., Any]:
        """The factory callable, importing its module if it was given as a string."""
        if not isinstance(self.factory, str):
            return self.factory
        module, _, attr = self.factory.partition(":")
        obj: Any = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
        return obj


_REGISTRY: dict[str, ModelSpec] = {}
_plugin_errors: dict[str, str] = {}
_plugins_loaded = False


def register_model(
    name: str,
    factory: Callable[..., Any] | str,
    *,
    kind: str = "classical",
    description: str = "",
    replace: bool = False,
) -> None:
    """Add a model under ``name``. Registering the same factory again is a no-op.

    Raises ConfigError for a bad name or kind, or a name taken by another factory
    (unless ``replace``).
    """
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise ConfigError(f"model name '{name}' must be letters, digits, '-' or '_'")
    if kind not in MODEL_KINDS:
        raise ConfigError(f"model kind '{kind}' is unknown; use one of {', '.join(MODEL_KINDS)}")
    if isinstance(factory, str) and ":" not in factory:
        raise ConfigError(f"factory '{factory}' must be 'module:attribute'")
    spec = ModelSpec(name, factory, kind, description)
    old = _REGISTRY.get(name)
    if old is not None and not replace:
        if old.factory_path == spec.factory_path:
            return  # registering the same factory again (e.g. a module re-import)
        raise ConfigError(
            f"model '{name}' is already registered ({old.factory_path}); pass replace=True"
        )
    _REGISTRY[name] = spec


def unregister_model(name: str) -> None:
    """Remove ``name`` (mostly for tests)."""
    _REGISTRY.pop(name, None)


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for module in PLUGIN_MODULES:
        try:
            if importlib.util.find_spec(module) is None:
                continue
            mod = importlib.import_module(module)
        except Exception as exc:  # a broken plugin must not break classical models
            _plugin_errors[module] = f"{type(exc).__name__}: {exc}"
            continue
        # a plugin may also expose DEEP_MODELS = {name: factory}; register what is not yet
        for name, factory in (getattr(mod, "DEEP_MODELS", None) or {}).items():
            if name not in _REGISTRY:
                register_model(
                    name,
                    factory,
                    kind="deep",
                    description=f"deep audio-visual model, variant '{name}'",
                )


def available_models(kind: str | None = None) -> list[str]:
    """Sorted names of registered models, optionally of one ``kind``."""
    _load_plugins()
    return sorted(n for n, s in _REGISTRY.items() if kind is None or s.kind == kind)


def describe_models() -> list[dict[str, str]]:
    """One dict (name, kind, description) per model, sorted by name."""
    _load_plugins()
    return [
        {"name": s.name, "kind": s.kind, "description": s.description}
        for s in sorted(_REGISTRY.values(), key=lambda s: s.name)
    ]


def model_spec(name: str) -> ModelSpec:
    """The spec registered under ``name``; InputError listing valid names and the closest."""
    spec = _REGISTRY.get(name)
    if spec is not None:
        return spec
    _load_plugins()
    spec = _REGISTRY.get(name)
    if spec is not None:
        return spec
    valid = sorted(_REGISTRY)
    close = difflib.get_close_matches(str(name), valid, n=1, cutoff=0.4)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    broken = "".join(f" (plugin {m} failed to load: {e})" for m, e in _plugin_errors.items())
    raise InputError(f"unknown model '{name}'{hint} valid models: {', '.join(valid)}{broken}")


def _accepts(fn: Callable[..., Any], param: str) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    return param in sig.parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values()
    )


def get_model(name: str, **params: Any) -> Any:
    """A fresh, unfitted model ``name`` built with ``params``.

    Raises InputError for an unknown name and ConfigError for parameters the model does
    not take (naming the ones it does).
    """
    spec = model_spec(name)
    factory = spec.resolve()
    try:
        sig: inspect.Signature | None = inspect.signature(factory)
    except (TypeError, ValueError):  # no signature available: let the factory complain
        sig = None
    if sig is not None:
        try:
            sig.bind(**params)
        except TypeError as exc:
            names = [
                p.name
                for p in sig.parameters.values()
                if p.kind
                in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
            ]
            raise ConfigError(
                f"model '{name}' parameters: {exc}; valid parameters are: {', '.join(names)}"
            ) from None
    return factory(**params)


def model_factory(
    name: str, *, random_state: int | None = None, **params: Any
) -> Callable[[], Any]:
    """A no-argument callable building fresh models ``name`` (validated once, now).

    ``random_state`` is passed on when the factory takes it (as ``seed`` when the factory
    takes a ``seed`` instead), unless ``params`` already sets it.
    """
    spec = model_spec(name)
    full = dict(params)
    if random_state is not None:
        factory = spec.resolve()
        if _accepts(factory, "random_state"):
            full.setdefault("random_state", random_state)
        elif _accepts(factory, "seed"):
            full.setdefault("seed", random_state)
    get_model(name, **full)  # fail early on bad parameters

    def build() -> Any:
        return get_model(name, **full)

    build.model_name = name  # type: ignore[attr-defined]
    build.params = full  # type: ignore[attr-defined]
    return build


register_model(
    "logreg",
    "strokescreen.models.classical:make_logreg",
    kind="classical",
    description="logistic regression (L2) on median-imputed, standardised features",
)
register_model(
    "rf",
    "strokescreen.models.classical:make_rf",
    kind="classical",
    description="random forest (300 trees, min 2 cases per leaf)",
)
register_model(
    "gbm",
    "strokescreen.models.classical:make_gbm",
    kind="classical",
    description="gradient-boosted depth-2 trees (150 rounds, learning rate 0.05)",
)
register_model(
    "dummy",
    "strokescreen.models.baselines:make_dummy",
    kind="classical",
    description="always the training prevalence of stroke (AUC 0.5): the floor every "
    "model must clear; reads no features",
)
register_model(
    "mmdl-late-fusion",
    "strokescreen.models.baselines:make_mmdl_late_fusion",
    kind="deep",
    description="MMDL-style baseline: video and audio networks trained separately, "
    "mean of their probabilities",
)
register_model(
    "ridge",
    "strokescreen.models.graded:make_ridge",
    kind="classical",
    description="graded target: ridge regression on median-imputed, standardised features",
)
register_model(
    "rf-regressor",
    "strokescreen.models.graded:make_rf_regressor",
    kind="classical",
    description="graded target: random-forest regression (300 trees)",
)
register_model(
    "ordinal-logit",
    "strokescreen.models.graded:make_ordinal_logit",
    kind="classical",
    description="graded target, integer grades: ordinal regression by thresholds "
    "(one logistic model per cut, expected grade)",
)
register_model(
    "dummy-grade",
    "strokescreen.models.graded:make_dummy_grade",
    kind="classical",
    description="graded target: always the training mean (the floor every model must clear)",
)
register_model(
    "region-cnn",
    "strokescreen.models.video_models:make_region_cnn",
    kind="deep",
    description="Siamese left-vs-right CNN on eye, nose and mouth crops (shared encoder, "
    "classifier sees only the two sides' embedding differences)",
)
register_model(
    "i3d",
    "strokescreen.models.video_models:make_i3d",
    kind="deep",
    description="I3D-style 3-D ResNet inflated from a 2-D ResNet, on clips of kept frames",
)
register_model(
    "slowfast",
    "strokescreen.models.video_models:make_slowfast",
    kind="deep",
    description="SlowFast-style two-pathway 3-D network (slow: few frames, many channels; "
    "fast: all frames, few channels; lateral connections)",
)
