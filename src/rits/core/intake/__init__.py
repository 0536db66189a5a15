"""The intake toolkit: what every door for files from outside shares (the family import,
the signal intake, later the iJw messages). ``reading`` decodes and splits a file and
holds the per-row report; ``cells`` parses Dutch cell values. A plain library, no
models: each format keeps its own columns and rules, and its raw-batch storage."""
