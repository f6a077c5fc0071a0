"""Every dataset the program can load, described for the GUI and `playground datasets`.

Each entry is a plain dict (JSON-ready):
    name         the document's dataset name ("spiral", "mnist", "shapes", "mnist_full", ...)
    spec         the dataset object to put in an experiment document
    title, description
    kind         "2-D classification", "2-D regression" or "image"
    group        "2-D", "built-in", "generated" or "installed"
    input_shape  [2] or [C, H, W] (with default settings)
    classes      number of classes (0 for regression); class_names their names
    samples      number of samples with default settings
    sizes        {"train": n, "test": m} for sets with an official division, else None
    source, licence, url, credit   where the data comes from ("generated" sets: no licence)
    params       settings: [{name, kind, default, low, high, choices, help}, ...]
    location, problem              installed sets only: where found, and what is wrong if any
"""

from __future__ import annotations

from typing import Any

from playground.data import generated_images, images, toy2d

GENERATED_TITLES = {
    "shapes": ("Shapes", "Filled shapes (circle, square, triangle, cross, ring, star; hexagon "
                         "on request) of random size, rotation and position."),
    "bars": ("Oriented bars", "One bar per image; its orientation is the class."),
    "font_digits": ("Font digits", "Digits 0–9 of DejaVu Sans, shifted, rotated, slanted and "
                                   "scaled at random."),
}
FONT_SOURCE = ("drawn from the DejaVu Sans font shipped in resources/fonts (Bitstream Vera "
               "licence; DejaVu changes public domain)")


def _param(name: str, kind: str, default: Any, low: float | None = None,
           high: float | None = None, help: str = "", choices: tuple[str, ...] = ()
           ) -> dict[str, Any]:
    return {"name": name, "kind": kind, "default": default, "low": low, "high": high,
            "choices": list(choices), "help": help}


def _seed() -> dict[str, Any]:
    return _param("seed", "int", 0, 0, 2**32 - 1, "which samples (same seed, same data)")


def _selection_params(total: int, classes: int, subsets: bool) -> list[dict[str, Any]]:
    params = []
    if subsets:
        params.append(_param("subset", "choice", "train+test", help="the official parts to use",
                             choices=images.SUBSETS))
    params += [_param("samples", "int", None, classes, total,
                      "a class-balanced subset of this size (empty: all)"), _seed()]
    return params


# --- 2-D -----------------------------------------------------------------------------------------
def _param_info(p: Any) -> dict[str, Any]:
    return _param(p.name, p.kind, p.default, p.low, p.high, p.help, tuple(p.choices))


def _toy_entry(name: str) -> dict[str, Any]:
    gen = toy2d.GENERATORS[name]
    if hasattr(toy2d, "make_dataset"):  # the described table of generators
        kind = toy2d.kind(name)
        params = [_param_info(p) for p in toy2d.parameters(name)]
        classes = toy2d.class_count(name)
        title, description = gen.title, gen.description
        samples = next((p["default"] for p in params if p["name"] == "samples"), 400)
    else:
        kind, classes, title, description, samples = "classification", 2, name, "", 400
        params = [_param("samples", "int", 400, 4, 1_000_000), _param("noise", "float", 0.0, 0, 2),
                  _seed()]
    return {"name": name, "spec": {"name": name}, "title": title, "description": description,
            "kind": f"2-D {kind}", "group": "2-D", "input_shape": [2], "classes": classes,
            "class_names": [str(c) for c in range(classes)], "samples": samples, "sizes": None,
            "source": "generated", "licence": "", "url": "", "credit": "", "params": params}


# --- images ------------------------------------------------------------------------------------
def _builtin_entry(name: str, record: dict[str, Any]) -> dict[str, Any]:
    sizes = {part: int(record["sizes"][part]) for part in ("train", "test")}
    total = sizes["train"] + sizes["test"]
    names = list(record["class_names"])
    return {"name": name, "spec": {"name": name}, "title": record["title"],
            "description": record.get("description", record["selection"]), "kind": "image",
            "group": "built-in",
            "input_shape": list(record["image_shape"]), "classes": len(names),
            "class_names": names, "samples": total, "sizes": sizes,
            "source": record["source"], "licence": record["licence"], "url": record["url"],
            "credit": record["credit"],
            "params": _selection_params(total, len(names), sizes["test"] > 0)}


def _generated_entry(name: str) -> dict[str, Any]:
    title, description = GENERATED_TITLES[name]
    if name == "shapes":
        names = list(generated_images.DEFAULT_SHAPES)
        classes = _param("classes", "list", names, help="which shapes: "
                         + ", ".join(generated_images.SHAPES), choices=tuple(
                             generated_images.SHAPES))
    elif name == "bars":
        names = [f"{a:g}°" for a in generated_images.bar_angles(4)]
        classes = _param("classes", "int", 4, 2, 12, "number of orientations over 180°")
    else:
        names = [str(d) for d in range(10)]
        classes = _param("classes", "list", names, help="which digits",
                         choices=tuple(names))
    params = [_param("samples", "int", 1000, 1, 1_000_000, "number of images"),
              _param("size", "int", 28, 8, 256, "width and height in pixels"),
              _param("noise", "float", 0.0, 0.0, 1.0, "standard deviation of pixel noise"),
              classes,
              _param("variation", "float", 1.0, 0.0, 1.0,
                     "how much position, size and rotation vary (0: all alike)"),
              _seed()]
    return {"name": name, "spec": {"name": name}, "title": title, "description": description,
            "kind": "image", "group": "generated", "input_shape": [1, 28, 28],
            "classes": len(names), "class_names": names, "samples": 1000, "sizes": None,
            "source": FONT_SOURCE if name == "font_digits" else "generated",
            "licence": "", "url": "", "credit": "", "params": params}


def _installed_entries(records: dict[str, dict[str, Any]], **find: Any) -> list[dict[str, Any]]:
    entries = []
    seen: set[str] = set()
    by_set = {base: name for name, base in images.FULL.items()}
    for item in images.find_installed(**find):
        name = by_set[item.name]
        record = records.get(item.name, {})
        spec: dict[str, Any] = {"name": name}
        if name in seen:
            spec["path"] = item.location
        seen.add(name)
        names = images.FULL_CLASSES[item.name]
        sizes = {part: int(item.sizes.get(part, 0)) for part in ("train", "test")}
        total = sizes["train"] + sizes["test"]
        params = [_param("path", "path", None,
                         help="a folder of IDX files or a Keras .npz (empty: this one)"),
                  *_selection_params(total, len(names), True)]
        entries.append({
            "name": name, "spec": spec,
            "title": f"{record.get('title', item.name).replace(' (subset)', '')} (full)",
            "description": f"found here ({item.origin}): {item.location}",
            "kind": "image", "group": "installed", "input_shape": [1, 28, 28],
            "classes": len(names), "class_names": list(names), "samples": total,
            "sizes": sizes, "source": f"{item.origin}: {item.location}",
            "licence": record.get("licence", ""), "url": record.get("url", ""),
            "credit": record.get("credit", ""), "params": params,
            "location": item.location, "problem": item.problem})
    return entries


def list_datasets(**find: Any) -> list[dict[str, Any]]:
    """Every dataset: 2-D generators, built-in image sets, generated image sets, and the full
    sets found on this machine. `find` goes to images.find_installed (home, roots, system)."""
    records = images.builtin_records()
    entries = [_toy_entry(name) for name in toy2d.GENERATORS]
    entries += [_builtin_entry(name, records[name]) for name in images.BUILTIN]
    entries += [_generated_entry(name) for name in generated_images.GENERATORS]
    entries += _installed_entries(records, **find)
    return entries
