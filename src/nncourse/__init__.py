"""nncourse: auto-graded exercises for building neural networks in NumPy."""
__version__ = "0.1.0"
