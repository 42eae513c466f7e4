"""Times Pillow on the preprocessing bench's rows, inside Python (no process start counted).

Reads {"rows": [{"path", "size"}], "repeats", "warmUps"} as JSON on stdin and prints
{"pillow": version, "rows": [{"path", "size", "fullMs", "draftMs", "fullCpuMs", "draftCpuMs"}]}:
the best wall and the best CPU time (process_time) of `repeats` runs of
- full: open, exif_transpose, convert('RGB'), bicubic resize of the short side to `size`
  (torchvision's arithmetic), centre crop: the reference path of the model's Python processor;
- draft: the same after `draft('RGB', ...)` to twice the resized size (libjpeg DCT scaling).
"""

import json
import sys
import time

from PIL import Image, ImageOps, __version__


def plan(width, height, size):
    """torchvision Resize(size): the short side to size, the long side int(size * long / short)."""
    if width <= height:
        return size, int(size * height / width)
    return int(size * width / height), size


def preprocess(path, size, draft):
    image = Image.open(path)
    if draft:
        width, height = plan(image.width, image.height, size)
        image.draft('RGB', (2 * width, 2 * height))
    image = ImageOps.exif_transpose(image).convert('RGB')
    width, height = plan(image.width, image.height, size)
    image = image.resize((width, height), Image.BICUBIC)
    left = int(round((width - size) / 2))
    top = int(round((height - size) / 2))
    return image.crop((left, top, left + size, top + size)).tobytes()


def best_ms(path, size, draft, repeats, warm_ups):
    best = float('inf')
    best_cpu = float('inf')
    for _ in range(warm_ups):  # untimed, as many as the JavaScript contender gets
        preprocess(path, size, draft)
    for _ in range(repeats):
        started = time.perf_counter()
        started_cpu = time.process_time()
        preprocess(path, size, draft)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
        best = min(best, time.perf_counter() - started)
    return best * 1000, best_cpu * 1000


def main():
    request = json.load(sys.stdin)
    repeats = request['repeats']
    warm_ups = request['warmUps']
    rows = []
    for row in request['rows']:
        full, full_cpu = best_ms(row['path'], row['size'], False, repeats, warm_ups)
        draft, draft_cpu = best_ms(row['path'], row['size'], True, repeats, warm_ups)
        rows.append({
            'path': row['path'],
            'size': row['size'],
            'fullMs': full,
            'draftMs': draft,
            'fullCpuMs': full_cpu,
            'draftCpuMs': draft_cpu,
        })
    json.dump({'pillow': __version__, 'rows': rows}, sys.stdout)


main()
