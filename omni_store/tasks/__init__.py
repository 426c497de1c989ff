"""Units of store work (pick, isolate, pack, receive, ...) and their history."""
