"""The one place that imports MXNet, and everything MXNet 1.9.1 (the last release, 2022) needs adapted.

- numpy removed the alias `np.bool` in 1.24; MXNet still uses it: restored before the import.
- Python 3.12 removed `distutils`; MXNet imports `distutils.version` (LooseVersion, StrictVersion) only
  to compare numpy's version with 1.6, 1.15 and 1.17: a small stand-in is registered where it is gone.
- MXNet warns "Cannot decide type for the following arguments" every time it loads an exported network
  (SymbolBlock), which is harmless: silenced here, once, for everything that uses MXNet.
- MXNet's wheels exist for Linux (x86-64, aarch64) and Intel macOS (requirements.txt installs it there
  only); elsewhere, or on a Python numpy 1.26 has no build for, `unsupported_reason` says so in one
  sentence instead of a traceback.
Every other module does `from trainer.mxnet_shim import mx`.
"""
import functools
import importlib.util
import platform
import re
import sys
import types
import warnings

import numpy as np

SUPPORTED_PYTHONS = ((3, 10), (3, 13))  # what the README's install commands were run on here
SEE_README = "(README: \"Which computers it runs on\")"


def unsupported_reason(version=sys.version_info[:2], system=platform.system(), machine=platform.machine()):
    """One sentence on why the project cannot run on this Python or computer, or None where it can."""
    machine = machine.lower()
    if system == "Windows":
        return f"MXNet 1.9.1 has no Windows build: use WSL 2 (Ubuntu) and the Linux commands {SEE_README}."
    if system == "Darwin" and machine not in ("x86_64", "amd64"):
        return ("MXNet 1.9.1 has no build for Apple silicon: run the container (Dockerfile), or an Intel (x86-64) "
                f"Python under Rosetta 2 {SEE_README}.")
    if system not in ("Linux", "Darwin") or (system == "Linux" and machine not in ("x86_64", "amd64", "aarch64", "arm64")):
        return (f"MXNet 1.9.1 has builds for Linux (x86-64, aarch64) and Intel Macs only, not {system} {machine}: "
                f"run the container (Dockerfile) {SEE_README}.")
    (low, high), version = SUPPORTED_PYTHONS, tuple(version)
    if version < low:
        return f"Python {version[0]}.{version[1]} is too old: Gradio 6 needs 3.10 or newer (for example: uv venv --python 3.12)."
    if version > high:
        return (f"Python {version[0]}.{version[1]} is too new: MXNet 1.9.1 needs numpy < 2, which has no build for it; "
                "use 3.10 to 3.13 (for example: uv venv --python 3.12).")
    return None


@functools.total_ordering
class _Version:
    """distutils' LooseVersion and StrictVersion, for what MXNet does with them: compare release numbers."""

    def __init__(self, text):
        numbers = [int(part) for part in re.findall(r"\d+", re.split(r"[a-z+]", str(text))[0])]
        self.numbers = tuple(numbers + [0] * (3 - len(numbers)))  # 1.17 == 1.17.0, as in distutils

    def __eq__(self, other):
        return self.numbers == other.numbers

    def __lt__(self, other):
        return self.numbers < other.numbers


def _register_distutils_version():
    """Where `distutils` is gone (Python 3.12+), make `distutils.version` the stand-in above."""
    if importlib.util.find_spec("distutils") is not None:  # Python <= 3.11, or setuptools' copy
        return
    package = types.ModuleType("distutils")
    package.__path__ = []
    version = types.ModuleType("distutils.version")
    version.LooseVersion = version.StrictVersion = _Version
    package.version = version
    sys.modules.update({"distutils": package, "distutils.version": version})


if "bool" not in vars(np):  # hasattr() would trip numpy 1.2x's FutureWarning
    np.bool = bool  # the alias numpy removed was exactly the builtin
_register_distutils_version()
warnings.filterwarnings("ignore", message="Cannot decide type for the following arguments", category=UserWarning)

try:
    import mxnet as mx  # noqa: E402  (after the adaptations above)
except ImportError as error:  # not installed: pip skips it where it has no build
    raise SystemExit(f"error: {unsupported_reason() or f'MXNet cannot be imported ({error}): pip install -r requirements.txt'}")
except OSError as error:  # installed, but a system library it needs is missing (a minimal Linux)
    raise SystemExit(f"error: MXNet's library cannot be loaded ({error}); on Debian or Ubuntu: "
                     "apt-get install libgomp1 libquadmath0")

__all__ = ["mx", "unsupported_reason"]
