"""Regenerate the README's gallery: run every lesson with its default settings and copy one figure each.

    python docs/make_gallery.py            # all lessons (about 8 minutes on 2 cores)
    python docs/make_gallery.py curves     # only some

Outputs of the runs go to runs/gallery/NAME/; the chosen figures are copied to docs/images/NAME.png.
"""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIGURE = {  # lesson -> the figure the README shows
    "curves": "curves_training.png",
    "optimal_d": "optimal_d.png",
    "saturation": "measured.png",
    "js_vs_wasserstein": "js_vs_w1.png",
    "mode_collapse": "modes.png",
    "backprop": "gradient_norms.png",
    "digits": "final_samples.png",
    "dcgan": "side_by_side.png",
    "conditional": "class_grid.png",
    "playground": "playground.png",
    "vae_vs_gan": "samples.png",
}
OPTIONS = {  # lesson -> extra command-line options
    "playground": ["--frames", "20"],  # frames, not the window it opens when there is a display
}

PALETTE = ("dcgan", "conditional")  # grey pictures with a red square: 32 colours keep them small (320 KB -> ~100 KB)


def shrink_to_palette(source, target, colors=32):
    from PIL import Image
    with Image.open(source) as picture:
        picture.convert("RGB").quantize(colors=colors).save(target, optimize=True)


def main(names):
    images = ROOT / "docs" / "images"
    images.mkdir(parents=True, exist_ok=True)
    for name in names or FIGURE:
        out = ROOT / "runs" / "gallery" / name
        print(f"== {name}", flush=True)
        subprocess.run([sys.executable, "-m", "demos", name, "--out", str(out), *OPTIONS.get(name, [])], cwd=ROOT,
                       check=True)
        if name in PALETTE:
            shrink_to_palette(out / FIGURE[name], images / f"{name}.png")
        else:
            shutil.copyfile(out / FIGURE[name], images / f"{name}.png")
        print(f"   -> docs/images/{name}.png")


if __name__ == "__main__":
    main(sys.argv[1:])
