"""Knowledge extractors: one module per kind of knowledge, each reading a Context."""
