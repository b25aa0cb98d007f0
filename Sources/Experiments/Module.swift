// Experiments: spec parsing and validation, the plan of runs, the scheduler that fans runs out over Dispatch, and the per-run trainer.
