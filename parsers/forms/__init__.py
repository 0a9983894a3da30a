"""Form schemas as data: one ``<version>.toml`` per form version, and the generated templates.

Loaded by ``parsers.schema``; ``template-<version>.xlsx`` is written by ``python -m parsers.template``.
"""
