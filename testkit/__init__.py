"""What the tests and the benchmarks both use, so that neither imports the other: stroke digits as the
pad sends them (pad_digits), MNIST digits redrawn like canvas drawings (canvases), the running app on a
free port (servers), and Debian's Chromium driven by Playwright (chromium)."""
