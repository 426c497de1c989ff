"""Stock levels per location, channel buffers and the append-only movement ledger."""
