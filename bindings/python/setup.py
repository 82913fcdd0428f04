"""Builds the wheel: runs cargo on this repository's Rust sources (the library as a
cdylib, release profile, honouring CARGO_TARGET_DIR) and puts libs3storage.so into the
package. Needs cargo; the wheel it makes needs nothing but Python.

    pip wheel bindings/python -w dist        # from the repository's root
"""

import os
import pathlib
import re
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py
try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def crate_version() -> str:
    text = (ROOT / "Cargo.toml").read_text()
    return re.search(r'^version = "([^"]+)"', text, re.M).group(1)


def build_library() -> pathlib.Path:
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    subprocess.run(
        ["cargo", "rustc", "--release", "--lib", "--features", "capi", "--crate-type", "cdylib",
         "--manifest-path", str(ROOT / "Cargo.toml")],
        check=True,
    )
    return target / "release" / "libs3storage.so"


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        library = build_library()
        destination = pathlib.Path(self.build_lib) / "s3storage" / "libs3storage.so"
        shutil.copyfile(library, destination)


class PlatformWheel(bdist_wheel):
    """The package holds a native library but no CPython extension: any Python 3, this
    platform only."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(
    version=crate_version(),
    cmdclass={"build_py": BuildWithLibrary, "bdist_wheel": PlatformWheel},
)
