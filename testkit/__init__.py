"""What the tests and the benchmarks both use, so that neither imports the other: stroke digits as the
pad sends them (pad_digits), MNIST digits redrawn like canvas drawings (canvases), the development sets'
real strokes replayed on the pad (devsets) and a class's digits drawn at a person's pace (class_strokes),
the running app on a free port (servers) or in a process of its own (app_server), the page's own HTTP
requests (page_client), and Debian's Chromium driven by Playwright (chromium)."""
