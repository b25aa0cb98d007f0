// Sequence tasks: deterministic data generators (adding, copy, embedded Reber, character LM), each with its head, metric and trivial baseline.
