// Tests of Tasks.
