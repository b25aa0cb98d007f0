// Tests of ResultsStore.
