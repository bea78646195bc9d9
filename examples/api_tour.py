"""A tour of the demo's HTTP API with gradio_client (it comes with Gradio), against a running app.

    python demo/app.py                                          # in one terminal
    python examples/api_tour.py                                 # in another: the students' calls
    python examples/api_tour.py --teacher-key "$DEMO_TEACHER_KEY" [--finetune]    # and the teacher's

What it does to the class's drawings: it labels one drawing (a 7), and only that one. With the
teacher's key it downloads all drawings, and removes its own 7 again; with --finetune too it starts a
fine-tune on the class's drawings (the app needs at least 10), follows it to the end, makes its models
answer everyone for one drawing, then switches everyone back to the models answering before.
"""
import argparse
import json
import sys
import time
import zipfile
from pathlib import Path

from gradio_client import Client, handle_file

HERE = Path(__file__).resolve().parent
SEVEN = {"width": 400, "height": 400, "strokes": [[[100, 80], [300, 80], [180, 330]]]}  # pad pixels, y down


def students(client):
    """What every visitor's page does: read strokes, read a picture, look inside, label a drawing."""
    mlp, lenet, mlp_line, lenet_line, seen = client.predict(json.dumps(SEVEN), api_name="/predict")
    print(f"/predict: MLP reads {mlp['label']}, LeNet reads {lenet['label']} "
          f"({lenet['confidences'][0]['confidence']:.1%}); {lenet_line}")
    mlp, lenet, *_ = client.predict(handle_file(str(HERE / "digit_on_paper.jpg")), api_name="/predict_image")
    print(f"/predict_image (examples/digit_on_paper.jpg): MLP reads {mlp['label']}, LeNet reads {lenet['label']}")
    inside = client.predict(json.dumps(SEVEN), api_name="/explain")
    print(f"/explain: LeNet's layers {[layer['name'] for layer in inside['lenet']['layers']]}, predicted "
          f"{inside['lenet']['predicted']}")
    print("/label:", client.predict(json.dumps(SEVEN), 7, api_name="/label"), "(one 7 added to the class's drawings)")


def own_drawing_id(zip_path):
    """The id of the newest drawing in an export whose strokes are the tour's 7 (stored re-serialised)."""
    with zipfile.ZipFile(zip_path) as archive:
        lines = [json.loads(line) for name in archive.namelist() if name.endswith("strokes.jsonl")
                 for line in archive.read(name).decode("utf-8").splitlines()]
    ours = [line["id"] for line in lines if line["pad"]["strokes"] == SEVEN["strokes"] and line["label"] == 7]
    return max(ours) if ours else None


def teacher(client, key, finetune):
    """The teacher's calls: each takes the key first; a wrong key changes nothing."""
    zip_path = client.predict(key, api_name="/export_drawings")
    print(f"/export_drawings: {zip_path}")
    drawing = own_drawing_id(zip_path)
    if drawing is not None:
        print("/delete_drawings:", client.predict(key, str(drawing), api_name="/delete_drawings"),
              f"(the tour's own 7, #{drawing}; \"all\" would remove every drawing)")
    if not finetune:
        return
    started = client.predict(key, api_name="/finetune")  # "Run 20261203-104233 started."
    run = started.split()[1]
    print("/finetune:", started)
    while "learning" in (status := client.predict(key, run, api_name="/finetune_status")):
        print("/finetune_status:", status)
        time.sleep(5)
    print("/finetune_status:", status)
    if "finished" in status:
        print("/use_models:", client.predict(key, run, api_name="/use_models"))
        _, lenet, _, lenet_line, _ = client.predict(json.dumps(SEVEN), api_name="/predict")
        print(f"/predict with the fine-tuned models: LeNet reads {lenet['label']}; {lenet_line}")
        print("/use_models:", client.predict(key, "shipped", api_name="/use_models"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:7860/", help="the running app (default: %(default)s)")
    parser.add_argument("--teacher-key", default=None, help="also make the teacher's calls, with this key")
    parser.add_argument("--finetune", action="store_true", help="with --teacher-key: fine-tune, use the run, switch back")
    args = parser.parse_args(argv)
    client = Client(args.url, verbose=False)
    try:
        students(client)
        if args.teacher_key:
            teacher(client, args.teacher_key, args.finetune)
    except Exception as error:  # the app's refusals arrive as exceptions carrying its sentence
        print(f"refused: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
