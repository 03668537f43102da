"""Token counting for the context budget: the local model's own tokenizer when we run it,
otherwise tiktoken's o200k_base, read offline from the `bpe-openai` package's copy."""

from __future__ import annotations

import base64
import gzip
from functools import lru_cache
from importlib import resources
from typing import Callable


def _local_bpe(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
    """Stand-in for tiktoken's downloader: the same BPE file, shipped inside bpe-openai."""
    name = url.rsplit("/", 1)[-1] + ".gz"
    data = gzip.decompress(resources.files("bpe_openai.data").joinpath(name).read_bytes())
    return {base64.b64decode(token): int(rank) for token, rank in (line.split() for line in data.splitlines() if line)}


@lru_cache(maxsize=1)
def tiktoken_counter() -> Callable[[str], int]:
    import tiktoken
    from tiktoken_ext import openai_public

    openai_public.load_tiktoken_bpe = _local_bpe
    encoding = tiktoken.get_encoding("o200k_base")
    return lambda text: len(encoding.encode(text, disallowed_special=()))
