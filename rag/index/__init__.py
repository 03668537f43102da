"""Stage 2, index: chunks in, a searchable index on disk out. `Indexer` embeds only what changed;
`IndexStore` writes atomic, checksummed generations; `filters` selects chunks by metadata."""
