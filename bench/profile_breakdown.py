"""Where a Gradio server's CPU goes, from py-spy's collapsed stacks (`py-spy record --format raw`).

    python bench/profile_breakdown.py PROFILE [--cpu-ms-per-request MS] [--top-stacks N]

bench/class_live.py --py-spy PROFILE records the demo server under the class's load. Samples of threads
that wait (the event loop in epoll, idle AnyIO worker threads, the main thread's sleep, a worker waiting
for the models' lock) are not CPU and are counted apart. Every other sample goes to one category: first
the app's own work and Gradio's steps found anywhere in the stack (the preview PNG, our preprocessing,
MXNet, each output's postprocessing, per-session state...), else the innermost frame's library (pydantic,
JSON, thread hops, h11, uvicorn, Starlette/FastAPI, Gradio, asyncio). With --cpu-ms-per-request (the
server's CPU per request that class_live.py prints), each share is also given in ms per request.

py-spy samples threads that are runnable as well as running: on a busy machine a thread waiting for the
GIL or for a core still shows its Python line, so read the shares as where the server's threads spend
their time, and prefer a --gil recording (only the thread holding the GIL) for pure Python shares.
"""
import argparse
import re
import sys
from collections import Counter

# (category, pattern anywhere in the stack): the first that matches wins.
CLAIMS = [
    ("waiting: the models' lock (demo/inference.py, not CPU)", re.compile(r"ModelStore\.(predict|inside) \(demo/inference\.py:\d+\)$")),
    ("our preview: 28x28 -> PNG -> base64 (draw_tab.input_preview, inline.py)", re.compile(r"input_preview|inline_png")),
    ("our preprocessing: the pad's JSON -> 28x28 (demo/preprocess.py + numpy/scipy/skimage)",
     re.compile(r"demo/preprocess\.py|read_pad")),
    ("MXNet: both models (ModelStore.predict)", re.compile(r"mxnet/|ModelStore\.predict")),
    ("our other code (draw_tab answers, model_info, softmax)", re.compile(r"\(demo/")),
    ("Gradio: gr.Label postprocess", re.compile(r"Label\.postprocess|components/label\.py")),
    ("Gradio: gr.Markdown postprocess", re.compile(r"Markdown\.postprocess|components/markdown\.py")),
    ("Gradio: gr.HTML postprocess", re.compile(r"HTML\.postprocess|components/html\.py")),
    ("Gradio: per-session state (SessionState, every block's config)",
     re.compile(r"state_holder\.py|config_for_block|Block\.get_config|get_block_name")),
    ("Gradio: run history (history.py, a task per run)", re.compile(r"gradio/history\.py|record_run_history")),
    ("Gradio: move_files_to_cache walks of inputs and outputs", re.compile(r"move_files_to_cache|processing_utils\.py")),
    ("inspect.signature (per call)", re.compile(r"\(inspect\.py")),
]
# (category, pattern of one frame), tried from the innermost frame outwards.
OWNERS = [
    ("pydantic (request body, data models)", re.compile(r"pydantic")),
    ("JSON (orjson / json: bodies and answers)", re.compile(r"orjson|\(json/|JSONResponse|jsonable_encoder")),
    ("thread hops and wake-ups (anyio.to_thread, threading, queue)",
     re.compile(r"anyio/|\(threading\.py|\(queue\.py|_write_to_self|_read_from_self|call_soon_threadsafe")),
    ("uvicorn h11 (pure-Python HTTP/1.1 parsing and writing)", re.compile(r"h11")),
    ("uvicorn (server, protocol)", re.compile(r"uvicorn/")),
    ("Starlette / FastAPI (routing, middleware, dependencies)",
     re.compile(r"starlette/|fastapi/|brotli_middleware|CustomCORSMiddleware")),
    ("Gradio: routes, process_api, pre/postprocess glue", re.compile(r"gradio/")),
    ("asyncio event loop (sockets, scheduling)", re.compile(r"asyncio/|selectors\.py|\(socket\.py")),
]
IDLE = [
    ("idle: event loop waiting (epoll)", re.compile(r"EpollSelector\.select \(selectors\.py")),
    ("idle: worker threads waiting", re.compile(r"WorkerThread\.run .*;Queue\.get \(queue\.py:\d+\);Condition\.wait")),
    ("idle: main thread sleeping (block_thread)", re.compile(r"block_thread \(gradio/blocks\.py:\d+\)$")),
    ("idle: other waits", re.compile(r"(Condition\.wait|Event\.wait|time\.sleep) \([^)]*\)$")),
]


def read_samples(path):
    """[(stack text without the thread frame, count)] from a raw py-spy file."""
    samples = []
    with open(path) as lines:
        for line in lines:
            line = line.rstrip("\n")
            if not line:
                continue
            stack, count = line.rsplit(" ", 1)
            frames = stack.split(";")
            if frames and frames[0].startswith("thread ("):
                frames = frames[1:]
            samples.append((";".join(frames), int(count)))
    return samples


def categorise(stack):
    """-> (category, is_cpu)"""
    for name, pattern in IDLE:
        if pattern.search(stack):
            return name, False
    for name, pattern in CLAIMS:
        if pattern.search(stack):
            return name, not name.startswith("waiting")
    for frame in reversed(stack.split(";")):
        for name, pattern in OWNERS:
            if pattern.search(frame):
                return name, True
    return "other", True


def breakdown(samples):
    cpu, waits = Counter(), Counter()
    for stack, count in samples:
        name, is_cpu = categorise(stack)
        (cpu if is_cpu else waits)[name] += count
    return cpu, waits


def lines_for(cpu, waits, cpu_ms_per_request=None):
    total = sum(cpu.values())
    lines = [f"{total:,} samples of threads at work ({sum(waits.values()):,} more waiting, not counted):"]
    for name, count in cpu.most_common():
        share = count / max(1, total)
        extra = f"  {share * cpu_ms_per_request:5.2f} ms/request" if cpu_ms_per_request else ""
        lines.append(f"  {100 * share:5.1f} %{extra}  {name}")
    lines.append("waiting (not CPU): " + ", ".join(f"{name.split(': ', 1)[-1]} {count:,}" for name, count in waits.most_common()))
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("profile", help="py-spy record --format raw output")
    parser.add_argument("--cpu-ms-per-request", type=float, default=None,
                        help="the server's CPU per request (class_live.py prints it): shares in ms too")
    parser.add_argument("--top-stacks", type=int, default=0, help="also print the N heaviest leaf frames")
    args = parser.parse_args(argv)
    samples = read_samples(args.profile)
    cpu, waits = breakdown(samples)
    print("\n".join(lines_for(cpu, waits, args.cpu_ms_per_request)))
    if args.top_stacks:
        leaves = Counter()
        for stack, count in samples:
            if categorise(stack)[1]:
                leaves[stack.split(";")[-1]] += count
        print("heaviest innermost frames (CPU samples):")
        for frame, count in leaves.most_common(args.top_stacks):
            print(f"  {count:6,}  {frame}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
