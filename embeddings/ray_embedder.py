"""Embedding on a Ray cluster: indexing's expensive step spread over the cluster's workers.

    >>> embedder = RayEmbedder("embeddinggemma-300m", address="ray://head:10001")  # None: a local Ray
    >>> Indexer(".isnad/index", embedder).run(documents)   # the same index, embedded on the cluster

Each worker loads the model once (on a GPU where the cluster has them) and embeds batches of
texts; results come back in order, so the vectors are the ones `Embedder.encode_documents` gives.
Queries, token counts and everything else stay local: only `encode_documents` is distributed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm import tqdm

from embeddings.encoder import Embedder

TEXTS_PER_TASK = 256


class RayEmbedder(Embedder):
    def __init__(self, model_name: str, address: str | None = None, batch_size: int = 16, threads: int = 2,
                 home: Path | None = None, workers: int | None = None) -> None:
        super().__init__(model_name, batch_size, threads, home)
        self.address = address  # None: start a Ray on this machine; "auto" or ray://...: join a cluster
        self.workers = workers

    def encode_documents(self, texts: list[str], progress_bar: bool = False,
                         titles: list[str] | None = None) -> np.ndarray:
        if not texts:
            return super().encode_documents(texts)
        import ray
        from ray.util import ActorPool

        if not ray.is_initialized():
            ray.init(address=self.address, include_dashboard=False, log_to_driver=False, configure_logging=False)
        resources = ray.cluster_resources()
        gpus = int(resources.get("GPU", 0))
        count = self.workers or max(1, gpus or int(resources.get("CPU", 1) // self.threads))
        worker = ray.remote(num_cpus=0 if gpus else self.threads, num_gpus=1 if gpus else 0)(_Worker)
        pool = ActorPool([worker.remote(self.model_name, self.batch_size, self.threads, self.home,
                                        "cuda" if gpus else "cpu") for _ in range(count)])
        batches = [(list(texts[start:start + TEXTS_PER_TASK]), titles and list(titles[start:start + TEXTS_PER_TASK]))
                   for start in range(0, len(texts), TEXTS_PER_TASK)]
        parts = []
        with tqdm(total=len(texts), unit="text", desc=f"embedding on Ray ({count} workers)",
                  disable=not progress_bar, smoothing=0.1) as bar:
            for part in pool.map(lambda actor, batch: actor.encode.remote(*batch), batches):  # in order
                parts.append(part)
                bar.update(len(part))
        return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)


class _Worker:
    """One model per worker process, loaded once."""

    def __init__(self, model_name: str, batch_size: int, threads: int, home: Path | None, device: str) -> None:
        self.embedder = Embedder(model_name, batch_size, threads, home, device)

    def encode(self, texts: list[str], titles: list[str] | None) -> np.ndarray:
        return self.embedder.encode_documents(texts, titles=titles)
