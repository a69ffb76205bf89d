"""Pure figure builders, one module per kind: plain data in, a plotly figure or an SVG payload out.

No Streamlit and no model here. Tokens drawn inside a plotly figure go through common.plotly_text,
since plotly reads a small HTML subset in labels ("</s>", "<b>"); the SVG payloads travel as JSON
and reach the page through textContent (explorer/ui/common/components.py). Like BertViz's views the builders
validate shapes with clear messages, so a wrong call fails loudly instead of drawing a
plausible-looking but wrong picture.
"""
