"""Builds the wheel and the sdist of the Python package.

The wheel: cargo builds the library (a cdylib, release profile, honouring
CARGO_TARGET_DIR) from the crate's sources and puts libs3storage.so into the package. The
library is loaded with ctypes, so the wheel holds no CPython extension: it is tagged for
any Python 3 (`py3-none`) and for the oldest manylinux policy the library satisfies,
read from the glibc symbol versions it needs (ELF `.gnu.version_r`). The sdist carries
the crate as `cargo package` makes it (under `rust/`), so it builds anywhere cargo runs.

    pip wheel bindings/python -w dist        # from the repository's root
    python -m build --sdist bindings/python  # the sdist
"""

import os
import pathlib
import re
import shutil
import struct
import subprocess
import tarfile

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel

HERE = pathlib.Path(__file__).resolve().parent
# In an sdist the crate is beside this file (rust/); in the repository, two folders up.
CRATE = HERE / "rust" if (HERE / "rust" / "Cargo.toml").exists() else HERE.parent.parent


def crate_version() -> str:
    text = (CRATE / "Cargo.toml").read_text()
    return re.search(r'^version = "([^"]+)"', text, re.M).group(1)


def build_library() -> pathlib.Path:
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", CRATE / "target"))
    subprocess.run(
        ["cargo", "rustc", "--release", "--lib", "--features", "capi", "--crate-type", "cdylib",
         "--manifest-path", str(CRATE / "Cargo.toml")],
        check=True,
    )
    return target / "release" / "libs3storage.so"


def glibc_needed(library: pathlib.Path) -> tuple:
    """The newest GLIBC_x.y symbol version the ELF library needs (its .gnu.version_r)."""
    data = library.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise RuntimeError("%s: not a 64-bit little-endian ELF file" % library)
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    newest = (2, 5)
    for _, kind, _, _, offset, _, link, count, _, _ in sections:
        if kind != 0x6FFFFFFE:  # SHT_GNU_verneed
            continue
        strings = sections[link][4]
        at = offset
        for _ in range(count):
            _, _, _, aux, following = struct.unpack_from("<HHIII", data, at)
            entry = at + aux
            while True:
                _, _, _, name, next_aux = struct.unpack_from("<IHHII", data, entry)
                end = data.index(b"\0", strings + name)
                text = data[strings + name:end].decode()
                found = re.fullmatch(r"GLIBC_(\d+)\.(\d+)(?:\.\d+)?", text)
                if found:
                    newest = max(newest, (int(found.group(1)), int(found.group(2))))
                if not next_aux:
                    break
                entry += next_aux
            if not following:
                break
            at += following
    return newest


class BinaryDistribution(Distribution):
    """A distribution with a native library: installed to platlib, never purelib."""

    def has_ext_modules(self):
        return True


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        library = build_library()
        destination = pathlib.Path(self.build_lib) / "s3storage" / "libs3storage.so"
        shutil.copyfile(library, destination)


class PlatformWheel(bdist_wheel):
    """No CPython extension: any Python 3; the manylinux policy the library satisfies."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, platform = super().get_tag()
        build_lib = self.get_finalized_command("build_py").build_lib
        library = pathlib.Path(build_lib) / "s3storage" / "libs3storage.so"
        if platform.startswith("linux_"):
            if not library.exists():
                raise RuntimeError("%s is not built: no platform tag to give" % library)
            major, minor = glibc_needed(library)
            platform = "manylinux_%d_%d_%s" % (major, minor, platform[len("linux_"):])
        return "py3", "none", platform


class SdistWithCrate(sdist):
    """The sdist with the crate's sources under rust/, as `cargo package` lists them."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        if CRATE == HERE / "rust":
            shutil.copytree(CRATE, pathlib.Path(base_dir) / "rust", dirs_exist_ok=True)
            return
        target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", CRATE / "target"))
        subprocess.run(
            ["cargo", "package", "--no-verify", "--allow-dirty", "--quiet",
             "--manifest-path", str(CRATE / "Cargo.toml")],
            check=True,
        )
        crate = target / "package" / ("s3storage-%s.crate" % crate_version())
        with tarfile.open(crate) as archive:
            archive.extractall(base_dir, filter="data")
        shutil.move(os.path.join(base_dir, "s3storage-%s" % crate_version()),
                    os.path.join(base_dir, "rust"))


setup(
    version=crate_version(),
    distclass=BinaryDistribution,
    cmdclass={"build_py": BuildWithLibrary, "bdist_wheel": PlatformWheel,
              "sdist": SdistWithCrate},
)
