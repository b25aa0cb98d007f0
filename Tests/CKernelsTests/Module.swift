// Tests of CKernels.
