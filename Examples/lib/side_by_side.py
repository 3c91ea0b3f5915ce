"""Puts figures written by `dmft plot` side by side in one SVG (and its PNG).

  side_by_side.py OUT.svg LEFT.svg RIGHT.svg [...]

Used where a figure of the paper has panels on different time axes (t·m and t, say), which
one `dmft plot` cannot draw together. Each input becomes a nested <svg> at its own x offset;
its ids (clip paths) are prefixed so that the inputs do not clash. The PNG next to OUT.svg is
rendered as `dmft plot --png` renders it (rsvg-convert, 1800 pixels wide per input, white
background).
"""
import re
import subprocess
import sys


def main():
    out, inputs = sys.argv[1], sys.argv[2:]
    parts, x, height = [], 0.0, 0.0
    for k, path in enumerate(inputs):
        with open(path) as f:
            svg = f.read()
        root = re.search(r"<svg\b[^>]*>", svg)
        w = float(re.search(r'\bwidth="([0-9.]+)"', root.group(0)).group(1))
        h = float(re.search(r'\bheight="([0-9.]+)"', root.group(0)).group(1))
        body = svg[root.end(): svg.rindex("</svg>")]
        body = re.sub(r'\bid="', f'id="f{k}-', body)
        body = body.replace("url(#", f"url(#f{k}-")
        parts.append(f'<svg x="{x:.2f}" y="0" width="{w:.2f}" height="{h:.2f}" viewBox="0 0 {w:.2f} {h:.2f}">{body}</svg>')
        x += w
        height = max(height, h)
    with open(out, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{x:.2f}" height="{height:.2f}" '
                f'viewBox="0 0 {x:.2f} {height:.2f}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">\n')
        f.write(f'<rect x="0" y="0" width="{x:.2f}" height="{height:.2f}" fill="#ffffff"/>\n')
        f.write("\n".join(parts))
        f.write("\n</svg>\n")
    png = out[: -len(".svg")] + ".png"
    subprocess.run(["rsvg-convert", "-w", str(1800 * len(inputs)), "-a", "-b", "white", "-f", "png", "-o", png, out],
                   check=True)


if __name__ == "__main__":
    main()
