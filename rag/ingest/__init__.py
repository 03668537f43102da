"""Stage 1, ingest: files and tables in, clean `Document`s out (loaders, cleaning, near-duplicate
removal), then cut into `Chunk`s with the speakers of their sentences (chunking, attribution)."""
