// Tests of SequenceModels.
