"""HTML pages of executed notebooks that read well offline, in any language of the course.

`to_html(nb)` is nbconvert's lab export with two changes: a CJK-capable font
stack named in the CSS (the chapters carry Chinese subtitles), and each widget
drawn as static HTML from the widget state nbclient stored, with a note that it
runs in JupyterLab, instead of an empty output that needs a script from a CDN.
"""

import copy
import html
import re

FONT_STACK = ('system-ui, -apple-system, "Segoe UI", Helvetica, Arial, "Noto Sans CJK SC", "Noto Sans SC", '
              '"Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", '
              '"WenQuanYi Micro Hei", sans-serif')
CODE_FONT_STACK = ('Menlo, Consolas, "DejaVu Sans Mono", "Noto Sans Mono CJK SC", "Noto Sans CJK SC", '
                   '"Sarasa Mono SC", monospace')
CSS = f""":root {{
  --jp-content-font-family: {FONT_STACK};
  --jp-ui-font-family: {FONT_STACK};
  --jp-code-font-family: {CODE_FONT_STACK};
  --jp-code-font-family-default: {CODE_FONT_STACK};
}}
.sigcamp-widget {{ border: 1px dashed #9aa5b1; border-radius: 4px; padding: 8px 10px; margin: 4px 0; }}
.sigcamp-widget .sigcamp-widget-note {{ color: #52606d; font-size: 0.9em; margin-top: 6px; }}
.sigcamp-widget select, .sigcamp-widget button, .sigcamp-widget input {{ margin: 2px 6px 2px 0; }}
.sigcamp-widget .sigcamp-hbox {{ display: flex; flex-wrap: wrap; align-items: center; gap: 6px; }}
"""
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
NOTE = "Interactive in JupyterLab: open this chapter from your workspace (<code>make lab</code>) and run it."


def to_html(nb, *, lang="en"):
    """The notebook as one HTML page; widgets and fonts need nothing from the network."""
    from nbconvert import HTMLExporter

    nb = copy.deepcopy(nb)
    state = nb.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                view = data.pop(WIDGET_VIEW)
                data.pop("text/plain", None)  # the widget's repr says nothing to a reader
                data["text/html"] = static_widget(view.get("model_id"), state)
    body, _ = HTMLExporter().from_notebook_node(nb)
    body = re.sub(r"<html(\s[^>]*)?>", f'<html lang="{lang}">', body, count=1)
    return body.replace("</head>", f"<style>\n{CSS}</style>\n</head>", 1)


def write_html(nb, dest, *, lang="en"):
    """Write to_html(nb) to `dest` (parents created)."""
    from pathlib import Path

    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(to_html(nb, lang=lang), encoding="utf-8")


def static_widget(model_id, state):
    """A widget and its children as inert HTML, from a notebook's saved widget state."""
    inner = _render(model_id, state, depth=0) if model_id in state else \
        "<em>(an interactive panel; its state was not saved)</em>"
    return f'<div class="sigcamp-widget">{inner}<div class="sigcamp-widget-note">{NOTE}</div></div>'


def _render(model_id, state, depth):
    model = state.get(model_id)
    if model is None or depth > 20:
        return ""
    name, s = model.get("model_name", ""), model.get("state", {})
    esc = html.escape
    label = f"<label>{esc(str(s['description']))} </label>" if s.get("description") and name != "ButtonModel" else ""
    if name in ("VBoxModel", "BoxModel", "GridBoxModel", "AccordionModel", "TabModel", "StackModel"):
        return "<div>" + "".join(_render(_ref(c), state, depth + 1) for c in s.get("children", [])) + "</div>"
    if name == "HBoxModel":
        return ('<div class="sigcamp-hbox">'
                + "".join(_render(_ref(c), state, depth + 1) for c in s.get("children", [])) + "</div>")
    if name in ("DropdownModel", "SelectModel", "RadioButtonsModel", "ToggleButtonsModel"):
        options = "".join(f"<option{' selected' if i == s.get('index') else ''}>{esc(str(o))}</option>"
                          for i, o in enumerate(s.get("_options_labels", [])))
        return f"<span>{label}<select disabled>{options}</select></span>"
    if name == "ButtonModel":
        return f"<button disabled>{esc(str(s.get('description', '')))}</button>"
    if name in ("HTMLModel", "HTMLMathModel"):
        return f"<span>{label}{s.get('value', '')}</span>"
    if name in ("LabelModel", "TextModel", "TextareaModel", "IntTextModel", "FloatTextModel", "ValidModel"):
        return f"<span>{label}<code>{esc(str(s.get('value', '')))}</code></span>"
    if name in ("IntSliderModel", "FloatSliderModel", "IntProgressModel", "FloatProgressModel"):
        return f"<span>{label}<progress max='{s.get('max', 100)}' value='{s.get('value', 0)}'></progress> " \
               f"{esc(str(s.get('value', '')))}</span>"
    if name in ("CheckboxModel", "ToggleButtonModel"):
        return f"<span>{label}<input type='checkbox' disabled{' checked' if s.get('value') else ''}></span>"
    if name == "OutputModel":
        return "<div>" + "".join(_output_html(o) for o in s.get("outputs", [])) + "</div>"
    return f"<span>[{esc(name.removesuffix('Model') or 'widget')}]</span>"


def _ref(child):
    return child.removeprefix("IPY_MODEL_") if isinstance(child, str) else child


def _output_html(output):
    data = output.get("data", {})
    if "text/html" in data:
        return _joined(data["text/html"])
    if "image/png" in data:
        return f'<img src="data:image/png;base64,{_joined(data["image/png"]).strip()}">'
    text = output.get("text") if output.get("output_type") == "stream" else data.get("text/plain")
    return f"<pre>{html.escape(_joined(text))}</pre>" if text else ""


def _joined(value):
    return "".join(value) if isinstance(value, list) else str(value)
