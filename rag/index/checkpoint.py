"""Vectors of a build that has not finished, saved a batch at a time beside the index, so a build
killed midway (kill -9, power loss) resumes where it stopped instead of embedding from the start.

A vector is filed under a digest of the model, its document input template, the title and the
text, so a checkpoint left by another model or other inputs is never reused wrongly. Each batch is
written to a temporary name and renamed, so a kill mid-write loses that batch only. Only the
digests are held in memory; vectors are read back from their batch when asked for. The build
clears the checkpoint once its generation is published.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
from tqdm import tqdm

from embeddings import Embedder

BATCH_TEXTS = 256  # texts per saved batch: about 10-60 s of embedding on two cores


class EmbeddingCheckpoint:
    def __init__(self, folder: Path, embedder: Embedder, batch_texts: int = BATCH_TEXTS) -> None:
        self.folder, self.embedder, self.batch_texts = folder, embedder, batch_texts
        self._prefix = f"{embedder.model_name}\x1f{embedder.document_template}\x1f"
        self._saved: dict[bytes, tuple[Path, int]] = {}  # digest -> its batch file and row
        self._batches = 0
        self.resumed = 0  # texts whose vectors came from a build that was stopped
        for path in sorted(folder.glob("batch-*.npz")):
            self._batches += 1
            try:
                with np.load(path, allow_pickle=False) as saved:
                    self._saved.update((row.tobytes(), (path, i)) for i, row in enumerate(saved["keys"]))
            except (OSError, ValueError, KeyError, EOFError):  # a damaged batch is embedded again
                continue
        self._from_before = set(self._saved)

    def encode(self, texts: list[str], titles: list[str] | None = None, progress_bar: bool = False) -> np.ndarray:
        """The texts' document vectors (as Embedder.encode_documents), embedding only those the
        checkpoint lacks, a batch at a time, each batch saved before the next."""
        keys = [self._key(text, None if titles is None else titles[i]) for i, text in enumerate(texts)]
        first: dict[bytes, int] = {}
        for i, key in enumerate(keys):
            first.setdefault(key, i)
        missing = [i for key, i in first.items() if key not in self._saved]
        self.resumed += sum(key in self._from_before for key in first)
        with tqdm(total=len(missing), unit="text", desc="embedding", disable=not progress_bar, smoothing=0.1) as bar:
            for start in range(0, len(missing), self.batch_texts):
                batch = missing[start:start + self.batch_texts]
                vectors = self.embedder.encode_documents([texts[i] for i in batch],
                                                         titles=None if titles is None else [titles[i] for i in batch])
                self._save([keys[i] for i in batch], vectors)
                bar.update(len(batch))
        return self._vectors(keys)

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _vectors(self, keys: list[bytes]) -> np.ndarray:
        out = np.zeros((len(keys), self.embedder.dimension), np.float32)
        by_batch: dict[Path, list[tuple[int, int]]] = {}
        for i, key in enumerate(keys):
            path, row = self._saved[key]
            by_batch.setdefault(path, []).append((i, row))
        for path, places in by_batch.items():
            with np.load(path, allow_pickle=False) as saved:
                vectors = saved["vectors"]
            out[[i for i, _ in places]] = vectors[[row for _, row in places]]
        return out

    def _key(self, text: str, title: str | None) -> bytes:
        titled = "\x00" if title is None else title
        return hashlib.blake2b(f"{self._prefix}{titled}\x1f{text}".encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def _save(self, keys: list[bytes], vectors: np.ndarray) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"batch-{self._batches:06d}-{os.getpid()}.npz"
        self._batches += 1
        temporary = path.with_suffix(".tmp")
        with open(temporary, "wb") as out:
            np.savez(out, keys=np.frombuffer(b"".join(keys), np.uint8).reshape(-1, 16),
                     vectors=np.asarray(vectors, np.float32))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        self._saved.update((key, (path, i)) for i, key in enumerate(keys))
