"""Each report's kernel: forked from a server that has the libraries imported (``forkserver``),
started and shut down (``start``), and tracked while it runs (``running``)."""
