"""Accuracy evaluation on protocol files: pairs verification and open-set identification,
with the real FacePipeline, an on-disk embedding cache, NIST metrics and a DET plot.
`muster eval pairs|identify` and bench/accuracy_vs_reference.py drive it."""
