// ResultsStore: the SQLite database (GRDB) of sweeps, runs, epochs and checkpoints.
