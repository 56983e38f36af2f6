"""The edge: files, the output directory, the cache, git and terraform."""
