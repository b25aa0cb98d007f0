// Tests of RunnerEndToEnd.
